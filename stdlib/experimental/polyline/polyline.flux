// Package polyline simplifies curves: fewer points that draw nearly the same line.
package polyline

// rdp simplifies each table's curve of `valColumn` (default `_value`, a number) against
// `timeColumn` (default `_time`) with the Ramer-Douglas-Peucker algorithm, and returns
// the kept points as `_time` and float `_value` columns beside the group key (other
// columns are dropped; rows with a null time or value are left out).
//
// Give `epsilon` (greater than 0.0) to keep every point at least that far from the line
// through its neighbours' segment (distances are measured with time in nanoseconds), or
// `retention` (a percentage strictly between 0.0 and 100.0) to keep that share of the
// points, the most significant first; with neither, the tolerance of each segment is
// learned from its length and slope. Giving both is an error.
builtin rdp : (
        <-tables: stream[A],
        ?valColumn: string,
        ?timeColumn: string,
        ?epsilon: float,
        ?retention: float,
    ) => stream[B]
    where
    A: Record,
    B: Record
