// Adelaide is UTC+9:30, and +10:30 in its summer: daily windows follow local midnight
// through the April and October changes (a 30-minute zone with DST).
import "array"
import "timezone"

array.from(rows: [
    {_time: 2021-04-03T12:00:00+10:30, _value: 1},
    {_time: 2021-04-04T12:00:00+09:30, _value: 2},
    {_time: 2021-10-03T12:00:00+10:30, _value: 3},
])
    |> range(start: 2021-04-03T00:00:00+10:30, stop: 2021-10-04T00:00:00+10:30)
    |> aggregateWindow(every: 1d, fn: sum, createEmpty: false, location: timezone.location(name: "Australia/Adelaide"))
