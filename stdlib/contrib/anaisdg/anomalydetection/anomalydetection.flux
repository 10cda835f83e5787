// Package anomalydetection finds anomalies in time series (a contributed package).
package anomalydetection

import "math"

// mad flags anomalies with the median absolute deviation (MAD), comparing the series of
// the input with each other at every `_time`. For each time: the median `m` of the
// `_value`s; each row's distance `|_value - m|` (`_value_diff`); the median of those
// distances (`_value_diff_med`) and `MAD`, that median times 1.4826 (the factor making it
// estimate the standard deviation of normally distributed data). Times whose `MAD` is 0
// are left out. `_value` becomes `_value_diff / _value_diff_med`, and `level` is
// `"anomaly"` when it is at least `threshold` (default 3.0), `"normal"` otherwise. The
// output is grouped by `_time` and keeps the input's other columns but `_start` and
// `_stop`.
mad = (table=<-, threshold=3.0) => {
    byTime = table |> group(columns: ["_time"], mode: "by")
    centre = byTime |> median(column: "_value")
    distances =
        join(tables: {data: byTime, med: centre}, on: ["_time"], method: "inner")
            |> map(fn: (r) => ({r with _value: math.abs(x: r._value_data - r._value_med)}))
            |> drop(columns: ["_start", "_stop", "_value_data", "_value_med"])
    spread =
        distances
            |> median(column: "_value")
            |> map(fn: (r) => ({r with MAD: 1.4826 * r._value}))
            |> filter(fn: (r) => r.MAD > 0.0)

    return
        join(tables: {diff: distances, diff_med: spread}, on: ["_time"], method: "inner")
            |> map(fn: (r) => ({r with _value: r._value_diff / r._value_diff_med}))
            |> map(fn: (r) => ({r with level: if r._value >= threshold then "anomaly" else "normal"}))
}
