// Mean CPU use per host over the last hour, in 5-minute windows, flagged above 80%.
import "strings"

threshold = 80.0

from(bucket: "telegraf")
    |> range(start: -1h)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user" and r.cpu == "cpu-total")
    |> aggregateWindow(every: 5m, fn: mean, createEmpty: false)
    |> map(fn: (r) => ({r with level: if r._value > threshold then "crit" else "ok", host: strings.toUpper(v: r.host)}))
    |> yield(name: "cpu_alerts")
