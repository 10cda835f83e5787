from(bucket: "b")
    |> range(-1h)
