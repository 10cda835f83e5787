// A default does not narrow the parameter's type (as upstream).
f = (x, y=2) => x + y
a = f(x: 1)
b = f(x: 1.5, y: 2.5)
g = (x=1) => x
h = g()
