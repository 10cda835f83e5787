// experimental/geo: S2 cell tokens, levels, centers and grids.
//
// The expected tokens were checked against the reference C++ S2 library (its Python
// bindings, `s2geometry`: `S2CellId(S2LatLng.FromDegrees(lat, lon)).parent(level)
// .ToToken()`), independently of fluxi:
//   New York (40.7128, -74.006):   levels 1, 5, 10, 15, 30 -> 8c, 89c4, 89c25b, 89c25a224,
//                                   89c25a220cf80969
//   Sydney (-33.8688, 151.2093):   6c, 6b14, 6b12af, 6b12ae3fc, 6b12ae3ff6290055
//   London (51.5074, -0.1278):     4c, 4874, 487605, 487604ce4, 487604ce36748fa9
//   parent at level 5 of 89c25b:   89c4
//   center of 89c284:              40.812535546624574, -73.55941282728273 (also in
//                                   upstream's documentation of s2CellLatLon)
// The level-9 grid over Long Island is upstream's documented getGrid result for that box
// (the same eight cells for the circle and polygon over the area).
import "array"
import "experimental/geo"
import "strings"

places = [
    {name: "New York", lat: 40.7128, lon: -74.006},
    {name: "Sydney", lat: -33.8688, lon: 151.2093},
    {name: "London", lat: 51.5074, lon: -0.1278},
]

tokens = array.map(
    arr: places,
    fn: (x) => ({
        name: x.name,
        l1: geo.s2CellIDToken(point: {lat: x.lat, lon: x.lon}, level: 1),
        l5: geo.s2CellIDToken(point: {lat: x.lat, lon: x.lon}, level: 5),
        l10: geo.s2CellIDToken(point: {lat: x.lat, lon: x.lon}, level: 10),
        l15: geo.s2CellIDToken(point: {lat: x.lat, lon: x.lon}, level: 15),
        l30: geo.s2CellIDToken(point: {lat: x.lat, lon: x.lon}, level: 30),
    }),
)

array.from(rows: tokens) |> yield(name: "tokens")

center = geo.s2CellLatLon(token: "89c284")

array.from(
    rows: [
        {
            parent5: geo.s2CellIDToken(token: "89c25b", level: 5),
            same10: geo.s2CellIDToken(token: "89c25b", level: 10),
            level: geo.getLevel(token: "89c25b"),
            leafLevel: geo.getLevel(token: "89c25a220cf80969"),
            centerLat: center.lat,
            centerLon: center.lon,
        },
    ],
) |> yield(name: "tokenOps")

longIsland = {minLat: 40.5880775, maxLat: 40.8247008, minLon: -73.80014, maxLon: -73.4630336}
circle = {lat: 40.7090214, lon: -73.61846, radius: 15.0}
polygon = {
    points: [
        {lat: 40.776527, lon: -73.338811},
        {lat: 40.788093, lon: -73.776396},
        {lat: 40.475939, lon: -73.751854},
        {lat: 40.576506, lon: -73.573634},
    ],
}
grid = (name, g) => ({
    name: name,
    level: g.level,
    cells: length(arr: g.set),
    first: if length(arr: g.set) > 0 then g.set[0] else "",
    last: if length(arr: g.set) > 0 then g.set[length(arr: g.set) - 1] else "",
})

array.from(
    rows: [
        grid(name: "box, level 9", g: geo.getGrid(region: longIsland, level: 9, units: geo.units)),
        grid(name: "circle, level 9", g: geo.getGrid(region: circle, level: 9, units: geo.units)),
        grid(name: "polygon, level 9", g: geo.getGrid(region: polygon, level: 9, units: geo.units)),
        grid(
            name: "box, minSize 7, maxLevel 11",
            g: geo.getGrid(region: longIsland, minSize: 7, maxLevel: 11, units: geo.units),
        ),
        grid(
            name: "box, minSize 7, maxSize 10",
            g: geo.getGrid(
                region: longIsland,
                minSize: 7,
                maxSize: 10,
                maxLevel: 11,
                units: geo.units,
            ),
        ),
        grid(
            name: "box, minSize 1000",
            g: geo.getGrid(region: longIsland, minSize: 1000, units: geo.units),
        ),
        grid(
            name: "box, minSize 1000, fallback maxLevel 9",
            g: geo.getGrid(region: longIsland, minSize: 1000, maxLevel: 9, units: geo.units),
        ),
        // 15 km is about 9.3 miles: a 9.3-mile circle covers the same level-9 cells.
        grid(
            name: "circle in miles, level 9",
            g: geo.getGrid(
                region: {lat: 40.7090214, lon: -73.61846, radius: 9.3},
                level: 9,
                units: {distance: "mile"},
            ),
        ),
    ],
) |> yield(name: "grids")

array.from(
    rows: [
        {
            set: strings.joinStr(
                arr: geo.getGrid(region: longIsland, level: 9, units: geo.units).set,
                v: " ",
            ),
        },
    ],
) |> yield(name: "longIsland9")
