// Records: literals, punning, string keys, `with` extension, nesting, trailing commas.
empty = {}
r1 = {a: 1, b: "two", c: 3.0}
r2 = {a, b, c: 3}
r3 = {"a b": 1, "_value": 2}
r4 = {r with _value: r._value * 2, new: true}
r5 = {r with}
r6 = {a: {b: {c: 1}}}
r7 = {a: 1, b: 2,}
r8 = {
    host: "a",
    region: "us-west",
}
with = 1
where = 2
extends = 3
r9 = {with: with, where, extends}
m1 = r.a
m2 = r["a b"]
m3 = r.a.b.c
