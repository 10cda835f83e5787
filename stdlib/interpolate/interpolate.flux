// Package interpolate inserts rows at regular times between the rows of a table and
// estimates their values.
package interpolate

// linear inserts a row at every multiple of `every` (counted from the Unix epoch) that
// falls strictly between two consecutive rows of a table, with a `_value` on the straight
// line between the two rows' values; the input rows stay. The rows must be in ascending
// `_time` order, `_value` must be a float column without nulls, and every column other
// than `_time` and `_value` must be in the group key.
builtin linear : (
        <-tables: stream[{T with _time: time, _value: float}],
        every: duration,
    ) => stream[{T with _time: time, _value: float}]
