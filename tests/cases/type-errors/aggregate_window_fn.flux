from(bucket: "b")
    |> range(start: -1h)
    |> aggregateWindow(every: 1m, fn: (tables=<-) => tables |> mean())
