// `/` divides after an operand and starts a regex elsewhere.
a = x / y
b = x / 2 / z
c = (x) / (y)
d = f() / g()
e = a[0] / 2
f = r._value / 100.0
g = r.host =~ /server\/a/
h = [/a/, /b/]
i = f(re: /c/)
j = if x then /a/ else /b/
k = not /x/
