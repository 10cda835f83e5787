// hex.int of text that is not hexadecimal names the text.
import "contrib/bonitoo-io/hex"

x = hex.int(v: "12g")
