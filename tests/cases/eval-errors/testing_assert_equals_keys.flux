// testing.assertEquals fails when a group key is in one stream only.
import "array"
import "testing"

want = array.from(rows: [{host: "a", _value: 1}]) |> group(columns: ["host"])

array.from(rows: [{host: "b", _value: 1}])
    |> group(columns: ["host"])
    |> testing.assertEquals(name: "hosts", want: want)
