makeAdder = (n) => (x) => x + n
add5 = makeAdder(n: 5)
r = add5(x: 10)
threshold = 80.0
alert = (r) => r._value > threshold
