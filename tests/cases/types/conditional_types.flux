level = (v) => if v > 90.0 then "crit" else if v > 80.0 then "warn" else "ok"
a = level(v: 95.0)
pick = (c, a, b) => if c then a else b
x = pick(c: true, a: 1, b: 2)
