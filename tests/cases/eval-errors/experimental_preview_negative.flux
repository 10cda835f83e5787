import "array"
import "experimental"

array.from(rows: [{_value: 1}]) |> experimental.preview(nrows: -1)
