import "array"
import "experimental"

data = array.from(rows: [{_time: 2021-01-01T00:00:00Z, host: "a", _value: 1}])
    |> group(columns: ["host"])

experimental.join(left: data, right: data, fn: (left, right) => ({left with host: "b"}))
