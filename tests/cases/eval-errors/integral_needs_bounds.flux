import "array"

// Interpolating to the range bounds needs range() first, to put _start and _stop in the key.
array.from(rows: [{_time: 2024-01-01T00:00:00Z, _value: 1.0}])
    |> integral(interpolate: "linear")
