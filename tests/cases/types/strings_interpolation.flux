n = 42
s = "n is ${n}, n+1 is ${n + 1}, half is ${float(v: n) / 2.0}"
t = "time ${now()} dur ${5m} bool ${true}"
f = (name) => "hello ${name}"
