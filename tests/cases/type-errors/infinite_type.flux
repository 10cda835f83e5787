f = (x) => x(x: x)
