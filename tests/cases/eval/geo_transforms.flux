// experimental/geo's transformations on a small track near New York.
//
// Independently checked (reference C++ S2 via its Python bindings, and the haversine
// formula with R = 6371.01 km):
//   point                 level-4  level-5  level-10   km to (40.69335938, -73.30078125)
//   41.01433, -70.7515    89f      89e4     89e55d     217.35
//   40.9228,  -73.3527    89f      89ec     89e825      25.88
//   39.08433, -75.9978    89b      89bc     89b875     291.45
// A 50 km circle around that center is covered by 15 level-8 cells and 38 level-9 ones,
// so gridFilter (minSize 24) uses level 9, whose cells include 89e824, the parent of
// 89e825: only the second point passes, by grid and strictly.
// totalDistance: the sums of haversine legs are 4157.144498077607 km (ABC1) and
// 4428.129653320098 km (DEF2), upstream's documented values.
import "array"
import "csv"
import "experimental/geo"

raw = array.from(
    rows: [
        {_time: 2021-01-01T00:00:00Z, id: "a213b", _field: "latitude", _value: 41.01433},
        {_time: 2021-01-02T01:00:00Z, id: "a213b", _field: "latitude", _value: 40.9228},
        {_time: 2021-01-03T02:00:00Z, id: "a213b", _field: "latitude", _value: 39.08433},
        {_time: 2021-01-01T00:00:00Z, id: "a213b", _field: "longitude", _value: -70.7515},
        {_time: 2021-01-02T01:00:00Z, id: "a213b", _field: "longitude", _value: -73.3527},
        {_time: 2021-01-03T02:00:00Z, id: "a213b", _field: "longitude", _value: -75.9978},
    ],
) |> group(columns: ["id", "_field"])

shaped = raw |> geo.shapeData(latField: "latitude", lonField: "longitude", level: 10)
region = {lat: 40.69335938, lon: -73.30078125, radius: 50.0}

shaped |> yield(name: "shapeData")

shaped
    |> geo.gridFilter(region: region)
    |> yield(name: "gridFilter")

shaped
    |> geo.strictFilter(region: region)
    |> yield(name: "strictFilter")

shaped
    |> geo.filterRows(region: region, strict: false)
    |> yield(name: "filterRowsLoose")

shaped
    |> geo.groupByArea(newColumn: "area", level: 4)
    |> yield(name: "groupByArea4")

shaped
    |> geo.groupByArea(newColumn: "area", level: 10)
    |> yield(name: "groupByArea10")

raw
    |> map(fn: (r) => ({r with _field: if r._field == "latitude" then "lat" else "lon"}))
    |> geo.toRows()
    |> yield(name: "toRows")

// filterRows on rows that are not pivoted yet (from CSV, whose columns are known only
// when it runs): it pivots them after the grid filter.
csv.from(
    csv: "#datatype,string,long,dateTime:RFC3339,string,string,string,double
#group,false,false,false,true,true,true,false
#default,_result,,,,,,
,result,table,_time,id,_field,s2_cell_id,_value
,,0,2021-01-01T00:00:00Z,a213b,lat,89e55d,41.01433
,,1,2021-01-01T00:00:00Z,a213b,lon,89e55d,-70.7515
,,2,2021-01-02T01:00:00Z,a213b,lat,89e825,40.9228
,,3,2021-01-02T01:00:00Z,a213b,lon,89e825,-73.3527
",
)
    |> geo.filterRows(region: region)
    |> yield(name: "filterRowsUnpivoted")

tracks = array.from(
    rows: [
        {id: "ABC1", _time: 2022-01-01T00:00:00Z, lat: 85.1, lon: 42.2},
        {id: "ABC1", _time: 2022-01-01T01:00:00Z, lat: 71.3, lon: 50.8},
        {id: "ABC1", _time: 2022-01-01T02:00:00Z, lat: 63.1, lon: 62.3},
        {id: "ABC1", _time: 2022-01-01T03:00:00Z, lat: 50.6, lon: 74.9},
        {id: "DEF2", _time: 2022-01-01T03:00:00Z, lat: -30.4, lon: 24.9},
        {id: "DEF2", _time: 2022-01-01T00:00:00Z, lat: -10.8, lon: -12.2},
        {id: "DEF2", _time: 2022-01-01T02:00:00Z, lat: -23.2, lon: 12.3},
        {id: "DEF2", _time: 2022-01-01T01:00:00Z, lat: -16.3, lon: -0.8},
    ],
) |> geo.asTracks(groupBy: ["id"])

tracks |> yield(name: "asTracks")

tracks
    |> geo.totalDistance()
    |> yield(name: "totalDistance")

tracks
    |> geo.totalDistance(outputColumn: "km")
    |> yield(name: "totalDistanceColumn")

tracks
    |> geo.ST_LineString()
    |> yield(name: "lineString")
