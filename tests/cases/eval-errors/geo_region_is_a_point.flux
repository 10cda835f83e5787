import "experimental/geo"

x = geo.getGrid(region: {lat: 40.7, lon: -74.0}, level: 5, units: geo.units)
