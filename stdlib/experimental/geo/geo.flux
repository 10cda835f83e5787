// Package geo works with geotemporal data: points given by latitude and longitude
// (decimal degrees, WGS 84), grouped and filtered by S2 cells and by regions.
//
// Rows are expected to carry `lat` and `lon` columns (or `lat` and `lon` fields, which
// `toRows` pivots into columns) and an `s2_cell_id` tag holding the token of the S2 cell
// the point lies in (`shapeData` adds it).
//
// Regions are records: a box `{minLat, maxLat, minLon, maxLon}`, a circle
// `{lat, lon, radius}`, or a polygon `{points: [{lat, lon}, ...]}`; a point is
// `{lat, lon}` and a linestring `{linestring: "lon lat, lon lat, ..."}`. Distances are
// measured on a sphere of radius 6371.01 km, in the unit the `units` option names.
package geo

import "experimental"

// units holds the unit of distance of the package's functions: "m", "km" or "mile".
option units = {distance: "km"}

// stContains tells whether `region` holds `geometry` (a point, or every vertex of a
// linestring).
builtin stContains : (region: A, geometry: B, units: {distance: string}) => bool
    where
    A: Record,
    B: Record

// stDistance returns the distance on the sphere from `region` (or a point) to
// `geometry` (a point or a linestring), 0 when they touch.
builtin stDistance : (region: A, geometry: B, units: {distance: string}) => float
    where
    A: Record,
    B: Record

// stLength returns the length of a linestring along the sphere (0 for a point).
builtin stLength : (geometry: A, units: {distance: string}) => float where A: Record

// ST_Contains tells whether `region` holds `geometry`.
ST_Contains = (region, geometry, units=units) => stContains(
    region: region,
    geometry: geometry,
    units: units,
)

// ST_Distance returns the distance from `region` to `geometry`.
ST_Distance = (region, geometry, units=units) => stDistance(
    region: region,
    geometry: geometry,
    units: units,
)

// ST_DWithin tells whether `geometry` is at most `distance` away from `region`.
ST_DWithin = (region, geometry, distance, units=units) => stDistance(
    region: region,
    geometry: geometry,
    units: units,
) <= distance

// ST_Intersects tells whether `geometry` touches or crosses `region`.
ST_Intersects = (region, geometry, units=units) => stDistance(
    region: region,
    geometry: geometry,
    units: units,
) <= 0.0

// ST_Length returns the length of a linestring (0 for a point).
ST_Length = (geometry, units=units) => stLength(geometry: geometry, units: units)

// ST_LineString joins the points of each table, in row order, into one row whose
// `st_linestring` column is the linestring "lon lat, lon lat, ...".
ST_LineString = (tables=<-) =>
    tables
        |> reduce(
            identity: {st_linestring: "", _geo_points: 0},
            fn: (r, accumulator) => {
                _point = string(v: r.lon) + " " + string(v: r.lat)

                return {
                    st_linestring: if accumulator._geo_points == 0 then
                        _point
                    else
                        accumulator.st_linestring + ", " + _point,
                    _geo_points: accumulator._geo_points + 1,
                }
            },
        )
        |> drop(columns: ["_geo_points"])

// getGrid returns the tokens of the S2 cells of one level that cover `region`, with
// that level: `level` itself, or the first level from 1 on whose covering has at least
// `minSize` cells without passing `maxSize` (100 when not given) or `maxLevel`.
// `{level: -1, set: []}` means no level fits.
builtin getGrid : (
        region: T,
        ?minSize: int,
        ?maxSize: int,
        ?level: int,
        ?maxLevel: int,
        units: {distance: string},
    ) => {level: int, set: [string]}
    where
    T: Record

// getLevel returns the level (1 to 30) of the S2 cell with `token`.
builtin getLevel : (token: string) => int

// s2CellIDToken returns the token of the S2 cell at `level` that holds `point`, or
// that is the ancestor at `level` of the cell with `token`.
builtin s2CellIDToken : (?token: string, ?point: {lat: float, lon: float}, level: int) => string

// s2CellLatLon returns the center of the S2 cell with `token`.
builtin s2CellLatLon : (token: string) => {lat: float, lon: float}

// _detectLevel returns the level of the `s2_cell_id` of the first row of the first
// table whose group key has an `s2_cell_id` column.
_detectLevel = (tables=<-) => {
    _row = tables |> findRecord(fn: (key) => exists key.s2_cell_id, idx: 0)

    return
        if exists _row.s2_cell_id then
            getLevel(token: _row.s2_cell_id)
        else
            die(
                msg: "geo: no input table has an s2_cell_id column in its group key to read the level of its tokens from (geo.shapeData adds one; or give s2cellIDLevel)",
            )
}

// toRows pivots fields into columns, one row per time (so that `lat` and `lon` fields
// become columns).
toRows = (tables=<-) => tables |> pivot(
    rowKey: ["_time"],
    columnKey: ["_field"],
    valueColumn: "_value",
)

