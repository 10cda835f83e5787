import "csv"
import "experimental/geo"

// strictFilter needs `lat` and `lon` columns (pivot fields with geo.toRows first).
csv.from(
    csv: "#datatype,string,long,string,string,double
#group,false,false,true,true,false
#default,_result,,,,
,result,table,id,_field,_value
,,0,a,lat,40.7
,,1,a,lon,-74.0
",
)
    |> geo.strictFilter(region: {lat: 40.7, lon: -74.0, radius: 5.0})
    |> yield()
