//! Points on the unit sphere: 3-vectors, latitude/longitude, angles and chord angles.
//!
//! The conversions follow the S2 geometry library's definitions (the ones upstream Flux
//! gets from golang/geo), so that distances and cell ids agree with upstream: a point is
//! `(cos lat cos lon, cos lat sin lon, sin lat)`, an angle between points is
//! `atan2(|a × b|, a · b)`, and a "chord angle" is the squared length of the chord
//! between two unit vectors (0 to 4), which is how S2 compares distances.

/// One degree in radians: `π / 180` rounded once to the nearest double (S2 and Go define
/// it as an exact constant expression; `PI / 180.0` in doubles happens to round to the
/// same value, checked in the tests).
pub const DEGREE: f64 = 0.017_453_292_519_943_295;

/// The largest chord angle: two antipodal points (a chord of length 2, squared).
pub const STRAIGHT_CHORD: f64 = 4.0;

/// The chord angle of a right angle.
pub const RIGHT_CHORD: f64 = 2.0;

/// Machine epsilon of doubles.
pub const DBL_EPSILON: f64 = f64::EPSILON;

/// A vector of ℝ³; points on the sphere are unit vectors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Vec3 {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Vec3 {
    pub const fn new(x: f64, y: f64, z: f64) -> Vec3 {
        Vec3 { x, y, z }
    }

    pub fn add(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }

    pub fn sub(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }

    pub fn mul(self, k: f64) -> Vec3 {
        Vec3::new(self.x * k, self.y * k, self.z * k)
    }

    pub fn dot(self, o: Vec3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    pub fn cross(self, o: Vec3) -> Vec3 {
        Vec3::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }

    pub fn norm2(self) -> f64 {
        self.dot(self)
    }

    pub fn norm(self) -> f64 {
        self.norm2().sqrt()
    }

    /// The unit vector in this direction (the zero vector stays zero).
    pub fn normalize(self) -> Vec3 {
        let n2 = self.norm2();
        if n2 == 0.0 {
            return Vec3::new(0.0, 0.0, 0.0);
        }
        self.mul(1.0 / n2.sqrt())
    }

    /// 0, 1 or 2: the axis of the component with the largest magnitude (ties go to the
    /// later axis, as S2 breaks them).
    pub fn largest_axis(self) -> usize {
        let (ax, ay, az) = (self.x.abs(), self.y.abs(), self.z.abs());
        if ax > ay {
            if ax > az {
                0
            } else {
                2
            }
        } else if ay > az {
            1
        } else {
            2
        }
    }

    /// The angle to `o` in radians, from 0 to π.
    pub fn angle(self, o: Vec3) -> f64 {
        self.cross(o).norm().atan2(self.dot(o))
    }

    /// A unit vector orthogonal to this one, always the same for the same input (S2's
    /// choice: the cross product with a fixed slightly skewed vector).
    pub fn ortho(self) -> Vec3 {
        let mut o = Vec3::new(0.012, 0.0053, 0.00457);
        match self.largest_axis() {
            0 => o.z = 1.0,
            1 => o.x = 1.0,
            _ => o.y = 1.0,
        }
        self.cross(o).normalize()
    }

    /// A vector orthogonal to both `self` and `o`, computed as `(a + b) × (b - a)`, which
    /// is twice `a × b` but much more precise for nearby points; an arbitrary orthogonal
    /// vector when the points are equal or antipodal.
    pub fn robust_cross(self, o: Vec3) -> Vec3 {
        let x = self.add(o).cross(o.sub(self));
        if x == Vec3::new(0.0, 0.0, 0.0) {
            return self.ortho();
        }
        x
    }

    /// Lexicographic order on (x, y, z), used to order points for symbolic perturbation.
    pub fn lex_cmp(self, o: Vec3) -> std::cmp::Ordering {
        let c = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal);
        c(self.x, o.x)
            .then_with(|| c(self.y, o.y))
            .then_with(|| c(self.z, o.z))
    }
}

/// The point at `lat`/`lon` given in radians.
pub fn point_from_radians(lat: f64, lon: f64) -> Vec3 {
    let cos_lat = lat.cos();
    Vec3::new(lon.cos() * cos_lat, lon.sin() * cos_lat, lat.sin())
}

