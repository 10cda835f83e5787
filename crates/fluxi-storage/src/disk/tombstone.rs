//! Deletes in the disk store: tombstones.
//!
//! A delete is logged (a `Delete` record in the write-ahead log, ordered with the writes)
//! and then applied to the state at once: the buffered rows it matches are dropped, and
//! when data files may hold matching rows, the bucket gets a [`Tombstone`] saying which
//! files it applies to: those that existed when the delete was made (ids below
//! `below`, the store's next file id at that moment). Files written later (a flush of
//! points written after the delete, a compaction's output) are never touched by it, so
//! points written after a delete stay visible whatever their time.
//!
//! Reads apply the tombstones of each file to its rows (the time spans each series of
//! the file loses, [`cuts`]); statistics of a file a tombstone cuts are not answers.
//! A checkpoint stores the tombstones in the manifest (so they outlive the log), and the
//! compaction after each flush, or [`crate::DiskStorage::compact`], rewrites every
//! partition a tombstone still touches without the deleted rows; a tombstone that no
//! file is below any more is dropped ([`live`]). The delete is then permanent in the data
//! files themselves.

use super::manifest::{FileMeta, SeriesMeta};
use crate::delete::DeletePredicate;
use serde::{Deserialize, Serialize};

/// A delete that data files may still hold rows of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Tombstone {
    /// It applies to data files with a smaller id (those that existed when it was made).
    pub below: u64,
    /// The first time deleted (inclusive), nanoseconds.
    pub start: i64,
    /// The last time deleted (inclusive).
    pub stop: i64,
    /// The series it deletes from.
    pub predicate: DeletePredicate,
}

impl Tombstone {
    /// Whether it may remove rows of file `f` (by id, time and measurement).
    fn may_touch(&self, f: &FileMeta) -> bool {
        f.id < self.below
            && self.start <= f.max_time
            && self.stop >= f.min_time
            && self.predicate.may_match_measurement(&f.measurement)
    }

    /// The span of series `s` of file `f` it deletes, if any (clipped to the series' time
    /// range); `f` must be one it may touch.
    fn cut_of(&self, f: &FileMeta, s: &SeriesMeta) -> Option<(i64, i64)> {
        if self.start > s.max_time || self.stop < s.min_time {
            return None;
        }
        let tag = |k: &str| {
            f.tag_keys
                .iter()
                .position(|t| t == k)
                .and_then(|i| s.tags.get(i))
                .and_then(|v| v.as_deref())
        };
        self.predicate
            .matches(&f.measurement, tag)
            .then(|| (self.start.max(s.min_time), self.stop.min(s.max_time)))
    }
}

/// The tombstones that may remove rows of file `f`.
pub(crate) fn of_file<'t>(tombstones: &'t [Tombstone], f: &FileMeta) -> Vec<&'t Tombstone> {
    tombstones.iter().filter(|t| t.may_touch(f)).collect()
}

/// The time spans (inclusive, sorted, disjoint) deleted from series `s` of file `f` by
/// `tombstones` (those of [`of_file`]).
pub(crate) fn cuts(tombstones: &[&Tombstone], f: &FileMeta, s: &SeriesMeta) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = tombstones.iter().filter_map(|t| t.cut_of(f, s)).collect();
    spans.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (a, z) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(z),
            _ => out.push((a, z)),
        }
    }
    out
}

/// Whether file `f` holds a series `tombstones` delete from (so it must be rewritten to
/// make them permanent). A file whose series cannot be read from the manifest is taken
/// to (its rewrite reports the damage).
pub(crate) fn touches(tombstones: &[Tombstone], f: &FileMeta) -> bool {
    let mine = of_file(tombstones, f);
    !mine.is_empty()
        && f.series.get().map_or(true, |series| {
            series
                .iter()
                .any(|s| mine.iter().any(|t| t.cut_of(f, s).is_some()))
        })
}

/// The tombstones that still touch one of `files` (kept, too, where a file's series
/// cannot be read from the manifest).
pub(crate) fn live(tombstones: &[Tombstone], files: &[FileMeta]) -> Vec<Tombstone> {
    tombstones
        .iter()
        .filter(|t| {
            files.iter().any(|f| {
                t.may_touch(f)
                    && f.series.get().map_or(true, |series| {
                        series.iter().any(|s| t.cut_of(f, s).is_some())
                    })
            })
        })
        .cloned()
        .collect()
}

