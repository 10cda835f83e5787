import "array"

compose = (f, g) => (x) => f(x: g(x: x))
inc = (x) => x + 1
dbl = (x) => x * 2
h = compose(f: inc, g: dbl)
v = h(x: 3)
mapArr = (arr, fn) => arr |> array.map(fn: fn)

