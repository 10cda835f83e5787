import "dict"

d = ["a": 1, "b": 2]
e = [:]
v = dict.get(dict: d, key: "a", default: 0)
d2 = dict.insert(dict: d, key: "c", value: 3)
d3 = dict.fromList(pairs: [{key: 1, value: "one"}])
