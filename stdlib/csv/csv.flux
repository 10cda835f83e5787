// Package csv reads annotated CSV data into table streams.
package csv

// from decodes annotated CSV into a stream of tables, taking the text from `csv` or a path from `file`; `mode` selects annotations or raw parsing.
builtin from : (?csv: string, ?file: string, ?mode: string) => stream[A] where A: Record
