//! Robust orientation and edge-crossing predicates on the sphere.
//!
//! `sign(a, b, c)` is the orientation of three points: +1 counter-clockwise, -1
//! clockwise. It is decided by the determinant `a · (b × c)` in doubles when the result
//! is clearly away from zero, then by a more stable formula, then exactly (with
//! floating-point expansions, Shewchuk's error-free sums and products), and finally, for
//! exactly collinear points, by symbolic perturbation, so that it is never 0 for three
//! distinct points and always consistent. The thresholds and the order of the
//! perturbation terms are S2's, so containment and crossing decisions agree with
//! upstream's golang/geo.

use super::sphere::{Vec3, DBL_EPSILON};
use std::cmp::Ordering;

/// The largest error of the determinant `a · (b × c)` of unit vectors in doubles.
const MAX_DETERMINANT_ERROR: f64 = 1.8274 * DBL_EPSILON;

/// The error factor of the stable determinant (see `stable_sign`).
const DET_ERROR_MULTIPLIER: f64 = 3.2321 * DBL_EPSILON;

/// The sign from the determinant in doubles, or 0 when it is too close to call.
pub fn triage_sign(a: Vec3, b: Vec3, c: Vec3) -> i8 {
    let det = a.cross(b).dot(c);
    if det > MAX_DETERMINANT_ERROR {
        1
    } else if det < -MAX_DETERMINANT_ERROR {
        -1
    } else {
        0
    }
}

/// The sign from the two shortest edges of the triangle, or 0 when too close to call.
fn stable_sign(a: Vec3, b: Vec3, c: Vec3) -> i8 {
    let ab = b.sub(a);
    let bc = c.sub(b);
    let ca = a.sub(c);
    let (ab2, bc2, ca2) = (ab.norm2(), bc.norm2(), ca.norm2());
    // The determinant from the two shorter edges and the vertex between them.
    let (e1, e2, op) = if ab2 >= bc2 && ab2 >= ca2 {
        (ca, bc, c)
    } else if bc2 >= ca2 {
        (ab, ca, a)
    } else {
        (bc, ab, b)
    };
    let det = -e1.cross(e2).dot(op);
    let max_err = DET_ERROR_MULTIPLIER * (e1.norm2() * e2.norm2()).sqrt();
    if det > max_err {
        1
    } else if det < -max_err {
        -1
    } else {
        0
    }
}

/// The orientation of three points: +1, -1, or 0 only when two of them are equal.
pub fn robust_sign(a: Vec3, b: Vec3, c: Vec3) -> i8 {
    match triage_sign(a, b, c) {
        0 => expensive_sign(a, b, c),
        s => s,
    }
}

/// The orientation when the fast test could not decide.
pub fn expensive_sign(a: Vec3, b: Vec3, c: Vec3) -> i8 {
    if a == b || b == c || c == a {
        return 0;
    }
    match stable_sign(a, b, c) {
        0 => exact_sign(a, b, c),
        s => s,
    }
}

/// The exact orientation of three distinct points, perturbed symbolically when they are
/// exactly collinear.
fn exact_sign(a: Vec3, b: Vec3, c: Vec3) -> i8 {
    // Sort the points (tracking the permutation's sign) so that the perturbation is
    // applied in one canonical order.
    let mut pts = [a, b, c];
    let mut perm: i8 = 1;
    if pts[0].lex_cmp(pts[1]) == Ordering::Greater {
        pts.swap(0, 1);
        perm = -perm;
    }
    if pts[1].lex_cmp(pts[2]) == Ordering::Greater {
        pts.swap(1, 2);
        perm = -perm;
    }
    if pts[0].lex_cmp(pts[1]) == Ordering::Greater {
        pts.swap(0, 1);
        perm = -perm;
    }
    let [a, b, c] = pts;
    let bxc = [
        minor(b.y, c.z, b.z, c.y),
        minor(b.z, c.x, b.x, c.z),
        minor(b.x, c.y, b.y, c.x),
    ];
    let mut det = Expansion::default();
    det.add(&bxc[0].scaled(a.x));
    det.add(&bxc[1].scaled(a.y));
    det.add(&bxc[2].scaled(a.z));
    let s = det.sign();
    if s != 0 {
        return perm * s;
    }
    perm * perturbed_sign(a, b, c, &bxc)
}

