import "array"
import "experimental/dynamic"

// JSON read as dynamic values: properties and elements are looked up when the program
// runs, converted with the ordinary conversion functions.
doc =
    dynamic.jsonParse(
        data:
            bytes(
                v:
                    "{\"host\": \"a\", \"load\": [0.5, 1.25, 2], \"up\": true, \"meta\": {\"rack\": 7}, \"gone\": null}",
            ),
    )
loads = doc.load |> dynamic.asArray()

array.from(
    rows: [
        {
            host: string(v: doc.host),
            first: float(v: loads[0]),
            third: int(v: doc.load[2]),
            count: length(arr: loads),
            up: bool(v: doc.up),
            rack: int(v: doc.meta.rack),
            hasGone: exists doc.gone,
            hasMissing: exists doc.missing,
            hasRack: exists doc.meta.rack,
            isArray: dynamic.isType(v: doc.load, type: "array"),
            isObject: dynamic.isType(v: doc.meta, type: "object"),
            isString: dynamic.isType(v: doc.up, type: "string"),
            nullIsInt: dynamic.isType(v: doc.gone, type: "int"),
            encoded: string(v: dynamic.jsonEncode(v: doc)),
            shown: display(v: doc.meta),
        },
    ],
)
