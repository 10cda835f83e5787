import "experimental/dynamic"

d = dynamic.jsonParse(data: bytes(v: "{}"))
member = d.a.b
element = d.items[3]
asInt = int(v: d.n)
names = d.list |> dynamic.asArray()
getName = (x) => x.name
fromDynamic = getName(x: d)
