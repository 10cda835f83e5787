import "experimental/json"
import "array"

array.from(rows: json.parse(data: bytes(v: "[{\"a\": 1}, {\"a\": \"one\"}]")))
