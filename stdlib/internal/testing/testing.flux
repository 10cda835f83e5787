// Package testing holds assertions for tests of the standard library itself, beside
// those of the public `testing` package.
package testing

import "array"
import "experimental"
import "regexp"
import "testing"

// shouldErrorWithCode calls `fn`, which must fail with an error whose code is `code`
// (a uint: 3 is "invalid", the code `die` and most bad input carry) and whose message
// matches the regular expression `want`. When both hold it outputs no rows; when either
// differs it outputs, as a `testing.diff` to `errorOutput`, the code found and whether the
// message matched. It fails when `fn` does not fail.
shouldErrorWithCode = (fn, want, code) => {
    outcome = experimental.catch(fn: fn)

    return
        if not exists outcome.msg then
            die(msg: "shouldErrorWithCode expected an error")
        else
            testing.diff(
                want: array.from(rows: [{code: code, match: true}]),
                got: array.from(rows: [{code: outcome.code, match: outcome.msg =~ want}]),
            )
}

// assertMatches checks that the string `got` matches the regular expression `want`.
// It outputs an empty diff when it does, and fails with "Regex `WANT` does not match
// `GOT`" when it does not.
assertMatches = (got, want) =>
    if got =~ want then
        testing.assertEqualValues(got: got, want: got)
    else
        die(msg: "Regex `${regexp.getString(r: want)}` does not match `${got}`")
