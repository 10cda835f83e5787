// Greenhouse climate dashboard: sensors report degrees Fahrenheit; the dashboard shows
// ten-minute mean temperatures in Celsius per device (unit conversion with map, windows
// with aggregateWindow), the way a Grafana panel over an IoT bucket is usually built.
// Data: examples/data/sensors.lp (bucket "sensors"; scripts/demo.sh loads it).
import "math"

from(bucket: "sensors")
    |> range(start: 2026-03-02T08:00:00Z, stop: 2026-03-02T09:00:00Z)
    |> filter(fn: (r) => r._measurement == "climate" and r._field == "temp_f")
    |> map(fn: (r) => ({r with _value: (r._value - 32.0) * 5.0 / 9.0, _field: "temp_c"}))
    |> aggregateWindow(every: 10m, fn: mean, createEmpty: false)
    |> map(fn: (r) => ({r with _value: math.round(x: r._value * 10.0) / 10.0}))
    |> keep(columns: ["_time", "_value", "device", "site"])
    |> yield(name: "temp_c_10m")
