// Calls with named arguments, punning, string names; pipes; multi-line pipelines.
c0 = f()
c1 = f(a: 1)
c2 = f(a: 1, b: "x",)
c3 = testing.diff(got, want)
c4 = f(a, b: 2)
c5 = f(fn: (r) => r._value > 0)
c6 = f()()
c7 = strings.toUpper(v: "a")
from(bucket: "telegraf/autogen")
    |> range(start: -1h, stop: now())
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_idle")
    |> aggregateWindow(every: 1m, fn: mean, createEmpty: false)
    |> yield(name: "mean")
data = csv.from(csv: inData) |> testing.load()
data
    |> map(fn: (r) => ({r with _value: float(v: r._value) / 100.0}))
    |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
x = a
    |> b()
// A call's parenthesis on the next line still calls, as upstream parses it.
y = f
(a: 1)
