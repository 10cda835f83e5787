// Package aggregate holds aggregations assembled from other transformations.
package aggregate

import "experimental"

// rate returns, for each window of length `every`, the average per-`unit` rate at which a
// counter in `_value` grows.
//
// Each series is turned into its non-negative rate of change (a drop, such as a counter
// reset, gives no rate), then each window of each series is averaged; the averages of the
// series that share the values of `groupColumns` are added up within each window. Every
// output row carries the window's `_stop` as `_time`, and the result is grouped by
// `groupColumns` with the input's `_start` and `_stop`. Input tables need `_start` and
// `_stop` (set them with `range`).
rate = (tables=<-, every, groupColumns=[], unit=1s) => {
    perWindow = (tables=<-, column) =>
        tables
            |> mean(column: column)
            |> group(columns: groupColumns)
            |> experimental.group(mode: "extend", columns: ["_start", "_stop"])
            |> sum(column: column)

    return
        tables
            |> derivative(unit: unit, nonNegative: true)
            |> aggregateWindow(every: every, fn: perWindow)
}
