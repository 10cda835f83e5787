// Package generate makes tables of generated values.
package generate

// from returns one table of `count` rows (at most 10,000,000) whose group key is
// `_start` and `_stop` (the `start` and `stop` times; a duration counts from now). Row `n`
// (from 0) has `_time` = `start` + `n` * ((`stop` - `start`) / `count`), the step
// truncated to whole nanoseconds, and `_value` = `fn(n: n)`.
builtin from : (
        start: A,
        stop: A,
        count: int,
        fn: (n: int) => int,
    ) => stream[{_start: time, _stop: time, _time: time, _value: int}]
    where
    A: Timeable
