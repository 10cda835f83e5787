import "csv"
import "experimental/prometheus"

csv.from(csv: "#datatype,string,long,dateTime:RFC3339,string,string,double
#group,false,false,false,true,true,false
#default,_result,,,,,
,result,table,_time,_field,le,_value
,,0,2021-01-01T00:00:00Z,x,1,1
")
    |> prometheus.histogramQuantile(quantile: 0.5, metricVersion: 3)
