// The aggregates and selectors of `experimental` act on `_value` as their universe
// namesakes do: aggregates keep only the group key and `_value` (count counts null rows
// too; the others skip nulls), selectors keep the whole chosen row.
// Series a: 1, null, 4, 4, 6; series b: 10, 20 (checked by hand in the comments below).
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

// a: 5 rows; b: 2
data |> experimental.count() |> yield(name: "count")
// a: 1 + 4 + 4 + 6 = 15; b: 30
data |> experimental.sum() |> yield(name: "sum")
// a: 15 / 4 = 3.75; b: 15
data |> experimental.mean() |> yield(name: "mean")
// a: 6 - 1 = 5; b: 10
data |> experimental.spread() |> yield(name: "spread")
// a: sqrt(((-2.75)^2 + 0.25^2 + 0.25^2 + 2.25^2) / 3) = sqrt(4.25); b: sqrt(50)
data |> experimental.stddev() |> yield(name: "stddev")
// a: sqrt(12.75 / 4) = sqrt(3.1875); b: 5
data |> experimental.stddev(mode: "population") |> yield(name: "stddev_population")
// a: m3 / m2^1.5 = (-9.375 / 4) / 3.1875^1.5; b: 0
data |> experimental.skew() |> yield(name: "skew")
// a: 4 (twice); b: both 10 and 20 once each, so both, sorted
data |> experimental.mode() |> yield(name: "mode")
// a: sorted 1, 4, 4, 6; position 0.25 * 3 = 0.75 between 1 and 4: 3.25; b: 12.5
data |> experimental.quantile(q: 0.25, method: "exact_mean") |> yield(name: "quantile")
// the row at 00:00 (1) and b's at 00:00 (10)
data |> experimental.min() |> yield(name: "min")
// the row at 00:04 (6) and b's at 00:01 (20)
data |> experimental.max() |> yield(name: "max")
// the first non-null: 00:00
data |> experimental.first() |> yield(name: "first")
// the last non-null: 00:04
data |> experimental.last() |> yield(name: "last")
