import "array"

array.from(rows: [{a: 1, b: 0}]) |> map(fn: (r) => ({r with q: r.a / r.b}))
