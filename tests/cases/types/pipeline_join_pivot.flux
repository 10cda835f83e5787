cpu = from(bucket: "b") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "cpu")
mem = from(bucket: "b") |> range(start: -1h) |> filter(fn: (r) => r._measurement == "mem")
joined = join(tables: {cpu: cpu, mem: mem}, on: ["_time", "host"])
wide = cpu |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
