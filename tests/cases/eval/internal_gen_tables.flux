// internal/gen.tables: one table per combination of generated tag values (2 x 3 = 6
// here), `n` rows 10 s apart ending 10 s before now() truncated to 10 s (2029-12-31
// 23:59:30, :40, :50 here), normal float values; `n: 0` means 6 rows; `nulls: 1.0` makes
// every value null. The values for a seed are upstream's (its own testcase checks them).
import "internal/gen"
import "testing"

option now = () => 2030-01-01T00:00:05Z

data = gen.tables(n: 3, seed: 1, tags: [{name: "a", cardinality: 2}, {name: "b", cardinality: 3}])

data |> count() |> yield(name: "rows_per_table")
data |> keep(columns: ["_time"]) |> group() |> unique(column: "_time") |> yield(name: "times")
gen.tables(n: 0, seed: 1) |> count() |> yield(name: "default_rows")
gen.tables(n: 4, seed: 2, nulls: 1.0)
    |> filter(fn: (r) => exists r._value, onEmpty: "keep")
    |> count()
    |> yield(name: "all_null")

// The same seed gives the same rows: no difference.
testing.diff(got: gen.tables(n: 5, seed: 9), want: gen.tables(n: 5, seed: 9)) |> yield(name: "same_seed")
