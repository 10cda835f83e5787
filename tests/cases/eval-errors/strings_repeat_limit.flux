// A string past the 1 GiB limit of a string is an error, not a crash.
import "strings"

strings.repeat(v: "abc", i: 1000000000000)
