//! Time windows: `window` and the bounds arithmetic `aggregateWindow` builds on.
//!
//! Window *k* is `[zero + k·every, zero + k·every + period)` with `zero` the epoch shifted by
//! `offset`; calendar durations (`1mo`, `1y`) step in months. Window bounds are clipped to the
//! table's range bounds (`_start`/`_stop` of its key, set by `range`). `every` of `inf` puts
//! everything in one window, the range bounds.

use crate::error::{ExecError, Result};
use crate::ops::merge_by_key;
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampNanosecondType;
use arrow_array::{Array, ArrayRef, TimestampNanosecondArray, UInt64Array};
use fluxi_value::{ColumnType, Duration, GroupKey, KeyColumn, Table, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The most windows one table may be cut into (`window`, `aggregateWindow` with
/// `createEmpty`); more is a `fluxi::exec::limit` error.
pub const MAX_WINDOWS: usize = 10_000_000;

/// How to cut time into windows.
#[derive(Debug, Clone, Copy)]
pub struct WindowSpec {
    /// Distance between window starts.
    pub every: Duration,
    /// Window length.
    pub period: Duration,
    /// Shift of the window boundaries from the epoch.
    pub offset: Duration,
    /// Emit empty tables for windows without rows.
    pub create_empty: bool,
    /// Where window boundaries are aligned: days and months start at local midnight.
    pub location: fluxi_tz::Location,
}

impl WindowSpec {
    fn is_infinite(&self) -> bool {
        self.every.months == 0 && self.every.nanos == i64::MAX
    }

    /// Check the spec: positive `every` and `period`, no mixing of months and nanoseconds.
    pub fn validate(&self) -> Result<()> {
        for (name, d) in [("every", self.every), ("period", self.period)] {
            if d.negative || d.is_zero() {
                return Err(ExecError::msg(format!(
                    "`{name}` must be positive, got {d}"
                )));
            }
            if d.months != 0 && d.nanos != 0 {
                return Err(ExecError::msg(format!(
                    "`{name}` mixes months and shorter units ({d}); use one or the other"
                )));
            }
        }
        Ok(())
    }

    /// The start of window `k`.
    fn start(&self, k: i64) -> Option<i64> {
        let base = self.offset.add_to(0)?;
        if self.every.months != 0 {
            Duration {
                months: self.every.months.checked_mul(k.abs())?,
                nanos: 0,
                negative: k < 0,
            }
            .add_to(base)
        } else {
            base.checked_add(self.every.nanos.checked_mul(k)?)
        }
    }

    fn stop(&self, k: i64) -> Option<i64> {
        self.period.add_to(self.start(k)?)
    }

    /// The largest `k` whose window starts at or before `t`.
    fn last_starting_by(&self, t: i64) -> Option<i64> {
        let base = self.offset.add_to(0)?;
        let mut k = if self.every.months != 0 {
            let approx_month = 30 * 86_400_000_000_000_i64 + 10 * 3_600_000_000_000;
            (t.checked_sub(base)? / approx_month) / self.every.months
        } else {
            (t.checked_sub(base)?).div_euclid(self.every.nanos)
        };
        while self.start(k)? > t {
            k -= 1;
        }
        while self.start(k + 1)? <= t {
            k += 1;
        }
        Some(k)
    }

    /// The start of the last window starting at or before `t` (what `date.truncate` returns).
    pub fn floor(&self, t: i64) -> Option<i64> {
        let l = self.location;
        let local = self.start(self.last_starting_by(l.to_local(t))?)?;
        Some(l.to_utc(local))
    }

    /// Windows overlapping `[lo, hi)` (UTC), as (start, stop) clipped to it. In a location,
    /// boundaries are computed on its wall clock and mapped back to UTC (DST-correct).
    ///
    /// More than [`MAX_WINDOWS`] windows is an error (`fluxi::exec::limit`), never a cut
    /// list.
    pub fn windows_between(&self, lo: i64, hi: i64) -> Result<Vec<(i64, i64)>> {
        if self.location.is_utc() || self.is_infinite() {
            return self.local_windows_between(lo, hi);
        }
        let l = self.location;
        let mut out: Vec<(i64, i64)> = Vec::new();
        for (s, e) in
            self.local_windows_between(l.to_local(lo), l.to_local(hi).saturating_add(1))?
        {
            let (s, e) = (l.to_utc(s).max(lo), l.to_utc(e).min(hi));
            if s < e && out.last() != Some(&(s, e)) {
                out.push((s, e));
            }
        }
        Ok(out)
    }

    fn local_windows_between(&self, lo: i64, hi: i64) -> Result<Vec<(i64, i64)>> {
        if self.is_infinite() {
            return Ok(vec![(lo, hi)]);
        }
        let mut out = Vec::new();
        let Some(mut k) = self.last_starting_by(lo) else {
            return Ok(out);
        };
        // Step back while earlier windows still reach into the range (period > every).
        while self.stop(k - 1).is_some_and(|s| s > lo) {
            k -= 1;
        }
        while let (Some(s), Some(e)) = (self.start(k), self.stop(k)) {
            if s >= hi {
                break;
            }
            if e > lo {
                out.push((s.max(lo), e.min(hi)));
            }
            k += 1;
            if out.len() > MAX_WINDOWS {
                return Err(ExecError::Limit(format!(
                    "the range {} to {} holds more than {MAX_WINDOWS} windows of every: {}; \
                     use a larger `every` or a shorter range",
                    fluxi_time::format_rfc3339(lo, fluxi_time::Fraction::Trimmed),
                    fluxi_time::format_rfc3339(hi, fluxi_time::Fraction::Trimmed),
                    self.every
                )));
            }
        }
        Ok(out)
    }

    /// Windows containing `t` (UTC), clipped to `[lo, hi)`.
    fn windows_of(&self, t: i64, lo: i64, hi: i64) -> Vec<(i64, i64)> {
        if self.location.is_utc() || self.is_infinite() {
            return self.local_windows_of(t, lo, hi);
        }
        let l = self.location;
        self.local_windows_of(l.to_local(t), i64::MIN, i64::MAX)
            .into_iter()
            .map(|(s, e)| (l.to_utc(s).max(lo), l.to_utc(e).min(hi)))
            .filter(|(s, e)| s < e && *s <= t && t < *e)
            .collect()
    }

    fn local_windows_of(&self, t: i64, lo: i64, hi: i64) -> Vec<(i64, i64)> {
        if self.is_infinite() {
            return vec![(lo, hi)];
        }
        let mut out = Vec::new();
        let Some(mut k) = self.last_starting_by(t) else {
            return out;
        };
        while let (Some(s), Some(e)) = (self.start(k), self.stop(k)) {
            if e <= t {
                break;
            }
            if s <= t {
                out.push((s.max(lo), e.min(hi)));
            }
            k -= 1;
        }
        out.reverse();
        out
    }
}

/// The range bounds of a table. The bounds of the `range` upstream win (upstream's planner
/// passes them down); without them, the table's `_start`/`_stop` key values, then its first
/// row's.
pub fn bounds(
    t: &Table,
    start_col: &str,
    stop_col: &str,
    fallback: Option<(i64, i64)>,
) -> Result<(i64, i64)> {
    if let Some(b) = fallback {
        return Ok(b);
    }
    match (
        t.key().get(start_col).map(|k| &k.value),
        t.key().get(stop_col).map(|k| &k.value),
    ) {
        (Some(Value::Time(s)), Some(Value::Time(e))) => Ok((*s, *e)),
        _ => {
            // Regrouping may take the bounds out of the key; `range` wrote them on every row.
            let col = |label: &str| t.column_index(label).map(|c| t.value(0, c));
            match (col(start_col), col(stop_col)) {
                (Some(Value::Time(s)), Some(Value::Time(e))) => Ok((s, e)),
                _ => fallback.ok_or_else(|| {
                    ExecError::msg("nil bounds passed to window; use range to set the window range")
                }),
            }
        }
    }
}

/// `window`: split every table into one table per window its rows fall in.
pub fn window(
    tables: &[Table],
    spec: &WindowSpec,
    time_col: &str,
    start_col: &str,
    stop_col: &str,
    fallback: Option<(i64, i64)>,
) -> Result<Vec<Table>> {
    spec.validate()?;
    // Windows tile time when every equals period: a row inside the previous row's window
    // is in that window only, which spares the window arithmetic for sorted input.
    let tiles = spec.every == spec.period;
    let mut out: Vec<Table> = Vec::new();
    for t in tables {
        let (lo, hi) = bounds(t, start_col, stop_col, fallback)?;
        let tc = t
            .column_index(time_col)
            .ok_or_else(|| ExecError::msg(format!("missing time column \"{time_col}\"")))?;
        let times = t
            .batch()
            .column(tc)
            .as_primitive_opt::<TimestampNanosecondType>();
        // Rows of each window, windows in order of first appearance.
        let mut windows: Vec<((i64, i64), Vec<u64>)> = Vec::new();
        let mut index: HashMap<(i64, i64), usize> = HashMap::new();
        let mut slot = |w: (i64, i64), windows: &mut Vec<((i64, i64), Vec<u64>)>| {
            *index.entry(w).or_insert_with(|| {
                windows.push((w, Vec::new()));
                windows.len() - 1
            })
        };
        if spec.create_empty {
            for w in spec.windows_between(lo, hi)? {
                slot(w, &mut windows);
            }
        }
        if let Some(times) = times {
            let mut last: Option<((i64, i64), usize)> = None;
            for r in 0..t.num_rows() {
                if times.is_null(r) {
                    continue;
                }
                let time = times.value(r);
                if let Some(((s, e), i)) = last {
                    if tiles && s <= time && time < e {
                        windows[i].1.push(r as u64);
                        continue;
                    }
                }
                let ws = spec.windows_of(time, lo, hi);
                for &(s, e) in &ws {
                    if s >= e {
                        continue;
                    }
                    let i = slot((s, e), &mut windows);
                    windows[i].1.push(r as u64);
                    last = (ws.len() == 1).then_some(((s, e), i));
                }
            }
        }
        let base_key: Vec<KeyColumn> = t
            .key()
            .columns()
            .iter()
            .filter(|k| k.label != start_col && k.label != stop_col)
            .cloned()
            .collect();
        let mut labels: Vec<(String, ColumnType)> = t.columns();
        for label in [start_col, stop_col] {
            match labels.iter_mut().find(|(l, _)| l == label) {
                Some(c) => c.1 = ColumnType::Time,
                None => labels.push((label.to_string(), ColumnType::Time)),
            }
        }
        for ((s, e), rows) in windows {
            let indices = UInt64Array::from(rows);
            let n = indices.len();
            let mut columns = Vec::with_capacity(labels.len());
            for (label, ty) in &labels {
                let array: ArrayRef = if label == start_col || label == stop_col {
                    let v = if label == start_col { s } else { e };
                    Arc::new(TimestampNanosecondArray::from(vec![v; n]))
                } else {
                    let c = t
                        .column_index(label)
                        .ok_or_else(|| ExecError::msg(format!("missing column \"{label}\"")))?;
                    arrow_select::take::take(t.batch().column(c), &indices, None)?
                };
                columns.push((label.clone(), *ty, array));
            }
            let mut key = base_key.clone();
            key.push(KeyColumn {
                label: start_col.to_string(),
                ty: ColumnType::Time,
                value: Value::Time(s),
            });
            key.push(KeyColumn {
                label: stop_col.to_string(),
                ty: ColumnType::Time,
                value: Value::Time(e),
            });
            // Keep the table's column order for the key.
            key.sort_by_key(|c| labels.iter().position(|(l, _)| *l == c.label));
            out.push(Table::from_arrays(GroupKey::new(key), columns, n)?);
        }
    }
    merge_by_key(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000_000;

    fn spec(every: i64, period: i64, offset: i64) -> WindowSpec {
        WindowSpec {
            every: Duration::from_nanos(every * S),
            period: Duration::from_nanos(period * S),
            offset: Duration::from_nanos(offset * S),
            create_empty: false,
            location: fluxi_tz::Location::UTC,
        }
    }

    #[test]
    fn offset_windows_are_clipped_to_the_range() {
        // range [0s, 60s), every 30s, offset 5s: [-25, 5) [5, 35) [35, 65) clipped.
        let w = spec(30, 30, 5).windows_between(0, 60 * S).unwrap();
        assert_eq!(w, vec![(0, 5 * S), (5 * S, 35 * S), (35 * S, 60 * S)]);
    }

    #[test]
    fn more_windows_than_the_limit_is_an_error_not_a_cut_list() {
        // Half a year of 1 s windows: 15.7 million.
        let every_second = spec(1, 1, 0);
        let half_year = 182 * 86_400 * S;
        let err = every_second.windows_between(0, half_year).unwrap_err();
        assert_eq!(err.kind(), crate::error::ExecErrorKind::Limit);
        assert!(err.to_string().contains("10000000 windows"), "{err}");
        // Just under the limit is fine.
        let n = every_second
            .windows_between(0, MAX_WINDOWS as i64 * S)
            .unwrap()
            .len();
        assert_eq!(n, MAX_WINDOWS);
    }

    #[test]
    fn overlapping_and_gapped_windows() {
        let w = spec(10, 20, 0);
        assert_eq!(
            w.windows_of(15 * S, 0, 100 * S),
            vec![(0, 20 * S), (10 * S, 30 * S)]
        );
        let gaps = spec(10, 5, 0);
        assert!(gaps.windows_of(7 * S, 0, 100 * S).is_empty());
    }

    #[test]
    fn calendar_months() {
        let t = |s: &str| {
            fluxi_time::parse_rfc3339(s)
                .ok()
                .and_then(|d| d.unix_nanos())
                .unwrap_or(0)
        };
        let m = WindowSpec {
            every: Duration {
                months: 1,
                nanos: 0,
                negative: false,
            },
            period: Duration {
                months: 1,
                nanos: 0,
                negative: false,
            },
            offset: Duration::default(),
            create_empty: true,
            location: fluxi_tz::Location::UTC,
        };
        let w = m
            .windows_between(t("2021-01-15T00:00:00Z"), t("2021-03-02T00:00:00Z"))
            .unwrap();
        assert_eq!(
            w,
            vec![
                (t("2021-01-15T00:00:00Z"), t("2021-02-01T00:00:00Z")),
                (t("2021-02-01T00:00:00Z"), t("2021-03-01T00:00:00Z")),
                (t("2021-03-01T00:00:00Z"), t("2021-03-02T00:00:00Z")),
            ]
        );
    }
}
