stats = from(bucket: "b")
    |> range(start: -1h)
    |> reduce(
        identity: {count: 0, sum: 0.0},
        fn: (r, accumulator) => ({count: accumulator.count + 1, sum: accumulator.sum + r._value}),
    )
