import "experimental/dynamic"

// A dynamic null converts to null for every type but bytes.
bytes(v: dynamic.dynamic(v: {a: 1}).missing)
