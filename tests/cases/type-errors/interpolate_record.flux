r = {a: 1}
s = "value: ${r}"
