// Daily windows in New York across the spring-forward and fall-back changes: the days
// are 23 and 25 hours long, and every window starts at local midnight.
import "array"
import "timezone"

option location = timezone.location(name: "America/New_York")

array.from(rows: [
    {_time: 2021-03-13T12:00:00-05:00, _value: 1},
    {_time: 2021-03-14T12:00:00-04:00, _value: 2},
    {_time: 2021-03-15T12:00:00-04:00, _value: 3},
    {_time: 2021-11-06T12:00:00-04:00, _value: 4},
    {_time: 2021-11-07T12:00:00-05:00, _value: 5},
])
    |> range(start: 2021-03-13T00:00:00-05:00, stop: 2021-11-08T00:00:00-05:00)
    |> window(every: 1d)
    |> sum()
