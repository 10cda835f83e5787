// Package promql holds the building blocks a PromQL-to-Flux transpiler uses: PromQL's
// range-vector functions over Flux tables (one output row per input table), its date
// functions over Unix seconds, `histogram_quantile`, `label_replace` and `timestamp`.
// Tables are series; every column other than `_time` and `_value` is expected to be in
// the group key, as PromQL's labels are.
package promql

import "math"
import "universe"
import "experimental"

// changes counts, per table, how many times the non-null `_value` differs from the one
// before it (two NaNs in a row are not a change). A table with no non-null value gives no
// output; the output is the group key and the count as a float `_value`.
builtin changes : (<-tables: stream[{A with _value: float}]) => stream[{B with _value: float}]

// resets counts, per table, how many times the non-null `_value` is smaller than the one
// before it (a counter reset). Output as for `changes`.
builtin resets : (<-tables: stream[{A with _value: float}]) => stream[{B with _value: float}]

// promqlDayOfMonth is the day of the month (1 to 31, UTC) of a time given as Unix seconds.
builtin promqlDayOfMonth : (timestamp: float) => float

// promqlDayOfWeek is the day of the week (0 for Sunday to 6, UTC) of a time given as
// Unix seconds.
builtin promqlDayOfWeek : (timestamp: float) => float

// promqlDaysInMonth is the number of days in the month (UTC) of a time given as Unix
// seconds.
builtin promqlDaysInMonth : (timestamp: float) => float

// promqlHour is the hour of the day (0 to 23, UTC) of a time given as Unix seconds.
builtin promqlHour : (timestamp: float) => float

// promqlMinute is the minute of the hour (0 to 59, UTC) of a time given as Unix seconds.
builtin promqlMinute : (timestamp: float) => float

// promqlMonth is the month of the year (1 to 12, UTC) of a time given as Unix seconds.
builtin promqlMonth : (timestamp: float) => float

// promqlYear is the year (UTC) of a time given as Unix seconds.
builtin promqlYear : (timestamp: float) => float

// emptyTable is one table without rows, of columns `_start`, `_stop`, `_time` and
// `_value`, keyed by `_start` and `_stop` (both the Unix epoch).
builtin emptyTable : () => stream[{_start: time, _stop: time, _time: time, _value: float}]

// extrapolatedRate is PromQL's `delta` (default), `increase` (`isCounter: true`) and
// `rate` (`isCounter: true, isRate: true`) over each table's range `_start` to `_stop`:
// the difference between the last and first values (with counter resets corrected when
// `isCounter`), extrapolated toward the range's ends, per second of the range when
// `isRate`. Tables with fewer than two samples give no output.
builtin extrapolatedRate : (
        <-tables: stream[{A with _start: time, _stop: time, _time: time, _value: float}],
        ?isCounter: bool,
        ?isRate: bool,
    ) => stream[{B with _value: float}]

// holtWinters is PromQL's `holt_winters`: the last value of the double exponential
// smoothing of each table's values. Both factors are required to be strictly between 0
// and 1. Tables with fewer than two samples give no output.
builtin holtWinters : (
        <-tables: stream[{A with _time: time, _value: float}],
        ?smoothingFactor: float,
        ?trendFactor: float,
    ) => stream[{B with _value: float}]

// instantRate is PromQL's `idelta` (default) and `irate` (`isRate: true`): from the last
// two samples of each table, their difference (for `irate` a drop counts as a reset and
// the last value is taken), per second for `irate`. Tables with fewer than two samples,
// or whose last two samples share a time, give no output.
builtin instantRate : (
        <-tables: stream[{A with _time: time, _value: float}],
        ?isRate: bool,
    ) => stream[{B with _value: float}]

// labelReplace is PromQL's `label_replace`: when `regex` matches the whole of the key
// column `source` (an absent column reads as ""), the key column `destination` is set to
// `replacement` with `$1`, `${name}`... expanded (or removed when that expands to "").
// Every row keeps its `_value`; the other columns not in the key are dropped.
builtin labelReplace : (
        <-tables: stream[{A with _value: float}],
        source: string,
        destination: string,
        regex: string,
        replacement: string,
    ) => stream[{B with _value: float}]

// linearRegression is PromQL's `deriv` (default: the least-squares slope per second of
// each table's values over time) and `predict_linear` (`predict: true`: the fitted value
// `fromNow` seconds after the table's `_stop`). Tables with fewer than two samples give
// no output.
builtin linearRegression : (
        <-tables: stream[{A with _time: time, _stop: time, _value: float}],
        ?predict: bool,
        ?fromNow: float,
    ) => stream[{B with _value: float}]

// promHistogramQuantile is PromQL's `histogram_quantile`: each table holds the buckets of
// one histogram (upper bounds as strings in `upperBoundColumn`, default "le", cumulative
// counts in `countColumn`, default "_value"); the output is the group key and the
// `quantile` interpolated linearly within its bucket in `valueColumn` (default "_value").
// A histogram without a "+Inf" bucket or with fewer than two bounds gives NaN; a
// quantile below 0 gives -Inf and above 1 gives +Inf.
builtin promHistogramQuantile : (
        <-tables: stream[A],
        ?quantile: float,
        ?countColumn: string,
        ?upperBoundColumn: string,
        ?valueColumn: string,
    ) => stream[B]
    where
    A: Record,
    B: Record

// timestamp replaces each row's `_value` with its `_time` (or `_stop` when there is no
// `_time`) as Unix seconds, at millisecond precision.
builtin timestamp : (<-tables: stream[{A with _value: float}]) => stream[{A with _value: float}]

// quantile is PromQL's `quantile`: `universe.quantile` for `q` in [0, 1]; below 0 every
// table's value is -Inf, above 1 it is +Inf.
quantile = (q, tables=<-, method="exact_mean") =>
    if q >= 0.0 and q <= 1.0 then
        tables |> universe.quantile(q: q, method: method)
    else
        tables
            |> reduce(
                identity: {_value: math.mInf(sign: if q < 0.0 then -1 else 1)},
                fn: (r, accumulator) => accumulator,
            )

// join is `experimental.join`: rows of `left` and `right` with the same group key and
// `_time`, combined by `fn`.
join = experimental.join
