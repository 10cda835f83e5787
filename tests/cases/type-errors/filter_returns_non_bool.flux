from(bucket: "b") |> range(start: -1h) |> filter(fn: (r) => r._value)
  |> filter(fn: (r) => 1)
