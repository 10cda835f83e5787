// `experimental.fill`, `distinct`, `unique`, `histogram`, `histogramQuantile` and `window`
// work on `_value` (and `le`) as the universe functions with their default columns do.
// Series a: 1, null, 4, 4, 6 (one minute apart from 00:00); series b: 10, 20.
import "csv"
import "experimental"

data = csv.from(csv: "#datatype,string,long,string,dateTime:RFC3339,double
#group,false,false,true,false,false
#default,_result,,,,
,result,table,t,_time,_value
,,0,a,2021-01-01T00:00:00Z,1
,,0,a,2021-01-01T00:01:00Z,
,,0,a,2021-01-01T00:02:00Z,4
,,0,a,2021-01-01T00:03:00Z,4
,,0,a,2021-01-01T00:04:00Z,6
,,1,b,2021-01-01T00:00:00Z,10
,,1,b,2021-01-01T00:01:00Z,20
")

// the null at 00:01 becomes 0
data |> experimental.fill(value: 0.0) |> yield(name: "fill_value")
// the null at 00:01 takes the 1 before it
data |> experimental.fill(usePrevious: true) |> yield(name: "fill_previous")
// a: 1, null, 4, 6 (null counts as a value); only the key and _value are kept
data |> experimental.distinct() |> yield(name: "distinct")
// a: the rows at 00:00, 00:01, 00:02 and 00:04, whole
data |> experimental.unique() |> yield(name: "unique")

// a: 1 value <= 2, 3 <= 5, 4 <= +Inf (the null is not counted); b: 0, 0, 2
hist = data |> experimental.histogram(bins: [2.0, 5.0, float(v: "+Inf")])

hist |> yield(name: "histogram")
// a: rank 0.5 * 4 = 2 lies between (2, 1) and (5, 3): 2 + 3 * (2 - 1) / (3 - 1) = 3.5;
// b: rank 0.5 * 2 = 1 lies in the bucket (5, +Inf], whose infinite bound is not
// interpolated to: the finite one, 5
hist |> experimental.histogramQuantile(quantile: 0.5) |> yield(name: "histogram_quantile")

// two-minute windows: a's rows fall in [00:00, 00:02), [00:02, 00:04), [00:04, 00:06)
data
    |> range(start: 2021-01-01T00:00:00Z, stop: 2021-01-01T00:06:00Z)
    |> filter(fn: (r) => r.t == "a")
    |> experimental.window(every: 2m)
    |> yield(name: "window")
