// Package debug provides internal helpers for inspecting and testing query execution.
package debug

// pass forwards its input tables unchanged.
builtin pass : (<-tables: stream[A]) => stream[A] where A: Record

// opaque forwards its input tables but hides their type from the planner, so no
// optimisation can be pushed through it.
builtin opaque : (<-tables: stream[A]) => stream[B] where A: Record, B: Record

// slurp buffers all of its input before emitting it again unchanged.
builtin slurp : (<-tables: stream[A]) => stream[A] where A: Record

// sink consumes its input and emits nothing.
builtin sink : (<-tables: stream[A]) => stream[A] where A: Record

// getOption returns the current value of option `name` from package `pkg`.
builtin getOption : (pkg: string, name: string) => A

// feature returns the value of the feature flag identified by `key`.
builtin feature : (key: string) => A

// null produces a null value, typed by the optional basic type name `type`.
builtin null : (?type: string) => A where A: Basic

// vectorize turns on vectorized evaluation of map functions when true.
option vectorize = false
