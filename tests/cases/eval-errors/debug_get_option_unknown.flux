import "internal/debug"
import "array"

array.from(rows: [{v: debug.getOption(pkg: "internal/debug", name: "speed")}])
