// Package table holds experimental functions that operate on whole tables.
package table

// fill adds a single row to every empty input table so that downstream
// transformations still see a table for each group key.
builtin fill : (<-tables: stream[A]) => stream[A] where A: Record
