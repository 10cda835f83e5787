double = (tables=<-) => tables |> map(fn: (r) => ({r with _value: r._value * 2.0}))
keepPositive = (tables=<-, column="_value") => tables |> filter(fn: (r) => r._value > 0.0)
id = (t=<-) => t
x = 1 |> id()
