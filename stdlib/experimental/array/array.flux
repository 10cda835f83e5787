// Package array holds experimental functions for building and converting arrays.
package array

// from turns an array of records into a stream containing one table.
builtin from : (<-rows: [A]) => stream[A] where A: Record

// concat returns `arr` followed by the elements of `v`.
builtin concat : (<-arr: [A], v: [A]) => [A]

// map applies `fn` to each element of `arr` and returns the results.
builtin map : (<-arr: [A], fn: (x: A) => B) => [B]

// filter keeps the elements of `arr` for which `fn` returns true.
builtin filter : (<-arr: [A], fn: (x: A) => bool) => [A]

// toBool converts every element of `arr` to a boolean.
builtin toBool : (<-arr: [A]) => [bool]

// toDuration converts every element of `arr` to a duration.
builtin toDuration : (<-arr: [A]) => [duration]

// toFloat converts every element of `arr` to a float.
builtin toFloat : (<-arr: [A]) => [float]

// toInt converts every element of `arr` to an integer.
builtin toInt : (<-arr: [A]) => [int]

// toString converts every element of `arr` to a string.
builtin toString : (<-arr: [A]) => [string]

// toTime converts every element of `arr` to a time.
builtin toTime : (<-arr: [A]) => [time]

// toUInt converts every element of `arr` to an unsigned integer.
builtin toUInt : (<-arr: [A]) => [uint]