// shapeData renames the fields `latField` and `lonField` to `lat` and `lon`, pivots
// fields into columns, and adds the `s2_cell_id` of each point at `level` to the rows
// and to the group key.
shapeData = (tables=<-, latField, lonField, level) =>
    tables
        |> map(
            fn: (r) => ({r with
                _field: if r._field == latField then
                    "lat"
                else if r._field == lonField then
                    "lon"
                else
                    r._field,
            }),
        )
        |> toRows()
        |> map(
            fn: (r) => ({r with
                s2_cell_id: s2CellIDToken(point: {lat: r.lat, lon: r.lon}, level: level),
            }),
        )
        |> experimental.group(columns: ["s2_cell_id"], mode: "extend")

// gridFilter keeps the rows whose `s2_cell_id` lies in a cell of the grid covering
// `region` (see `getGrid`); points just outside the region but in a covering cell are
// kept too. `s2cellIDLevel` is the level of the input's tokens, read from the data when
// -1.
gridFilter = (tables=<-, region, minSize=24, maxSize=-1, level=-1, s2cellIDLevel=-1, units=units) => {
    _dataLevel = if s2cellIDLevel == -1 then tables |> _detectLevel() else s2cellIDLevel
    _grid = getGrid(
        region: region,
        minSize: minSize,
        maxSize: maxSize,
        level: level,
        maxLevel: _dataLevel,
        units: units,
    )

    return tables |> filter(
        fn: (r) =>
            if _grid.level == -1 then
                false
            else if _grid.level == _dataLevel then
                contains(value: r.s2_cell_id, set: _grid.set)
            else
                contains(
                    value: s2CellIDToken(token: r.s2_cell_id, level: _grid.level),
                    set: _grid.set,
                ),
    )
}

// strictFilter keeps the rows whose `lat` and `lon` lie in `region`.
strictFilter = (tables=<-, region) => tables |> filter(
    fn: (r) => ST_Contains(region: region, geometry: {lat: r.lat, lon: r.lon}),
)

// filterRows is `gridFilter`, then (for data whose fields are not pivoted yet) `toRows`,
// then, when `strict`, `strictFilter`.
filterRows = (tables=<-, region, minSize=24, maxSize=-1, level=-1, s2cellIDLevel=-1, strict=true) => {
    _labels =
        tables
            |> columns(column: "_label")
            |> findColumn(fn: (key) => true, column: "_label")
    _pivoted = contains(value: "lat", set: _labels)
    _inRegion = tables |> gridFilter(
        region: region,
        minSize: minSize,
        maxSize: maxSize,
        level: level,
        s2cellIDLevel: s2cellIDLevel,
    )
    _rows = if _pivoted then _inRegion else _inRegion |> toRows()

    return if strict then _rows |> strictFilter(region: region) else _rows
}

// groupByArea groups rows by the S2 cell at `level` holding their point, whose token it
// writes to `newColumn`.
groupByArea = (tables=<-, newColumn, level, s2cellIDLevel=-1) => {
    _dataLevel = if s2cellIDLevel == -1 then tables |> _detectLevel() else s2cellIDLevel
    _withArea =
        if level == _dataLevel then
            tables |> duplicate(column: "s2_cell_id", as: newColumn)
        else
            tables
                |> map(
                    fn: (r) => ({r with
                        _geo_area: s2CellIDToken(point: {lat: r.lat, lon: r.lon}, level: level),
                    }),
                )
                |> rename(columns: {_geo_area: newColumn})

    return _withArea |> group(columns: [newColumn])
}

// asTracks groups rows into tracks by `groupBy` and sorts each track by `orderBy`.
asTracks = (tables=<-, groupBy=["id", "tid"], orderBy=["_time"]) =>
    tables
        |> group(columns: groupBy)
        |> sort(columns: orderBy)

// totalDistance sums, per table, the distances between consecutive points (rows in
// their order), in the unit of the `units` option, into `outputColumn`.
totalDistance = (tables=<-, outputColumn="_value") =>
    tables
        |> reduce(
            identity: {_geo_points: 0, _geo_lat: 0.0, _geo_lon: 0.0, _geo_total: 0.0},
            fn: (r, accumulator) => ({
                _geo_points: accumulator._geo_points + 1,
                _geo_lat: r.lat,
                _geo_lon: r.lon,
                _geo_total: if accumulator._geo_points == 0 then
                    0.0
                else
                    accumulator._geo_total + ST_Distance(
                        region: {lat: accumulator._geo_lat, lon: accumulator._geo_lon},
                        geometry: {lat: r.lat, lon: r.lon},
                    ),
            }),
        )
        |> drop(columns: ["_geo_points", "_geo_lat", "_geo_lon"])
        |> rename(columns: {_geo_total: outputColumn})
