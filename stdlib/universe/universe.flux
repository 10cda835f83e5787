// Package universe holds the options and functions every Flux script can use without an import.
package universe

import "system"

// now is the option that supplies the query's current time; by default it reads the system clock.
option now = system.time

// chandeMomentumOscillator computes the Chande momentum oscillator over `n` rows for each of `columns`.
builtin chandeMomentumOscillator : (<-tables: stream[A], n: int, ?columns: [string]) => stream[B]
    where
    A: Record,
    B: Record

// columns lists the column labels of each input table, one row per label, in the column named by `column`.
builtin columns : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// count returns, per table, how many rows hold a value in `column` (nulls included) as a single row.
builtin count : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// covariance computes the covariance of the two named `columns`, optionally normalised to Pearson's r, and writes it to `valueDst`.
builtin covariance : (
        <-tables: stream[A],
        ?pearsonr: bool,
        ?valueDst: string,
        columns: [string],
    ) => stream[B]
    where
    A: Record,
    B: Record

// cumulativeSum replaces each value in `columns` with the running total of that column so far in its table.
builtin cumulativeSum : (<-tables: stream[A], ?columns: [string]) => stream[B]
    where
    A: Record,
    B: Record

// derivative computes the rate of change per `unit` between consecutive rows, using `timeColumn` as the time axis.
builtin derivative : (
        <-tables: stream[A],
        ?unit: duration,
        ?nonNegative: bool,
        ?columns: [string],
        ?timeColumn: string,
        ?initialZero: bool,
    ) => stream[B]
    where
    A: Record,
    B: Record

// die stops the script with an error carrying the message `msg`; it never returns normally.
builtin die : (msg: string) => A

// difference replaces each value in `columns` with its change from the previous row.
builtin difference : (
        <-tables: stream[T],
        ?nonNegative: bool,
        ?columns: [string],
        ?keepFirst: bool,
        ?initialZero: bool,
    ) => stream[R]
    where
    T: Record,
    R: Record

// distinct outputs each distinct value found in `column` of each table, one row per value.
builtin distinct : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// drop removes the listed `columns`, or the columns for which `fn` returns true, from every table.
builtin drop : (<-tables: stream[A], ?fn: (column: string) => bool, ?columns: [string]) => stream[B]
    where
    A: Record,
    B: Record

// duplicate copies the column named `column` into a new column named `as`.
builtin duplicate : (<-tables: stream[A], column: string, as: string) => stream[B]
    where
    A: Record,
    B: Record

// elapsed adds a column `columnName` with the time since the previous row, measured in `unit`.
builtin elapsed : (
        <-tables: stream[A],
        ?unit: duration,
        ?timeColumn: string,
        ?columnName: string,
    ) => stream[B]
    where
    A: Record,
    B: Record

// exponentialMovingAverage computes an exponential moving average of `_value` over windows of `n` rows.
builtin exponentialMovingAverage : (
        <-tables: stream[{B with _value: A}],
        n: int,
    ) => stream[{B with _value: A}]
    where
    A: Numeric

// fill replaces null values in `column` with `value`, or with the last non-null value when `usePrevious` is true.
builtin fill : (<-tables: stream[A], ?column: string, ?value: B, ?usePrevious: bool) => stream[C]
    where
    A: Record,
    C: Record

// filter keeps the rows for which `fn` returns true; `onEmpty` decides whether tables left empty are kept or dropped.
builtin filter : (<-tables: stream[A], fn: (r: A) => bool, ?onEmpty: string) => stream[A]
    where
    A: Record

// first selects the first row of each table that has a non-null value in `column`.
builtin first : (<-tables: stream[A], ?column: string) => stream[A] where A: Record

// group regroups rows into tables keyed by `columns`; `mode` "by" uses those columns, "except" uses all others.
builtin group : (<-tables: stream[A], ?mode: string, ?columns: [string]) => stream[A]
    where
    A: Record

// histogram turns the values of `column` into cumulative counts per upper bound taken from `bins`.
builtin histogram : (
        <-tables: stream[A],
        ?column: string,
        ?upperBoundColumn: string,
        ?countColumn: string,
        bins: [float],
        ?normalize: bool,
    ) => stream[B]
    where
    A: Record,
    B: Record

