// experimental.alignTime moves each table's times so that its first time is `alignTo`
// (month-over-month comparison, as in the docs); experimental.preview keeps the first
// `nrows` rows of the first `ntables` tables.
import "array"
import "experimental"

data = array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: 32.1},
    {_time: 2021-01-02T00:00:00Z, _value: 32.9},
    {_time: 2021-01-03T12:00:00Z, _value: 33.2},
    {_time: 2021-02-01T00:00:00Z, _value: 38.3},
    {_time: 2021-02-02T00:00:00Z, _value: 38.4},
    {_time: 2021-02-04T06:00:00Z, _value: 37.5},
])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-03-01T00:00:00Z)

// January's table is already at 2021-01-01; February's moves back by 31 days
// (2021-02-04T06:00 is 3 days 6 hours after its first time, so 2021-01-04T06:00).
data
    |> window(every: 1mo)
    |> experimental.alignTime(alignTo: 2021-01-01T00:00:00Z)
    |> yield(name: "aligned")

// With the default alignTo (the epoch) January starts at 1970-01-01.
data
    |> filter(fn: (r) => r._time < 2021-02-01T00:00:00Z)
    |> experimental.alignTime()
    |> yield(name: "epoch")

tags = array.from(rows: [
    {t: "a", _value: 1}, {t: "a", _value: 2}, {t: "a", _value: 3},
    {t: "b", _value: 4},
    {t: "c", _value: 5}, {t: "c", _value: 6},
])
    |> group(columns: ["t"])

// a: 1, 2; b: 4; c is past ntables
tags |> experimental.preview(nrows: 2, ntables: 2) |> yield(name: "preview")
// the defaults (5 rows, 5 tables) keep all of this small stream
tags |> experimental.preview() |> yield(name: "preview_defaults")
// no rows of any table
tags |> experimental.preview(nrows: 0) |> yield(name: "preview_zero_rows")
