// hex.bytes of an odd number of digits says why it cannot be decoded.
import "contrib/bonitoo-io/hex"

x = hex.bytes(v: "abc")
