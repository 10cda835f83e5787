import "array"

data = array.from(rows: [
    {a: "x", b: "p", v: 1},
    {a: "y", b: "p", v: 2},
    {a: "x", b: "q", v: 3},
])

data |> group(columns: ["a"]) |> yield(name: "by")
data |> group(columns: ["a", "v"], mode: "except") |> yield(name: "except")
data |> group(columns: ["a"]) |> group() |> yield(name: "ungroup")
