option task = {name: "example", every: 1h, offset: 10m}
x = f(a: 1, b: 2)
y = someFunction(firstArgument: "a fairly long string value", secondArgument: 1234567890, third: true)
z = outer(inner: inner(a: 1, b: 2), other: [1, 2, 3], fn: (r) => r._value > 0 and exists r.tag)
w = strings.joinStr(arr: ["a", "b"], v: ",")
