import "experimental/geo"

// A 500 km circle has millions of level-16 cells: more than a grid may hold.
x = geo.getGrid(region: {lat: 40.7, lon: -74.0, radius: 500.0}, level: 16, units: geo.units)
