// contrib/bonitoo-io/hex, values worked by hand: 255 is ff, -31 is -1f, uint 4096 is 1000;
// the bytes of "Hi!" (0x48 0x69 0x21) are 486921; a float is written in plain decimal,
// a time as Go prints it in UTC. Reading: "ff", "0xff" and "FF" are 255, "-1f" and
// "-0x1_f" are -31, the least int "-8000000000000000" reads back, "0xffffffffffffffff"
// is the largest uint; "48656c6C6f" decodes to the bytes of "Hello".
import "array"
import "contrib/bonitoo-io/hex"

array.from(
    rows: [
        {what: "int 255", text: hex.string(v: 255)},
        {what: "int -31", text: hex.string(v: -31)},
        {what: "uint 4096", text: hex.string(v: uint(v: 4096))},
        {what: "bytes of Hi!", text: hex.string(v: bytes(v: "Hi!"))},
        {what: "string", text: hex.string(v: "as is")},
        {what: "float 0.1", text: hex.string(v: 0.1)},
        {what: "float 1e21", text: hex.string(v: float(v: "1e21"))},
        {what: "bool", text: hex.string(v: true)},
        {what: "time", text: hex.string(v: 2021-03-04T05:06:07.25Z)},
        {what: "duration", text: hex.string(v: 90m)},
    ],
)
    |> yield(name: "to_text")

array.from(
    rows: [
        {text: "ff", int: hex.int(v: "ff"), uint: hex.uint(v: "ff")},
        {text: "0xff", int: hex.int(v: "0xff"), uint: hex.uint(v: "0xff")},
        {text: "FF", int: hex.int(v: "FF"), uint: hex.uint(v: "FF")},
        {text: "-1f / 1f", int: hex.int(v: "-1f"), uint: hex.uint(v: "1f")},
        {text: "-0x1_f / 0", int: hex.int(v: "-0x1_f"), uint: hex.uint(v: "0")},
        {
            text: "least int / largest uint",
            int: hex.int(v: "-8000000000000000"),
            uint: hex.uint(v: "0xffffffffffffffff"),
        },
    ],
)
    |> yield(name: "from_text")

array.from(rows: [{hello: string(v: hex.bytes(v: "48656c6C6f"))}]) |> yield(name: "bytes")
