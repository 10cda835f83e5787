import "experimental/geo"

x = geo.ST_Length(geometry: {linestring: "-73.9 40.7, -74.0"})
