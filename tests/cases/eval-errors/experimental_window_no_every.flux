import "array"
import "experimental"

array.from(rows: [{_time: 2021-01-01T00:00:00Z, _value: 1}])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-02T00:00:00Z)
    |> experimental.window()