// histogramQuantile estimates the `quantile` of a cumulative histogram held in each table.
builtin histogramQuantile : (
        <-tables: stream[A],
        ?quantile: float,
        ?countColumn: string,
        ?upperBoundColumn: string,
        ?valueColumn: string,
        ?minValue: float,
        ?onNonmonotonic: string,
    ) => stream[B]
    where
    A: Record,
    B: Record

// holtWinters forecasts `n` future values spaced `interval` apart using Holt-Winters smoothing, optionally seasonal.
builtin holtWinters : (
        <-tables: stream[A],
        n: int,
        interval: duration,
        ?withFit: bool,
        ?column: string,
        ?timeColumn: string,
        ?seasonality: int,
        ?withMinSSE: bool,
    ) => stream[B]
    where
    A: Record,
    B: Record

// hourSelection keeps rows whose time falls between hours `start` and `stop` (inclusive) in `location`.
builtin hourSelection : (
        <-tables: stream[A],
        start: int,
        stop: int,
        ?location: {zone: string, offset: duration},
        ?timeColumn: string,
    ) => stream[A]
    where
    A: Record

// integral computes the area under the curve of `column` per `unit` of time for each table.
builtin integral : (
        <-tables: stream[A],
        ?unit: duration,
        ?timeColumn: string,
        ?column: string,
        ?interpolate: string,
    ) => stream[B]
    where
    A: Record,
    B: Record

// join merges two named streams, given as a record of streams, on the columns listed in `on`.
builtin join : (<-tables: A, ?method: string, ?on: [string]) => stream[B] where A: Record, B: Record

// kaufmansAMA computes Kaufman's adaptive moving average of `column` with period `n`.
builtin kaufmansAMA : (<-tables: stream[A], n: int, ?column: string) => stream[B]
    where
    A: Record,
    B: Record

// keep retains only the listed `columns`, or the columns for which `fn` returns true.
builtin keep : (<-tables: stream[A], ?columns: [string], ?fn: (column: string) => bool) => stream[B]
    where
    A: Record,
    B: Record

// keyValues emits one row per value found in `keyColumns`, putting the column name in `_key` and its value in `_value`.
builtin keyValues : (
        <-tables: stream[A],
        ?keyColumns: [string],
    ) => stream[{C with _key: string, _value: B}]
    where
    A: Record,
    C: Record

// keys lists the group key column labels of each table in the column named by `column`.
builtin keys : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// last selects the last row of each table that has a non-null value in `column`.
builtin last : (<-tables: stream[A], ?column: string) => stream[A] where A: Record

// limit keeps at most `n` rows of each table, starting after skipping `offset` rows.
builtin limit : (<-tables: stream[A], n: int, ?offset: int) => stream[A]

// map rewrites every row with the record returned by `fn`.
builtin map : (<-tables: stream[A], fn: (r: A) => B, ?mergeKey: bool) => stream[B]

// max selects the row of each table with the largest value in `column`.
builtin max : (<-tables: stream[A], ?column: string) => stream[A] where A: Record

// mean returns the average of the non-null values of `column` for each table.
builtin mean : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// min selects the row of each table with the smallest value in `column`.
builtin min : (<-tables: stream[A], ?column: string) => stream[A] where A: Record

// mode returns the most frequent non-null value(s) of `column` in each table.
builtin mode : (<-tables: stream[A], ?column: string) => stream[{C with _value: B}]
    where
    A: Record,
    C: Record

// movingAverage averages `_value` over a sliding window of `n` rows, producing floats.
builtin movingAverage : (
        <-tables: stream[{B with _value: A}],
        n: int,
    ) => stream[{B with _value: float}]
    where
    A: Numeric

// quantile computes or selects the `q` quantile of `column`; `method` picks t-digest estimation, exact mean or exact selection.
builtin quantile : (
        <-tables: stream[A],
        ?column: string,
        q: float,
        ?compression: float,
        ?method: string,
    ) => stream[A]
    where
    A: Record

// pivot turns rows into columns: values of `columnKey` become column names filled from `valueColumn`, one row per `rowKey`.
builtin pivot : (
        <-tables: stream[A],
        rowKey: [string],
        columnKey: [string],
        valueColumn: string,
    ) => stream[B]
    where
    A: Record,
    B: Record

