// aggregateWindow stamps each window's stop as _time; empty windows give null (or 0 for
// count); the result has the range bounds as _start/_stop.
import "array"

data = array.from(rows: [
    {_time: 2021-01-01T00:00:05Z, _value: 1.0, host: "a"},
    {_time: 2021-01-01T00:00:15Z, _value: 3.0, host: "a"},
    {_time: 2021-01-01T00:00:45Z, _value: 5.0, host: "a"},
])
    |> group(columns: ["host"])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:01:00Z)

data |> aggregateWindow(every: 20s, fn: mean) |> yield(name: "mean")
data |> aggregateWindow(every: 20s, fn: count) |> yield(name: "count")
data |> aggregateWindow(every: 20s, fn: max, createEmpty: false, timeSrc: "_start") |> yield(name: "max_start")
