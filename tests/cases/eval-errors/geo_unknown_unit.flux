import "experimental/geo"

x = geo.ST_Distance(
    region: {lat: 0.0, lon: 0.0},
    geometry: {lat: 1.0, lon: 1.0},
    units: {distance: "furlong"},
)
