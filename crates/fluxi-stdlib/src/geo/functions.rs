//! The builtins of `experimental/geo`: reading their arguments, computing with the
//! sphere, cell and shape modules, and building their Flux values.

use super::args::{self, check_lat_lon, geometry, lat_lon, not_a_region, units, Geometry};
use super::cells::{CellId, MAX_LEVEL};
use super::covering::{grid, GridRequest, TooManyCells};
use super::sphere::{angle_from_chord, latitude, longitude, point_from_degrees, to_degrees};
use fluxi_eval::{Args, ErrorKind, EvalError, Interpreter};
use fluxi_value::{Record, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

fn record(fields: Vec<(&str, Value)>) -> Value {
    Value::Record(Arc::new(Record::from_fields(
        fields.into_iter().map(|(k, v)| (Arc::from(k), v)),
    )))
}

/// A cell token argument, parsed.
fn token_cell(token: &str) -> Result<CellId, EvalError> {
    CellId::from_token(token).ok_or_else(|| {
        EvalError::msg(format!("invalid S2 cell ID token {token:?}")).with_hint(
            "a token is the cell id's hexadecimal digits without trailing zeros, e.g. \"89c25b\"",
        )
    })
}

/// A level argument, 1 to 30.
fn cell_level(level: i64) -> Result<u32, EvalError> {
    match u32::try_from(level) {
        Ok(l @ 1..=MAX_LEVEL) => Ok(l),
        _ => Err(EvalError::msg(format!(
            "invalid S2 cell level {level}: levels are 1 to {MAX_LEVEL}"
        ))),
    }
}

/// `s2CellIDToken(token:, level:)` or `s2CellIDToken(point:, level:)`: the token of the
/// cell at `level` holding the point, or of the given cell's ancestor at `level`.
pub(super) fn s2_cell_id_token(_: &mut Interpreter, a: &mut Args) -> R {
    let token = a.opt_string("token")?;
    let point = a.opt_record("point")?;
    let level = a
        .opt_int("level")?
        .ok_or_else(|| EvalError::msg("missing required argument `level`"))?;
    let token = token.filter(|t| !t.is_empty());
    let point = point.filter(|p| !p.is_empty());
    let cell = match (token, point) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(EvalError::msg(
                "give either `token` or `point` (and not both, nor empty ones)",
            ))
        }
        (Some(token), None) => {
            let level = cell_level(level)?;
            let cell = token_cell(&token)?;
            if level > cell.level() {
                return Err(EvalError::msg(format!(
                    "level {level} is deeper than the level {} of token {token:?}",
                    cell.level()
                ))
                .with_hint("a token can only be made coarser"));
            }
            cell.parent(level)
        }
        (None, Some(point)) => {
            let (lat, lon) = lat_lon(&point, "point")?;
            let level = cell_level(level)?;
            CellId::from_point(point_from_degrees(lat, lon)).parent(level)
        }
    };
    Ok(Value::string(cell.to_token()))
}

/// `s2CellLatLon(token:)`: the center of the cell in degrees.
pub(super) fn s2_cell_lat_lon(_: &mut Interpreter, a: &mut Args) -> R {
    let cell = token_cell(&a.string("token")?)?;
    let (lat, lon) = cell.center_radians();
    Ok(record(vec![
        ("lat", Value::Float(to_degrees(lat))),
        ("lon", Value::Float(to_degrees(lon))),
    ]))
}

/// `getLevel(token:)`.
pub(super) fn get_level(_: &mut Interpreter, a: &mut Args) -> R {
    let cell = token_cell(&a.string("token")?)?;
    Ok(Value::Int(i64::from(cell.level())))
}

/// `getGrid(region:, minSize:, maxSize:, level:, maxLevel:, units:)`: `{level, set}`, the
/// cell tokens of one level covering the region (`{level: -1, set: []}` when no level
/// satisfies the sizes).
pub(super) fn get_grid(_: &mut Interpreter, a: &mut Args) -> R {
    let units = units(a.required("units")?)?;
    let region_arg = geometry("region", a.required("region")?, units)?;
    let region = region_arg
        .region()
        .ok_or_else(|| not_a_region("region", &region_arg))?;
    let level = a.opt_int("level")?.unwrap_or(-1);
    let max_level = a.opt_int("maxLevel")?.unwrap_or(-1);
    let min_size = a.opt_int("minSize")?.unwrap_or(-1);
    let max_size = a.opt_int("maxSize")?.unwrap_or(-1);
    let limit = i64::from(MAX_LEVEL);
    if level > limit || max_level > limit {
        return Err(EvalError::msg(format!(
            "invalid level {}: levels are 0 to {MAX_LEVEL}",
            level.max(max_level)
        )));
    }
    if min_size > 0 && max_size > 0 && min_size > max_size {
        return Err(EvalError::msg(format!(
            "minSize is more than maxSize ({min_size} > {max_size})"
        )));
    }
    let positive = |v: i64| u32::try_from(v).ok().filter(|&v| v > 0);
    let size = |v: i64| usize::try_from(v).ok().filter(|&v| v > 0);
    let req = GridRequest {
        level: u32::try_from(level).ok(),
        max_level: positive(max_level),
        min_size: size(min_size),
        max_size: size(max_size),
    };
    if req.level.is_none() && req.min_size.is_none() && req.max_size.is_none() {
        return Err(EvalError::msg("give `level`, or `minSize` or `maxSize`"));
    }
    let g = grid(&region, req).map_err(too_many)?;
    let (level, cells) = match g {
        Some(g) => (i64::from(g.level), g.cells),
        None => (-1, Vec::new()),
    };
    let set = cells.iter().map(|c| Value::string(c.to_token())).collect();
    Ok(record(vec![
        ("level", Value::Int(level)),
        ("set", Value::Array(Arc::new(set))),
    ]))
}

