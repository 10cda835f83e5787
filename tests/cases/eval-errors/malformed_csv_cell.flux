import "csv"

csv.from(csv: "
#datatype,string,long,double
#group,false,false,false
#default,_result,,
,result,table,v
,,0,1.5
,,0,one point five
")
