import "array"
import "internal/promql"

// {src=a, dst=x} and {src=a, dst=y} both become {src=a, dst=same}: two series with one
// key is an error, as in PromQL.
array.from(rows: [{src: "a", dst: "x", _value: 1.0}, {src: "a", dst: "y", _value: 2.0}])
    |> group(columns: ["src", "dst"])
    |> promql.labelReplace(source: "src", destination: "dst", regex: ".*", replacement: "same")
