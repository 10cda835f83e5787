import "array"

array.from(rows: [{_time: 2020-01-01T00:00:00Z, _value: 1}])
    |> range(start: 2021-01-01T00:00:00Z, stop: 2020-01-01T00:00:00Z)
