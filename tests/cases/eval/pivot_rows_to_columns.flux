// pivot: one row per rowKey, one column per columnKey value; missing cells are null.
import "array"

array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _field: "temp", _value: 21.5, room: "kitchen"},
    {_time: 2021-01-01T00:00:00Z, _field: "hum", _value: 40.0, room: "kitchen"},
    {_time: 2021-01-01T00:01:00Z, _field: "temp", _value: 22.0, room: "kitchen"},
])
    |> group(columns: ["room"])
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
