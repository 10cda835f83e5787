// csv.from reads annotated CSV as upstream does: an annotation may be written without its
// `#` (`datatype,...`), and the result of a block is the one its `#default` row names,
// the rows' own `result` cells (here `_results`) not being read: one result, two tables.
import "csv"

data =
    "
datatype,string,long,dateTime:RFC3339,double,string
#group,false,false,false,false,true
#default,_result,,,,
,result,table,_time,_value,host
,_results,0,2024-01-01T00:00:00Z,1.5,a
,_results,1,2024-01-01T00:00:00Z,2.5,b
"

csv.from(csv: data)
