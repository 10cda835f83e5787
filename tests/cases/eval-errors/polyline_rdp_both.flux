import "array"
import "experimental/polyline"

array.from(rows: [{_time: 2021-01-01T00:00:00Z, _value: 1.0}])
    |> polyline.rdp(epsilon: 1.0, retention: 50.0)
