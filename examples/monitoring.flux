// Monitoring over the embedded store: half-hour CPU averages per host, memory use in
// percent (a join of two fields by pivot), and the hosts whose CPU crossed a threshold.
// Load the data first (scripts/demo.sh does all of it):
//   fluxi bucket create --data DIR metrics
//   fluxi write --data DIR --bucket metrics --precision s examples/data/metrics.lp
import "math"

start = 2026-01-01T00:00:00Z
stop = 2026-01-01T02:00:00Z
threshold = 70.0

cpu = from(bucket: "metrics")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user")

cpu
    |> aggregateWindow(every: 30m, fn: mean, createEmpty: false)
    |> map(fn: (r) => ({r with _value: math.round(x: r._value * 10.0) / 10.0}))
    |> keep(columns: ["_time", "_value", "host"])
    |> yield(name: "cpu_30m_mean")

from(bucket: "metrics")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "mem")
    |> last()
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
    |> map(fn: (r) => ({host: r.host, used_percent: math.round(x: float(v: r.used) / float(v: r.total) * 1000.0) / 10.0}))
    |> group()
    |> sort(columns: ["host"])
    |> yield(name: "mem_used_percent")

cpu
    |> filter(fn: (r) => r._value > threshold)
    |> group(columns: ["host"])
    |> reduce(
        identity: {alerts: 0, peak: 0.0},
        fn: (r, accumulator) => ({
            alerts: accumulator.alerts + 1,
            peak: if r._value > accumulator.peak then r._value else accumulator.peak,
        }),
    )
    |> yield(name: "cpu_alerts")
