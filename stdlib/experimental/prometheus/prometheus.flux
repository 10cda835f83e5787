// Package prometheus reads Prometheus metrics and computes quantiles of Prometheus
// histograms stored in InfluxDB.
package prometheus

import "universe"
import "experimental"

// scrape reads the Prometheus metrics served at `url` (text format) as tables, one per
// metric: `_measurement` "prometheus", `_field` the metric's name, a column per label.
builtin scrape : (url: string) => stream[A] where A: Record

// histogramQuantile estimates the `quantile` (0.0 to 1.0) of each Prometheus histogram
// series. With `metricVersion` 2 (the default) a series' buckets are the rows of one
// field, upper bound in the `le` tag; with 1 they are the fields of one measurement, the
// field name being the upper bound (fields `sum` and `count` are left out). The result
// has one row per series and time with the estimate in `_value` and the quantile as a
// string in a new group key column, `quantile`. `onNonmonotonic` ("error", "force" or
// "drop") says what to do with a histogram whose counts decrease, as in universe
// `histogramQuantile`.
histogramQuantile = (tables=<-, quantile, metricVersion=2, onNonmonotonic="error") => {
    estimate = (buckets) =>
        buckets
            |> universe.histogramQuantile(quantile: quantile, onNonmonotonic: onNonmonotonic)
            |> group(mode: "except", columns: ["le", "_value", "_time"])
            |> set(key: "quantile", value: string(v: quantile))
            |> experimental.group(columns: ["quantile"], mode: "extend")
    fromTags = () =>
        tables
            |> group(mode: "except", columns: ["le", "_value"])
            |> map(fn: (r) => ({r with le: float(v: r.le)}))
    fromFields = () =>
        tables
            |> filter(fn: (r) => r._field != "sum" and r._field != "count")
            |> map(fn: (r) => ({r with le: float(v: r._field)}))
            |> group(mode: "except", columns: ["_field", "le", "_value"])

    return
        if metricVersion == 2 then
            estimate(buckets: fromTags())
        else if metricVersion == 1 then
            estimate(buckets: fromFields())
        else
            universe.die(msg: "metricVersion must be 1 or 2")
}