// range keeps rows whose `_time` lies in [`start`, `stop`) and records those bounds in `_start` and `_stop`.
builtin range : (
        <-tables: stream[{A with _time: time}],
        start: B,
        ?stop: C,
    ) => stream[{A with _time: time, _start: time, _stop: time}]

// reduce folds the rows of each table into one record with `fn`, starting from `identity`.
builtin reduce : (<-tables: stream[A], fn: (r: A, accumulator: B) => B, identity: B) => stream[C]
    where
    A: Record,
    B: Record,
    C: Record

// relativeStrengthIndex computes the relative strength index of `columns` over `n` rows.
builtin relativeStrengthIndex : (<-tables: stream[A], n: int, ?columns: [string]) => stream[B]
    where
    A: Record,
    B: Record

// rename renames columns using the old-to-new mapping in `columns`, or the names produced by `fn`.
builtin rename : (<-tables: stream[A], ?fn: (column: string) => string, ?columns: B) => stream[C]
    where
    A: Record,
    B: Record,
    C: Record

// sample keeps every `n`th row of each table, beginning at position `pos`.
builtin sample : (<-tables: stream[A], n: int, ?pos: int, ?column: string) => stream[A]
    where
    A: Record

// set assigns the string `value` to column `key` in every row, adding the column if needed.
builtin set : (<-tables: stream[A], key: string, value: string) => stream[A] where A: Record

// tail keeps the last `n` rows of each table, ignoring the final `offset` rows.
builtin tail : (<-tables: stream[A], n: int, ?offset: int) => stream[A]

// timeShift moves the time values in `columns` forward (or back, if negative) by `duration`.
builtin timeShift : (<-tables: stream[A], duration: duration, ?columns: [string]) => stream[A]

// skew returns the skewness of the values of `column` for each table.
builtin skew : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// spread returns the gap between the largest and smallest values of `column` for each table.
builtin spread : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// sort orders the rows of each table by `columns`, descending when `desc` is true.
builtin sort : (<-tables: stream[A], ?columns: [string], ?desc: bool) => stream[A] where A: Record

// stateTracking counts consecutive rows, and/or measures how long, the predicate `fn` has held, writing results to the given columns.
builtin stateTracking : (
        <-tables: stream[A],
        fn: (r: A) => bool,
        ?countColumn: string,
        ?durationColumn: string,
        ?durationUnit: duration,
        ?timeColumn: string,
    ) => stream[B]
    where
    A: Record,
    B: Record

// stddev returns the standard deviation of `column` per table; `mode` chooses sample or population.
builtin stddev : (<-tables: stream[A], ?column: string, ?mode: string) => stream[B]
    where
    A: Record,
    B: Record

