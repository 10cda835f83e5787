import "array"
import "experimental/polyline"

// 10% of 3 points is less than one point.
array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: 1.0},
    {_time: 2021-01-01T00:01:00Z, _value: 2.0},
    {_time: 2021-01-01T00:02:00Z, _value: 3.0},
])
    |> polyline.rdp(retention: 10.0)
