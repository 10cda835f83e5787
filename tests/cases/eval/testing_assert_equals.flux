// testing.assertEquals passes `got` through when its tables equal `want`'s, matched by
// group key: here two tables, one per host.
import "array"
import "testing"

want =
    array.from(rows: [{host: "a", _value: 1}, {host: "b", _value: 2}])
        |> group(columns: ["host"])

array.from(rows: [{host: "a", _value: 1}, {host: "b", _value: 2}])
    |> group(columns: ["host"])
    |> testing.assertEquals(name: "two hosts", want: want)
