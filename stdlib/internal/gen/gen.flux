// Package gen makes tables of random data, for tests and benchmarks.
package gen

// tables returns one table per combination of generated tag values, each with `n` rows
// (6 when `n` is 0) ten seconds apart, ending ten seconds before `now()` (truncated to
// ten seconds), and a float `_value` drawn from a normal distribution with mean 0 and
// standard deviation 50.
//
// Each tag in `tags` gets `cardinality` random values of 3 to 7 letters and digits
// (a cardinality of 0 leaves the tag out); the tables are keyed by the tags. `nulls`
// (0.0 to 1.0, default 0.0) is the chance that a `_value` is null. The same `seed` gives
// the same tables, the same as upstream's for that seed; without one, the clock seeds
// the generator. At most 10,000,000 rows in all.
builtin tables : (
        n: int,
        ?nulls: float,
        ?tags: [{name: string, cardinality: int}],
        ?seed: int,
    ) => stream[{A with _time: time, _value: float}]
