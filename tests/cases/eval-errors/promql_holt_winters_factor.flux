import "array"
import "internal/promql"

array.from(rows: [{_time: 2021-01-01T00:00:00Z, _value: 1.0}])
    |> promql.holtWinters(smoothingFactor: 1.0, trendFactor: 0.5)
