// experimental/geo: distances, lengths and containment on a sphere of radius 6371.01 km.
//
// Expected values by the haversine formula, computed independently (Python's math
// module, R = 6371.01 km):
//   New York (40.7128, -74.006) to London (51.5074, -0.1278): 5570.230922827237 km
//     = 5570230.922827237 m = 3461.181029554425 miles (1 mile = 1.609344 km)
//   one degree of the equator:                            111.19510117748393 km
//   linestring 39.7515 14.01433, 38.3527 13.9228, 36.9978 15.08433: 346.1023974652474 km
// fluxi (as upstream, through S2) measures point distances as atan2(|a×b|, a·b) of unit
// vectors, which agrees with the haversine values to ~1e-12. The distances from the
// polygon, box and circle to the Statue of Liberty (9.302885170119035, 3.7519946697120132,
// 6.441751842613934 km) and from it to the linestring (10602.273801588068 km) are
// golang/geo's at the version upstream Flux uses; fluxi agrees to ~1e-13.
import "array"
import "experimental/geo"

ny = {lat: 40.7128, lon: -74.006}
london = {lat: 51.5074, lon: -0.1278}
line = {linestring: "39.7515 14.01433, 38.3527 13.9228, 36.9978 15.08433"}

// Brooklyn and Queens, and a box and a circle around it.
polygon = {
    points: [
        {lat: 40.671659, lon: -73.936631},
        {lat: 40.706543, lon: -73.749177},
        {lat: 40.791333, lon: -73.880327},
    ],
}
box = {minLat: 40.6, maxLat: 40.8, minLon: -74.0, maxLon: -73.7}
circle = {lat: 40.7, lon: -73.85, radius: 10.0}
inside = {lat: 40.7232, lon: -73.8555}
statueOfLiberty = {lat: 40.6892, lon: -74.0445}

array.from(
    rows: [
        {what: "ny-london km", v: geo.ST_Distance(region: ny, geometry: london)},
        {
            what: "ny-london m",
            v: geo.ST_Distance(region: ny, geometry: london, units: {distance: "m"}),
        },
        {
            what: "ny-london mile",
            v: geo.ST_Distance(region: ny, geometry: london, units: {distance: "mile"}),
        },
        {
            what: "one degree of the equator",
            v: geo.ST_Distance(region: {lat: 0.0, lon: 0.0}, geometry: {lat: 0.0, lon: 1.0}),
        },
        {what: "linestring length", v: geo.ST_Length(geometry: line)},
        {what: "point length", v: geo.ST_Length(geometry: ny)},
        // Inside a region: 0.
        {what: "polygon to inside point", v: geo.ST_Distance(region: polygon, geometry: inside)},
        {what: "box to inside point", v: geo.ST_Distance(region: box, geometry: inside)},
        {what: "circle to inside point", v: geo.ST_Distance(region: circle, geometry: inside)},
        // The statue is west of all three: positive distances, the circle's being the
        // distance to its center less 10 km.
        {what: "polygon to statue", v: geo.ST_Distance(region: polygon, geometry: statueOfLiberty)},
        {what: "box to statue", v: geo.ST_Distance(region: box, geometry: statueOfLiberty)},
        {what: "circle to statue", v: geo.ST_Distance(region: circle, geometry: statueOfLiberty)},
        {
            what: "circle center to statue",
            v: geo.ST_Distance(region: {lat: 40.7, lon: -73.85}, geometry: statueOfLiberty),
        },
        {what: "statue to linestring", v: geo.ST_Distance(region: statueOfLiberty, geometry: line)},
    ],
) |> yield(name: "distances")

crossing = {linestring: "-74.0445 40.6892, -73.8555 40.7232"}
away = {linestring: "-74.0445 40.6892, -74.03 40.70"}

array.from(
    rows: [
        {what: "polygon contains inside", v: geo.ST_Contains(region: polygon, geometry: inside)},
        {
            what: "polygon contains statue",
            v: geo.ST_Contains(region: polygon, geometry: statueOfLiberty),
        },
        {what: "box contains inside", v: geo.ST_Contains(region: box, geometry: inside)},
        {what: "circle contains inside", v: geo.ST_Contains(region: circle, geometry: inside)},
        {
            what: "polygon contains crossing line",
            v: geo.ST_Contains(region: polygon, geometry: crossing),
        },
        {
            what: "polygon intersects crossing line",
            v: geo.ST_Intersects(region: polygon, geometry: crossing),
        },
        {
            what: "polygon intersects line away",
            v: geo.ST_Intersects(region: polygon, geometry: away),
        },
        {
            what: "box intersects crossing line",
            v: geo.ST_Intersects(region: box, geometry: crossing),
        },
        {
            what: "ny within 5600 km of london",
            v: geo.ST_DWithin(region: ny, geometry: london, distance: 5600.0),
        },
        {
            what: "ny within 5500 km of london",
            v: geo.ST_DWithin(region: ny, geometry: london, distance: 5500.0),
        },
        // The vertices given clockwise describe the same polygon.
        {
            what: "clockwise polygon contains inside",
            v: geo.ST_Contains(
                region: {
                    points: [
                        {lat: 40.791333, lon: -73.880327},
                        {lat: 40.706543, lon: -73.749177},
                        {lat: 40.671659, lon: -73.936631},
                    ],
                },
                geometry: inside,
            ),
        },
    ],
) |> yield(name: "predicates")
