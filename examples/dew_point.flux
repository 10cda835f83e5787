// Condensation risk: the dew point needs temperature and humidity of the same reading, so
// the two fields are turned into columns with pivot, then combined with the Magnus
// formula. Greenhouses flag a device when the air is within 2 °C of its dew point, and
// when the air is too dry (below 40 % relative humidity).
// Data: examples/data/sensors.lp (bucket "sensors").
import "math"

from(bucket: "sensors")
    |> range(start: 2026-03-02T08:00:00Z, stop: 2026-03-02T09:00:00Z)
    |> filter(fn: (r) => r._measurement == "climate")
    |> aggregateWindow(every: 20m, fn: mean, createEmpty: false)
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
    |> map(
        fn: (r) => {
            t = (r.temp_f - 32.0) * 5.0 / 9.0
            g = math.log(x: r.humidity / 100.0) + 17.62 * t / (243.12 + t)
            dew = 243.12 * g / (17.62 - g)

            return {
                _time: r._time,
                device: r.device,
                temp_c: math.round(x: t * 10.0) / 10.0,
                humidity: math.round(x: r.humidity * 10.0) / 10.0,
                dew_point_c: math.round(x: dew * 10.0) / 10.0,
                status: if t - dew < 2.0 then "condensation" else if r.humidity < 40.0 then "too dry" else "ok",
            }
        },
    )
    |> group()
    |> sort(columns: ["device", "_time"])
    |> yield(name: "dew_point")
