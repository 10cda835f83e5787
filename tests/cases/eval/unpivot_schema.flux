// experimental.unpivot turns each column outside the group key and `otherColumns` into
// rows of `_field`/`_value` (skipping nulls), one table per field; schema.fieldsAsCols
// (also as v1.fieldsAsCols) pivots fields back into columns; the schema helpers read the
// bucket through `option schema._from`.
import "array"
import "experimental"
import "internal/debug"
import "influxdata/influxdb/schema"
import "influxdata/influxdb/v1"

wide = array.from(rows: [
    {_time: 2024-06-01T08:00:00Z, room: "kitchen", temp: 21.5, hum: 40.0},
    {_time: 2024-06-01T08:05:00Z, room: "kitchen", temp: 21.9, hum: debug.null(type: "float")},
])
    |> group(columns: ["room"])

wide |> experimental.unpivot() |> yield(name: "unpivot")
wide
    |> experimental.unpivot(otherColumns: ["_time", "_field"])
    |> yield(name: "field_not_in_key")

long = array.from(rows: [
    {_time: 2024-06-01T08:00:00Z, _measurement: "air", room: "hall", _field: "co2", _value: 410.0},
    {_time: 2024-06-01T08:00:00Z, _measurement: "air", room: "hall", _field: "temp", _value: 19.0},
    {_time: 2024-06-01T08:05:00Z, _measurement: "air", room: "hall", _field: "co2", _value: 455.0},
    {_time: 2024-06-01T08:05:00Z, _measurement: "air", room: "attic", _field: "temp", _value: 27.5},
])
    |> group(columns: ["_measurement", "room", "_field"])

long |> schema.fieldsAsCols() |> yield(name: "fields_as_cols")
long |> v1.fieldsAsCols() |> filter(fn: (r) => r.room == "attic") |> yield(name: "v1")

option schema._from = (bucket) => long

schema.tagValues(bucket: "home", tag: "room", start: 2024-06-01T00:00:00Z, stop: 2024-06-02T00:00:00Z)
    |> sort()
    |> yield(name: "rooms")
schema.measurementFieldKeys(bucket: "home", measurement: "air", start: 2024-06-01T00:00:00Z, stop: 2024-06-02T00:00:00Z)
    |> sort()
    |> yield(name: "fields")
schema.tagKeys(
    bucket: "home",
    predicate: (r) => r.room == "attic",
    start: 2024-06-01T00:00:00Z,
    stop: 2024-06-02T00:00:00Z,
)
    |> sort()
    |> yield(name: "attic_tags")
