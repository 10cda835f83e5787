// Strings: escapes, multi-line text, interpolation (nested), `$` that is not interpolation.
a = "plain"
b = "escapes: \n \r \t \\ \" \${x} $ \x41\xc3\xa9"
c = "line one
line two"
d = "x = ${x}"
e = "${a}${b}"
f = "outer ${"inner ${x + 1} end"} done"
g = "record ${ {a: 1}.a } and ${r["k"]}"
h = "cost: $5 and ${price} dollars, {braces} fine"
i = ""
j = "${"${"${deep}"}"}"
