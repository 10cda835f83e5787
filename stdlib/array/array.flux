// Package array works with Flux arrays and turns arrays of records into table streams.
package array

// from builds a stream holding one table from an array of records; `rows` supplies the records.
builtin from : (<-rows: [A]) => stream[A] where A: Record

// concat returns a new array made of the piped array followed by the elements of `v`.
builtin concat : (<-arr: [A], v: [A]) => [A]

// map applies `fn` to every element of the piped array and returns the array of results.
builtin map : (<-arr: [A], fn: (x: A) => B) => [B]

// filter keeps only the elements of the piped array for which `fn` returns true.
builtin filter : (<-arr: [A], fn: (x: A) => bool) => [A]
