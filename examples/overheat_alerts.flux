// Threshold alerts as a monitoring check produces them: each reading is classified ok,
// warn (above 30 °C) or crit (above 35 °C); stateDuration measures how long a device has
// been critical, and the alert table keeps the devices whose critical state lasted at
// least five minutes, with when it started and how hot it got. A second result finds data
// gaps: five-minute windows in which a device sent nothing (count with createEmpty: true).
// Data: examples/data/sensors.lp (bucket "sensors").
start = 2026-03-02T08:00:00Z
stop = 2026-03-02T09:00:00Z

temperature = from(bucket: "sensors")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "climate" and r._field == "temp_f")
    |> map(fn: (r) => ({r with _value: (r._value - 32.0) * 5.0 / 9.0}))

temperature
    |> map(fn: (r) => ({r with level: if r._value > 35.0 then "crit" else if r._value > 30.0 then "warn" else "ok"}))
    |> stateDuration(fn: (r) => r.level == "crit", unit: 1m)
    |> filter(fn: (r) => r.stateDuration >= 5)
    |> reduce(
        identity: {minutes: 0, hottest: 0.0},
        fn: (r, accumulator) => ({
            minutes: if r.stateDuration > accumulator.minutes then r.stateDuration else accumulator.minutes,
            hottest: if r._value > accumulator.hottest then r._value else accumulator.hottest,
        }),
    )
    |> map(fn: (r) => ({device: r.device, site: r.site, crit_minutes: r.minutes, hottest_c: float(v: int(v: r.hottest * 10.0)) / 10.0}))
    |> group()
    |> yield(name: "overheat_alerts")

temperature
    |> aggregateWindow(every: 5m, fn: count, createEmpty: true)
    |> filter(fn: (r) => r._value == 0)
    |> keep(columns: ["_time", "device", "_value"])
    |> group()
    |> sort(columns: ["device", "_time"])
    |> rename(columns: {_value: "readings", _time: "window_end"})
    |> yield(name: "data_gaps")
