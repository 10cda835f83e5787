// Two tables with a column of different types cannot be merged into one.
import "csv"

csv.from(csv: "
#datatype,string,long,string,long
#group,false,false,true,false
#default,_result,,,
,result,table,g,v
,,0,a,1

#datatype,string,long,string,double
#group,false,false,true,false
#default,_result,,,
,result,table,g,v
,,1,b,2.5
")
    |> group()
