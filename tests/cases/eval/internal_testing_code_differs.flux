// internal/testing.shouldErrorWithCode when neither the code (3 found, 5 expected) nor
// the message matches: its diff, in `errorOutput`, shows the expected row (-) and the
// found one (+).
import "internal/testing"

testing.shouldErrorWithCode(fn: () => die(msg: "disk full"), want: /empty/, code: uint(v: 5))
