// contrib/jsternberg/influxdb over the example bucket `metrics`: `from` is from + range
// (the first three cpu usage_user points of web-1, every minute from 2026-01-01T00:00:00Z,
// are 33.94, 33.10 and 36.04 in examples/data/metrics.lp), and `select` pivots the chosen
// fields of one measurement into columns without `_measurement`, `_start` and `_stop`.
import "contrib/jsternberg/influxdb"

influxdb.from(bucket: "metrics", start: 2026-01-01T00:00:00Z, stop: 2026-01-01T00:03:00Z)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user" and r.host == "web-1")
    |> yield(name: "from")

influxdb.select(
    from: "metrics",
    start: 2026-01-01T00:00:00Z,
    stop: 2026-01-01T00:03:00Z,
    m: "cpu",
    fields: ["usage_user", "usage_system"],
    where: (r) => r.host == "web-1",
) |> yield(name: "select")
