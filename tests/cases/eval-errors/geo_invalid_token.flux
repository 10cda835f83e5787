import "experimental/geo"

x = geo.getLevel(token: "89c25g")
