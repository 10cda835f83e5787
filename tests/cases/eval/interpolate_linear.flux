// interpolate.linear keeps every row and inserts one at each multiple of `every` strictly
// between two rows, on the line between their values; key columns keep the key's values.
// Boundaries count from the epoch (the 12:00 row is followed by 1d boundaries at
// midnight), and months work as calendar months.
import "array"
import "interpolate"

array.from(rows: [
    {_time: 2021-01-01T12:00:00Z, _value: 10.0, id: "a"},
    {_time: 2021-01-03T00:00:00Z, _value: 25.0, id: "a"},
    {_time: 2021-01-05T00:00:00Z, _value: 5.0, id: "a"},
    {_time: 2021-01-05T00:00:00Z, _value: 6.0, id: "a"},
    {_time: 2021-01-06T00:00:00Z, _value: 7.0, id: "a"},
    {_time: 2021-01-02T00:00:00Z, _value: 1.0, id: "b"},
])
    |> group(columns: ["id"])
    |> interpolate.linear(every: 1d)
    |> yield(name: "daily")

array.from(rows: [
    {_time: 2021-01-15T00:00:00Z, _value: 0.0},
    {_time: 2021-04-15T00:00:00Z, _value: 89.0},
])
    |> interpolate.linear(every: 1mo)
    |> yield(name: "monthly")
