//! The shapes of upstream's geo package on the sphere: regions (a circle is a spherical
//! cap, a box a latitude/longitude rectangle, a polygon a loop of geodesic edges) and
//! linestrings (polylines of geodesic edges), with the containment, cell-intersection
//! and distance tests the package's functions need. The semantics are S2's as upstream
//! uses them (golang/geo): boundaries, the orientation of polygons, and which distances
//! are measured how.

use super::cells::Cell;
use super::edges::{edge_pair_chord, point_edge_chord};
use super::predicates::{crossing_sign, edge_or_vertex_crossing, ordered_ccw, Crossing};
use super::sphere::{
    angle_from_chord, chord_between, chord_from_angle, chord_sin2, haversine, latitude, longitude,
    point_from_radians, Vec3, DBL_EPSILON, RIGHT_CHORD,
};
use std::f64::consts::{FRAC_PI_2, PI};

/// S2's fixed reference point for counting edge crossings (close to the north pole, and
/// chosen to lie on no edge one would draw by hand).
const ORIGIN: Vec3 = Vec3::new(
    -0.009_999_466_435_025_02,
    0.002_592_454_260_932_412,
    0.999_946_643_502_502,
);

/// An interval of longitudes in radians, on the circle: `lo > hi` wraps across ±π.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LngInterval {
    pub lo: f64,
    pub hi: f64,
}

impl LngInterval {
    /// The interval from `lo` eastward to `hi` (-π read as π unless it pairs with π).
    fn from_endpoints(lo: f64, hi: f64) -> LngInterval {
        let mut i = LngInterval { lo, hi };
        if lo == -PI && hi != PI {
            i.lo = PI;
        }
        if hi == -PI && lo != PI {
            i.hi = PI;
        }
        i
    }

    /// The shorter interval holding both longitudes.
    fn from_point_pair(a: f64, b: f64) -> LngInterval {
        let a = if a == -PI { PI } else { a };
        let b = if b == -PI { PI } else { b };
        let d = if b - a >= 0.0 {
            b - a
        } else {
            (b + PI) - (a - PI)
        };
        if d <= PI {
            LngInterval { lo: a, hi: b }
        } else {
            LngInterval { lo: b, hi: a }
        }
    }

    fn is_inverted(self) -> bool {
        self.lo > self.hi
    }

    fn is_empty(self) -> bool {
        self.lo == PI && self.hi == -PI
    }

    pub fn contains(self, p: f64) -> bool {
        let p = if p == -PI { PI } else { p };
        if self.is_inverted() {
            (p >= self.lo || p <= self.hi) && !self.is_empty()
        } else {
            p >= self.lo && p <= self.hi
        }
    }

    fn intersects(self, o: LngInterval) -> bool {
        if self.is_empty() || o.is_empty() {
            return false;
        }
        if self.is_inverted() {
            return o.is_inverted() || o.lo <= self.hi || o.hi >= self.lo;
        }
        if o.is_inverted() {
            return o.lo <= self.hi || o.hi >= self.lo;
        }
        o.lo <= self.hi && o.hi >= self.lo
    }

    fn center(self) -> f64 {
        let c = 0.5 * (self.lo + self.hi);
        if !self.is_inverted() {
            c
        } else if c <= 0.0 {
            c + PI
        } else {
            c - PI
        }
    }

    /// The middle of the longitudes outside the interval.
    fn complement_center(self) -> f64 {
        if self.lo != self.hi {
            return LngInterval {
                lo: self.hi,
                hi: self.lo,
            }
            .center();
        }
        if self.hi <= 0.0 {
            self.hi + PI
        } else {
            self.hi - PI
        }
    }
}

/// A spherical cap (upstream's circle): the points within `radius` of `center`.
#[derive(Clone, Copy, Debug)]
pub struct Cap {
    pub center: Vec3,
    /// The radius in radians, as given.
    pub radius: f64,
    /// The radius as a chord angle, which containment compares against.
    chord: f64,
}

