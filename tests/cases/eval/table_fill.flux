// experimental/table.fill gives each empty table one row: its group key values in the
// key columns and nulls elsewhere. Tables with rows pass unchanged; filling again adds
// nothing. After a selector, the empty window's table gets its row back.
import "array"
import "experimental/table"

data = array.from(rows: [
    {_time: 2021-01-01T00:00:05Z, _value: 4.0, host: "a"},
    {_time: 2021-01-01T00:00:07Z, _value: 2.0, host: "a"},
    {_time: 2021-01-01T00:00:45Z, _value: 5.0, host: "a"},
])
    |> group(columns: ["host"])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:01:00Z)
    |> window(every: 20s, createEmpty: true)

data |> table.fill() |> yield(name: "filled")
data |> min() |> table.fill() |> table.fill() |> yield(name: "min_filled")
