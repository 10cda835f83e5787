import "array"
import "interpolate"

array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: 1.0, host: "a"},
    {_time: 2021-01-03T00:00:00Z, _value: 3.0, host: "b"},
])
    |> interpolate.linear(every: 1d)
