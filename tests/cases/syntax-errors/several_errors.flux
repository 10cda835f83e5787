x = 1 +
y = f(a: 1 b: 2)
z = [1, 2
w = "ok
