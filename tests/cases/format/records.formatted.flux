r = {a: 1, b: "two", "c d": 3.0}
s = {r with x: (1 + 2) * 3, y: [1, 2, 3], z: ["k": 1, "j": 2]}
t = {
    long_property_name_one: 1000000,
    long_property_name_two: 2000000,
    long_property_name_three: 3000000,
}
m = (r) => ({r with _value: r._value * 2.0})
e = {}
arr = []
