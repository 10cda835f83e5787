// testing.diff writes the differences to the errorOutput result: - want only, + got only.
import "array"
import "testing"

want = array.from(rows: [{a: 1, b: "x"}, {a: 2, b: "y"}, {a: 3, b: "z"}])
got = array.from(rows: [{a: 1, b: "x"}, {a: 2, b: "changed"}, {a: 3, b: "z"}])

testing.diff(got: got, want: want)
