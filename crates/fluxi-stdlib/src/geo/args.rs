//! Reading the geo package's record arguments: regions and GIS geometries, and units.
//!
//! As upstream, a record's kind is told by its fields: `{lat, lon}` is a point,
//! `{minLat, maxLat, minLon, maxLon}` a box, `{lat, lon, radius}` a circle, `{points}` a
//! polygon and `{linestring}` a linestring; a record with other fields or extra ones is
//! none of them. Coordinates are decimal degrees (WGS 84) and must be floats in range.

use super::shapes::{Cap, LatLngRect, LngInterval, Loop, Polyline, Region};
use super::sphere::{point_from_degrees, Vec3, DEGREE};
use fluxi_eval::EvalError;
use fluxi_value::{Record, Value};

/// The mean radius of the earth upstream measures with, in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.01;

/// Kilometres in a mile.
const KM_PER_MILE: f64 = 1.609344;

/// A unit of distance: how many of it make the earth's radius.
#[derive(Clone, Copy, Debug)]
pub struct Units {
    earth_radius: f64,
}

impl Units {
    /// A distance in these units as an angle in radians.
    pub fn radians_of(self, d: f64) -> f64 {
        d / self.earth_radius
    }

    /// An angle in radians as a distance in these units.
    pub fn distance_of(self, a: f64) -> f64 {
        a * self.earth_radius
    }
}

/// `{distance: "m" | "km" | "mile"}`.
pub fn units(v: Value) -> Result<Units, EvalError> {
    let Value::Record(r) = v else {
        return Err(EvalError::msg(format!(
            "`units` must be a record {{distance: string}}, found {}",
            v.type_name()
        )));
    };
    let unit = match (r.get("distance"), r.len()) {
        (Some(Value::String(s)), 1) => s.to_string(),
        (Some(Value::Null), 1) => {
            return Err(EvalError::msg("invalid units: `distance` is null"));
        }
        _ => {
            return Err(EvalError::msg(format!(
                "invalid units {}: the record must be {{distance: string}}",
                fields(&r)
            )));
        }
    };
    let earth_radius = match unit.as_str() {
        "m" => EARTH_RADIUS_KM * 1000.0,
        "km" => EARTH_RADIUS_KM,
        "mile" => EARTH_RADIUS_KM / KM_PER_MILE,
        other => {
            return Err(
                EvalError::msg(format!("invalid units: unknown distance unit {other:?}"))
                    .with_hint("the distance units are \"m\", \"km\" and \"mile\""),
            );
        }
    };
    Ok(Units { earth_radius })
}

/// A region or GIS geometry as given.
#[derive(Clone, Debug)]
pub enum Geometry {
    /// Latitude and longitude in degrees.
    Point(f64, f64),
    Box(LatLngRect),
    Circle(Cap),
    Polygon(Loop),
    Line(Polyline),
}

impl Geometry {
    /// The kind's name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Geometry::Point(..) => "a point",
            Geometry::Box(_) => "a box",
            Geometry::Circle(_) => "a circle",
            Geometry::Polygon(_) => "a polygon",
            Geometry::Line(_) => "a linestring",
        }
    }

    /// The region this geometry is, if it is one (points and linestrings are not).
    pub fn region(&self) -> Option<Region> {
        match self {
            Geometry::Box(b) => Some(Region::Rect(*b)),
            Geometry::Circle(c) => Some(Region::Cap(*c)),
            Geometry::Polygon(l) => Some(Region::Loop(l.clone())),
            Geometry::Point(..) | Geometry::Line(_) => None,
        }
    }
}

/// The error for a region argument that is not a region.
pub fn not_a_region(name: &str, g: &Geometry) -> EvalError {
    EvalError::msg(format!(
        "`{name}` must be a box, a circle or a polygon, not {}",
        g.kind()
    ))
    .with_hint("a box is {minLat, maxLat, minLon, maxLon}, a circle {lat, lon, radius}, a polygon {points: [{lat, lon}, ...]}")
}

/// The field names of a record, for messages.
fn fields(r: &Record) -> String {
    let names: Vec<&str> = r.fields().iter().map(|(k, _)| &**k).collect();
    format!("{{{}}}", names.join(", "))
}

/// Read a region or geometry argument `name`.
pub fn geometry(name: &str, v: Value, units: Units) -> Result<Geometry, EvalError> {
    let Value::Record(r) = v else {
        return Err(EvalError::msg(format!(
            "`{name}` must be a record, found {}",
            v.type_name()
        )));
    };
    let has = |f: &str| r.get(f).is_some();
    let n = r.len();
    if has("lat") && n == 2 {
        let (lat, lon) = lat_lon(&r, name)?;
        return Ok(Geometry::Point(lat, lon));
    }
    if has("minLat") && n == 4 {
        return Ok(Geometry::Box(rect(&r, name)?));
    }
    if has("radius") && n == 3 {
        let (lat, lon) = lat_lon(&r, name)?;
        let radius = float(&r, "radius", name)?;
        if !(radius.is_finite() && radius >= 0.0) {
            return Err(EvalError::msg(format!(
                "`{name}.radius` must be a distance of 0 or more, not {radius}"
            )));
        }
        return Ok(Geometry::Circle(Cap::new(
            point_from_degrees(lat, lon),
            units.radians_of(radius),
        )));
    }
    if has("points") && n == 1 {
        return polygon(&r, name);
    }
    if has("linestring") && n == 1 {
        return linestring(&r, name);
    }
    Err(EvalError::msg(format!(
        "`{name}` {} is not a point, box, circle, polygon or linestring",
        fields(&r)
    ))
    .with_hint("a point is {lat, lon}, a box {minLat, maxLat, minLon, maxLon}, a circle {lat, lon, radius}, a polygon {points}, a linestring {linestring}; with no other fields"))
}

