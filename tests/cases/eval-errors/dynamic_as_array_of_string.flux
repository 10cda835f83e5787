import "experimental/dynamic"

dynamic.jsonParse(data: bytes(v: "\"text\"")) |> dynamic.asArray()
