from(bucket: "b")
    |> range(start: -1h)
    |> filter(fn: (r) => r._measurement = "cpu")
