import "csv"
import "experimental/geo"

// gridFilter reads the level of the data's tokens from the first table with an
// `s2_cell_id` group-key column; these rows have none.
csv.from(
    csv: "#datatype,string,long,string,double,double
#group,false,false,true,false,false
#default,_result,,,,
,result,table,id,lat,lon
,,0,a,40.7,-74.0
",
)
    |> geo.gridFilter(region: {lat: 40.7, lon: -74.0, radius: 5.0})
    |> yield()
