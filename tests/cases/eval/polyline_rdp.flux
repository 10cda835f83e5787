// experimental/polyline.rdp keeps the group key and `_time`/`_value` of the points that
// Ramer-Douglas-Peucker keeps. Times are in nanoseconds, so over minutes the
// perpendicular distance from a segment is, to many digits, the vertical one.
// Series a, one point a minute: 0, 1, 10, 2, 4, -8, 0.
import "array"
import "experimental/polyline"

a = array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, t: "a", _value: 0.0, other: "x"},
    {_time: 2021-01-01T00:01:00Z, t: "a", _value: 1.0, other: "x"},
    {_time: 2021-01-01T00:02:00Z, t: "a", _value: 10.0, other: "x"},
    {_time: 2021-01-01T00:03:00Z, t: "a", _value: 2.0, other: "x"},
    {_time: 2021-01-01T00:04:00Z, t: "a", _value: 4.0, other: "x"},
    {_time: 2021-01-01T00:05:00Z, t: "a", _value: -8.0, other: "x"},
    {_time: 2021-01-01T00:06:00Z, t: "a", _value: 0.0, other: "x"},
])
    |> group(columns: ["t"])

// Segment 0-6 (y = 0): farthest is 10 at minute 2, kept. 0-2: minute 1 is 4 off (< 5.5),
// dropped. 2-6 (10 to 0): minute 5 is 10.5 off, kept. 2-5 (10 to -8): minute 4 is 6 off,
// kept. 2-4 (10 to 4): minute 3 is 5 off, dropped. Kept: minutes 0, 2, 4, 5, 6.
a |> polyline.rdp(epsilon: 5.5) |> yield(name: "epsilon")

// Weights: ends infinite, minute 5 10.5, minute 2 10, then 6, 5, 4. 60% of 7 points is 4:
// the ends, minutes 5 and 2.
a |> polyline.rdp(retention: 60.0) |> yield(name: "retention")

// A straight integer series in another column: no point is off the line, below the
// learned tolerance (about 1 for segments minutes long), so only the ends stay.
array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, v: 0},
    {_time: 2021-01-01T00:01:00Z, v: 10},
    {_time: 2021-01-01T00:02:00Z, v: 20},
    {_time: 2021-01-01T00:03:00Z, v: 30},
    {_time: 2021-01-01T00:04:00Z, v: 40},
])
    |> polyline.rdp(valColumn: "v")
    |> yield(name: "auto_straight")

// A bump of 5 is well above it: every point stays.
array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: 0.0},
    {_time: 2021-01-01T00:01:00Z, _value: 0.0},
    {_time: 2021-01-01T00:02:00Z, _value: 5.0},
    {_time: 2021-01-01T00:03:00Z, _value: 5.0},
])
    |> polyline.rdp()
    |> yield(name: "auto_bump")
