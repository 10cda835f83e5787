//! `experimental/polyline.rdp`: Ramer-Douglas-Peucker simplification of each table's
//! curve of value against time.

use crate::util::{derived, ve};
use fluxi_eval::{Args, ErrorKind, EvalError, Interpreter, Registry};
use fluxi_value::table::{array_value, build_array};
use fluxi_value::{ColumnType, Table, Value};

pub fn register(r: &mut Registry) {
    r.register("experimental/polyline", "rdp", rdp);
}

/// How the points to keep are chosen.
#[derive(Clone, Copy)]
enum Mode {
    /// Split a segment while its farthest point is at least this far from it.
    Epsilon(f64),
    /// Keep this percentage of the points, the most significant first.
    Retention(f64),
    /// Split while the farthest point is beyond the segment's own tolerance (the
    /// largest deviation that digitising the segment's line could cause).
    Auto,
}

/// `rdp(valColumn:, timeColumn:, epsilon:, retention:)`: each table's points (time in
/// nanoseconds as x, the value column as y; rows whose time or value is null are left
/// out) simplified by Ramer-Douglas-Peucker. The output keeps the group key columns and
/// has `_time` and `_value` (a float) for each kept point, in time order.
///
/// With `epsilon` (> 0), a segment is split at its farthest point while that point's
/// perpendicular distance is at least `epsilon`. With `retention` (a percentage strictly
/// between 0 and 100), every point gets a weight (the distance at which the full
/// subdivision splits there; the end points infinity) and the points whose weight is at
/// least the `floor(retention% * points)`-th largest are kept; fewer than one point to
/// keep is an error. With neither, each segment's tolerance is learned from its length
/// and slope. Giving both is an error.
fn rdp(_: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let tables = a.tables()?;
    let val_column = a.string_or("valColumn", "_value")?;
    let time_column = a.string_or("timeColumn", "_time")?;
    let epsilon = a.opt_float("epsilon")?;
    let retention = a.opt_float("retention")?;
    let mode = match (epsilon, retention) {
        (Some(_), Some(_)) => {
            return Err(EvalError::msg(
                "give either `epsilon` or `retention`, not both",
            ))
        }
        (Some(e), None) if e.is_nan() || e <= 0.0 => {
            return Err(EvalError::msg(format!(
                "`epsilon` must be greater than 0.0, got {e}"
            )))
        }
        (Some(e), None) => Mode::Epsilon(e),
        (None, Some(r)) if r.is_nan() || r <= 0.0 || r >= 100.0 => {
            return Err(EvalError::msg(format!(
                "`retention` is a percentage strictly between 0.0 and 100.0, got {r}"
            )))
        }
        (None, Some(r)) => Mode::Retention(r),
        (None, None) => Mode::Auto,
    };
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        out.push(simplify_table(t, &val_column, &time_column, mode)?);
    }
    derived(&tables, out)
}

