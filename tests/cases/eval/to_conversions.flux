import "array"

data = array.from(rows: [{_value: 0}, {_value: 1}])

data |> toFloat() |> yield(name: "float")
data |> toString() |> yield(name: "string")
data |> toBool() |> yield(name: "bool")
