//! Coverings: the cells of one level that a region touches, and upstream's choice of a
//! level for `getGrid` from a wanted number of cells.
//!
//! Upstream asks S2's region coverer for a covering with equal minimum and maximum
//! level. With no choice of levels left, that coverer returns every cell of the level
//! whose ancestors and itself intersect the region (by the region's `IntersectsCell`),
//! in increasing id order — which is what [`covering`] computes, descending from the six
//! faces one level at a time.

use super::cells::{Cell, CellId, MAX_LEVEL};
use super::shapes::Region;

/// The most cells a covering may have: larger ones are an error (`fluxi::eval::limit`),
/// not a silent truncation. Upstream filters data with sets of up to a hundred cells; a
/// hundred thousand is far past any useful filter and still cheap to compute.
pub const MAX_COVERING_CELLS: usize = 100_000;

/// The largest `maxSize` upstream uses when only `minSize` is given.
const DEFAULT_MAX_SIZE: usize = 100;

/// A covering would have more cells than allowed.
#[derive(Debug, PartialEq, Eq)]
pub struct TooManyCells {
    pub level: u32,
    pub limit: usize,
}

/// The cells of `level` that intersect `region`, in increasing id order; an error when
/// there are more than `max`.
pub fn covering(region: &Region, level: u32, max: usize) -> Result<Vec<CellId>, TooManyCells> {
    let level = level.min(MAX_LEVEL);
    let too_many = || TooManyCells { level, limit: max };
    let mut cells: Vec<CellId> = (0..6)
        .map(CellId::from_face)
        .filter(|&c| region.intersects_cell(&Cell::new(c)))
        .collect();
    for _ in 0..level {
        let mut next = Vec::with_capacity(cells.len() * 4);
        for c in cells {
            for child in c.children() {
                if region.intersects_cell(&Cell::new(child)) {
                    next.push(child);
                }
            }
        }
        // Every cell a region touches has a child that touches it, so the count only
        // grows from level to level: past `max` here, it stays past.
        if next.len() > max {
            return Err(too_many());
        }
        cells = next;
    }
    if cells.len() > max {
        return Err(too_many());
    }
    Ok(cells)
}

/// A grid: the level and the cells covering a region (`None`: no level fits).
#[derive(Debug, PartialEq, Eq)]
pub struct Grid {
    pub level: u32,
    pub cells: Vec<CellId>,
}

/// What `getGrid` is asked for.
#[derive(Clone, Copy, Debug)]
pub struct GridRequest {
    /// An explicit level (then sizes are ignored).
    pub level: Option<u32>,
    /// The deepest level to try; also the fallback when `min_size` cannot be met.
    pub max_level: Option<u32>,
    pub min_size: Option<usize>,
    pub max_size: Option<usize>,
}

