// A uint below zero fails at the row, whether map runs column-wise or row by row.
import "array"

array.from(rows: [{x: uint(v: 5)}, {x: uint(v: 1)}])
    |> map(fn: (r) => ({x: r.x - uint(v: 3)}))
