add = (a, b) => a + b
x = add(a: {}, b: {})
