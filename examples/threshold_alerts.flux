// Threshold alerting on greenhouse temperatures, the way a monitoring check works: classify
// every reading as ok, warn or crit, report each change of level, fire a debounced alert
// only after three critical readings in a row, and emit a check's status table every ten
// minutes with a message for the notification endpoint.
// Shows map with if/else levels, difference on a severity code to find state changes,
// stateCount for consecutive critical readings, aggregateWindow for a periodic check, and
// string interpolation (overheat_alerts.flux measures the critical time with stateDuration).
// Data: examples/data/sensors.lp (bucket "sensors").
import "math"

start = 2026-03-02T08:00:00Z
stop = 2026-03-02T09:00:00Z
warn = 30.0
crit = 35.0

level = (t) => if t >= crit then "crit" else if t >= warn then "warn" else "ok"
severity = (t) => if t >= crit then 2 else if t >= warn then 1 else 0

celsius = from(bucket: "sensors")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "climate" and r._field == "temp_f")
    |> map(fn: (r) => ({r with _value: math.round(x: (r._value - 32.0) * 5.0 / 9.0 * 10.0) / 10.0}))
    |> keep(columns: ["_time", "_value", "site", "device"])

// Every change of level (the first reading of each device only sets the baseline).
celsius
    |> map(fn: (r) => ({r with level: level(t: r._value), severity: severity(t: r._value)}))
    |> difference(columns: ["severity"])
    |> filter(fn: (r) => r.severity != 0)
    |> map(fn: (r) => ({r with change: if r.severity > 0 then "raised" else "cleared"}))
    |> drop(columns: ["severity"])
    |> yield(name: "level_changes")

// Debounced alert: one critical reading may be a glitch; the third in a row fires the
// alert. stateCount numbers the readings of each critical streak (-1 outside one).
celsius
    |> stateCount(fn: (r) => r._value >= crit, column: "crit_streak")
    |> filter(fn: (r) => r.crit_streak == 3)
    |> map(fn: (r) => ({r with _message: "${r.device} critical for 3 readings, now ${string(v: r._value)}°C"}))
    |> yield(name: "debounced_crit")

// The check: every 10 minutes, the hottest reading per device decides its status; only the
// non-ok statuses become alerts.
celsius
    |> aggregateWindow(every: 10m, fn: max, createEmpty: false)
    |> map(fn: (r) => ({
        _time: r._time,
        device: r.device,
        site: r.site,
        _level: level(t: r._value),
        _message: "${r.device} in ${r.site}: max ${string(v: r._value)}°C over the last 10m",
    }))
    |> filter(fn: (r) => r._level != "ok")
    |> group()
    |> yield(name: "alerts")
