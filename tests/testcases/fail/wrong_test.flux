package wrong_test

import "array"
import "testing"

testcase wrong_value {
    testing.diff(got: array.from(rows: [{v: 1}]), want: array.from(rows: [{v: 2}]))
}

testcase runtime_error {
    x = 1 / 0
    testing.assertEqualValues(got: x, want: 0)
}
