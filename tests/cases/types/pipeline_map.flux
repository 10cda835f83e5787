celsius = from(bucket: "iot")
    |> range(start: -1d)
    |> filter(fn: (r) => r._measurement == "temperature")
    |> map(fn: (r) => ({r with _value: (r._value - 32.0) * 5.0 / 9.0, unit: "C"}))
