import "array"

array.from(rows: [{_value: 1.0}]) |> holtWinters(n: 3, interval: 1m)
