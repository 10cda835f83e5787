//! S2 cells: the hierarchical decomposition of the sphere that upstream's geo package
//! keys data by (the `s2_cell_id` tag holds a cell's token).
//!
//! The sphere is projected onto the six faces of a cube; each face is split recursively
//! into four, 30 times. A cell id is a 64-bit number: 3 bits of face, then 2 bits per
//! level giving the child's position along a Hilbert curve, then a single 1 bit marking
//! the level. The projection (the quadratic `st ↔ uv` transform), the Hilbert curve's
//! orientation rules and the token format are S2's, so ids and tokens are the ones every
//! S2 implementation (golang/geo in upstream Flux) gives.

use super::sphere::{latitude, longitude, Vec3, DBL_EPSILON};

/// The deepest level: leaf cells are about 1 cm across.
pub const MAX_LEVEL: u32 = 30;

/// Number of leaf cells along a face edge.
const MAX_SIZE: u64 = 1 << MAX_LEVEL;

/// Bits of a cell id below the face bits.
const POS_BITS: u32 = 2 * MAX_LEVEL + 1;

/// Orientation flags of a Hilbert sub-curve: axes swapped, and direction inverted.
const SWAP: usize = 1;
const INVERT: usize = 2;

/// The Hilbert-curve position (0..4) of the child at `(i << 1) | j`, for each orientation.
const IJ_TO_POS: [[u64; 4]; 4] = [[0, 1, 3, 2], [0, 3, 1, 2], [2, 3, 1, 0], [2, 1, 3, 0]];

/// The inverse: `(i << 1) | j` of the child at each position, for each orientation.
const POS_TO_IJ: [[u64; 4]; 4] = [[0, 1, 3, 2], [0, 2, 3, 1], [3, 2, 0, 1], [3, 1, 0, 2]];

/// How the orientation changes going into the child at each position.
const POS_TO_ORIENTATION: [usize; 4] = [SWAP, 0, 0, INVERT | SWAP];

/// A cell id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellId(pub u64);

impl CellId {
    /// The cell of one of the six faces.
    pub fn from_face(face: u64) -> CellId {
        CellId((face << POS_BITS) + lsb_for_level(0))
    }

    /// The leaf cell containing a point (a unit vector).
    pub fn from_point(p: Vec3) -> CellId {
        let (face, u, v) = xyz_to_face_uv(p);
        CellId::from_face_ij(face, st_to_ij(uv_to_st(u)), st_to_ij(uv_to_st(v)))
    }

    /// The leaf cell at leaf coordinates `(i, j)` of a face.
    fn from_face_ij(face: usize, i: u64, j: u64) -> CellId {
        let mut orientation = face & SWAP;
        let mut pos: u64 = 0;
        for k in (0..MAX_LEVEL).rev() {
            let ij = (((i >> k) & 1) << 1) | ((j >> k) & 1);
            let p = IJ_TO_POS[orientation][ij as usize];
            pos = (pos << 2) | p;
            orientation ^= POS_TO_ORIENTATION[p as usize];
        }
        CellId(((face as u64) << POS_BITS) | (pos << 1) | 1)
    }

    /// The cell of a token: the id's hexadecimal digits with trailing zeros dropped. `None`
    /// unless it is 1 to 16 hexadecimal digits naming a valid cell.
    pub fn from_token(token: &str) -> Option<CellId> {
        if token.is_empty() || token.len() > 16 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let n = u64::from_str_radix(token, 16).ok()?;
        let id = CellId(n << (4 * (16 - token.len() as u32)));
        id.is_valid().then_some(id)
    }

    /// The token: lowercase hexadecimal without trailing zeros (`"X"` for id 0).
    pub fn to_token(self) -> String {
        let hex = format!("{:016x}", self.0);
        let t = hex.trim_end_matches('0');
        if t.is_empty() {
            "X".to_string()
        } else {
            t.to_string()
        }
    }

    pub fn face(self) -> usize {
        (self.0 >> POS_BITS) as usize
    }

    fn lsb(self) -> u64 {
        self.0 & self.0.wrapping_neg()
    }

    /// Whether this is the id of a cell: a face 0..6 and the level marker at an even bit.
    pub fn is_valid(self) -> bool {
        self.face() < 6 && (self.lsb() & 0x1555_5555_5555_5555) != 0
    }

    /// The level, 0 (a face) to 30 (a leaf); only meaningful for valid ids.
    pub fn level(self) -> u32 {
        MAX_LEVEL.saturating_sub(self.0.trailing_zeros() >> 1)
    }

