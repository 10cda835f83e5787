import "array"

data = array.from(rows: [
    {g: "a", _value: 1.0},
    {g: "a", _value: 4.0},
    {g: "a", _value: 2.5},
    {g: "b", _value: 10.0},
]) |> group(columns: ["g"])

data |> count() |> yield(name: "count")
data |> sum() |> yield(name: "sum")
data |> mean() |> yield(name: "mean")
data |> spread() |> yield(name: "spread")
data |> stddev() |> yield(name: "stddev")
data |> min() |> yield(name: "min")
data |> max() |> yield(name: "max")
data |> first() |> yield(name: "first")
data |> last() |> yield(name: "last")
