import "experimental/dynamic"

dynamic.isType(v: dynamic.dynamic(v: 1), type: "integer")
