import "experimental/dynamic"
import "strings"

// A dynamic value is not a string: convert it first (`string(v: ...)`).
strings.toUpper(v: dynamic.dynamic(v: "a"))
