// experimental.join pairs tables by group key (a key on one side only gives nothing) and
// rows by _time (every left row with every right row of its time); the output's columns
// are fn's record's properties in alphabetical order.
import "array"
import "experimental"

left = array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, host: "a", _value: 1.0},
    {_time: 2021-01-01T00:01:00Z, host: "a", _value: 2.0},
    {_time: 2021-01-01T00:02:00Z, host: "a", _value: 3.0},
    {_time: 2021-01-01T00:00:00Z, host: "b", _value: 10.0},
    {_time: 2021-01-01T00:00:00Z, host: "only-left", _value: 0.0},
])
    |> group(columns: ["host"])

right = array.from(rows: [
    {_time: 2021-01-01T00:01:00Z, host: "a", used: 20},
    {_time: 2021-01-01T00:01:00Z, host: "a", used: 21},
    {_time: 2021-01-01T00:02:00Z, host: "a", used: 30},
    {_time: 2021-01-01T00:05:00Z, host: "b", used: 1},
    {_time: 2021-01-01T00:00:00Z, host: "only-right", used: 0},
])
    |> group(columns: ["host"])

experimental.join(
    left: left,
    right: right,
    fn: (left, right) => ({left with used: right.used, ratio: left._value / float(v: right.used)}),
)
