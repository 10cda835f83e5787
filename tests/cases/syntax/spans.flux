// test: spans
x = f(a: 1) |> g()
y = {r with v: "s${t}"}
