import "strings"
x = strings.toUper(v: "a")