impl Cap {
    pub fn new(center: Vec3, radius: f64) -> Cap {
        Cap {
            center,
            radius,
            chord: chord_from_angle(radius),
        }
    }

    pub fn contains_point(&self, p: Vec3) -> bool {
        chord_between(self.center, p) <= self.chord
    }

    fn intersects_cell(&self, cell: &Cell) -> bool {
        let vertices = [0, 1, 2, 3].map(|k| cell.vertex(k));
        if vertices.iter().any(|&v| self.contains_point(v)) {
            return true;
        }
        // No vertex is inside. A cap of a hemisphere or more then misses the cell (both
        // the cell and the cap's complement are convex); an empty one misses everything.
        if self.chord >= RIGHT_CHORD || self.chord < 0.0 {
            return false;
        }
        if cell.contains_point(self.center) {
            return true;
        }
        // Otherwise the cap must cross the interior of an edge.
        let sin2 = chord_sin2(self.chord);
        for k in 0..4 {
            let edge = cell.edge_normal(k);
            let dot = self.center.dot(edge);
            if dot > 0.0 {
                // The center is on the inner side of this edge's great circle.
                continue;
            }
            if dot * dot > sin2 * edge.norm2() {
                // The cap lies wholly beyond this edge's great circle.
                return false;
            }
            // Whether the closest point of the great circle lies within the edge.
            let dir = edge.cross(self.center);
            if dir.dot(vertices[k]) < 0.0 && dir.dot(vertices[(k + 1) & 3]) > 0.0 {
                return true;
            }
        }
        false
    }
}

/// A latitude/longitude rectangle (upstream's box), in radians; its sides of constant
/// latitude are not geodesics.
#[derive(Clone, Copy, Debug)]
pub struct LatLngRect {
    pub lat: (f64, f64),
    pub lng: LngInterval,
}

impl LatLngRect {
    pub fn contains_latlng(&self, lat: f64, lng: f64) -> bool {
        if lat.abs() > FRAC_PI_2 || lng.abs() > PI {
            return false;
        }
        lat >= self.lat.0 && lat <= self.lat.1 && self.lng.contains(lng)
    }

    pub fn contains_point(&self, p: Vec3) -> bool {
        self.contains_latlng(latitude(p), longitude(p))
    }

    /// The corners, counter-clockwise from the south-west one.
    fn corner(&self, k: usize) -> (f64, f64) {
        match k & 3 {
            0 => (self.lat.0, self.lng.lo),
            1 => (self.lat.0, self.lng.hi),
            2 => (self.lat.1, self.lng.hi),
            _ => (self.lat.1, self.lng.lo),
        }
    }

    fn intersects_cell(&self, cell: &Cell) -> bool {
        // One contains the other's center (or a corner, below), or the boundaries cross.
        if self.contains_point(cell.id.raw_center()) {
            return true;
        }
        let center = point_from_radians(0.5 * (self.lat.0 + self.lat.1), self.lng.center());
        if cell.contains_point(center) {
            return true;
        }
        let vertices = [0, 1, 2, 3].map(|k| cell.vertex(k));
        let latlngs = vertices.map(|v| (latitude(v), longitude(v)));
        for (k, &(lat, lng)) in latlngs.iter().enumerate() {
            if self.contains_latlng(lat, lng) {
                return true;
            }
            // A corner of the box inside the cell.
            let (corner_lat, corner_lng) = self.corner(k);
            if cell.contains_point(point_from_radians(corner_lat, corner_lng)) {
                return true;
            }
        }
        for k in 0..4 {
            let edge_lng = LngInterval::from_endpoints(latlngs[k].1, latlngs[(k + 1) & 3].1);
            if !self.lng.intersects(edge_lng) {
                continue;
            }
            let (a, b) = (vertices[k], vertices[(k + 1) & 3]);
            if edge_lng.contains(self.lng.lo) && crosses_meridian(a, b, self.lat, self.lng.lo) {
                return true;
            }
            if edge_lng.contains(self.lng.hi) && crosses_meridian(a, b, self.lat, self.lng.hi) {
                return true;
            }
            if crosses_parallel(a, b, self.lat.0, self.lng)
                || crosses_parallel(a, b, self.lat.1, self.lng)
            {
                return true;
            }
        }
        false
    }

