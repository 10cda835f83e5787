a = [1, 2, 3]
b = []
c = [[1], [2, 3]]
d = a[0]
e = [{a: 1}, {a: 2}]
f = (arr) => arr[0]
g = length(arr: a)
h = contains(value: 2, set: a)
