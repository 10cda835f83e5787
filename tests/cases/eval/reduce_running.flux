import "array"

data = array.from(rows: [{g: "x", v: 2}, {g: "x", v: 3}, {g: "y", v: 10}]) |> group(columns: ["g"])

data
    |> reduce(identity: {n: 0, total: 0, product: 1}, fn: (r, accumulator) => ({
        n: accumulator.n + 1,
        total: accumulator.total + r.v,
        product: accumulator.product * r.v,
    }))
    |> yield(name: "reduce")
data |> cumulativeSum(columns: ["v"]) |> yield(name: "cumulative")
data |> top(n: 1, columns: ["v"]) |> yield(name: "top")
data |> bottom(n: 1, columns: ["v"]) |> yield(name: "bottom")
