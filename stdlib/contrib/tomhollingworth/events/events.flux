// Package events analyses event data: rows that each mark the start of an event which
// lasts until the next row.
package events

// duration adds column `columnName` (default "duration") to every row: the time from the
// row's `timeColumn` (default "_time") to the next row's, counted in whole `unit`s
// (default 1s, truncated). The last row of a table counts to `stop`, or without it to
// that row's `stopColumn` (default "_stop").
builtin duration : (
        <-tables: stream[A],
        ?unit: duration,
        ?timeColumn: string,
        ?columnName: string,
        ?stopColumn: string,
        ?stop: time,
    ) => stream[B]
    where
    A: Record,
    B: Record