    /// The distance in radians from a point given by latitude/longitude in radians.
    pub fn distance_to_latlng(&self, lat: f64, lng: f64) -> f64 {
        if self.lng.contains(lng) {
            return 0f64.max(lat - self.lat.1).max(self.lat.0 - lat);
        }
        // Outside the longitudes: the distance to the nearer of the two meridian sides.
        let east = LngInterval::from_endpoints(self.lng.hi, self.lng.complement_center());
        let side = if east.contains(lng) {
            self.lng.hi
        } else {
            self.lng.lo
        };
        let p = point_from_radians(lat, lng);
        let lo = point_from_radians(self.lat.0, side);
        let hi = point_from_radians(self.lat.1, side);
        angle_from_chord(point_edge_chord(p, lo, hi))
    }
}

/// Whether geodesic edge `a-b` crosses the meridian `lng` between latitudes `lat`.
fn crosses_meridian(a: Vec3, b: Vec3, lat: (f64, f64), lng: f64) -> bool {
    crossing_sign(
        a,
        b,
        point_from_radians(lat.0, lng),
        point_from_radians(lat.1, lng),
    ) == Crossing::Cross
}

/// Whether geodesic edge `a-b` crosses the parallel `lat` within longitudes `lng` (a
/// great circle meets a parallel at up to two points).
fn crosses_parallel(a: Vec3, b: Vec3, lat: f64, lng: LngInterval) -> bool {
    // The edge's plane normal, pointing north, and a frame (x, y, z) in which x is where
    // the great circle reaches its highest latitude.
    let mut z = a.robust_cross(b).normalize();
    if z.z < 0.0 {
        z = z.mul(-1.0);
    }
    let y = z.robust_cross(Vec3::new(0.0, 0.0, 1.0)).normalize();
    let x = y.cross(z);
    let sin_lat = lat.sin();
    if sin_lat.abs() >= x.z {
        // The great circle does not reach that latitude.
        return false;
    }
    // The two crossings lie at ±theta from x in the x-y plane.
    let cos_theta = sin_lat / x.z;
    let sin_theta = (1.0 - cos_theta * cos_theta).sqrt();
    let theta = sin_theta.atan2(cos_theta);
    let ab_theta = LngInterval::from_point_pair(a.dot(y).atan2(a.dot(x)), b.dot(y).atan2(b.dot(x)));
    if ab_theta.contains(theta) {
        let p = x.mul(cos_theta).add(y.mul(sin_theta));
        if lng.contains(p.y.atan2(p.x)) {
            return true;
        }
    }
    if ab_theta.contains(-theta) {
        let p = x.mul(cos_theta).sub(y.mul(sin_theta));
        if lng.contains(p.y.atan2(p.x)) {
            return true;
        }
    }
    false
}

/// A polygon: a closed loop of geodesic edges around the smaller of the two regions it
/// bounds (upstream orients polygons so; the vertices may be given either way round).
#[derive(Clone, Debug)]
pub struct Loop {
    vertices: Vec<Vec3>,
    /// Whether [`ORIGIN`] is inside; containment counts crossings from there.
    origin_inside: bool,
}

impl Loop {
    /// The loop through at least 3 points.
    pub fn new(mut vertices: Vec<Vec3>) -> Loop {
        let origin_inside = origin_inside(&vertices);
        let mut l = Loop {
            vertices,
            origin_inside,
        };
        if l.area() >= 2.0 * PI {
            // Given clockwise: take the other side.
            vertices = std::mem::take(&mut l.vertices);
            vertices.reverse();
            l = Loop {
                vertices,
                origin_inside: !origin_inside,
            };
        }
        l
    }

