// Calendar windows: months have their own lengths; the range clips the first and last.
import "array"

array.from(rows: [
    {_time: 2020-01-31T12:00:00Z, _value: 1},
    {_time: 2020-02-29T12:00:00Z, _value: 2},
    {_time: 2020-03-01T00:00:00Z, _value: 3},
])
    |> range(start: 2020-01-15T00:00:00Z, stop: 2020-03-15T00:00:00Z)
    |> window(every: 1mo)
    |> sum()