fn simplify_table(
    t: &Table,
    val_column: &str,
    time_column: &str,
    mode: Mode,
) -> Result<Table, EvalError> {
    let columns = t.columns();
    let find = |label: &str| {
        columns.iter().position(|(l, _)| l == label).ok_or_else(|| {
            EvalError::msg(format!(
                "no column {label:?} (columns: {})",
                columns
                    .iter()
                    .map(|(l, _)| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    };
    let ti = find(time_column)?;
    let vi = find(val_column)?;
    if columns[ti].1 != ColumnType::Time {
        return Err(EvalError::new(
            ErrorKind::Type,
            format!(
                "the time column {time_column:?} holds {}, not times",
                columns[ti].1.name()
            ),
        ));
    }
    if !matches!(
        columns[vi].1,
        ColumnType::Int | ColumnType::UInt | ColumnType::Float
    ) {
        return Err(EvalError::new(
            ErrorKind::Type,
            format!(
                "rdp works on numbers; the value column {val_column:?} holds {}",
                columns[vi].1.name()
            ),
        ));
    }
    for label in ["_time", "_value"] {
        if t.key().contains(label) {
            return Err(EvalError::msg(format!(
                "{label:?} is in the group key; rdp writes its own `_time` and `_value` columns"
            )));
        }
    }
    let times = t.batch().column(ti);
    let vals = t.batch().column(vi);
    let mut points: Vec<(i64, f64)> = Vec::with_capacity(t.num_rows());
    for row in 0..t.num_rows() {
        let y = match array_value(vals, row) {
            Value::Float(f) => f,
            Value::Int(i) => i as f64,
            Value::UInt(u) => u as f64,
            _ => continue,
        };
        if let Value::Time(x) = array_value(times, row) {
            points.push((x, y));
        }
    }
    let keep = simplify(&points, mode)?;
    let kept: Vec<&(i64, f64)> = points
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(p, _)| p)
        .collect();
    let n = kept.len();
    let mut out_columns = Vec::with_capacity(t.key().columns().len() + 2);
    for k in t.key().columns() {
        out_columns.push((
            k.label.clone(),
            k.ty,
            build_array(&k.label, k.ty, std::iter::repeat_n(&k.value, n)).map_err(ve)?,
        ));
    }
    let time_values: Vec<Value> = kept.iter().map(|(x, _)| Value::Time(*x)).collect();
    let value_values: Vec<Value> = kept.iter().map(|(_, y)| Value::Float(*y)).collect();
    out_columns.push((
        "_time".to_string(),
        ColumnType::Time,
        build_array("_time", ColumnType::Time, time_values.iter()).map_err(ve)?,
    ));
    out_columns.push((
        "_value".to_string(),
        ColumnType::Float,
        build_array("_value", ColumnType::Float, value_values.iter()).map_err(ve)?,
    ));
    Table::from_arrays(t.key().clone(), out_columns, n).map_err(ve)
}

/// The perpendicular distance of `p` from the line through `s` and `e`, by the line's
/// equation `a x + b y + c = 0`.
fn distance(s: (f64, f64), e: (f64, f64), p: (f64, f64)) -> f64 {
    let a = s.1 - e.1;
    let b = e.0 - s.0;
    let c = s.0 * e.1 - e.0 * s.1;
    (a * p.0 + b * p.1 + c).abs() / (a * a + b * b).sqrt()
}

/// The interior point of `pts[lo..=hi]` farthest from the line through its ends (the
/// first of equals), and its distance; `None` when there is no interior point or every
/// distance is zero or not a number.
fn farthest(pts: &[(f64, f64)], lo: usize, hi: usize) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    for (i, p) in pts.iter().enumerate().take(hi).skip(lo + 1) {
        let d = distance(pts[lo], pts[hi], *p);
        if d > best.map_or(0.0, |(_, b)| b) {
            best = Some((i, d));
        }
    }
    best
}

/// The tolerance learned for the segment from `s` to `e`: its length times the largest
/// angular deviation that digitising its line could cause.
fn learned_tolerance(s: (f64, f64), e: (f64, f64)) -> f64 {
    let (dx, dy) = (e.0 - s.0, e.1 - s.1);
    let length = (dx * dx + dy * dy).sqrt();
    let slope = if dx != 0.0 { dy / dx } else { 0.0 };
    let phi = slope.atan();
    let (sin, cos) = phi.sin_cos();
    let t_max = (sin.abs() + cos.abs()) / length;
    let spread = 1.0 - t_max + t_max * t_max;
    let dev_sum = ((sin + cos).abs() / length * spread).atan();
    let dev_diff = ((sin - cos).abs() / length * spread).atan();
    length * dev_sum.max(dev_diff)
}

/// Which points to keep. Segments are handled from an explicit stack (no recursion), so
/// long curves cannot exhaust the call stack.
fn simplify(points: &[(i64, f64)], mode: Mode) -> Result<Vec<bool>, EvalError> {
    let n = points.len();
    let pts: Vec<(f64, f64)> = points.iter().map(|(x, y)| (*x as f64, *y)).collect();
    if n <= 2 {
        if let Mode::Retention(r) = mode {
            retained_count(r, n)?;
        }
        return Ok(vec![true; n]);
    }
    match mode {
        Mode::Epsilon(_) | Mode::Auto => {
            let mut keep = vec![false; n];
            keep[0] = true;
            keep[n - 1] = true;
            let mut stack = vec![(0usize, n - 1)];
            while let Some((lo, hi)) = stack.pop() {
                let Some((i, d)) = farthest(&pts, lo, hi) else {
                    continue;
                };
                let threshold = match mode {
                    Mode::Epsilon(e) => e,
                    _ => learned_tolerance(pts[lo], pts[hi]),
                };
                if d >= threshold {
                    keep[i] = true;
                    stack.push((lo, i));
                    stack.push((i, hi));
                }
            }
            Ok(keep)
        }
        Mode::Retention(r) => {
            let count = retained_count(r, n)?;
            let mut weight = vec![0.0f64; n];
            let mut stack = vec![(0usize, n - 1)];
            while let Some((lo, hi)) = stack.pop() {
                if let Some((i, d)) = farthest(&pts, lo, hi) {
                    weight[i] = d;
                    stack.push((lo, i));
                    stack.push((i, hi));
                }
            }
            weight[0] = f64::INFINITY;
            weight[n - 1] = f64::INFINITY;
            let mut sorted = weight.clone();
            sorted.sort_by(|a, b| b.total_cmp(a));
            let cut = sorted[count - 1];
            Ok(weight.iter().map(|w| *w >= cut).collect())
        }
    }
}

/// `floor(retention% * n)` points, at least one (none for an empty table).
fn retained_count(retention: f64, n: usize) -> Result<usize, EvalError> {
    if n == 0 {
        return Ok(0);
    }
    let count = (retention / 100.0 * n as f64).floor();
    if count < 1.0 {
        return Err(EvalError::msg(format!(
            "retaining {retention}% of {n} points leaves fewer than one; raise `retention`"
        )));
    }
    Ok((count as usize).min(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(ys: &[f64]) -> Vec<(i64, f64)> {
        ys.iter().enumerate().map(|(i, y)| (i as i64, *y)).collect()
    }

    #[test]
    fn distance_is_perpendicular() {
        // The line y = 0 from (0, 0) to (10, 0): (5, 3) is 3 away.
        assert_eq!(distance((0.0, 0.0), (10.0, 0.0), (5.0, 3.0)), 3.0);
        // The line y = x: (0, 2) is sqrt(2) away.
        let d = distance((0.0, 0.0), (4.0, 4.0), (0.0, 2.0));
        assert!((d - 2f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn epsilon_keeps_points_at_least_epsilon_off_the_line() {
        // A spike of 5 in a flat line: kept with epsilon 5, dropped with 5.1.
        let p = pts(&[0.0, 0.0, 5.0, 0.0, 0.0]);
        assert_eq!(
            simplify(&p, Mode::Epsilon(5.0)).ok(),
            Some(vec![true, false, true, false, true])
        );
        assert_eq!(
            simplify(&p, Mode::Epsilon(5.1)).ok(),
            Some(vec![true, false, false, false, true])
        );
    }

    #[test]
    fn retention_keeps_the_heaviest_points() {
        // Weights: the ends infinite; 9 at index 2 (the first split, off y = 0); then
        // 6/sqrt(10) at 3 (off the line (2, 9)-(5, 0)), 1 at 4 (off (3, 0)-(5, 0)) and
        // 4.5/sqrt(21.25) at 1 (off (0, 0)-(2, 9)). 50% of 6 points is 3: the ends and 2.
        let p = pts(&[0.0, 0.0, 9.0, 0.0, 1.0, 0.0]);
        let keep = simplify(&p, Mode::Retention(50.0)).ok();
        assert_eq!(keep, Some(vec![true, false, true, false, false, true]));
        assert!(simplify(&p, Mode::Retention(10.0)).is_err());
    }

    #[test]
    fn every_corner_of_a_zigzag_is_kept() {
        let p: Vec<(i64, f64)> = (0..2_000)
            .map(|i| (i, if i % 2 == 0 { 0.0 } else { 1.0 }))
            .collect();
        let keep = simplify(&p, Mode::Epsilon(0.1)).ok();
        assert_eq!(keep.map(|k| k.iter().filter(|x| **x).count()), Some(2_000));
        // A straight line keeps only its ends.
        let line: Vec<(i64, f64)> = (0..2_000).map(|i| (i, i as f64 * 0.5)).collect();
        let keep = simplify(&line, Mode::Auto).ok();
        assert_eq!(keep.map(|k| k.iter().filter(|x| **x).count()), Some(2));
    }
}
