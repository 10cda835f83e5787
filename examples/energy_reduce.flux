// Sub-metering a greenhouse: six meters report watts every five minutes. Which loads cycle
// on and off (short-cycling wears pumps out), which use the most energy at each site, and
// how each site's consumption builds up over the morning.
// Shows reduce carrying state between rows (the previous on/off state, to count starts) and
// several statistics in one pass, integral from watts to kilowatt-hours, a top-N per group
// with sort and limit, and a running total with cumulativeSum
// (meter_energy.flux ranks the same meters by summed readings).
// Data: examples/data/power.lp (bucket "power").
import "math"

start = 2026-03-02T08:00:00Z
stop = 2026-03-02T10:00:00Z
// A load draws more than this when it is running.
idle = 10.0

power = from(bucket: "power")
    |> range(start: start, stop: stop)
    |> filter(fn: (r) => r._measurement == "power" and r._field == "watts")

round2 = (x) => math.round(x: x * 100.0) / 100.0

// One pass per meter: readings, starts (a running reading after an idle one, or the first
// reading if it is running), minutes running, and the mean draw while running.
power
    |> reduce(
        identity: {readings: 0, starts: 0, running: 0, running_total: 0.0, was_on: false},
        fn: (r, accumulator) => {
            on = r._value > idle

            return {
                readings: accumulator.readings + 1,
                starts: accumulator.starts + (if on and not accumulator.was_on then 1 else 0),
                running: accumulator.running + (if on then 1 else 0),
                running_total: accumulator.running_total + (if on then r._value else 0.0),
                was_on: on,
            }
        },
    )
    |> map(fn: (r) => ({
        site: r.site,
        meter: r.meter,
        readings: r.readings,
        starts: r.starts,
        run_minutes: r.running * 5,
        mean_running_w: if r.running > 0 then round2(x: r.running_total / float(v: r.running)) else 0.0,
    }))
    |> group()
    |> sort(columns: ["site", "meter"])
    |> yield(name: "cycling")

// Energy per meter (trapezoidal integral of watts over hours, in kWh), and the two biggest
// consumers of each site.
power
    |> integral(unit: 1h)
    |> map(fn: (r) => ({site: r.site, meter: r.meter, kwh: round2(x: r._value / 1000.0)}))
    |> group(columns: ["site"])
    |> sort(columns: ["kwh"], desc: true)
    |> limit(n: 2)
    |> yield(name: "top2_kwh_per_site")

// Running consumption per site by half hour: each reading stands for the five minutes
// that follow it, so a half-hour's energy is the sum of its readings times 5/60 h.
power
    |> group(columns: ["site"])
    |> aggregateWindow(every: 30m, fn: sum, createEmpty: false)
    |> map(fn: (r) => ({r with _value: r._value * 5.0 / 60.0 / 1000.0}))
    |> cumulativeSum()
    |> map(fn: (r) => ({r with _value: round2(x: r._value)}))
    |> keep(columns: ["_time", "_value", "site"])
    |> rename(columns: {_value: "kwh_so_far"})
    |> yield(name: "site_running_kwh")
