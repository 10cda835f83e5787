// debug.feature: fluxi has no feature flags, so every key is one it does not know and,
// as upstream answers for an unknown key, the value is null.
import "array"
import "internal/debug"

array.from(
    rows: [
        {key: "groupTransformationGroup", set: exists debug.feature(key: "groupTransformationGroup")},
        {key: "noSuchFlag", set: exists debug.feature(key: "noSuchFlag")},
    ],
)
