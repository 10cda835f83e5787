import "array"
import "internal/promql"

array.from(rows: [{src: "a", _value: 1.0}])
    |> group(columns: ["src"])
    |> promql.labelReplace(source: "src", destination: "dst", regex: "(unclosed", replacement: "x")
