import "testing"

testcase base {
    testing.assertEqualValues(got: 1, want: 1)
}

testcase child extends "flux/x_test.base" {
    super()
}
