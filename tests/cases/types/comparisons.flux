// Comparison operands need not have the same type (as upstream).
a = 1 < 2
b = 1.0 >= 2
c = "a" == "b"
d = 2020-01-01T00:00:00Z < now()
e = 1h > 30m
f = [1, 2] == [1, 2]
g = {a: 1} == {a: 2}
h = "x" =~ /x/ and "y" !~ /z/
