// hex.int of a number past the largest int (0x7fffffffffffffff) is refused, not wrapped.
import "contrib/bonitoo-io/hex"

x = hex.int(v: "8000000000000000")