/// A float field, in range of doubles.
fn float(r: &Record, field: &str, name: &str) -> Result<f64, EvalError> {
    match r.get(field) {
        Some(Value::Float(f)) => Ok(*f),
        Some(Value::Null) => Err(EvalError::msg(format!("`{name}.{field}` is null"))),
        Some(v) => Err(EvalError::msg(format!(
            "`{name}.{field}` must be a float, found {}",
            v.type_name()
        ))),
        None => Err(EvalError::msg(format!("`{name}` has no field `{field}`"))),
    }
}

/// Check a latitude and longitude in degrees.
pub fn check_lat_lon(lat: f64, lon: f64, what: &str) -> Result<(), EvalError> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(EvalError::msg(format!(
            "{what}: latitude {lat} is outside -90..90 degrees"
        )));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(EvalError::msg(format!(
            "{what}: longitude {lon} is outside -180..180 degrees"
        )));
    }
    Ok(())
}

/// The `lat` and `lon` fields of a record, checked.
pub fn lat_lon(r: &Record, name: &str) -> Result<(f64, f64), EvalError> {
    let lat = float(r, "lat", name)?;
    let lon = float(r, "lon", name)?;
    check_lat_lon(lat, lon, &format!("`{name}`"))?;
    Ok((lat, lon))
}

fn rect(r: &Record, name: &str) -> Result<LatLngRect, EvalError> {
    let mut min_lat = float(r, "minLat", name)?;
    let mut max_lat = float(r, "maxLat", name)?;
    let mut min_lon = float(r, "minLon", name)?;
    let mut max_lon = float(r, "maxLon", name)?;
    check_lat_lon(min_lat, min_lon, &format!("`{name}`"))?;
    check_lat_lon(max_lat, max_lon, &format!("`{name}`"))?;
    // As upstream: bounds given the wrong way round are swapped.
    if min_lat > max_lat {
        std::mem::swap(&mut min_lat, &mut max_lat);
    }
    if min_lon > max_lon {
        std::mem::swap(&mut min_lon, &mut max_lon);
    }
    Ok(LatLngRect {
        lat: (min_lat * DEGREE, max_lat * DEGREE),
        lng: LngInterval {
            lo: min_lon * DEGREE,
            hi: max_lon * DEGREE,
        },
    })
}

fn polygon(r: &Record, name: &str) -> Result<Geometry, EvalError> {
    let items = match r.get("points") {
        Some(Value::Array(items)) => items,
        Some(v) => {
            return Err(EvalError::msg(format!(
                "`{name}.points` must be an array of {{lat, lon}} records, found {}",
                v.type_name()
            )))
        }
        None => return Err(EvalError::msg(format!("`{name}` has no field `points`"))),
    };
    if items.len() < 3 {
        return Err(EvalError::msg(format!(
            "`{name}`: a polygon needs at least 3 points, found {}",
            items.len()
        )));
    }
    let mut points: Vec<Vec3> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let what = format!("{name}.points[{i}]");
        let Value::Record(p) = item else {
            return Err(EvalError::msg(format!(
                "`{what}` must be a record {{lat, lon}}, found {}",
                item.type_name()
            )));
        };
        let (lat, lon) = lat_lon(p, &what)?;
        points.push(point_from_degrees(lat, lon));
    }
    // An edge between antipodal points has no direction (every great circle joins them):
    // such a polygon has no meaning.
    let n = points.len();
    for i in 0..n {
        let (a, b) = (points[i], points[(i + 1) % n]);
        if a.add(b).norm2() < 1e-24 {
            return Err(EvalError::msg(format!(
                "`{name}`: points {} and {} are antipodal; no single edge joins them",
                i,
                (i + 1) % n
            ))
            .with_hint("add a point between them"));
        }
    }
    Ok(Geometry::Polygon(Loop::new(points)))
}

/// `"lon lat, lon lat, ..."`.
fn linestring(r: &Record, name: &str) -> Result<Geometry, EvalError> {
    let text = match r.get("linestring") {
        Some(Value::String(s)) => s,
        Some(Value::Null) => return Err(EvalError::msg(format!("`{name}.linestring` is null"))),
        Some(v) => {
            return Err(EvalError::msg(format!(
                "`{name}.linestring` must be a string, found {}",
                v.type_name()
            )))
        }
        None => {
            return Err(EvalError::msg(format!(
                "`{name}` has no field `linestring`"
            )))
        }
    };
    let mut latlngs = Vec::new();
    for (i, pair) in text.split(',').enumerate() {
        let parts: Vec<&str> = pair.split_whitespace().collect();
        let bad = |why: &str| {
            EvalError::msg(format!(
                "`{name}.linestring`: point {} ({:?}) {why}",
                i + 1,
                pair.trim()
            ))
            .with_hint("a linestring is \"lon lat, lon lat, ...\" in decimal degrees")
        };
        let [lon, lat] = parts.as_slice() else {
            return Err(bad("is not a longitude and a latitude"));
        };
        let (Ok(lon), Ok(lat)) = (lon.parse::<f64>(), lat.parse::<f64>()) else {
            return Err(bad("is not two numbers"));
        };
        check_lat_lon(lat, lon, &format!("`{name}.linestring` point {}", i + 1))?;
        latlngs.push((lat * DEGREE, lon * DEGREE));
    }
    Ok(Geometry::Line(Polyline::new(latlngs)))
}
