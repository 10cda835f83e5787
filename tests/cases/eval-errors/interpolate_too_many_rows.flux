import "array"
import "interpolate"

array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: 1.0},
    {_time: 2022-01-01T00:00:00Z, _value: 3.0},
])
    |> interpolate.linear(every: 1s)
