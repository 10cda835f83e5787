r = {a: 1}
k = "a"
x = r[k]
