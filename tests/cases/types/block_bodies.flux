f = (x) => {
    y = x * 2
    z = y + 1
    return z
}
g = (r) => {
    v = r._value
    return {r with _value: v, doubled: v + v}
}
a = f(x: 3)
