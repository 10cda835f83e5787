// Flag hosts whose CPU use is above a threshold, with a level per reading.
// (Reads inline CSV until the embedded store lands; then it becomes from(bucket: "telegraf").)
import "csv"

option now = () => 2024-01-01T01:00:00Z

threshold = 80.0

telegraf = "
#datatype,string,long,dateTime:RFC3339,double,string,string,string,string
#group,false,false,false,false,true,true,true,true
#default,_result,,,,,,,
,result,table,_time,_value,_field,_measurement,cpu,host
,,0,2024-01-01T00:10:00Z,35.5,usage_user,cpu,cpu-total,web-1
,,0,2024-01-01T00:20:00Z,91.25,usage_user,cpu,cpu-total,web-1
,,0,2024-01-01T00:30:00Z,84.0,usage_user,cpu,cpu-total,web-1
,,1,2024-01-01T00:10:00Z,12.0,usage_user,cpu,cpu-total,db-1
,,1,2024-01-01T00:20:00Z,15.5,usage_user,cpu,cpu-total,db-1
,,2,2024-01-01T00:10:00Z,3.0,usage_system,cpu,cpu-total,web-1
"

csv.from(csv: telegraf)
    |> range(start: -1h)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user" and r.cpu == "cpu-total")
    |> map(fn: (r) => ({r with level: if r._value > threshold then "crit" else "ok"}))
    |> filter(fn: (r) => r.level == "crit")
    |> keep(columns: ["_time", "_value", "host", "level"])
    |> yield(name: "cpu_alerts")
