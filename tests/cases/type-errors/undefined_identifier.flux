data = from(bucket: "b") |> fiter(fn: (r) => true)
