import "csv"
import "testing"

inData = "
#datatype,string,long,dateTime:RFC3339,double
#group,false,false,false,false
#default,_result,,,
,result,table,_time,_value
,,0,2018-05-22T19:53:26Z,1.0
"
got = csv.from(csv: inData) |> testing.load() |> range(start: 2018-05-22T19:53:26Z)
want = csv.from(csv: inData)
diff = testing.diff(got, want)
