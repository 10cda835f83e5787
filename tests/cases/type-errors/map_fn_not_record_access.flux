x = from(bucket: "b") |> range(start: -1h) |> map(fn: (r) => ({r with v: r._value + "x", w: r._value * 2.0}))
