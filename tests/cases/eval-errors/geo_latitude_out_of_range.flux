import "experimental/geo"

x = geo.s2CellIDToken(point: {lat: 91.0, lon: 10.0}, level: 10)
