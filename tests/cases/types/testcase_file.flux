package mytest_test

import "testing"
import "array"

option now = () => 2030-01-01T00:00:00Z

testcase identity {
    got = array.from(rows: [{v: 1}])
    want = array.from(rows: [{v: 1}])

    testing.diff(got, want)
}

testcase scalars {
    testing.assertEqualValues(got: 1 + 1, want: 2)
}
