// integral sums trapezoids between rows (a repeated time keeps its first row, nulls are
// skipped); with `interpolate: "linear"` the first and last segments are extended to the
// table's _start and _stop, and a single value counts over the whole range.
// timeWeightedAvg divides that interpolated area by the range; timedMovingAverage averages
// `period`-long windows every `every`, stamped with the window's stop.
import "array"
import "internal/debug"

flow = array.from(rows: [
    {_time: 2024-02-01T10:00:20Z, _value: 2.0, pipe: "p1"},
    {_time: 2024-02-01T10:00:40Z, _value: 6.0, pipe: "p1"},
    {_time: 2024-02-01T10:00:40Z, _value: 50.0, pipe: "p1"},
    {_time: 2024-02-01T10:01:00Z, _value: debug.null(type: "float"), pipe: "p1"},
    {_time: 2024-02-01T10:01:20Z, _value: 4.0, pipe: "p1"},
    {_time: 2024-02-01T10:00:30Z, _value: 8.0, pipe: "p2"},
])
    |> group(columns: ["pipe"])
    |> range(start: 2024-02-01T10:00:00Z, stop: 2024-02-01T10:02:00Z)

flow |> integral(unit: 10s) |> yield(name: "plain")
flow |> integral(unit: 10s, interpolate: "linear") |> yield(name: "linear")
flow |> timeWeightedAvg(unit: 1m) |> yield(name: "twa")

array.from(rows: [
    {_time: 2024-02-01T10:00:00Z, _value: 1.0},
    {_time: 2024-02-01T10:00:10Z, _value: 3.0},
    {_time: 2024-02-01T10:00:20Z, _value: 5.0},
    {_time: 2024-02-01T10:00:30Z, _value: 7.0},
    {_time: 2024-02-01T10:00:40Z, _value: 9.0},
])
    |> range(start: 2024-02-01T10:00:00Z, stop: 2024-02-01T10:01:00Z)
    |> timedMovingAverage(every: 20s, period: 40s)
    |> yield(name: "tma")
