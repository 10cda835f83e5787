p = {id: 1, lat: 1.5, lon: 2.5}
q = {p with id: "one"}
r = {p with extra: true}
lat = p.lat
key = p["id"]
nested = {a: {b: {c: 1}}}
deep = nested.a.b.c
