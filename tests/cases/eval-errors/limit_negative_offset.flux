// A negative offset is an error (as upstream); a negative n keeps no rows.
import "array"

array.from(rows: [{a: 1}, {a: 2}]) |> limit(n: 1, offset: -1)
