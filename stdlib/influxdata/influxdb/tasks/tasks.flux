// Package tasks tells a task's script about the task: when it last ran successfully.
package tasks

// _zeroTime stands for "not set": the value of `lastSuccessTime` until the task has
// succeeded once.
builtin _zeroTime : time

// lastSuccessTime is the scheduled time of the task's latest successful run; the task
// scheduler sets it for every run, and a script may set it to test itself.
option lastSuccessTime = _zeroTime

// _lastSuccess returns `lastSuccessTime` when it is set, and `orTime` otherwise (a
// duration counts from `now()`).
builtin _lastSuccess : (orTime: T, lastSuccessTime: time) => time where T: Timeable

// lastSuccess returns the scheduled time of the task's latest successful run, or
// `orTime` (a time, or a duration counted from `now()`) when it has not succeeded yet.
builtin lastSuccess : (orTime: T) => time where T: Timeable
