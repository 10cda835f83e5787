// experimental/oee over an 8-hour shift: running 00:00-04:00 and 04:30-08:00 (7.5 h of
// 8 h planned: availability 0.9375); 1000 parts at an ideal 25 s each in 27000 s of
// running (performance 0.925925...); 10 bad parts (quality 0.99); oee is their product.
import "array"
import "experimental/oee"

production = array.from(rows: [
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T00:00:00Z, state: "running"},
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T04:00:00Z, state: "stopped"},
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T04:30:00Z, state: "running"},
])
    |> group(columns: ["_start", "_stop"])

parts = array.from(rows: [
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T00:00:00Z, partCount: 0, badCount: 0},
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T04:00:00Z, partCount: 500, badCount: 4},
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T07:59:00Z, partCount: 1000, badCount: 10},
])
    |> group(columns: ["_start", "_stop"])

oee.computeAPQ(
    productionEvents: production,
    partEvents: parts,
    runningState: "running",
    plannedTime: 8h,
    idealCycleTime: 25s,
)
    |> yield(name: "computeAPQ")

// APQ reads one stream holding both: the same shift, so the same numbers.
array.from(rows: [
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T00:00:00Z, state: "running", partCount: 0, badCount: 0},
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T04:00:00Z, state: "stopped", partCount: 500, badCount: 4},
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T04:30:00Z, state: "running", partCount: 500, badCount: 4},
    {_start: 2021-06-01T00:00:00Z, _stop: 2021-06-01T08:00:00Z, _time: 2021-06-01T07:59:00Z, state: "running", partCount: 1000, badCount: 10},
])
    |> group(columns: ["_start", "_stop"])
    |> oee.APQ(runningState: "running", plannedTime: 8h, idealCycleTime: 25s)
    |> yield(name: "APQ")