    /// The ancestor at `level` (which must not be deeper than this cell's; levels past 30
    /// are read as 30).
    pub fn parent(self, level: u32) -> CellId {
        let lsb = lsb_for_level(level);
        CellId((self.0 & lsb.wrapping_neg()) | lsb)
    }

    /// The four children, in Hilbert-curve order (which is increasing id order).
    pub fn children(self) -> [CellId; 4] {
        let child_lsb = self.lsb() >> 2;
        let first = self.0 - self.lsb() + child_lsb;
        [0u64, 1, 2, 3].map(|k| CellId(first + k * 2 * child_lsb))
    }

    /// Face, and leaf coordinates `(i, j)` of a leaf cell inside this cell.
    fn face_ij(self) -> (usize, u64, u64) {
        let face = self.face();
        let mut orientation = face & SWAP;
        let (mut i, mut j) = (0u64, 0u64);
        for k in (0..MAX_LEVEL).rev() {
            let p = (self.0 >> (2 * k + 1)) & 3;
            let ij = POS_TO_IJ[orientation][p as usize];
            i = (i << 1) | (ij >> 1);
            j = (j << 1) | (ij & 1);
            orientation ^= POS_TO_ORIENTATION[p as usize];
        }
        (face, i, j)
    }

    /// The cell's bounds in leaf coordinates: face, lowest `i`, lowest `j`, and size.
    fn ij_bounds(self) -> (usize, u64, u64, u64) {
        let (face, i, j) = self.face_ij();
        let size = 1u64 << (MAX_LEVEL - self.level());
        (face, i & !(size - 1), j & !(size - 1), size)
    }

    /// The center of the cell (not unit length).
    pub fn raw_center(self) -> Vec3 {
        let (face, i, j, size) = self.ij_bounds();
        // Centers in "si/ti" coordinates (half-leaf units) are exact integers.
        let scale = 0.5 / MAX_SIZE as f64;
        let s = scale * (2 * i + size) as f64;
        let t = scale * (2 * j + size) as f64;
        face_uv_to_xyz(face, st_to_uv(s), st_to_uv(t))
    }

    /// Latitude and longitude of the cell's center, in radians.
    pub fn center_radians(self) -> (f64, f64) {
        let c = self.raw_center();
        (latitude(c), longitude(c))
    }
}

/// The lowest set bit of the ids of cells at `level`.
fn lsb_for_level(level: u32) -> u64 {
    1u64 << (2 * (MAX_LEVEL - level.min(MAX_LEVEL)))
}

/// Cube-face coordinates `s` (0..1) to the projected `u` (-1..1).
pub fn st_to_uv(s: f64) -> f64 {
    if s >= 0.5 {
        (1.0 / 3.0) * (4.0 * s * s - 1.0)
    } else {
        (1.0 / 3.0) * (1.0 - 4.0 * (1.0 - s) * (1.0 - s))
    }
}

/// The inverse of [`st_to_uv`].
pub fn uv_to_st(u: f64) -> f64 {
    if u >= 0.0 {
        0.5 * (1.0 + 3.0 * u).sqrt()
    } else {
        1.0 - 0.5 * (1.0 - 3.0 * u).sqrt()
    }
}

/// The leaf coordinate of `s`.
fn st_to_ij(s: f64) -> u64 {
    let x = (MAX_SIZE as f64 * s).floor();
    x.clamp(0.0, (MAX_SIZE - 1) as f64) as u64
}

/// The face a vector points into (the axis of its largest component, +3 if negative).
fn face_of(p: Vec3) -> usize {
    let axis = p.largest_axis();
    let negative = [p.x, p.y, p.z][axis] < 0.0;
    axis + if negative { 3 } else { 0 }
}

/// `(u, v)` of a vector on a face it points into.
fn valid_face_xyz_to_uv(face: usize, p: Vec3) -> (f64, f64) {
    match face {
        0 => (p.y / p.x, p.z / p.x),
        1 => (-p.x / p.y, p.z / p.y),
        2 => (-p.x / p.z, -p.y / p.z),
        3 => (p.z / p.x, p.y / p.x),
        4 => (p.z / p.y, -p.x / p.y),
        _ => (-p.y / p.z, -p.x / p.z),
    }
}

/// Face and `(u, v)` of a vector.
pub fn xyz_to_face_uv(p: Vec3) -> (usize, f64, f64) {
    let face = face_of(p);
    let (u, v) = valid_face_xyz_to_uv(face, p);
    (face, u, v)
}

