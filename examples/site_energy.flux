// Energy against climate per site: total power draw of each site's meters (sum over the
// meters, then a mean per half hour) joined with the site's mean temperature over the same
// half hours (join.inner on site and time), the usual "what does cooling cost" report.
// Data: examples/data/power.lp (bucket "power") and examples/data/sensors.lp ("sensors").
import "join"
import "math"

start = 2026-03-02T08:00:00Z
stop = 2026-03-02T09:00:00Z

power = from(bucket: "power")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "power" and r._field == "watts")
    |> group(columns: ["site", "_time"])
    |> sum()
    |> group(columns: ["site"])
    |> aggregateWindow(every: 30m, fn: mean, createEmpty: false)
    |> keep(columns: ["_time", "_value", "site"])

temperature = from(bucket: "sensors")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "climate" and r._field == "temp_f")
    |> group(columns: ["site"])
    |> aggregateWindow(every: 30m, fn: mean, createEmpty: false)
    |> keep(columns: ["_time", "_value", "site"])

join.inner(
    left: power,
    right: temperature,
    on: (l, r) => l.site == r.site and l._time == r._time,
    as: (l, r) => ({
        _time: l._time,
        site: l.site,
        kw: math.round(x: l._value / 10.0) / 100.0,
        temp_c: math.round(x: (r._value - 32.0) * 50.0 / 9.0) / 10.0,
    }),
)
    |> group()
    |> sort(columns: ["site", "_time"])
    |> yield(name: "site_energy")
