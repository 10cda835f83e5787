// The spec's parametric polymorphism example: the identity applies to anything.
f = (x) => x
a = f(x: 1)
b = f(x: 1.1)
c = f(x: "1")
d = f(x: true)
e = f(x: f)
