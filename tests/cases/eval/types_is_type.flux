import "array"
import "types"

array.from(
    rows: [
        {v: "s", string: types.isType(v: "s", type: "string"), numeric: types.isNumeric(v: "s")},
        {v: "1", string: types.isType(v: 1, type: "string"), numeric: types.isNumeric(v: 1)},
        {v: "1u", string: types.isType(v: uint(v: 1), type: "uint"), numeric: types.isNumeric(v: uint(v: 1))},
        {v: "1.5", string: types.isType(v: 1.5, type: "float"), numeric: types.isNumeric(v: 1.5)},
        {v: "1h", string: types.isType(v: 1h, type: "duration"), numeric: types.isNumeric(v: 1h)},
        {v: "time", string: types.isType(v: 2030-01-01T00:00:00Z, type: "time"), numeric: false},
        {v: "true", string: types.isType(v: true, type: "bool"), numeric: types.isNumeric(v: true)},
        {v: "unknown name", string: types.isType(v: "a", type: "strin"), numeric: false},
    ],
)
