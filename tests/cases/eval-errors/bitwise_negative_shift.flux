import "bitwise"

bitwise.slshift(a: 1, b: -1)