// sum adds up the non-null values of `column` for each table.
builtin sum : (<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record

// tripleExponentialDerivative computes the TRIX oscillator of `_value` with period `n`.
builtin tripleExponentialDerivative : (
        <-tables: stream[{B with _value: A}],
        n: int,
    ) => stream[{B with _value: float}]
    where
    A: Numeric,
    B: Record

// union concatenates the streams in `tables` into a single stream.
builtin union : (tables: [stream[A]]) => stream[A] where A: Record

// unique keeps the first row carrying each distinct value of `column`.
builtin unique : (<-tables: stream[A], ?column: string) => stream[A] where A: Record

// window splits rows into time windows of length `period` every `every`, storing bounds in the start and stop columns.
builtin window : (
        <-tables: stream[A],
        ?createEmpty: bool,
        ?every: duration,
        ?location: {zone: string, offset: duration},
        ?offset: duration,
        ?period: duration,
        ?startColumn: string,
        ?stopColumn: string,
        ?timeColumn: string,
    ) => stream[B]
    where
    A: Record,
    B: Record

// yield marks the piped stream as a query result published under `name`.
builtin yield : (<-tables: stream[A], ?name: string) => stream[A] where A: Record

// tableFind returns the first table whose group key satisfies `fn`.
builtin tableFind : (<-tables: stream[A], fn: (key: B) => bool) => stream[A]
    where
    A: Record,
    B: Record

// getColumn extracts the values of `column` from a single table as an array.
builtin getColumn : (<-table: stream[A], column: string) => [B] where A: Record

// getRecord returns the row at index `idx` of a single table as a record.
builtin getRecord : (<-table: stream[A], idx: int) => A where A: Record

// findColumn returns the values of `column` from the first table whose group key satisfies `fn`.
builtin findColumn : (<-tables: stream[A], fn: (key: B) => bool, column: string) => [C]
    where
    A: Record,
    B: Record

// findRecord returns row `idx` of the first table whose group key satisfies `fn`.
builtin findRecord : (<-tables: stream[A], fn: (key: B) => bool, idx: int) => A
    where
    A: Record,
    B: Record

// bool converts `v` to a boolean.
builtin bool : (v: A) => bool

// bytes converts `v` to a byte sequence.
builtin bytes : (v: A) => bytes

// duration converts `v` to a duration.
builtin duration : (v: A) => duration

// float converts `v` to a floating-point number.
builtin float : (v: A) => float

// int converts `v` to a signed 64-bit integer.
builtin int : (v: A) => int

// string converts `v` to its string form.
builtin string : (v: A) => string

// time converts `v` to a time value.
builtin time : (v: A) => time

// uint converts `v` to an unsigned 64-bit integer.
builtin uint : (v: A) => uint

// display renders any value `v`, including composite ones, as human-readable text.
builtin display : (v: A) => string

// contains reports whether `value` is an element of the array `set`.
builtin contains : (value: A, set: [A]) => bool where A: Nullable

// inf is the largest representable duration, used to mean "unbounded".
builtin inf : duration

// length gives the number of elements in the piped array.
builtin length : (<-arr: [A]) => int

// linearBins builds `count` bin boundaries starting at `start` and spaced `width` apart, plus +Inf if `infinity` is set.
builtin linearBins : (start: float, width: float, count: int, ?infinity: bool) => [float]

// logarithmicBins builds `count` bin boundaries starting at `start`, each `factor` times the last, plus +Inf if `infinity` is set.
builtin logarithmicBins : (start: float, factor: float, count: int, ?infinity: bool) => [float]

// timeWeightedAvg returns the time-weighted average of `_value` per table, using linear interpolation and `unit` as the time unit.
builtin timeWeightedAvg : (<-tables: stream[A], unit: duration) => stream[{B with _value: float, _value: float, _stop: D, _start: C}]
    where
    A: Record

// cov joins streams `x` and `y` on `on` and computes the covariance of their values, or Pearson's r when `pearsonr` is true.
builtin cov : (on: [string], x: A, y: B, ?pearsonr: bool) => stream[C] where C: Record

// pearsonr joins streams `x` and `y` on `on` and returns the Pearson correlation of their values.
builtin pearsonr : (on: [string], x: A, y: B) => stream[C] where C: Record

// aggregateWindow windows rows by `every` and applies the aggregate or selector `fn` to `column` in each window, stamping results from `timeSrc` into `timeDst`.
builtin aggregateWindow : (
        <-tables: stream[D],
        every: duration,
        fn: (<-: stream[B], column: A) => stream[C],
        ?column: A,
        ?createEmpty: bool,
        ?location: {zone: string, offset: duration},
        ?offset: duration,
        ?period: duration,
        ?timeDst: string,
        ?timeSrc: string,
    ) => stream[E]
    where
    B: Record,
    C: Record,
    D: Record,
    E: Record

// increase returns the running total of non-negative differences in `columns`, which smooths over counter resets.
builtin increase : (<-tables: stream[A], ?columns: [string]) => stream[B] where A: Record, B: Record

// median returns the 0.5 quantile of `column`, computed with the chosen `method` and `compression`.
builtin median : (<-tables: stream[A], ?column: string, ?compression: float, ?method: string) => stream[A]
    where
    A: Record

// stateCount adds a column `column` counting how many consecutive rows have satisfied `fn`, or -1 when it fails.
builtin stateCount : (<-tables: stream[A], fn: (r: A) => bool, ?column: string) => stream[B]
    where
    A: Record,
    B: Record

// stateDuration adds a column `column` with how long, in `unit`, `fn` has held consecutively, or -1 when it fails.
builtin stateDuration : (
        <-tables: stream[A],
        fn: (r: A) => bool,
        ?column: string,
        ?timeColumn: string,
        ?unit: duration,
    ) => stream[B]
    where
    A: Record,
    B: Record

// top sorts each table by `columns` in descending order and keeps the first `n` rows.
builtin top : (<-tables: stream[A], n: int, ?columns: [string]) => stream[A] where A: Record

// bottom sorts each table by `columns` in ascending order and keeps the first `n` rows.
builtin bottom : (<-tables: stream[A], n: int, ?columns: [string]) => stream[A] where A: Record

// highestMax takes the maximum row of each group formed by `groupColumns` and returns the `n` highest of them.
builtin highestMax : (<-tables: stream[A], n: int, ?column: string, ?groupColumns: [string]) => stream[A]
    where
    A: Record

// highestAverage averages `column` within each group formed by `groupColumns` and returns the `n` highest averages.
builtin highestAverage : (<-tables: stream[A], n: int, ?column: string, ?groupColumns: [string]) => stream[B]
    where
    A: Record,
    B: Record

// highestCurrent takes the last row of each group formed by `groupColumns` and returns the `n` highest of them.
builtin highestCurrent : (<-tables: stream[A], n: int, ?column: string, ?groupColumns: [string]) => stream[A]
    where
    A: Record

// lowestMin takes the minimum row of each group formed by `groupColumns` and returns the `n` lowest of them.
builtin lowestMin : (<-tables: stream[A], n: int, ?column: string, ?groupColumns: [string]) => stream[A]
    where
    A: Record

// lowestAverage averages `column` within each group formed by `groupColumns` and returns the `n` lowest averages.
builtin lowestAverage : (<-tables: stream[A], n: int, ?column: string, ?groupColumns: [string]) => stream[B]
    where
    A: Record,
    B: Record

// lowestCurrent takes the last row of each group formed by `groupColumns` and returns the `n` lowest of them.
builtin lowestCurrent : (<-tables: stream[A], n: int, ?column: string, ?groupColumns: [string]) => stream[A]
    where
    A: Record

// timedMovingAverage averages `column` over windows of length `period` produced every `every`.
builtin timedMovingAverage : (<-tables: stream[A], every: duration, period: duration, ?column: string) => stream[B]
    where
    A: Record,
    B: Record

// doubleEMA computes the double exponential moving average of `_value` with period `n`.
builtin doubleEMA : (<-tables: stream[{A with _value: B}], n: int) => stream[C] where B: Numeric, C: Record

// kaufmansER computes Kaufman's efficiency ratio (between 0 and 1) of `_value` with period `n`.
builtin kaufmansER : (<-tables: stream[A], n: int) => stream[{B with _value: float, _value: float}] where A: Record

// tripleEMA computes the triple exponential moving average of `_value` with period `n`.
builtin tripleEMA : (<-tables: stream[{A with _value: B}], n: int) => stream[C] where B: Numeric, C: Record

// truncateTimeColumn rounds every `_time` value down to a multiple of `unit`.
builtin truncateTimeColumn : (
        <-tables: stream[{B with _time: C}],
        unit: duration,
        ?timeColumn: A,
    ) => stream[{B with _time: C, _time: time}]
    where
    C: Timeable

// toString converts the `_value` column of every row to a string.
builtin toString : (<-tables: stream[{A with _value: B}]) => stream[{A with _value: B, _value: string}]

// toInt converts the `_value` column of every row to an integer.
builtin toInt : (<-tables: stream[{A with _value: B}]) => stream[{A with _value: B, _value: int}]

// toUInt converts the `_value` column of every row to an unsigned integer.
builtin toUInt : (<-tables: stream[{A with _value: B}]) => stream[{A with _value: B, _value: uint}]

// toFloat converts the `_value` column of every row to a float.
builtin toFloat : (<-tables: stream[{A with _value: B}]) => stream[{A with _value: B, _value: float}]

// toBool converts the `_value` column of every row to a boolean.
builtin toBool : (<-tables: stream[{A with _value: B}]) => stream[{A with _value: B, _value: bool}]

// toTime converts the `_value` column of every row to a time.
builtin toTime : (<-tables: stream[{A with _value: B}]) => stream[{A with _value: B, _value: time}]

// today returns the current time given by `now` truncated to the start of the day.
builtin today : () => time
