// internal/testing.assertMatches on a matching string: an empty diff, also yielded
// (as `errorOutput`) with no rows, so only the row below shows.
import "array"
import "internal/testing"

testing.assertMatches(got: "44444", want: /^4+$/)

array.from(rows: [{after: "assertMatches passed"}])
