import "internal/promql"

promql.promqlYear(timestamp: 100000000000.0)
