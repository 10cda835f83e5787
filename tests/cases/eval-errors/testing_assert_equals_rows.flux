// testing.assertEquals fails, naming the assertion, when tables of the same key differ.
import "array"
import "testing"

array.from(rows: [{_value: 1}, {_value: 2}])
    |> testing.assertEquals(name: "values", want: array.from(rows: [{_value: 1}, {_value: 3}]))
