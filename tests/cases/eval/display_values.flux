import "array"

array.from(rows: [
    {kind: "record", text: display(v: {b: 2, a: 1})},
    {kind: "array", text: display(v: [1, 2, 3])},
    {kind: "dict", text: display(v: ["k": "v"])},
    {kind: "nested", text: display(v: {list: [1], name: "x"})},
    {kind: "duration", text: display(v: 1h30m)},
])
