// Function literals: no params, one, several, defaults, pipe parameter, block bodies,
// returned records, closures, functions as arguments.
f0 = () => 1
f1 = (x) => x
f2 = (x, y) => x + y
f3 = (x, y=2) => x + y
f4 = (x=1) => x
f5 = (tables=<-, fn) => tables |> filter(fn: fn)
f6 = (tables=<-) => tables
f7 = (r) => ({r with _value: r._value * 2})
f8 = (x) => {
    y = x * 2
    z = y + 1
    return z
}
f9 = (a) => (b) => a + b
f10 = (x,) => x
f11 = (column="_value", tables=<-) => tables |> max(column)
f12 = () => {
    return {a: 1}
}
f13 = (x) => if x > 0 then "pos" else "neg"
f14 = (r) => r._value > 0 and r.host == "a"
r = ((x) => x * 2)(x: 21)
