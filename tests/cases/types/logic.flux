a = true and false or not true
b = (x) => x > 0 and x < 10
c = (r) => exists r.host
d = if 1 > 0 then "pos" else "neg"
e = (x) => if x then 1 else 0