/// `(u, v)` of a vector on a given face, `None` if it points away from that face.
fn face_xyz_to_uv(face: usize, p: Vec3) -> Option<(f64, f64)> {
    let toward = match face {
        0 => p.x > 0.0,
        1 => p.y > 0.0,
        2 => p.z > 0.0,
        3 => p.x < 0.0,
        4 => p.y < 0.0,
        _ => p.z < 0.0,
    };
    toward.then(|| valid_face_xyz_to_uv(face, p))
}

/// The (not unit) vector of `(u, v)` on a face.
pub fn face_uv_to_xyz(face: usize, u: f64, v: f64) -> Vec3 {
    match face {
        0 => Vec3::new(1.0, u, v),
        1 => Vec3::new(-u, 1.0, v),
        2 => Vec3::new(-u, -v, 1.0),
        3 => Vec3::new(-1.0, -v, -u),
        4 => Vec3::new(v, -1.0, -u),
        _ => Vec3::new(v, u, -1.0),
    }
}

/// The normal of the plane of constant `u` on a face (pointing toward larger `u`).
fn u_norm(face: usize, u: f64) -> Vec3 {
    match face {
        0 => Vec3::new(u, -1.0, 0.0),
        1 => Vec3::new(1.0, u, 0.0),
        2 => Vec3::new(1.0, 0.0, u),
        3 => Vec3::new(-u, 0.0, 1.0),
        4 => Vec3::new(0.0, -u, 1.0),
        _ => Vec3::new(0.0, -1.0, -u),
    }
}

/// The normal of the plane of constant `v` on a face (pointing toward larger `v`).
fn v_norm(face: usize, v: f64) -> Vec3 {
    match face {
        0 => Vec3::new(-v, 0.0, 1.0),
        1 => Vec3::new(0.0, -v, 1.0),
        2 => Vec3::new(0.0, -1.0, -v),
        3 => Vec3::new(v, -1.0, 0.0),
        4 => Vec3::new(1.0, v, 0.0),
        _ => Vec3::new(1.0, 0.0, v),
    }
}

/// A cell with its geometry: face and bounds in `(u, v)`.
#[derive(Clone, Copy, Debug)]
pub struct Cell {
    pub id: CellId,
    face: usize,
    u: (f64, f64),
    v: (f64, f64),
}

impl Cell {
    pub fn new(id: CellId) -> Cell {
        let (face, i, j, size) = id.ij_bounds();
        let st = |x: u64| x as f64 / MAX_SIZE as f64;
        Cell {
            id,
            face,
            u: (st_to_uv(st(i)), st_to_uv(st(i + size))),
            v: (st_to_uv(st(j)), st_to_uv(st(j + size))),
        }
    }

    /// The cell grown by `margin` on every side in `(u, v)` coordinates (S2 pads cells so
    /// when it tests edges against them, to stay on the safe side of rounding errors).
    pub fn padded(&self, margin: f64) -> Cell {
        Cell {
            id: self.id,
            face: self.face,
            u: (self.u.0 - margin, self.u.1 + margin),
            v: (self.v.0 - margin, self.v.1 + margin),
        }
    }

    /// Vertex `k` (0..4) as a unit vector, counter-clockwise from the lowest `(u, v)`.
    pub fn vertex(&self, k: usize) -> Vec3 {
        let (u, v) = match k & 3 {
            0 => (self.u.0, self.v.0),
            1 => (self.u.1, self.v.0),
            2 => (self.u.1, self.v.1),
            _ => (self.u.0, self.v.1),
        };
        face_uv_to_xyz(self.face, u, v).normalize()
    }

    /// The inward unit normal of edge `k` (from vertex `k` to vertex `k + 1`); cell edges
    /// are great-circle arcs.
    pub fn edge_normal(&self, k: usize) -> Vec3 {
        match k & 3 {
            0 => v_norm(self.face, self.v.0).normalize(),
            1 => u_norm(self.face, self.u.1).normalize(),
            2 => v_norm(self.face, self.v.1).mul(-1.0).normalize(),
            _ => u_norm(self.face, self.u.0).mul(-1.0).normalize(),
        }
    }

    /// Whether the cell contains a point (boundaries included, with a margin of one
    /// rounding error so that a point's own leaf cell always contains it).
    pub fn contains_point(&self, p: Vec3) -> bool {
        let Some((u, v)) = face_xyz_to_uv(self.face, p) else {
            return false;
        };
        let m = DBL_EPSILON;
        u >= self.u.0 - m && u <= self.u.1 + m && v >= self.v.0 - m && v <= self.v.1 + m
    }
}

