import "experimental/dynamic"

// Only a dynamic record has properties.
dynamic.dynamic(v: {a: 1}).a.b
