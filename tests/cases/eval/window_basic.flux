// window: rows go to every window that contains them; bounds are clipped to the range;
// createEmpty emits empty windows too; offset shifts the boundaries.
import "array"

data = array.from(rows: [
    {_time: 2021-01-01T00:00:05Z, _value: 1},
    {_time: 2021-01-01T00:00:15Z, _value: 2},
    {_time: 2021-01-01T00:00:45Z, _value: 3},
])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:01:00Z)

data |> window(every: 20s) |> yield(name: "every20")
data |> window(every: 20s, createEmpty: true) |> count() |> yield(name: "empty_counted")
data |> window(every: 30s, offset: 5s) |> yield(name: "offset")
data |> window(every: 20s, period: 40s) |> count() |> yield(name: "overlapping")
