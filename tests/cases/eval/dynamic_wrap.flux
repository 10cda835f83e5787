import "array"
import "experimental/dynamic"

// Wrapping: arrays and records are wrapped element by element, a dynamic value is not
// wrapped again, and an array whose elements differ in type can be built from dynamic
// values.
mixed = [dynamic.dynamic(v: 1), dynamic.dynamic(v: "two"), dynamic.dynamic(v: {three: 3.0})]
rows =
    dynamic.dynamic(v: [dynamic.dynamic(v: {name: "a", n: 1}), dynamic.dynamic(v: {name: "b"})])
    |> dynamic.asArray()
    |> array.map(fn: (x) => ({name: string(v: x.name), n: int(v: x.n)}))

array.from(
    rows: [
        {case: "nested", text: display(v: dynamic.dynamic(v: {a: [1, 2], b: {c: "x"}}))},
        {case: "rewrap", text: display(v: dynamic.dynamic(v: dynamic.dynamic(v: 5)))},
        {case: "mixed", text: display(v: dynamic.dynamic(v: mixed))},
        {case: "mixed[2].three", text: display(v: mixed[2].three)},
        {case: "null", text: display(v: dynamic.dynamic(v: {a: 1}).b)},
        {case: "float of int", text: string(v: float(v: dynamic.dynamic(v: 3)))},
        {case: "rows", text: display(v: rows)},
        {case: "function", text: display(v: dynamic.dynamic(v: (s) => s + "!"))},
    ],
)
