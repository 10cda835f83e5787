import "array"

data = array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _value: 10.0},
    {_time: 2021-01-01T00:00:10Z, _value: 30.0},
    {_time: 2021-01-01T00:00:30Z, _value: 20.0},
])

data |> derivative(unit: 1s) |> yield(name: "derivative")
data |> derivative(unit: 1s, nonNegative: true) |> yield(name: "derivative_nonnegative")
data |> elapsed(unit: 1s) |> yield(name: "elapsed")
data |> timeShift(duration: 1h) |> yield(name: "shifted")