/// The spans of `cut` that meet `[first, last]`.
pub(crate) fn within(cut: &[(i64, i64)], first: i64, last: i64) -> Vec<(i64, i64)> {
    cut.iter()
        .filter(|(a, z)| *a <= last && *z >= first)
        .copied()
        .collect()
}

/// Whether one span of `cut` covers all of `[first, last]`.
pub(crate) fn covers(cut: &[(i64, i64)], first: i64, last: i64) -> bool {
    cut.iter().any(|(a, z)| *a <= first && *z >= last)
}

/// Whether time `t` is in a span of `cut` (sorted and disjoint).
pub(crate) fn is_cut(cut: &[(i64, i64)], t: i64) -> bool {
    let k = cut.partition_point(|(_, z)| *z < t);
    cut.get(k).is_some_and(|(a, _)| *a <= t)
}

#[cfg(test)]
mod tests {
    use super::super::manifest::Series;
    use super::*;

    fn file(id: u64, tags: &[Option<&str>], times: (i64, i64)) -> FileMeta {
        FileMeta {
            id,
            measurement: "cpu".into(),
            partition: (0, 100),
            min_time: times.0,
            max_time: times.1,
            rows: 2,
            bytes: 0,
            checksum: None,
            parts: Vec::new(),
            tag_keys: vec!["host".into()],
            fields: vec!["v".into()],
            series: Series::new(
                tags.iter()
                    .map(|t| SeriesMeta {
                        tags: vec![t.map(str::to_string)],
                        first_row: 0,
                        rows: 1,
                        min_time: times.0,
                        max_time: times.1,
                        fields: vec![None],
                    })
                    .collect(),
            ),
        }
    }

    fn tombstone(below: u64, start: i64, stop: i64, predicate: &str) -> Tombstone {
        Tombstone {
            below,
            start,
            stop,
            predicate: DeletePredicate::parse(predicate).unwrap(),
        }
    }

    #[test]
    fn a_tombstone_applies_to_older_files_of_matching_series_only() {
        let f = file(3, &[Some("a"), Some("b"), None], (10, 50));
        let ts = vec![
            tombstone(4, 20, 30, r#"host="a""#),
            tombstone(4, 25, 40, r#"host="a""#),
            tombstone(3, 0, 100, ""),
            tombstone(9, 60, 70, ""),
        ];
        let mine = of_file(&ts, &f);
        assert_eq!(mine.len(), 2, "file 3 is not below 3; 60..70 misses it");
        let series = f.series.get().unwrap_or_default();
        assert_eq!(cuts(&mine, &f, &series[0]), vec![(20, 40)]);
        assert!(cuts(&mine, &f, &series[1]).is_empty());
        // A series without the tag is matched by neither = nor !=.
        assert!(cuts(&mine, &f, &series[2]).is_empty());
        assert!(touches(&ts, &f));
        assert_eq!(live(&ts, std::slice::from_ref(&f)).len(), 2);
        assert!(live(&ts, &[file(4, &[Some("a")], (10, 50))]).is_empty());
    }

    #[test]
    fn spans_merge_and_clip() {
        let f = file(1, &[Some("a")], (10, 50));
        let ts = [
            tombstone(2, 0, 15, ""),
            tombstone(2, 16, 20, ""),
            tombstone(2, 45, 99, ""),
        ];
        let refs: Vec<&Tombstone> = ts.iter().collect();
        let cut = cuts(&refs, &f, &f.series.get().unwrap_or_default()[0]);
        assert_eq!(cut, vec![(10, 20), (45, 50)]);
        assert!(is_cut(&cut, 10) && is_cut(&cut, 20) && is_cut(&cut, 45));
        assert!(!is_cut(&cut, 21) && !is_cut(&cut, 44) && !is_cut(&cut, 9));
        assert!(covers(&cut, 12, 18) && !covers(&cut, 12, 30));
        assert_eq!(within(&cut, 21, 44), vec![]);
        assert_eq!(within(&cut, 20, 44), vec![(10, 20)]);
    }
}
