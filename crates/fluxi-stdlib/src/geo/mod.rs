//! `experimental/geo`: S2 cells (`s2CellIDToken`, `s2CellLatLon`, `getLevel`,
//! `getGrid`) and the GIS functions behind `ST_Contains`, `ST_Distance`, `ST_DWithin`,
//! `ST_Intersects` and `ST_Length` (`stContains`, `stDistance`, `stLength`). The package's
//! transformations (`shapeData`, `gridFilter`, `filterRows`, ...) are written in Flux in
//! `stdlib/experimental/geo/geo.flux` on top of these.
//!
//! Upstream computes with the S2 geometry library on a sphere of radius 6371.01 km; the
//! modules here implement the parts of S2 these functions use, with S2's definitions:
//! `sphere` (points, angles), `predicates` (robust orientation and crossings), `edges`
//! (point/edge distances), `cells` (cell ids and tokens), `shapes` (caps, boxes,
//! polygons, linestrings), `covering` (the cells of a level covering a region),
//! `args` (reading the records the functions take) and `functions` (the builtins).

mod args;
mod cells;
mod covering;
mod edges;
mod functions;
mod predicates;
mod shapes;
mod sphere;

use fluxi_eval::Registry;
use functions::{
    get_grid, get_level, s2_cell_id_token, s2_cell_lat_lon, st_contains, st_distance, st_length,
};

const PKG: &str = "experimental/geo";

pub fn register(r: &mut Registry) {
    r.register(PKG, "s2CellIDToken", s2_cell_id_token);
    r.register(PKG, "s2CellLatLon", s2_cell_lat_lon);
    r.register(PKG, "getLevel", get_level);
    r.register(PKG, "getGrid", get_grid);
    r.register(PKG, "stContains", st_contains);
    r.register(PKG, "stDistance", st_distance);
    r.register(PKG, "stLength", st_length);
}
