from(bucket: "b")
    |> range(start: -1h)
    |> map(fn: (r) => ({r with _value: r._value * 100}))
    |> map(fn: (r) => ({r with pct: r._value / 2.5}))
