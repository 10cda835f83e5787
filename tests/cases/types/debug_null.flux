import "internal/debug"
import "array"

rows = array.from(rows: [{a: 1, b: debug.null(type: "float")}])
p = rows |> debug.pass()
