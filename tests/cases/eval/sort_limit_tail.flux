// sort is stable and puts nulls first, ascending and descending.
import "array"
import "internal/debug"

data = array.from(rows: [
    {n: 1, v: 3.0},
    {n: 2, v: debug.null(type: "float")},
    {n: 3, v: 1.0},
    {n: 4, v: 3.0},
    {n: 5, v: 2.0},
])

data |> sort(columns: ["v"]) |> yield(name: "asc")
data |> sort(columns: ["v"], desc: true) |> yield(name: "desc")
data |> limit(n: 2, offset: 1) |> yield(name: "limit")
data |> tail(n: 2) |> yield(name: "tail")
