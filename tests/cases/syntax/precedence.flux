// The precedence table, loosest to tightest:
// function literal / if, or, and, not/exists, comparison, + -, * / %, ^, |>, prefix + -, postfix.
p01 = a or b and c
p02 = a and b or c
p03 = not a and b
p04 = not a == b
p05 = exists r.x and r.x > 0
p06 = a == b + c
p07 = a < b == c
p08 = a + b * c
p09 = a * b + c
p10 = a - b - c
p11 = a / b / c
p12 = a % b * c
p13 = a * b ^ c
p14 = a ^ b ^ c
p15 = -a ^ b
p16 = a ^ -b
p17 = a * b |> f()
p18 = a |> f() |> g()
p19 = -a.b
p20 = -f(x: 1)
p21 = a.b.c[0](x: 1).d
p22 = a =~ /re/ and b !~ /re/
p23 = a + b < c - d or e
p24 = if a then b else c + d
p25 = if a then if b then c else d else e
p26 = (a) => a + 1
p27 = (a + b) * c
p28 = not not a
p29 = - - a
p30 = +a - +b
p31 = a != b and c <= d and e >= f
p32 = x |> f() ^ 2
