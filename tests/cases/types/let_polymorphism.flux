// A let-bound function is used at several types; a parameter is not generalised.
id = (x) => x
pair = {a: id(x: 1), b: id(x: "s")}
apply = (f, x) => f(x: x)
k = apply(f: id, x: 3)
twice = (f, x) => f(x: f(x: x))
inc = (x) => x + 1
t = twice(f: inc, x: 5)
