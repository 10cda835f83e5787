import s "strings"
import "regexp"
import "math"

upper = s.toUpper(v: "a")
re = regexp.compile(v: "a+")
matched = regexp.matchRegexpString(r: re, v: "aaa")
root = math.sqrt(x: 2.0)
pi = math.pi
