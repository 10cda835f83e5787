// Functions over any record that has the properties they use.
getX = (r) => r.x
addY = (r) => ({r with y: r.x + 1})
both = (r) => r.x + r.y
a = getX(r: {x: 1, z: "s"})
b = addY(r: {x: 2, label: "two"})
c = both(r: {x: "a", y: "b", w: true})
