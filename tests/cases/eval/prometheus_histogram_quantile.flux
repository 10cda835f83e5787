// experimental/prometheus.histogramQuantile: with metric version 2 a histogram's buckets
// are rows whose `le` tag is the upper bound; with version 1 they are fields named by the
// bound (`sum` and `count` left out). The median of 40 observations (10 up to 0.1, 30 up
// to 0.5) is 0.1 + (20 - 10) / (30 - 10) * 0.4 = 0.3; the result is keyed by `quantile`.
import "array"
import "csv"
import "experimental/prometheus"

array.from(rows: [
    {_time: 2021-01-01T00:00:00Z, _measurement: "prometheus", _field: "req_seconds", le: "0.1", _value: 10.0},
    {_time: 2021-01-01T00:00:00Z, _measurement: "prometheus", _field: "req_seconds", le: "0.5", _value: 30.0},
    {_time: 2021-01-01T00:00:00Z, _measurement: "prometheus", _field: "req_seconds", le: "+Inf", _value: 40.0},
])
    |> group(columns: ["_measurement", "_field", "le"])
    |> prometheus.histogramQuantile(quantile: 0.5)
    |> yield(name: "v2")

// Version 1 input comes from CSV here: the function reads `le` and `_field` of the same
// rows, so rows typed by array.from must have both.
csv.from(csv: "#datatype,string,long,dateTime:RFC3339,string,string,double
#group,false,false,false,true,true,false
#default,_result,,,,,
,result,table,_time,_measurement,_field,_value
,,0,2021-01-01T00:00:00Z,req_seconds,0.1,10
,,1,2021-01-01T00:00:00Z,req_seconds,0.5,30
,,2,2021-01-01T00:00:00Z,req_seconds,+Inf,40
,,3,2021-01-01T00:00:00Z,req_seconds,sum,9.5
,,4,2021-01-01T00:00:00Z,req_seconds,count,40
")
    |> prometheus.histogramQuantile(quantile: 0.5, metricVersion: 1)
    |> yield(name: "v1")
