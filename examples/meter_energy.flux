// Which meters use the most energy: one pass of reduce per meter accumulates the sum,
// count and peak of the readings; the sum of 5-minute readings gives kilowatt-hours; sort
// and limit keep the top three, as a daily energy report would.
// Data: examples/data/power.lp (bucket "power").
import "math"

from(bucket: "power")
    |> range(start: 2026-03-02T08:00:00Z, stop: 2026-03-02T10:00:00Z)
    |> filter(fn: (r) => r._measurement == "power" and r._field == "watts")
    |> reduce(
        identity: {total: 0.0, readings: 0, peak: 0.0},
        fn: (r, accumulator) => ({
            total: accumulator.total + r._value,
            readings: accumulator.readings + 1,
            peak: if r._value > accumulator.peak then r._value else accumulator.peak,
        }),
    )
    |> map(
        fn: (r) => ({
            meter: r.meter,
            site: r.site,
            kwh: math.round(x: r.total * 5.0 / 60.0 / 10.0) / 100.0,
            readings: r.readings,
            peak_w: r.peak,
        }),
    )
    |> group()
    |> sort(columns: ["kwh"], desc: true)
    |> limit(n: 3)
    |> yield(name: "top_meters")