    fn edges(&self) -> impl Iterator<Item = (Vec3, Vec3)> + '_ {
        let n = self.vertices.len();
        (0..n).map(move |i| (self.vertices[i], self.vertices[(i + 1) % n]))
    }

    pub fn contains_point(&self, p: Vec3) -> bool {
        contains_by_crossings(&self.vertices, self.origin_inside, p)
    }

    /// The area enclosed to the left of the edges, 0 to 4π (signed triangle areas of a
    /// fan from the first vertex, by the Van Oosterom–Strackee formula).
    fn area(&self) -> f64 {
        let v = &self.vertices;
        let mut sum = 0.0;
        for i in 1..v.len().saturating_sub(1) {
            let (a, b, c) = (v[0], v[i], v[i + 1]);
            let det = a.dot(b.cross(c));
            let denom = 1.0 + a.dot(b) + b.dot(c) + c.dot(a);
            sum += 2.0 * det.atan2(denom);
        }
        if sum < 0.0 {
            sum += 4.0 * PI;
        }
        sum.clamp(0.0, 4.0 * PI)
    }

    fn intersects_cell(&self, cell: &Cell) -> bool {
        // The boundary meets the cell, or the loop holds the whole cell.
        self.edges().any(|(a, b)| edge_meets_cell(a, b, cell))
            || self.contains_point(cell.id.raw_center().normalize())
    }

    /// The chord angle to a point: 0 inside, else to the nearest edge.
    pub fn chord_to_point(&self, p: Vec3) -> f64 {
        if self.contains_point(p) {
            return 0.0;
        }
        self.edges()
            .map(|(a, b)| point_edge_chord(p, a, b))
            .fold(f64::INFINITY, f64::min)
    }

    /// The chord angle to a polyline: 0 when the polyline starts inside or crosses the
    /// boundary, else the smallest distance between edges.
    pub fn chord_to_polyline(&self, line: &Polyline) -> f64 {
        match line.vertices.as_slice() {
            [] => f64::INFINITY,
            [p] => self.chord_to_point(*p),
            [first, ..] => {
                if self.contains_point(*first) {
                    return 0.0;
                }
                let mut best = f64::INFINITY;
                for (a, b) in self.edges() {
                    for (c, d) in line.edges() {
                        best = best.min(edge_pair_chord(a, b, c, d));
                        if best == 0.0 {
                            return 0.0;
                        }
                    }
                }
                best
            }
        }
    }
}

/// Whether the origin is inside the loop through `v`: guess "outside", and check the
/// guess against the containment of vertex 1 that the local wedge at vertex 1 gives.
fn origin_inside(v: &[Vec3]) -> bool {
    if v.len() < 3 {
        return false;
    }
    let inside_by_wedge = ordered_ccw(v[1].ortho(), v[0], v[2], v[1]);
    inside_by_wedge != contains_by_crossings(v, false, v[1])
}

/// Containment by counting the loop's edge crossings on the way from [`ORIGIN`] to `p`.
fn contains_by_crossings(v: &[Vec3], origin_inside: bool, p: Vec3) -> bool {
    let n = v.len();
    let mut inside = origin_inside;
    for i in 1..=n {
        if edge_or_vertex_crossing(ORIGIN, p, v[i - 1], v[i % n]) {
            inside = !inside;
        }
    }
    inside
}

/// How far S2 pads a cell, in `(u, v)` coordinates, when it asks whether a polygon's edge
/// meets it: the error bounds of clipping an edge to a face (`9/√2 ε`) and of testing it
/// against a rectangle (`3√2 ε`). An edge along a cell's side (the equator, say) thus
/// meets the cells on both sides, as upstream finds.
const EDGE_CELL_PADDING: f64 =
    (9.0 * std::f64::consts::FRAC_1_SQRT_2 + 3.0 * std::f64::consts::SQRT_2) * DBL_EPSILON;

