import "array"

array.from(rows: [{a: 1}]) |> yield(name: "r")
array.from(rows: [{a: 2}]) |> yield(name: "r")
