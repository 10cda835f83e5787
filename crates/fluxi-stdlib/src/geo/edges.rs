//! Distances between points and geodesic edges, as chord angles (see `sphere`).
//!
//! The formulas are S2's (`UpdateMinDistance`, the edge-pair distance), so that upstream
//! distances to linestrings and polygons are reproduced to the last digits.

use super::predicates::{crossing_sign, Crossing};
use super::sphere::{Vec3, DBL_EPSILON};

/// The chord angle from `x` to the closest point of edge `a-b`.
pub fn point_edge_chord(x: Vec3, a: Vec3, b: Vec3) -> f64 {
    if let Some(d) = interior_chord(x, a, b) {
        return d;
    }
    x.sub(a).norm2().min(x.sub(b).norm2())
}

/// The chord angle from `x` to the interior of edge `a-b`, when the closest point of the
/// edge's great circle lies strictly between `a` and `b`.
fn interior_chord(x: Vec3, a: Vec3, b: Vec3) -> Option<f64> {
    let xa2 = x.sub(a).norm2();
    let xb2 = x.sub(b).norm2();
    let ab2 = a.sub(b).norm2();
    // When one endpoint is much closer than the other, the closest point is an endpoint.
    let max_error = 4.75 * DBL_EPSILON * (xa2 + xb2 + ab2) + 8.0 * DBL_EPSILON * DBL_EPSILON;
    if (xa2 - xb2).abs() >= ab2 + max_error {
        return None;
    }
    let c = a.robust_cross(b);
    let c2 = c.norm2();
    let x_dot_c = x.dot(c);
    let x_dot_c2 = x_dot_c * x_dot_c;
    // Whether the projection of x onto the great circle falls between a and b.
    let cx = c.cross(x);
    if a.sub(x).dot(cx) >= 0.0 || b.sub(x).dot(cx) <= 0.0 {
        return None;
    }
    // The chord to the projection: the component along the normal, and the shortfall of
    // the in-plane component from the unit circle.
    let qr = 1.0 - (cx.norm2() / c2).sqrt();
    Some(x_dot_c2 / c2 + qr * qr)
}

/// The chord angle between edges `a0-a1` and `b0-b1`: 0 when they cross, else the
/// smallest distance from an endpoint of one to the other.
pub fn edge_pair_chord(a0: Vec3, a1: Vec3, b0: Vec3, b1: Vec3) -> f64 {
    if crossing_sign(a0, a1, b0, b1) == Crossing::Cross {
        return 0.0;
    }
    point_edge_chord(a0, b0, b1)
        .min(point_edge_chord(a1, b0, b1))
        .min(point_edge_chord(b0, a0, a1))
        .min(point_edge_chord(b1, a0, a1))
}

#[cfg(test)]
mod tests {
    use super::super::sphere::{angle_from_chord, point_from_degrees, DEGREE};
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn distance_to_an_edge_of_the_equator() {
        let a = point_from_degrees(0.0, 0.0);
        let b = point_from_degrees(0.0, 10.0);
        // Above the middle of the edge: the distance is the latitude.
        let x = point_from_degrees(3.0, 5.0);
        assert!(close(
            angle_from_chord(point_edge_chord(x, a, b)),
            3.0 * DEGREE
        ));
        // Beyond an end: the distance to that endpoint.
        let x = point_from_degrees(0.0, 14.0);
        assert!(close(
            angle_from_chord(point_edge_chord(x, a, b)),
            4.0 * DEGREE
        ));
        // On the edge.
        let x = point_from_degrees(0.0, 2.0);
        assert!(point_edge_chord(x, a, b) < 1e-30);
    }

    #[test]
    fn edge_pairs() {
        let p = point_from_degrees;
        // Crossing edges are at distance 0.
        assert_eq!(
            edge_pair_chord(p(-1.0, 5.0), p(1.0, 5.0), p(0.0, 0.0), p(0.0, 10.0)),
            0.0
        );
        // A meridian edge north of the equator edge: 2 degrees apart.
        let d = edge_pair_chord(p(2.0, 5.0), p(6.0, 5.0), p(0.0, 0.0), p(0.0, 10.0));
        assert!(close(angle_from_chord(d), 2.0 * DEGREE));
    }
}
