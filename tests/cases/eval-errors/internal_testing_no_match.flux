// assertMatches fails naming the regular expression and the string it did not match.
import "internal/testing"

testing.assertMatches(got: "abc", want: /^\d+$/)