/// Whether geodesic edge `a-b` meets a cell (padded as above): an endpoint inside it, or a
/// crossing (or shared vertex) with one of its sides, which are geodesics too.
fn edge_meets_cell(a: Vec3, b: Vec3, cell: &Cell) -> bool {
    let cell = cell.padded(EDGE_CELL_PADDING);
    if cell.contains_point(a) || cell.contains_point(b) {
        return true;
    }
    (0..4).any(|k| crossing_sign(a, b, cell.vertex(k), cell.vertex(k + 1)) != Crossing::DoNotCross)
}

/// A linestring: vertices joined by geodesic edges.
#[derive(Clone, Debug)]
pub struct Polyline {
    /// Latitude and longitude of each vertex in radians.
    pub latlngs: Vec<(f64, f64)>,
    pub vertices: Vec<Vec3>,
}

impl Polyline {
    pub fn new(latlngs: Vec<(f64, f64)>) -> Polyline {
        let vertices = latlngs
            .iter()
            .map(|&(lat, lng)| point_from_radians(lat, lng))
            .collect();
        Polyline { latlngs, vertices }
    }

    fn edges(&self) -> impl Iterator<Item = (Vec3, Vec3)> + '_ {
        self.vertices.windows(2).map(|w| (w[0], w[1]))
    }

    /// The chord angle to a point (a one-point linestring is that point).
    pub fn chord_to_point(&self, p: Vec3) -> f64 {
        match self.vertices.as_slice() {
            [] => f64::INFINITY,
            [q] => chord_between(*q, p),
            _ => self
                .edges()
                .map(|(a, b)| point_edge_chord(p, a, b))
                .fold(f64::INFINITY, f64::min),
        }
    }

    /// The length in radians: the haversine distances between consecutive vertices.
    pub fn length(&self) -> f64 {
        self.latlngs
            .windows(2)
            .map(|w| haversine(w[0].0, w[0].1, w[1].0, w[1].1))
            .sum()
    }
}

/// A region of upstream's geo functions (a point is not one).
#[derive(Clone, Debug)]
pub enum Region {
    Cap(Cap),
    Rect(LatLngRect),
    Loop(Loop),
}

impl Region {
    pub fn contains_point(&self, p: Vec3) -> bool {
        match self {
            Region::Cap(c) => c.contains_point(p),
            Region::Rect(r) => r.contains_point(p),
            Region::Loop(l) => l.contains_point(p),
        }
    }

    pub fn intersects_cell(&self, cell: &Cell) -> bool {
        match self {
            Region::Cap(c) => c.intersects_cell(cell),
            Region::Rect(r) => r.intersects_cell(cell),
            Region::Loop(l) => l.intersects_cell(cell),
        }
    }
}

