import "math"
import "array"

// The recurrence behind jn takes a step per order: orders beyond ±1,000,000 are a limit.
array.from(rows: [{v: math.jn(n: 2000000, x: 1.0)}])
