import "experimental/geo"

// A token can be made coarser, not finer.
x = geo.s2CellIDToken(token: "89c25b", level: 12)
