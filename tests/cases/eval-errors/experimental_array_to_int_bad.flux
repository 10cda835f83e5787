import "experimental/array"

["1", "2", "three"] |> array.toInt()
