// generate.from: `count` rows keyed by _start/_stop, `_time` stepping by
// (stop - start) / count from `start` (truncated to whole nanoseconds), `_value` =
// fn(n) for n from 0.
import "generate"

generate.from(count: 6, fn: (n) => (n + 1) * (n + 2), start: 2021-01-01T00:00:00Z, stop: 2021-01-02T00:00:00Z)
    |> yield(name: "daily")

generate.from(count: 3, fn: (n) => -n, start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:00:00.00000001Z)
    |> yield(name: "truncated_step")

generate.from(count: 0, fn: (n) => n, start: 2021-01-01T00:00:00Z, stop: 2021-01-02T00:00:00Z)
    |> yield(name: "none")
