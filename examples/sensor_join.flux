// Two greenhouse metrics that need temperature and humidity together, paired two ways:
// join.time on the window times of each device, and pivot of the fields into columns.
// Shows aggregateWindow per field, group so that both join inputs have identical group keys,
// join.time with an `as` function, pivot, and math.exp for absolute humidity (grams of water
// per m³ of air) and the vapour pressure deficit (VPD, kPa) that growers steer by
// (dew_point.flux pairs the same fields with pivot for the dew point).
// The pattern: combining two series of one device into a derived value.
// Data: examples/data/sensors.lp (bucket "sensors").
import "join"
import "math"

start = 2026-03-02T08:00:00Z
stop = 2026-03-02T09:00:00Z

climate = (field) => from(bucket: "sensors")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "climate" and r._field == field)
    |> aggregateWindow(every: 15m, fn: mean, createEmpty: false)
    // One table per device on both sides: join.time pairs tables with equal group keys.
    |> group(columns: ["site", "device"])

round1 = (x) => math.round(x: x * 10.0) / 10.0
round2 = (x) => math.round(x: x * 100.0) / 100.0
toCelsius = (f) => (f - 32.0) * 5.0 / 9.0

// Saturation vapour pressure in kPa at t °C (Tetens).
svp = (t) => 0.6108 * math.exp(x: 17.27 * t / (t + 237.3))

join.time(
    left: climate(field: "temp_f"),
    right: climate(field: "humidity"),
    as: (l, r) => {
        t = toCelsius(f: l._value)
        // Water vapour partial pressure (Pa) over the gas constant of vapour times kelvin.
        absolute = svp(t: t) * 1000.0 * r._value / 100.0 / (461.5 * (t + 273.15)) * 1000.0

        return {
            _time: l._time,
            site: l.site,
            device: l.device,
            temp_c: round1(x: t),
            humidity: round1(x: r._value),
            absolute_g_m3: round2(x: absolute),
        }
    },
)
    |> yield(name: "absolute_humidity")

// VPD: how much more water the air could hold. Below 0.8 kPa leaves invite mould, 0.8 to
// 1.2 suits young plants, 1.2 to 1.6 flowering plants, above 1.6 the plants close up.
from(bucket: "sensors")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "climate")
    |> aggregateWindow(every: 15m, fn: mean, createEmpty: false)
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
    |> map(fn: (r) => {
        vpd = round2(x: svp(t: toCelsius(f: r.temp_f)) * (1.0 - r.humidity / 100.0))

        return {
            _time: r._time,
            site: r.site,
            device: r.device,
            vpd_kpa: vpd,
            band: if vpd < 0.8 then "too humid" else if vpd <= 1.2 then "propagation" else if vpd <= 1.6 then "flowering" else "too dry",
        }
    })
    |> group()
    |> sort(columns: ["device", "_time"])
    |> yield(name: "vpd")
