// The momentum indicators over two short price series (one with a gap): Chande momentum
// oscillator, Kaufman's efficiency ratio and adaptive moving average, relative strength
// index and TRIX. Each drops the rows it has no full period for.
import "array"
import "internal/debug"

prices = array.from(rows: [
    {_time: 2022-03-01T00:00:00Z, _value: 10.0, sym: "a"},
    {_time: 2022-03-01T00:01:00Z, _value: 12.0, sym: "a"},
    {_time: 2022-03-01T00:02:00Z, _value: 11.0, sym: "a"},
    {_time: 2022-03-01T00:03:00Z, _value: 14.0, sym: "a"},
    {_time: 2022-03-01T00:04:00Z, _value: 13.0, sym: "a"},
    {_time: 2022-03-01T00:05:00Z, _value: 17.0, sym: "a"},
    {_time: 2022-03-01T00:06:00Z, _value: 16.0, sym: "a"},
    {_time: 2022-03-01T00:00:00Z, _value: 5.0, sym: "b"},
    {_time: 2022-03-01T00:01:00Z, _value: debug.null(type: "float"), sym: "b"},
    {_time: 2022-03-01T00:02:00Z, _value: 4.0, sym: "b"},
    {_time: 2022-03-01T00:03:00Z, _value: 6.0, sym: "b"},
    {_time: 2022-03-01T00:04:00Z, _value: 3.0, sym: "b"},
])
    |> group(columns: ["sym"])

prices |> chandeMomentumOscillator(n: 3) |> yield(name: "cmo")
prices |> kaufmansER(n: 3) |> yield(name: "ker")
prices |> kaufmansAMA(n: 3) |> yield(name: "kama")
prices |> relativeStrengthIndex(n: 3) |> yield(name: "rsi")
prices |> tripleExponentialDerivative(n: 2) |> yield(name: "trix")

// Integer columns are converted to floats; other columns pass through.
array.from(rows: [
    {i: 1, v: 100, tag: "x"},
    {i: 2, v: 90, tag: "x"},
    {i: 3, v: 120, tag: "x"},
    {i: 4, v: 110, tag: "x"},
])
    |> chandeMomentumOscillator(n: 2, columns: ["v"])
    |> yield(name: "cmo_int")

// A table no longer than the period gives one row from the averages so far.
array.from(rows: [{_value: 2.0}, {_value: 3.0}])
    |> relativeStrengthIndex(n: 5)
    |> yield(name: "rsi_short")
