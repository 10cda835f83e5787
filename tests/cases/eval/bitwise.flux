import "array"
import "bitwise"
import xb "experimental/bitwise"

array.from(
    rows: [
        {
            op: "and",
            u: bitwise.uand(a: uint(v: 12), b: uint(v: 10)),
            s: bitwise.sand(a: -12, b: 10),
        },
        {op: "or", u: bitwise.uor(a: uint(v: 12), b: uint(v: 3)), s: bitwise.sor(a: -16, b: 3)},
        {op: "xor", u: bitwise.uxor(a: uint(v: 12), b: uint(v: 10)), s: bitwise.sxor(a: -1, b: 5)},
        {op: "not", u: bitwise.unot(a: uint(v: 0)), s: bitwise.snot(a: 5)},
        {
            op: "clear",
            u: bitwise.uclear(a: uint(v: 15), b: uint(v: 5)),
            s: bitwise.sclear(a: -1, b: 1),
        },
        {
            op: "lshift",
            u: bitwise.ulshift(a: uint(v: 1), b: uint(v: 63)),
            s: bitwise.slshift(a: 5, b: 4),
        },
        {
            op: "lshift past the width",
            u: bitwise.ulshift(a: uint(v: 1), b: uint(v: 64)),
            s: bitwise.slshift(a: 1, b: 70),
        },
        {
            op: "rshift",
            u: bitwise.urshift(a: uint(v: 80), b: uint(v: 4)),
            s: bitwise.srshift(a: -80, b: 4),
        },
        {
            op: "rshift past the width",
            u: bitwise.urshift(a: uint(v: 80), b: uint(v: 64)),
            s: bitwise.srshift(a: -80, b: 64),
        },
        {op: "experimental", u: xb.uand(a: uint(v: 6), b: uint(v: 3)), s: xb.snot(a: -1)},
    ],
)
