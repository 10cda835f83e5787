import "influxdata/influxdb"

influxdb.cardinality(bucket: "nope", start: 2026-01-01T00:00:00Z, stop: 2026-01-02T00:00:00Z)
