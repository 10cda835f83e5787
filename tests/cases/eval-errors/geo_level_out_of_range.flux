import "experimental/geo"

x = geo.s2CellIDToken(point: {lat: 40.7, lon: -74.0}, level: 31)
