import "strngs"
x = strngs.toUpper(v: "a")
