// aggregate.rate: the non-negative per-second rate of each counter, averaged per 20 s
// window, then summed over the series that share `groupColumns`.
// Counter x grows 10 per 10 s (1/s), then 30 (3/s); y grows 20 per 10 s (2/s) but resets at 00:30
// (that drop gives no rate). Both have host "h", so grouped by host the rates add up.
import "array"
import "experimental/aggregate"

array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, host: "h", id: "x", _value: 0},
    {_time: 2021-01-01T00:00:10Z, host: "h", id: "x", _value: 10},
    {_time: 2021-01-01T00:00:20Z, host: "h", id: "x", _value: 20},
    {_time: 2021-01-01T00:00:30Z, host: "h", id: "x", _value: 50},
    {_time: 2021-01-01T00:00:00Z, host: "h", id: "y", _value: 100},
    {_time: 2021-01-01T00:00:10Z, host: "h", id: "y", _value: 120},
    {_time: 2021-01-01T00:00:20Z, host: "h", id: "y", _value: 140},
    {_time: 2021-01-01T00:00:30Z, host: "h", id: "y", _value: 0},
])
    |> group(columns: ["host", "id"])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:00:40Z)
    // windows [00, 20): x's rate at 10 s is 1, y's 2 -> 3;
    // [20, 40): x's rates at 20 and 30 s are 1 and 3 (mean 2), y's at 20 s is 2 (the
    // reset at 30 s gives no rate) -> 2 + 2 = 4
    |> aggregate.rate(every: 20s, groupColumns: ["host"])
