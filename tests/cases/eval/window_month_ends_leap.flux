// Monthly windows at a negative fixed offset, over a leap February; date.add clamps to
// month ends.
import "array"
import "date"
import "timezone"

data = array.from(rows: [
    {_time: 2024-01-31T23:00:00-03:00, _value: 1},
    {_time: 2024-02-29T23:30:00-03:00, _value: 2},
    {_time: 2024-03-01T00:30:00-03:00, _value: 3},
])
    |> range(start: 2024-01-01T00:00:00-03:00, stop: 2024-04-01T00:00:00-03:00)

data |> window(every: 1mo, location: timezone.fixed(offset: -3h)) |> count() |> yield(name: "monthly")

array.from(rows: [
    {from: "2024-01-31", plus_1mo: date.add(d: 1mo, to: 2024-01-31T12:00:00Z)},
    {from: "2023-01-31", plus_1mo: date.add(d: 1mo, to: 2023-01-31T12:00:00Z)},
    {from: "2024-02-29", plus_1mo: date.add(d: 1y, to: 2024-02-29T12:00:00Z)},
])
    |> yield(name: "add")
