import "array"

option now = () => 2030-01-01T00:00:00Z

array.from(rows: [{_time: 2029-12-31T23:30:00Z, _value: 1}, {_time: 2029-12-31T22:00:00Z, _value: 2}])
    |> range(start: -1h)
    |> map(fn: (r) => ({r with now: now()}))
