// internal/promql.promHistogramQuantile: each table is one histogram of cumulative
// bucket counts keyed by its upper bound `le` (a string).
// "h": 10 up to 0.1, 30 up to 0.5, 40 in all. The median's rank is 20, in the 0.5 bucket:
// 0.1 + (0.5 - 0.1) × (20 - 10) / (30 - 10) = 0.3. q = 0.9 (rank 36) falls in the +Inf
// bucket: the highest finite bound, 0.5. q = -1 gives -Inf and q = 2 gives +Inf.
// "dip": counts 10, 8, 40 are made monotonic (10, 10, 40); q = 0.2 (rank 8) falls in the
// lowest bucket, interpolated from 0: 0.1 × 8 / 10 = 0.08. The row with le "junk" is not
// a bucket.
// "noinf": without a +Inf bucket the quantile is NaN. "neg": a lowest bucket with a
// bound at or below 0 gives that bound (-1).
import "array"
import "internal/promql"

data =
    array.from(
        rows: [
            {h: "h", le: "0.1", _value: 10.0},
            {h: "h", le: "+Inf", _value: 40.0},
            {h: "h", le: "0.5", _value: 30.0},
            {h: "dip", le: "0.1", _value: 10.0},
            {h: "dip", le: "0.5", _value: 8.0},
            {h: "dip", le: "junk", _value: 99.0},
            {h: "dip", le: "+Inf", _value: 40.0},
            {h: "noinf", le: "0.1", _value: 1.0},
            {h: "noinf", le: "1", _value: 2.0},
            {h: "neg", le: "-1", _value: 5.0},
            {h: "neg", le: "+Inf", _value: 10.0},
        ],
    )
        |> group(columns: ["h"])

data |> filter(fn: (r) => r.h == "h") |> promql.promHistogramQuantile(quantile: 0.5) |> yield(name: "median")
data |> filter(fn: (r) => r.h == "h") |> promql.promHistogramQuantile(quantile: 0.9) |> yield(name: "top")
data
    |> filter(fn: (r) => r.h == "h")
    |> promql.promHistogramQuantile(quantile: -1.0, valueColumn: "q")
    |> yield(name: "below")
data |> filter(fn: (r) => r.h == "h") |> promql.promHistogramQuantile(quantile: 2.0) |> yield(name: "above")
data |> filter(fn: (r) => r.h != "h") |> promql.promHistogramQuantile(quantile: 0.2) |> yield(name: "edges")