/// The sign of the determinant after perturbing each point by an infinitesimal amount
/// (Simulation of Simplicity, in S2's order of terms). `bxc` is `b × c` exactly.
fn perturbed_sign(a: Vec3, b: Vec3, c: Vec3, bxc: &[Expansion; 3]) -> i8 {
    let sign = |x: f64| -> i8 {
        if x > 0.0 {
            1
        } else if x < 0.0 {
            -1
        } else {
            0
        }
    };
    let terms: [&dyn Fn() -> i8; 13] = [
        &|| bxc[2].sign(),
        &|| bxc[1].sign(),
        &|| bxc[0].sign(),
        &|| minor(c.x, a.y, c.y, a.x).sign(),
        &|| sign(c.x),
        &|| -sign(c.y),
        &|| minor(c.z, a.x, c.x, a.z).sign(),
        &|| sign(c.z),
        &|| minor(a.x, b.y, a.y, b.x).sign(),
        &|| -sign(b.x),
        &|| sign(b.y),
        &|| sign(a.x),
        &|| 1,
    ];
    terms.iter().map(|t| t()).find(|&s| s != 0).unwrap_or(1)
}

/// `p * q - r * s` exactly.
fn minor(p: f64, q: f64, r: f64, s: f64) -> Expansion {
    let mut e = Expansion::default();
    let (hi, lo) = two_product(p, q);
    e.grow(lo);
    e.grow(hi);
    let (hi, lo) = two_product(r, s);
    e.grow(-lo);
    e.grow(-hi);
    e
}

/// `a + b` as the rounded sum and its exact error.
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    (s, err)
}

/// `a * b` as the rounded product and its exact error (a fused multiply-add computes
/// the error exactly).
fn two_product(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// An exact sum of doubles, kept as non-overlapping components in increasing magnitude
/// (Shewchuk's expansions), enough for the signs of small determinants of doubles.
#[derive(Clone, Debug, Default)]
struct Expansion(Vec<f64>);

impl Expansion {
    /// Add one double exactly.
    fn grow(&mut self, b: f64) {
        let mut q = b;
        let mut out = Vec::with_capacity(self.0.len() + 1);
        for &e in &self.0 {
            let (s, h) = two_sum(q, e);
            if h != 0.0 {
                out.push(h);
            }
            q = s;
        }
        out.push(q);
        self.0 = out;
    }

    /// Add another expansion exactly.
    fn add(&mut self, o: &Expansion) {
        for &c in &o.0 {
            self.grow(c);
        }
    }

    /// This expansion times a double, exactly.
    fn scaled(&self, k: f64) -> Expansion {
        let mut out = Expansion::default();
        for &c in &self.0 {
            let (hi, lo) = two_product(c, k);
            out.grow(lo);
            out.grow(hi);
        }
        out
    }

    /// The sign of the exact value: that of the largest non-zero component.
    fn sign(&self) -> i8 {
        match self.0.iter().rev().find(|c| **c != 0.0) {
            Some(c) if *c > 0.0 => 1,
            Some(_) => -1,
            None => 0,
        }
    }
}

/// Whether the edges `o→a`, `o→b`, `o→c` are met in that order going counter-clockwise
/// around `o` (true also when some are equal, with S2's conventions).
pub fn ordered_ccw(a: Vec3, b: Vec3, c: Vec3, o: Vec3) -> bool {
    let mut sum = 0;
    if robust_sign(b, o, a) != -1 {
        sum += 1;
    }
    if robust_sign(c, o, b) != -1 {
        sum += 1;
    }
    if robust_sign(a, o, c) == 1 {
        sum += 1;
    }
    sum >= 2
}

/// How two edges relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Crossing {
    /// The interiors of the edges cross at one point.
    Cross,
    /// The edges share a vertex (decided by [`vertex_crossing`]).
    Maybe,
    /// The edges do not cross.
    DoNotCross,
}

/// Whether edge `a-b` crosses edge `c-d`.
pub fn crossing_sign(a: Vec3, b: Vec3, c: Vec3, d: Vec3) -> Crossing {
    let mut acb = -triage_sign(a, b, c);
    let mut bda = triage_sign(a, b, d);
    if acb == -bda && bda != 0 {
        // c and d are clearly on the same side of a-b.
        return Crossing::DoNotCross;
    }
    // Whether c and d both lie beyond a, or both beyond b, along the great circle.
    let norm = a.robust_cross(b);
    let a_tangent = a.cross(norm);
    let b_tangent = norm.cross(b);
    let max_error = (1.5 + 1.0 / 3f64.sqrt()) * DBL_EPSILON;
    if (c.dot(a_tangent) > max_error && d.dot(a_tangent) > max_error)
        || (c.dot(b_tangent) > max_error && d.dot(b_tangent) > max_error)
    {
        return Crossing::DoNotCross;
    }
    if a == c || a == d || b == c || b == d {
        return Crossing::Maybe;
    }
    if a == b || c == d {
        return Crossing::DoNotCross;
    }
    if acb == 0 {
        acb = -expensive_sign(a, b, c);
    }
    if bda == 0 {
        bda = expensive_sign(a, b, d);
    }
    if bda != acb {
        return Crossing::DoNotCross;
    }
    if -robust_sign(c, d, b) != acb || robust_sign(c, d, a) != acb {
        return Crossing::DoNotCross;
    }
    Crossing::Cross
}

