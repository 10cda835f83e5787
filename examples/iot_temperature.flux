// IoT fleet summary: greenhouse sensors report °F once a minute; operators want °C, and per
// device a quarter-hourly low / mean / high, plus one line per site for the whole hour.
// Shows map with a user-defined conversion function, three aggregateWindow passes tagged
// with set and merged by union, pivot of the statistic into columns, and a reduce that
// computes count, mean, min and max of a site in one pass.
// The pattern: downsampling raw device telemetry into a compact report table
// (greenhouse_climate.flux shows the plain 10-minute means of the same data).
// Data: examples/data/sensors.lp (bucket "sensors").
import "math"

start = 2026-03-02T08:00:00Z
stop = 2026-03-02T09:00:00Z

toCelsius = (f) => (f - 32.0) * 5.0 / 9.0
round2 = (x) => math.round(x: x * 100.0) / 100.0

celsius = from(bucket: "sensors")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "climate" and r._field == "temp_f")
    |> map(fn: (r) => ({r with _value: toCelsius(f: r._value), _field: "temp_c"}))

stat = (name, fn) => celsius
    |> aggregateWindow(every: 15m, fn: fn, createEmpty: false)
    |> set(key: "stat", value: name)

union(tables: [stat(name: "low", fn: min), stat(name: "mean", fn: mean), stat(name: "high", fn: max)])
    |> map(fn: (r) => ({r with _value: round2(x: r._value)}))
    |> keep(columns: ["_time", "_value", "site", "device", "stat"])
    // One table per device again, so its three statistics share rows after the pivot.
    |> group(columns: ["site", "device"])
    |> pivot(rowKey: ["_time"], columnKey: ["stat"], valueColumn: "_value")
    |> group()
    |> sort(columns: ["device", "_time"])
    |> yield(name: "temp_c_15m")

// One row per site: readings that arrived, and the hour's mean, min and max in °C.
celsius
    |> group(columns: ["site"])
    |> reduce(
        identity: {readings: 0, total: 0.0, low: 1000.0, high: -1000.0},
        fn: (r, accumulator) => ({
            readings: accumulator.readings + 1,
            total: accumulator.total + r._value,
            low: if r._value < accumulator.low then r._value else accumulator.low,
            high: if r._value > accumulator.high then r._value else accumulator.high,
        }),
    )
    |> map(fn: (r) => ({
        site: r.site,
        readings: r.readings,
        mean_c: round2(x: r.total / float(v: r.readings)),
        min_c: round2(x: r.low),
        max_c: round2(x: r.high),
    }))
    |> yield(name: "site_summary")
