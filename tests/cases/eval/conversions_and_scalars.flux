import "array"
import "strings"

array.from(rows: [{
    f: float(v: "1.5"),
    i: int(v: 2.9),
    u: uint(v: 7),
    s: string(v: 2020-01-01T00:00:00Z),
    d: string(v: 90m),
    b: bool(v: "true"),
    t: time(v: "2020-01-01T01:00:00+01:00"),
    up: strings.toUpper(v: "abc"),
    len: length(arr: [1, 2, 3]),
    has: contains(value: 2, set: [1, 2, 3]),
    interp: "n=${1 + 1} d=${1h30m}",
    div: 7 / 2,
    fdiv: 7.0 / 2.0,
    m: -7 % 3,
    p: 2.0 ^ 10.0,
}])
