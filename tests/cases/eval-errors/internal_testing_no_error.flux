// shouldErrorWithCode fails when the function it calls succeeds.
import "internal/testing"

testing.shouldErrorWithCode(fn: () => 1, want: /x/, code: uint(v: 3))
