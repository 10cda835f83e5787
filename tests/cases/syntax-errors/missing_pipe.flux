from(bucket: "b") |> range(start: -1h)
    filter(fn: (r) => true)
