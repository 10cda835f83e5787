// influxdata/influxdb/sample: `list` names the public data sets; `alignToNow` shifts all
// times so that the latest (across every table) is now.
import "array"
import "influxdata/influxdb/sample"

option now = () => 2030-01-01T00:00:00Z

sample.list() |> keep(columns: ["name", "type", "size"]) |> yield(name: "list")

array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: 1.0, host: "a"},
    {_time: 2021-01-01T00:00:30Z, _value: 2.0, host: "a"},
    {_time: 2021-01-01T00:01:00Z, _value: 3.0, host: "b"},
])
    |> group(columns: ["host"])
    |> sample.alignToNow()
    |> yield(name: "aligned")
