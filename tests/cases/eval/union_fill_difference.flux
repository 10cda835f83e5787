import "array"
import "internal/debug"

a = array.from(rows: [{_time: 2021-01-01T00:00:00Z, _value: 1}])
b = array.from(rows: [{_time: 2021-01-01T00:00:10Z, _value: 4}])

union(tables: [a, b]) |> yield(name: "union")

gappy = array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: debug.null(type: "int")},
    {_time: 2021-01-01T00:00:10Z, _value: 5},
    {_time: 2021-01-01T00:00:20Z, _value: debug.null(type: "int")},
    {_time: 2021-01-01T00:00:30Z, _value: 2},
])

gappy |> fill(value: 0) |> yield(name: "fill_value")
gappy |> fill(usePrevious: true) |> yield(name: "fill_previous")
gappy |> difference() |> yield(name: "difference")
gappy |> difference(nonNegative: true, keepFirst: true) |> yield(name: "difference_nonnegative")
