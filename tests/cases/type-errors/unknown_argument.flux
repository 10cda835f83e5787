from(bucket: "b") |> range(strat: -1h)
