import "array"

data = array.from(rows: [{_time: 2020-01-01T00:00:00Z, _value: 1, host: "a", region: "eu"}])

data |> keep(columns: ["_time", "_value", "missing"]) |> yield(name: "keep")
data |> drop(fn: (column) => column =~ /^_/) |> yield(name: "drop_fn")
data |> rename(columns: {host: "server"}) |> yield(name: "rename")
data |> rename(fn: (column) => "x_" + column) |> yield(name: "rename_fn")
data |> duplicate(column: "host", as: "host_copy") |> set(key: "region", value: "us") |> yield(name: "duplicate_set")
