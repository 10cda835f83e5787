import "experimental/dynamic"

dynamic.dynamic(v: {a: 1})[0]
