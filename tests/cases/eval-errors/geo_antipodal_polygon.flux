import "experimental/geo"

// The first and last points are antipodal: no one edge joins them.
x = geo.ST_Contains(
    region: {points: [{lat: -89.0, lon: -180.0}, {lat: -45.0, lon: -90.0}, {lat: 89.0, lon: 0.0}]},
    geometry: {lat: 0.0, lon: 0.0},
)
