// map extends rows; changing a key column splits the table; output columns are sorted.
import "array"

array.from(rows: [{host: "a", v: 1.5}, {host: "a", v: 3.0}, {host: "b", v: 2.0}])
    |> group(columns: ["host"])
    |> map(fn: (r) => ({r with host: if r.v > 2.0 then "big" else r.host, pct: r.v * 100.0}))
