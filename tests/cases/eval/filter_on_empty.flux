import "array"

data = array.from(rows: [{k: "a", v: 1}, {k: "b", v: 2}]) |> group(columns: ["k"])

data |> filter(fn: (r) => r.v > 1) |> count(column: "v") |> yield(name: "dropped")
data |> filter(fn: (r) => r.v > 1, onEmpty: "keep") |> count(column: "v") |> yield(name: "kept")
