// Package testing provides assertions and helpers for writing Flux test cases.
package testing

// tags lists the tags of the test cases that should run; it is empty by default.
option tags = []

// assertEquals passes the piped stream `got` through when it holds the same tables as
// `want` (matched by group key, with the same columns and the same rows in order), and
// fails naming the assertion `name` otherwise.
builtin assertEquals : (name: string, <-got: stream[A], want: stream[A]) => stream[A]

// assertEmpty fails when any table in the piped stream contains rows.
builtin assertEmpty : (<-tables: stream[A]) => stream[A]

// diff compares the piped stream `got` with `want` and outputs rows that differ, marked in a `_diff` column; `epsilon` bounds float tolerance and `nansEqual` treats NaNs as equal.
builtin diff : (
        <-got: stream[A],
        want: stream[A],
        ?verbose: B,
        ?epsilon: C,
        ?nansEqual: D,
    ) => stream[{A with _diff: string}]

// load prepares a test's input data; by default it returns the piped tables untouched.
option load = (tables=<-) => tables

// assertEqualValues compares two plain values and yields a one-row diff when `got` and `want` are not equal.
builtin assertEqualValues : (got: A, want: A) => stream[{v: A, _diff: string}]

// shouldError calls `fn`, expects it to fail, and yields the error message when it does not match the regular expression `want`.
builtin shouldError : (fn: () => A, want: regexp) => stream[{v: string}]
