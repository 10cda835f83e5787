// stateTracking counts consecutive rows where `fn` holds and measures how long it has
// held (-1 where it does not); linearBins and logarithmicBins build histogram bounds.
import "array"

array.from(rows: [
    {_time: 2024-03-01T00:00:00Z, _value: 3},
    {_time: 2024-03-01T00:00:30Z, _value: 7},
    {_time: 2024-03-01T00:01:30Z, _value: 8},
    {_time: 2024-03-01T00:02:00Z, _value: 2},
    {_time: 2024-03-01T00:03:00Z, _value: 9},
    {_time: 2024-03-01T00:05:00Z, _value: 6},
])
    |> stateTracking(fn: (r) => r._value > 5, countColumn: "n", durationColumn: "held", durationUnit: 1m)
    |> yield(name: "tracked")

linear = linearBins(start: 0.5, width: 0.25, count: 4)
logarithmic = logarithmicBins(start: 1.0, factor: 10.0, count: 3, infinity: false)

array.from(rows: [
    {kind: "linear", n: length(arr: linear), first: linear[0], last: linear[4]},
    {kind: "logarithmic", n: length(arr: logarithmic), first: logarithmic[0], last: logarithmic[2]},
])
    |> yield(name: "bins")
