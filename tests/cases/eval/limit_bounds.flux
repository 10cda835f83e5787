// limit with n <= 0 keeps no rows of any table, as upstream.
import "array"

array.from(rows: [{a: 1}, {a: 2}]) |> limit(n: -1) |> yield(name: "none")
array.from(rows: [{a: 1}, {a: 2}]) |> limit(n: 1, offset: 1) |> yield(name: "second")
