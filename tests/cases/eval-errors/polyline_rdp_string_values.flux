import "array"
import "experimental/polyline"

array.from(rows: [{_time: 2021-01-01T00:00:00Z, _value: "high"}]) |> polyline.rdp()
