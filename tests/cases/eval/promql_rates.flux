// internal/promql's counter functions over the range 00:00:00 to 00:01:00 (60 s).
// Series "a": 1, 3, 2, 2, 6 at 10 s, 20 s ... 50 s. changes = 3 (1→3, 3→2, 2→6);
// resets = 1 (3→2). delta: 6 - 1 = 5 over 40 s; both ends are 10 s away, within 1.1 ×
// the 10 s spacing, so it extrapolates to 60 s: 5 × 60 / 40 = 7.5. increase adds the 3
// lost at the reset: 8, and its zero point (40 s × 1/8 = 5 s before the first sample)
// is nearer than the start: 8 × (40 + 5 + 10) / 40 = 11; rate = 11 / 60. idelta = 6 - 2
// = 4, irate = 4 / 10 s = 0.4.
// Series "b": 10, 20, 30 at 30 s, 35 s, 40 s (spacing 5 s, ends 30 s and 20 s away, so
// half a spacing is added at each end). delta: 20 × (10 + 2.5 + 2.5) / 10 = 30;
// increase: zero point 10 × 10/20 = 5 s before, within 5.5 s: 20 × (10 + 5 + 2.5) / 10
// = 35; rate = 35 / 60. idelta = 10, irate = 10 / 5 s = 2.
// Series "c": 7, 3 at 10 s, 20 s (start 10 s away, end 40 s away: + 10 s and + 5 s).
// delta: -4 × 25 / 10 = -10; increase: 3 - 7 + 7 = 3, zero point 10 × 7/3 s before
// (farther than the start): 3 × 25 / 10 = 7.5; rate = 7.5 / 60 = 0.125. idelta = -4;
// irate counts the drop as a reset: 3 / 10 s = 0.3. Series "d" has one sample: no rate
// at all, but changes and resets give 0.
import "array"
import "internal/promql"

data =
    array.from(
        rows: [
            {_time: 2021-01-01T00:00:10Z, s: "a", _value: 1.0},
            {_time: 2021-01-01T00:00:20Z, s: "a", _value: 3.0},
            {_time: 2021-01-01T00:00:30Z, s: "a", _value: 2.0},
            {_time: 2021-01-01T00:00:40Z, s: "a", _value: 2.0},
            {_time: 2021-01-01T00:00:50Z, s: "a", _value: 6.0},
            {_time: 2021-01-01T00:00:30Z, s: "b", _value: 10.0},
            {_time: 2021-01-01T00:00:35Z, s: "b", _value: 20.0},
            {_time: 2021-01-01T00:00:40Z, s: "b", _value: 30.0},
            {_time: 2021-01-01T00:00:10Z, s: "c", _value: 7.0},
            {_time: 2021-01-01T00:00:20Z, s: "c", _value: 3.0},
            {_time: 2021-01-01T00:00:30Z, s: "d", _value: 5.0},
        ],
    )
        |> group(columns: ["s"])
        |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:01:00Z)

data |> promql.changes() |> yield(name: "changes")
data |> promql.resets() |> yield(name: "resets")
data |> promql.extrapolatedRate() |> yield(name: "delta")
data |> promql.extrapolatedRate(isCounter: true) |> yield(name: "increase")
data |> promql.extrapolatedRate(isCounter: true, isRate: true) |> yield(name: "rate")
data |> promql.instantRate() |> yield(name: "idelta")
data |> promql.instantRate(isRate: true) |> yield(name: "irate")