#[cfg(test)]
mod tests {
    use super::super::sphere::{point_from_degrees, to_degrees};
    use super::*;

    fn token_at(lat: f64, lon: f64, level: u32) -> String {
        CellId::from_point(point_from_degrees(lat, lon))
            .parent(level)
            .to_token()
    }

    #[test]
    fn face_cells() {
        // The face cells' ids are face << 61 | 1 << 60: tokens "1", "3", "5", ..., "b".
        let tokens: Vec<String> = (0..6).map(|f| CellId::from_face(f).to_token()).collect();
        assert_eq!(tokens, ["1", "3", "5", "7", "9", "b"]);
        for f in 0..6 {
            assert_eq!(CellId::from_face(f).level(), 0);
            assert_eq!(CellId::from_face(f).face(), f as usize);
        }
        // The point (1, 0, 0) is the center of face 0.
        let leaf = CellId::from_point(Vec3::new(1.0, 0.0, 0.0));
        assert_eq!(leaf.face(), 0);
        assert_eq!(leaf.level(), 30);
        assert_eq!(leaf.parent(0), CellId::from_face(0));
    }

    #[test]
    fn known_tokens() {
        // Tokens from the reference C++ S2 library (its Python bindings, `s2geometry`:
        // `S2CellId(S2LatLng.FromDegrees(lat, lon)).parent(level).ToToken()`); the second
        // is also in upstream's documented examples.
        assert_eq!(token_at(40.7128, -74.006, 10), "89c25b");
        assert_eq!(token_at(14.01433, 39.7515, 10), "166b59");
        assert_eq!(token_at(14.01433, 39.7515, 5), "166c");
    }

    #[test]
    fn tokens_round_trip() {
        for &(lat, lon) in &[
            (0.0, 0.0),
            (40.7, -73.9),
            (-33.9, 151.2),
            (89.9, 10.0),
            (-89.0, -170.0),
        ] {
            let leaf = CellId::from_point(point_from_degrees(lat, lon));
            for level in 0..=MAX_LEVEL {
                let c = leaf.parent(level);
                assert_eq!(c.level(), level);
                assert!(c.is_valid());
                assert_eq!(CellId::from_token(&c.to_token()), Some(c));
                // Each cell contains its own center, and the leaf's point.
                let cell = Cell::new(c);
                assert!(cell.contains_point(c.raw_center().normalize()));
                assert!(cell.contains_point(point_from_degrees(lat, lon)));
            }
        }
    }

    #[test]
    fn children_nest() {
        let c = CellId::from_point(point_from_degrees(40.0, -73.0)).parent(9);
        for (k, child) in c.children().iter().enumerate() {
            assert_eq!(child.level(), 10);
            assert_eq!(child.parent(9), c);
            if k > 0 {
                assert!(child.0 > c.children()[k - 1].0);
            }
        }
    }

    #[test]
    fn known_cell_id() {
        // The leaf cell of New York City (40.7128, -74.006) in the reference C++ library:
        // token 89c25a220cf80969, i.e. id 0x89c25a220cf80969: face 4 (0b100 in the top
        // three bits), level 30 (the lowest bit set).
        let id = CellId::from_point(point_from_degrees(40.7128, -74.006));
        assert_eq!(id, CellId(0x89c2_5a22_0cf8_0969));
        assert_eq!(id.face(), 4);
        assert_eq!(id.level(), 30);
        assert_eq!(id.parent(10), CellId(0x89c2_5b00_0000_0000));
        // Ids that name no cell do not panic.
        assert_eq!(CellId(0).level(), 0);
        assert!(!CellId(0).is_valid());
    }

    #[test]
    fn invalid_tokens() {
        for t in ["", "X", "zz", "0", "12345678901234567", "8", "c"] {
            assert_eq!(CellId::from_token(t), None, "{t}");
        }
    }

    #[test]
    fn documented_cell_center() {
        // Upstream's documentation: the center of cell "89c284" is
        // lat 40.812535546624574, lon -73.55941282728273.
        let c = CellId::from_token("89c284").map(CellId::center_radians);
        let (lat, lon) = c.unwrap_or((0.0, 0.0));
        assert!((to_degrees(lat) - 40.812_535_546_624_574).abs() < 1e-12);
        assert!((to_degrees(lon) - -73.559_412_827_282_73).abs() < 1e-12);
    }
}
