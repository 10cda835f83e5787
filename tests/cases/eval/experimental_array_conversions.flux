// experimental/array's to* functions convert every element as the universe conversion
// of that type converts one value.
import "experimental/array"

rows = (arr) => array.map(arr: arr, fn: (x) => ({v: x}))

array.from(rows: rows(arr: [1, 0, 1] |> array.toBool())) |> yield(name: "bool")
array.from(rows: rows(arr: ["1h", "90m"] |> array.toDuration() |> array.map(fn: (x) => string(v: x))))
    |> yield(name: "duration")
array.from(rows: rows(arr: ["1.5", "-2", "+Inf"] |> array.toFloat())) |> yield(name: "float")
// floats are truncated toward zero
array.from(rows: rows(arr: [2.9, -2.9] |> array.toInt())) |> yield(name: "int")
array.from(rows: rows(arr: [1.5, 2.0] |> array.toString())) |> yield(name: "string")
array.from(rows: rows(arr: ["2021-01-01T00:00:00Z", "2021-06-01"] |> array.toTime()))
    |> yield(name: "time")
array.from(rows: rows(arr: [3, 7] |> array.toUInt())) |> yield(name: "uint")
