import "influxdata/influxdb/schema"

m = schema.measurements(bucket: "b")
t = schema.tagValues(bucket: "b", tag: "host")
wide = from(bucket: "b") |> range(start: -1h) |> schema.fieldsAsCols()
