import "array"

array.from(rows: [{a: 1}]) |> rename(columns: {b: "c"})
