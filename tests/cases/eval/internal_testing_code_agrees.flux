// internal/testing.shouldErrorWithCode when the function fails with the code and a
// message as expected: `die` carries code 3 (invalid), so the diff has no rows.
import "array"
import "internal/testing"

testing.shouldErrorWithCode(fn: () => die(msg: "disk full"), want: /full$/, code: uint(v: 3))

array.from(rows: [{after: "shouldErrorWithCode passed"}])