fn too_many(e: TooManyCells) -> EvalError {
    EvalError::new(
        ErrorKind::Limit,
        format!(
            "the region's grid at level {} has more than {} cells",
            e.level, e.limit
        ),
    )
    .with_hint("use a lower level, or a smaller region")
}

/// The `units`, `region` and `geometry` arguments of the `st*` functions.
fn st_args(a: &mut Args) -> Result<(args::Units, Geometry, Geometry), EvalError> {
    let units = units(a.required("units")?)?;
    let region = geometry("region", a.required("region")?, units)?;
    let geom = geometry("geometry", a.required("geometry")?, units)?;
    Ok((units, region, geom))
}

/// The error for a `geometry` argument that is neither a point nor a linestring.
fn not_point_or_line(g: &Geometry) -> EvalError {
    EvalError::msg(format!(
        "`geometry` must be a point or a linestring, not {}",
        g.kind()
    ))
}

/// `stContains(region:, geometry:, units:)`: whether the region holds the point, or every
/// vertex of the linestring.
pub(super) fn st_contains(_: &mut Interpreter, a: &mut Args) -> R {
    let (_, region_arg, geom) = st_args(a)?;
    let region = region_arg
        .region()
        .ok_or_else(|| not_a_region("region", &region_arg))?;
    let contained = match &geom {
        Geometry::Point(lat, lon) => region.contains_point(point_from_degrees(*lat, *lon)),
        Geometry::Line(line) => line.vertices.iter().all(|&p| region.contains_point(p)),
        g => return Err(not_point_or_line(g)),
    };
    Ok(Value::Bool(contained))
}

/// `stDistance(region:, geometry:, units:)`: the distance on the sphere between a region
/// (or point) and a point or linestring; 0 when they touch or one holds the other.
pub(super) fn st_distance(_: &mut Interpreter, a: &mut Args) -> R {
    let (units, region, geom) = st_args(a)?;
    let region_is_line = || {
        EvalError::msg("`region` must be a point, a box, a circle or a polygon, not a linestring")
    };
    let radians = match &geom {
        Geometry::Point(lat, lon) => {
            let p = point_from_degrees(*lat, *lon);
            match &region {
                Geometry::Point(rlat, rlon) => point_from_degrees(*rlat, *rlon).angle(p),
                Geometry::Box(b) => b.distance_to_latlng(latitude(p), longitude(p)),
                Geometry::Circle(c) => (c.center.angle(p) - c.radius).max(0.0),
                Geometry::Polygon(l) => angle_from_chord(l.chord_to_point(p)),
                Geometry::Line(_) => return Err(region_is_line()),
            }
        }
        Geometry::Line(line) => match &region {
            Geometry::Point(rlat, rlon) => {
                angle_from_chord(line.chord_to_point(point_from_degrees(*rlat, *rlon)))
            }
            Geometry::Box(b) => angle_from_chord(b.as_loop().chord_to_polyline(line)),
            Geometry::Circle(c) => {
                (angle_from_chord(line.chord_to_point(c.center)) - c.radius).max(0.0)
            }
            Geometry::Polygon(l) => angle_from_chord(l.chord_to_polyline(line)),
            Geometry::Line(_) => return Err(region_is_line()),
        },
        g => return Err(not_point_or_line(g)),
    };
    Ok(Value::Float(units.distance_of(radians)))
}

/// `stLength(geometry:, units:)`: a linestring's length along the sphere (0 for a point).
pub(super) fn st_length(_: &mut Interpreter, a: &mut Args) -> R {
    let units = units(a.required("units")?)?;
    let geom = geometry("geometry", a.required("geometry")?, units)?;
    let radians = match &geom {
        Geometry::Point(lat, lon) => {
            check_lat_lon(*lat, *lon, "`geometry`")?;
            0.0
        }
        Geometry::Line(line) => line.length(),
        g => return Err(not_point_or_line(g)),
    };
    Ok(Value::Float(units.distance_of(radians)))
}
