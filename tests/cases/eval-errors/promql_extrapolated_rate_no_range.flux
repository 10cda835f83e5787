import "array"
import "internal/promql"

// `_start` and `_stop` are columns but no longer in the group key.
array.from(rows: [{_time: 2021-01-01T00:00:00Z, _value: 1.0}, {_time: 2021-01-01T00:00:10Z, _value: 2.0}])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:01:00Z)
    |> group()
    |> promql.extrapolatedRate(isCounter: true)
