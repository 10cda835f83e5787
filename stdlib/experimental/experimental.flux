// Package experimental collects functions that are still being tried out and may change.
package experimental

// addDuration adds duration `d` to the time `to`, using calendar rules of `location`.
builtin addDuration : (d: duration, to: A, ?location: {zone: string, offset: duration}) => time
    where
    A: Timeable

// subDuration subtracts duration `d` from the time `from`, using calendar rules of `location`.
builtin subDuration : (d: duration, from: A, ?location: {zone: string, offset: duration}) => time
    where
    A: Timeable

// group changes the group key of its input by adding `columns` to it when `mode` is "extend".
builtin group : (<-tables: stream[A], mode: string, columns: [string]) => stream[A] where A: Record

// objectKeys returns the property names of the record `o`.
builtin objectKeys : (o: A) => [string] where A: Record

// set writes every property of record `o` into each row as a column holding that value.
builtin set : (<-tables: stream[A], o: B) => stream[C] where A: Record, B: Record, C: Record

// to writes pivoted rows, one column per field, to an InfluxDB bucket and passes them on.
builtin to : (
        <-tables: stream[A],
        ?bucket: string,
        ?bucketID: string,
        ?org: string,
        ?orgID: string,
        ?host: string,
        ?token: string,
    ) => stream[A]
    where
    A: Record

// join pairs rows of `left` and `right` that share a group key and time, building
// each output row with `fn`.
builtin join : (left: stream[A], right: stream[B], fn: (left: A, right: B) => C) => stream[C]
    where
    A: Record,
    B: Record,
    C: Record

// chain runs the query `first` to completion and then returns the result of `second`.
builtin chain : (first: stream[A], second: stream[B]) => stream[B] where A: Record, B: Record

// alignTime shifts the times in each input table so that every table starts at `alignTo`
// (default the epoch): each row's `_time` becomes `alignTo` plus its distance from the
// table's first time.
builtin alignTime : (<-tables: stream[B], ?alignTo: A) => stream[C] where B: Record, C: Record

// window assigns rows to time windows of length `period` started every `every`,
// rewriting `_start` and `_stop` to the window bounds.
builtin window : (
        <-tables: stream[{A with _time: time, _stop: time, _start: time}],
        ?every: duration,
        ?period: duration,
        ?offset: duration,
        ?location: {zone: string, offset: duration},
        ?createEmpty: bool,
    ) => stream[{A with _time: time, _stop: time, _start: time}]

// integral computes the area under the `_value` curve over time, scaled by `unit`.
builtin integral : (
        <-tables: stream[{T with _time: time, _value: B}],
        ?unit: duration,
        ?interpolate: string,
    ) => stream[{T with _value: B}]

// count returns the number of rows in each input table.
builtin count : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: int}]

// histogramQuantile estimates quantile `quantile` from cumulative histogram buckets in `le`.
builtin histogramQuantile : (
        <-tables: stream[{T with _value: float, le: float}],
        ?quantile: float,
        ?minValue: float,
    ) => stream[{T with _value: float}]

// mean returns the average `_value` of each input table.
builtin mean : (<-tables: stream[{T with _value: float}]) => stream[{T with _value: float}]

// mode returns the most frequent `_value` of each input table.
builtin mode : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]

// quantile returns the `q` quantile of `_value` in each table, computed with `method`.
builtin quantile : (
        <-tables: stream[{T with _value: float}],
        q: float,
        ?compression: float,
        ?method: string,
    ) => stream[{T with _value: float}]

// skew returns the skewness of `_value` in each input table.
builtin skew : (<-tables: stream[{T with _value: float}]) => stream[{T with _value: float}]

// spread returns the difference between the largest and smallest `_value` of each table.
builtin spread : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]
    where
    A: Numeric

// stddev returns the standard deviation of `_value` in each table; `mode` picks sample or population.
builtin stddev : (
        <-tables: stream[{T with _value: float}],
        ?mode: string,
    ) => stream[{T with _value: float}]

// sum adds up `_value` in each input table.
builtin sum : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}] where A: Numeric

// kaufmansAMA computes Kaufman's adaptive moving average of `_value` over `n` points.
builtin kaufmansAMA : (
        <-tables: stream[{T with _value: A}],
        n: int,
    ) => stream[{T with _value: float}]
    where
    A: Numeric

// distinct returns the unique `_value`s of each input table.
builtin distinct : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]

// fill replaces null `_value`s with `value`, or with the previous non-null value when
// `usePrevious` is true.
builtin fill : (
        <-tables: stream[{T with _value: A}],
        ?value: A,
        ?usePrevious: bool,
    ) => stream[{T with _value: A}]

// first returns the first row with a non-null `_value` from each table.
builtin first : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]

// last returns the last row with a non-null `_value` from each table.
builtin last : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]

// max returns the row with the largest `_value` from each table.
builtin max : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]

// min returns the row with the smallest `_value` from each table.
builtin min : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]

// unique keeps the first row for each distinct `_value` in a table.
builtin unique : (<-tables: stream[{T with _value: A}]) => stream[{T with _value: A}]

// histogram counts `_value`s into the cumulative buckets whose upper bounds are `bins`.
builtin histogram : (
        <-tables: stream[{T with _value: float}],
        bins: [float],
        ?normalize: bool,
    ) => stream[{T with _value: float, le: float}]

// preview keeps the first `nrows` rows (default 5) of each of the first `ntables` tables
// (default 5) of the stream; cutting is its purpose, so what lies past those counts is
// dropped without an error. A negative count is an error.
builtin preview : (<-tables: stream[A], ?nrows: int, ?ntables: int) => stream[A] where A: Record

// unpivot turns each non-key column into a row with `_field` and `_value`,
// leaving `otherColumns` untouched.
builtin unpivot : (
        <-tables: stream[{A with _time: time}],
        ?otherColumns: [string],
    ) => stream[{B with _field: string, _value: C}]
    where
    A: Record,
    B: Record

// catch calls `fn` and reports its result, or the error code and message when it fails.
builtin catch : (fn: () => A) => {value: A, code: uint, msg: string}

// diff compares the stream `got` with `want` and returns the rows that differ,
// marked in a `_diff` column.
builtin diff : (<-got: stream[A], want: stream[A]) => stream[{A with _diff: string}]
