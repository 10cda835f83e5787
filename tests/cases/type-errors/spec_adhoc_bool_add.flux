// The spec's ad hoc polymorphism example: booleans are not Addable.
add = (a, b) => a + b
x = add(a: true, b: false)