impl LatLngRect {
    /// The box as a polygon through its four corners (with geodesic sides), as upstream
    /// measures distances from a box to a linestring.
    pub fn as_loop(&self) -> Loop {
        Loop::new(
            (0..4)
                .map(|k| {
                    let (lat, lng) = self.corner(k);
                    point_from_radians(lat, lng)
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::cells::CellId;
    use super::super::sphere::{point_from_degrees, DEGREE};
    use super::*;

    fn brooklyn(clockwise: bool) -> Loop {
        let mut pts = vec![
            point_from_degrees(40.671659, -73.936631),
            point_from_degrees(40.706543, -73.749177),
            point_from_degrees(40.791333, -73.880327),
        ];
        if clockwise {
            pts.reverse();
        }
        Loop::new(pts)
    }

    #[test]
    fn origin_is_s2s() {
        // S2's reference point, as its source writes it (to 20 digits).
        let s2 = [
            "-0.0099994664350250197",
            "0.0025924542609324121",
            "0.99994664350250195",
        ]
        .map(|t| t.parse::<f64>().unwrap_or(f64::NAN));
        assert_eq!([ORIGIN.x, ORIGIN.y, ORIGIN.z], s2);
        assert!((ORIGIN.norm2() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn loops_are_the_smaller_side_either_way_round() {
        for cw in [false, true] {
            let l = brooklyn(cw);
            assert!(l.area() < 1e-4, "{}", l.area());
            // The centroid is inside, a point far away is not.
            assert!(l.contains_point(point_from_degrees(40.7232, -73.8555)));
            assert!(!l.contains_point(point_from_degrees(40.6892, -74.0445)));
            assert!(!l.contains_point(point_from_degrees(-40.7, 106.1)));
        }
    }

    #[test]
    fn loop_distances() {
        let l = brooklyn(false);
        let inside = point_from_degrees(40.7232, -73.8555);
        assert_eq!(l.chord_to_point(inside), 0.0);
        let outside = point_from_degrees(40.6892, -74.0445);
        assert!(l.chord_to_point(outside) > 0.0);
        // A line crossing the boundary is at distance 0, one far away is not.
        let crossing = Polyline::new(vec![
            (40.6892 * DEGREE, -74.0445 * DEGREE),
            (40.7232 * DEGREE, -73.8555 * DEGREE),
        ]);
        assert_eq!(l.chord_to_polyline(&crossing), 0.0);
        let away = Polyline::new(vec![
            (10.0 * DEGREE, 10.0 * DEGREE),
            (11.0 * DEGREE, 10.0 * DEGREE),
        ]);
        assert!(l.chord_to_polyline(&away) > 0.1);
    }

    #[test]
    fn rect_distance_and_containment() {
        let r = LatLngRect {
            lat: (10.0 * DEGREE, 20.0 * DEGREE),
            lng: LngInterval {
                lo: 30.0 * DEGREE,
                hi: 40.0 * DEGREE,
            },
        };
        assert!(r.contains_point(point_from_degrees(15.0, 35.0)));
        assert!(!r.contains_point(point_from_degrees(25.0, 35.0)));
        // North of the box, within its longitudes: the latitude difference.
        let d = r.distance_to_latlng(25.0 * DEGREE, 35.0 * DEGREE);
        assert!((d - 5.0 * DEGREE).abs() < 1e-12);
        assert_eq!(r.distance_to_latlng(15.0 * DEGREE, 35.0 * DEGREE), 0.0);
        // On the equator-side latitude band, east of the box: at least the longitude gap
        // times cos(latitude).
        let d = r.distance_to_latlng(15.0 * DEGREE, 45.0 * DEGREE);
        assert!(d > 4.8 * DEGREE && d < 5.0 * DEGREE, "{d}");
    }

    #[test]
    fn cell_intersection_agrees_with_containment() {
        // A cell holding a region's point intersects it, for every kind of region.
        let p = point_from_degrees(40.7232, -73.8555);
        let regions = [
            Region::Cap(Cap::new(p, 1e-4)),
            Region::Rect(LatLngRect {
                lat: (40.72 * DEGREE, 40.73 * DEGREE),
                lng: LngInterval {
                    lo: -73.86 * DEGREE,
                    hi: -73.85 * DEGREE,
                },
            }),
            Region::Loop(brooklyn(true)),
        ];
        for region in &regions {
            for level in [5, 10, 15, 20] {
                let cell = Cell::new(CellId::from_point(p).parent(level));
                assert!(region.intersects_cell(&cell), "{region:?} {level}");
            }
            // The antipodal face cell is far from all of them.
            let far = Cell::new(CellId::from_point(p.mul(-1.0)).parent(3));
            assert!(!region.intersects_cell(&far), "{region:?}");
        }
    }
}
