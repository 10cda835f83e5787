import "internal/gen"

gen.tables(n: 1000000, tags: [{name: "host", cardinality: 20}], seed: 1)
