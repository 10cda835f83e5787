import "array"

rows = array.from(rows: [{_time: 2020-01-01T00:00:00Z, _value: 1.0, host: "a"}])
filtered = rows |> filter(fn: (r) => r.host == "a")