/// Upstream's grid choice: an explicit level's covering; otherwise the covering of the
/// first level from 1 down that has at least `min_size` cells, stopping before a level
/// with more than `max_size` (100 when not given). When no level reaches `min_size`,
/// the deepest one tried is the answer if a `max_level` was given, else there is none.
/// The caller has checked that a level or a size is given.
pub fn grid(region: &Region, req: GridRequest) -> Result<Option<Grid>, TooManyCells> {
    if let Some(level) = req.level {
        let cells = covering(region, level, MAX_COVERING_CELLS)?;
        return Ok((!cells.is_empty()).then_some(Grid { level, cells }));
    }
    let deepest = req.max_level.unwrap_or(MAX_LEVEL);
    let min_size = req.min_size.unwrap_or(0);
    let max_size = req.max_size.unwrap_or(DEFAULT_MAX_SIZE);
    let mut best: Option<Grid> = None;
    for level in 1..=deepest {
        let cells = match covering(region, level, max_size.min(MAX_COVERING_CELLS)) {
            Ok(cells) => cells,
            // More than `max_size`: the previous level is the answer.
            Err(_) if max_size <= MAX_COVERING_CELLS => break,
            Err(e) => return Err(e),
        };
        let n = cells.len();
        best = Some(Grid { level, cells });
        if min_size > 0 && n >= min_size {
            break;
        }
    }
    if let Some(g) = &best {
        if g.cells.len() < min_size && req.max_level.is_none() {
            return Ok(None);
        }
    }
    Ok(best.filter(|g| !g.cells.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::super::shapes::{Cap, LatLngRect, LngInterval, Loop};
    use super::super::sphere::{point_from_degrees, DEGREE};
    use super::*;

    /// Upstream's radius of the earth, km.
    const EARTH_KM: f64 = 6371.01;

    fn tokens(cells: &[CellId]) -> Vec<String> {
        cells.iter().map(|c| c.to_token()).collect()
    }

    /// The level-9 cells around Long Island that upstream's getGrid examples list for a
    /// box, a circle and a polygon over the same area (checked against the reference C++
    /// S2 region coverer too).
    const LONG_ISLAND_9: [&str; 8] = [
        "89c264", "89c26c", "89c274", "89c27c", "89c284", "89c28c", "89e82c", "89e9d4",
    ];

    fn long_island_box() -> Region {
        Region::Rect(LatLngRect {
            lat: (40.5880775 * DEGREE, 40.8247008 * DEGREE),
            lng: LngInterval {
                lo: -73.80014 * DEGREE,
                hi: -73.4630336 * DEGREE,
            },
        })
    }

    #[test]
    fn coverings_at_level_9() {
        let circle = Region::Cap(Cap::new(
            point_from_degrees(40.7090214, -73.61846),
            15.0 / EARTH_KM,
        ));
        let polygon = Region::Loop(Loop::new(vec![
            point_from_degrees(40.776527, -73.338811),
            point_from_degrees(40.788093, -73.776396),
            point_from_degrees(40.475939, -73.751854),
            point_from_degrees(40.576506, -73.573634),
        ]));
        for region in [long_island_box(), circle, polygon] {
            let cells = covering(&region, 9, MAX_COVERING_CELLS);
            assert_eq!(
                cells.map(|c| tokens(&c)),
                Ok(LONG_ISLAND_9.map(String::from).to_vec())
            );
        }
    }

    #[test]
    fn grid_by_size() {
        let region = long_island_box();
        let want = Some(9);
        let by = |min_size, max_size, max_level| {
            grid(
                &region,
                GridRequest {
                    level: None,
                    max_level,
                    min_size,
                    max_size,
                },
            )
            .map(|g| g.map(|g| g.level))
        };
        assert_eq!(by(Some(7), None, Some(11)), Ok(want));
        assert_eq!(by(Some(7), Some(10), Some(11)), Ok(want));
        // 1000 cells cannot be had within 100: none, unless a maximum level is the
        // fallback.
        assert_eq!(by(Some(1000), None, None), Ok(None));
        assert_eq!(by(Some(1000), None, Some(9)), Ok(want));
    }

    #[test]
    fn coverings_hold_every_point_of_their_region() {
        // Points on a lattice over each region: those inside must lie in a covering cell,
        // at every level, and every covering cell must meet the region.
        let center = point_from_degrees(40.7, -73.9);
        let regions = [
            Region::Cap(Cap::new(center, 25.0 / EARTH_KM)),
            long_island_box(),
            Region::Loop(Loop::new(vec![
                point_from_degrees(40.5, -74.2),
                point_from_degrees(40.6, -73.6),
                point_from_degrees(40.9, -73.5),
                point_from_degrees(40.95, -74.1),
            ])),
        ];
        for region in &regions {
            for level in [4, 7, 10, 12] {
                let cells = covering(region, level, MAX_COVERING_CELLS);
                assert!(
                    matches!(&cells, Ok(c) if !c.is_empty()),
                    "{region:?} {level} {cells:?}"
                );
                let cells = cells.unwrap_or_default();
                let mut inside = 0;
                for i in 0..60 {
                    for j in 0..60 {
                        let lat = 40.3 + 0.8 * f64::from(i) / 60.0;
                        let lon = -74.4 + 1.2 * f64::from(j) / 60.0;
                        let p = point_from_degrees(lat, lon);
                        if region.contains_point(p) {
                            inside += 1;
                            let cell = CellId::from_point(p).parent(level);
                            assert!(cells.binary_search(&cell).is_ok(), "{lat} {lon} {level}");
                        }
                    }
                }
                assert!(inside > 10, "{region:?}");
                for c in &cells {
                    assert!(region.intersects_cell(&Cell::new(*c)));
                }
            }
        }
    }

    #[test]
    fn too_many_cells_is_an_error() {
        let region = long_island_box();
        let err = covering(&region, 20, 1000);
        assert_eq!(
            err,
            Err(TooManyCells {
                level: 20,
                limit: 1000
            })
        );
    }
}
