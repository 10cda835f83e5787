// influxdb.cardinality over the metrics bucket: 3 hosts × (cpu: 2 fields, mem: 2
// fields) and one disk series (1 field, a point every 10 minutes from 00:00) make 13
// series. The expected counts were computed from metrics.lp by a separate script.
import "influxdata/influxdb"

option now = () => 2030-01-01T00:00:00Z

influxdb.cardinality(bucket: "metrics", start: 2026-01-01T00:00:00Z, stop: 2026-01-01T02:00:00Z)
    |> yield(name: "all")

// The disk series has no point between 00:01 and 00:09.
influxdb.cardinality(bucket: "metrics", start: 2026-01-01T00:01:00Z, stop: 2026-01-01T00:09:00Z)
    |> yield(name: "no_disk")

influxdb.cardinality(
    bucket: "metrics",
    start: 2026-01-01T00:00:00Z,
    stop: 2026-01-01T02:00:00Z,
    predicate: (r) => r.host == "web-1",
)
    |> yield(name: "web_1")

influxdb.cardinality(
    bucket: "metrics",
    start: 2026-01-01T00:00:00Z,
    stop: 2026-01-01T02:00:00Z,
    predicate: (r) => r._measurement == "cpu",
)
    |> yield(name: "cpu")

influxdb.cardinality(
    bucket: "metrics",
    start: 2026-01-01T00:00:00Z,
    stop: 2026-01-01T02:00:00Z,
    predicate: (r) => r._field == "usage_user",
)
    |> yield(name: "usage_user")

// Nothing before the data starts.
influxdb.cardinality(bucket: "metrics", start: 2025-12-31T23:00:00Z, stop: 2026-01-01T00:00:00Z)
    |> yield(name: "before")

// `stop` defaults to now(), and `start` may be a duration before it.
influxdb.cardinality(bucket: "metrics", start: -5y)
    |> yield(name: "relative")
