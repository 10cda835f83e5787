// Data quality for IoT telemetry: sensors should report once a minute, but radios drop out.
// How complete is each device's hour, exactly when were the gaps, and a gap-free 5-minute
// series for a chart that carries the last known value across an outage.
// Shows count against an expected count, elapsed between consecutive readings, time
// arithmetic on int nanoseconds, aggregateWindow with createEmpty: true, and
// fill(usePrevious: true) (overheat_alerts.flux lists the empty 5-minute windows).
// The pattern: a completeness report before trusting, or alerting on, device data.
// Data: examples/data/sensors.lp (bucket "sensors").
import "math"

start = 2026-03-02T08:00:00Z
stop = 2026-03-02T09:00:00Z
// One reading a minute over the hour.
expected = 60

temps = from(bucket: "sensors")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "climate" and r._field == "temp_f")

// Completeness per device.
temps
    |> count()
    |> map(fn: (r) => ({
        device: r.device,
        readings: r._value,
        missing: expected - r._value,
        complete_percent: math.round(x: float(v: r._value) / float(v: expected) * 1000.0) / 10.0,
    }))
    |> group()
    |> sort(columns: ["device"])
    |> yield(name: "completeness")

// Every gap longer than the one-minute reporting interval: elapsed is the time since the
// device's previous reading, so the reading before the gap came that many minutes earlier.
temps
    |> elapsed(unit: 1m)
    |> filter(fn: (r) => r.elapsed > 1)
    |> map(fn: (r) => ({
        device: r.device,
        last_seen: time(v: int(v: r._time) - r.elapsed * int(v: 1m)),
        back_at: r._time,
        silent_minutes: r.elapsed,
    }))
    |> yield(name: "gaps")

// A chart series for the device with the long outage: 5-minute means; the windows without a
// reading get the previous window's mean.
temps
    |> filter(fn: (r) => r.device == "th-03")
    |> aggregateWindow(every: 5m, fn: mean, createEmpty: true)
    |> fill(usePrevious: true)
    |> map(fn: (r) => ({r with _value: math.round(x: r._value * 10.0) / 10.0}))
    |> keep(columns: ["_time", "_value", "device"])
    |> yield(name: "th03_filled")
