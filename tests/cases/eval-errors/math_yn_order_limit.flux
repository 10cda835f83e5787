import "math"
import "array"

array.from(rows: [{v: math.yn(n: -3000000, x: 1.0)}])
