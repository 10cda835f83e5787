// Package sampledata returns small fixed data sets for trying transformations: two
// series (tag `t1` and `t2`) of six rows each, one every 10 seconds from `start`. The
// values are fluxi's own (not those of upstream's sample data).
package sampledata

// start is the time of the first row of every data set.
start = 2021-01-01T00:00:00Z

// stop is just after the last row of every data set: use `range(start: sampledata.start,
// stop: sampledata.stop)` to add `_start` and `_stop`.
stop = 2021-01-01T00:01:00Z

// float returns the data set with float values; with `includeNull`, four of the twelve
// values are null.
builtin float : (?includeNull: bool) => stream[{_time: time, tag: string, _value: float}]

// int returns the data set with int values (the float values truncated).
builtin int : (?includeNull: bool) => stream[{_time: time, tag: string, _value: int}]

// uint returns the data set with uint values (the int values' magnitudes).
builtin uint : (?includeNull: bool) => stream[{_time: time, tag: string, _value: uint}]

// string returns the data set with string values.
builtin string : (?includeNull: bool) => stream[{_time: time, tag: string, _value: string}]

// bool returns the data set with bool values.
builtin bool : (?includeNull: bool) => stream[{_time: time, tag: string, _value: bool}]

// numericBool returns the bool data set as ints: 1 for true, 0 for false.
builtin numericBool : (?includeNull: bool) => stream[{_time: time, tag: string, _value: int}]
