// experimental/json.parse: objects become records (properties sorted), numbers floats,
// arrays arrays; an array of objects feeds array.from.
import "array"
import "experimental/json"

doc = json.parse(data: bytes(v: "{\"name\": \"probe\", \"ok\": true, \"hits\": [3, 4.5], \"missing\": null, \"inner\": {\"z\": \"last\", \"a\": 1}}"))

array.from(rows: [{
    name: doc.name,
    ok: doc.ok,
    first_hit: doc.hits[0],
    hits: length(arr: doc.hits),
    missing_is_null: not exists doc.missing,
    inner_a: doc.inner.a,
    inner_z: doc.inner.z,
}])
    |> yield(name: "record")

array.from(rows: json.parse(data: bytes(v: "[{\"_value\": 1, \"tag\": \"x\"}, {\"_value\": -2e3, \"tag\": \"y\"}]")))
    |> yield(name: "rows")
