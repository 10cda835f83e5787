import "array"

data = array.from(rows: [{_value: "a", n: 1}, {_value: "b", n: 2}, {_value: "a", n: 3}, {_value: "c", n: 4}, {_value: "b", n: 5}])

data |> distinct() |> yield(name: "distinct")
data |> unique() |> yield(name: "unique")
data |> mode() |> yield(name: "mode")
data |> columns() |> yield(name: "columns")
data |> group(columns: ["_value"]) |> keys() |> yield(name: "keys")
