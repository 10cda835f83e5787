// The spec's ad hoc polymorphism example (well-typed part).
add = (a, b) => a + b
i = add(a: 1, b: 1)
s = add(a: "str", b: "ing")
f = add(a: 1.5, b: 2.5)
