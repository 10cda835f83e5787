// events.duration: each row's time to the next row's in whole units (default 1s,
// truncated); the last row counts to `stop`, or else to its own _stop.
import "array"
import "contrib/tomhollingworth/events"

data = array.from(rows: [
    {_time: 2022-03-01T00:00:00Z, state: "ok", site: "x"},
    {_time: 2022-03-01T00:10:30Z, state: "warn", site: "x"},
    {_time: 2022-03-01T00:25:59Z, state: "ok", site: "x"},
    {_time: 2022-03-01T02:00:00Z, state: "crit", site: "y"},
])
    |> group(columns: ["site"])
    |> range(start: 2022-03-01T00:00:00Z, stop: 2022-03-01T03:00:00Z)

data |> events.duration() |> yield(name: "to_stop_column")
data |> events.duration(unit: 1m, columnName: "minutes", stop: 2022-03-01T01:00:00Z)
    |> yield(name: "to_stop_minutes")
