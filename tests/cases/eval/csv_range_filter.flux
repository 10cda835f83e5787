// csv.from decodes annotated CSV; range adds _start/_stop to the key; filter drops rows.
import "csv"

option now = () => 2030-01-01T00:00:00Z

data = "
#datatype,string,long,dateTime:RFC3339,double,string,string,string
#group,false,false,false,false,true,true,true
#default,_result,,,,,,
,result,table,_time,_value,_field,_measurement,host
,,0,2018-05-22T19:53:26Z,1.83,load1,system,a
,,0,2018-05-22T19:53:36Z,1.72,load1,system,a
,,0,2018-05-22T19:53:46Z,,load1,system,a
,,1,2018-05-22T19:53:26Z,4.5,load1,system,b
,,1,2018-05-22T19:53:36Z,4.9,load1,system,b
"

csv.from(csv: data)
    |> range(start: 2018-05-22T19:53:30Z)
    |> filter(fn: (r) => r._value > 1.0)