/// For edges that share a vertex: whether they count as crossing, so that a point's
/// crossings of a closed loop's edges count once per real crossing of its boundary.
pub fn vertex_crossing(a: Vec3, b: Vec3, c: Vec3, d: Vec3) -> bool {
    if a == b || c == d {
        return false;
    }
    if a == c {
        return b == d || ordered_ccw(a.ortho(), d, b, a);
    }
    if b == d {
        return ordered_ccw(b.ortho(), c, a, b);
    }
    if a == d {
        return b == c || ordered_ccw(a.ortho(), c, b, a);
    }
    if b == c {
        return ordered_ccw(b.ortho(), d, a, b);
    }
    false
}

/// Whether edge `a-b` crosses `c-d`, with shared vertices decided by [`vertex_crossing`].
pub fn edge_or_vertex_crossing(a: Vec3, b: Vec3, c: Vec3, d: Vec3) -> bool {
    match crossing_sign(a, b, c, d) {
        Crossing::Cross => true,
        Crossing::DoNotCross => false,
        Crossing::Maybe => vertex_crossing(a, b, c, d),
    }
}

#[cfg(test)]
mod tests {
    use super::super::sphere::point_from_degrees;
    use super::*;

    #[test]
    fn orientation_of_clear_triangles() {
        let a = point_from_degrees(0.0, 0.0);
        let b = point_from_degrees(0.0, 10.0);
        let c = point_from_degrees(10.0, 5.0);
        assert_eq!(robust_sign(a, b, c), 1);
        assert_eq!(robust_sign(a, c, b), -1);
        assert_eq!(robust_sign(a, a, b), 0);
    }

    #[test]
    fn collinear_points_get_a_consistent_nonzero_sign() {
        // Three points on the equator: the determinant is exactly 0.
        let a = Vec3::new(1.0, 0.0, 0.0);
        let b = Vec3::new(0.0, 1.0, 0.0);
        let c = Vec3::new(-1.0, 0.0, 0.0);
        let s = robust_sign(a, b, c);
        assert_ne!(s, 0);
        // Swapping two points flips it; rotating keeps it.
        assert_eq!(robust_sign(b, a, c), -s);
        assert_eq!(robust_sign(b, c, a), s);
        assert_eq!(robust_sign(c, a, b), s);
    }

    #[test]
    fn exact_sign_sees_tiny_determinants() {
        // c lies a hair (1e-17 radians) off the great circle through a and b: the fast
        // test cannot tell, the exact one can.
        let a = Vec3::new(1.0, 0.0, 0.0);
        let b = Vec3::new(0.0, 1.0, 0.0);
        let c = Vec3::new(0.6, 0.8, 1e-17);
        assert_eq!(triage_sign(a, b, c), 0);
        assert_eq!(robust_sign(a, b, c), 1);
        let c = Vec3::new(0.6, 0.8, -1e-17);
        assert_eq!(robust_sign(a, b, c), -1);
    }

    #[test]
    fn crossings() {
        let p = point_from_degrees;
        // Two diagonals of a small square cross.
        assert_eq!(
            crossing_sign(p(0.0, 0.0), p(1.0, 1.0), p(0.0, 1.0), p(1.0, 0.0)),
            Crossing::Cross
        );
        // Parallel sides do not.
        assert_eq!(
            crossing_sign(p(0.0, 0.0), p(0.0, 1.0), p(1.0, 0.0), p(1.0, 1.0)),
            Crossing::DoNotCross
        );
        // Edges sharing a vertex: "maybe", decided by the vertex rule.
        assert_eq!(
            crossing_sign(p(0.0, 0.0), p(0.0, 1.0), p(0.0, 1.0), p(1.0, 1.0)),
            Crossing::Maybe
        );
        // Around the origin, counter-clockwise from north: west, south, east.
        let (o, north, west, east) = (p(0.0, 0.0), p(1.0, 0.0), p(0.0, -1.0), p(0.0, 1.0));
        assert!(ordered_ccw(north, west, east, o));
        assert!(!ordered_ccw(north, east, west, o));
    }
}
