import "internal/gen"

gen.tables(n: 5, nulls: 1.5)
