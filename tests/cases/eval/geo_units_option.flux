// `option geo.units` changes the unit of the geo functions whose `units` parameter
// defaults to it (a parameter named like the option it defaults to still reads the
// option). New York to London is 5570.230922827237 km = 3461.181029554425 miles by the
// haversine formula (R = 6371.01 km, 1 mile = 1.609344 km); an explicit `units` wins.
import "array"
import "experimental/geo"

option geo.units = {distance: "mile"}

ny = {lat: 40.7128, lon: -74.006}
london = {lat: 51.5074, lon: -0.1278}

array.from(
    rows: [
        {what: "option", v: geo.ST_Distance(region: ny, geometry: london)},
        {
            what: "explicit km",
            v: geo.ST_Distance(region: ny, geometry: london, units: {distance: "km"}),
        },
        {
            what: "within 3500 miles",
            v: if geo.ST_DWithin(region: ny, geometry: london, distance: 3500.0) then 1.0 else 0.0,
        },
        {
            what: "line length",
            v: geo.ST_Length(geometry: {linestring: "-74.006 40.7128, -0.1278 51.5074"}),
        },
    ],
)