/// The point at `lat`/`lon` given in degrees.
pub fn point_from_degrees(lat: f64, lon: f64) -> Vec3 {
    point_from_radians(lat * DEGREE, lon * DEGREE)
}

/// Latitude of a point (need not be unit length), in radians.
pub fn latitude(p: Vec3) -> f64 {
    p.z.atan2((p.x * p.x + p.y * p.y).sqrt())
}

/// Longitude of a point (need not be unit length), in radians.
pub fn longitude(p: Vec3) -> f64 {
    p.y.atan2(p.x)
}

/// Radians to degrees as S2 converts them (a division by [`DEGREE`]).
pub fn to_degrees(radians: f64) -> f64 {
    radians / DEGREE
}

/// The great-circle distance in radians between two points given as latitude/longitude
/// in radians, by the haversine formula (the one S2's `LatLng.Distance` uses).
pub fn haversine(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let dlat = (0.5 * (lat2 - lat1)).sin();
    let dlon = (0.5 * (lon2 - lon1)).sin();
    let x = dlat * dlat + dlon * dlon * lat1.cos() * lat2.cos();
    2.0 * x.sqrt().atan2((1.0 - x).max(0.0).sqrt())
}

/// The chord angle between two unit vectors.
pub fn chord_between(a: Vec3, b: Vec3) -> f64 {
    a.sub(b).norm2().min(STRAIGHT_CHORD)
}

/// The chord angle of an angle in radians (negative angles give -1, "empty").
pub fn chord_from_angle(radians: f64) -> f64 {
    if radians < 0.0 {
        return -1.0;
    }
    if radians.is_infinite() {
        return f64::INFINITY;
    }
    let l = 2.0 * (0.5 * radians.min(std::f64::consts::PI)).sin();
    l * l
}

/// The angle in radians of a chord angle.
pub fn angle_from_chord(chord: f64) -> f64 {
    if chord < 0.0 {
        return -1.0;
    }
    if chord.is_infinite() {
        return f64::INFINITY;
    }
    2.0 * (0.5 * chord.sqrt()).asin()
}

/// `sin²` of the angle of a chord angle.
pub fn chord_sin2(chord: f64) -> f64 {
    chord * (1.0 - 0.25 * chord)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degree_is_pi_over_180_rounded_once() {
        // π/180 = 0.0174532925199432957692...; the nearest double is 0x3F91DF46A2529D39.
        assert_eq!(DEGREE.to_bits(), 0x3F91_DF46_A252_9D39);
        assert_eq!(DEGREE, std::f64::consts::PI / 180.0);
    }

    #[test]
    fn latlng_round_trip() {
        for &(lat, lon) in &[(0.0, 0.0), (40.7, -73.9), (-33.9, 151.2), (89.9, 179.9)] {
            let p = point_from_degrees(lat, lon);
            assert!((p.norm2() - 1.0).abs() < 1e-15);
            assert!((to_degrees(latitude(p)) - lat).abs() < 1e-12);
            assert!((to_degrees(longitude(p)) - lon).abs() < 1e-12);
        }
    }

    #[test]
    fn angles_and_chords_agree() {
        let a = point_from_degrees(0.0, 0.0);
        let b = point_from_degrees(0.0, 90.0);
        assert!((a.angle(b) - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
        assert!((chord_between(a, b) - RIGHT_CHORD).abs() < 1e-15);
        assert!((angle_from_chord(chord_from_angle(0.3)) - 0.3).abs() < 1e-15);
        assert_eq!(chord_from_angle(-1.0), -1.0);
        // A quarter of the equator by the haversine formula.
        let h = haversine(0.0, 0.0, 0.0, std::f64::consts::FRAC_PI_2);
        assert!((h - std::f64::consts::FRAC_PI_2).abs() < 1e-15);
    }

    #[test]
    fn ortho_is_orthogonal_unit() {
        for v in [
            Vec3::new(1.0, 0.0, 0.0),
            Vec3::new(0.0, -1.0, 0.0),
            point_from_degrees(12.0, 34.0),
        ] {
            let o = v.ortho();
            assert!(o.dot(v).abs() < 1e-15);
            assert!((o.norm() - 1.0).abs() < 1e-15);
        }
    }
}
