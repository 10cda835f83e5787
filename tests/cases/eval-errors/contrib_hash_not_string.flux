// hash functions take strings only: an int is refused with its type named.
import "contrib/qxip/hash"

x = hash.sha256(v: 42)
