from(bucket: "b") |> range(start: -1h) |> filter(fn: (row) => row._value > 0)
