builtin sum : (<-tables: stream[A], ?column: string) => stream[A] where A: Record
builtin veryLongBuiltinName : (
        <-tables: stream[A],
        ?firstColumn: string,
        ?secondColumn: string,
        ?third: [string],
    ) => stream[B]
    where
    A: Record,
    B: Record
add = (a, b=1) => a + b
f = (tables=<-, n) => {
    g = (x) => {
        y = if x > n then x else n
        return y * 2
    }
    return
        tables
            |> map(fn: (r) => ({r with _value: g(x: r._value)}))
            |> filter(fn: (r) => r._value > 0)
}
pick = (v) =>
    if v > 100000000 then
        "a very large value indeed"
    else if v > 1000 then
        "a large value"
    else
        "small"
neg = -(a + b)
n = not (a and b) or c
msg = "value: ${r._value} \${not interpolated} \"quoted\""
@edition("2022.1")
testcase t extends "flux/x" {
    got = 1
    want = 1

    testing.assertEqualValues(want: want, got: got)
}
