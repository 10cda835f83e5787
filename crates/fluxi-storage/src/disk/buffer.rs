//! The write buffer of a bucket: what was written since the last flush, per measurement
//! and series, wide (see [`SeriesRows`]). It holds exactly what the write-ahead log holds
//! (replaying the log rebuilds it).

use super::rows::{FieldType, PointView, SeriesRows};
use crate::delete::DeletePredicate;
use crate::storage::{Result, StorageError};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for keys that are hashes already.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// A fast hash of bytes (multiply-rotate, 8 bytes at a time).
fn mix(mut h: u64, bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w.get_mut(..rest.len())
        .unwrap_or_default()
        .copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w) ^ (rest.len() as u64)).wrapping_mul(K);
    h
}

/// The hash of a point's tag set.
fn tags_hash<P: PointView>(p: &P) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15;
    for i in 0..p.tag_count() {
        if let Some((k, v)) = p.tag(i) {
            h = mix(h, k.as_bytes());
            h = mix(h ^ 0xff, v.as_bytes());
        }
    }
    h
}

/// One series in the buffer.
#[derive(Debug, Clone)]
pub(crate) struct SeriesBuf {
    /// The tags, sorted by key.
    pub tags: Vec<(String, String)>,
    pub rows: SeriesRows,
}

/// The series of one measurement.
#[derive(Debug, Default, Clone)]
pub(crate) struct MeasurementBuf {
    index: IdMap<Vec<u32>>,
    pub series: Vec<SeriesBuf>,
}

impl MeasurementBuf {
    fn series_of<P: PointView>(&mut self, p: &P) -> usize {
        let h = tags_hash(p);
        let same = |s: &SeriesBuf| {
            s.tags.len() == p.tag_count()
                && s.tags.iter().enumerate().all(|(i, (k, v))| {
                    p.tag(i)
                        .is_some_and(|(pk, pv)| pk == k.as_str() && pv == v.as_str())
                })
        };
        if let Some(ids) = self.index.get(&h) {
            for &id in ids {
                if self.series.get(id as usize).is_some_and(same) {
                    return id as usize;
                }
            }
        }
        let id = self.series.len();
        self.series.push(SeriesBuf {
            tags: (0..p.tag_count())
                .filter_map(|i| p.tag(i))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            rows: SeriesRows::new(),
        });
        self.index.entry(h).or_default().push(id as u32);
        id
    }

    /// Appends a point of this measurement (its fields typed as `types` says, else as
    /// their values are); whether it was.
    fn append<P: PointView>(&mut self, p: &P, types: Option<&BTreeMap<String, FieldType>>) -> bool {
        let id = self.series_of(p);
        let Some(series) = self.series.get_mut(id) else {
            return false;
        };
        let row = series.rows.push_time(p.time());
        for i in 0..p.field_count() {
            let Some((name, value)) = p.field(i) else {
                continue;
            };
            let ty = types
                .and_then(|f| f.get(name))
                .copied()
                .unwrap_or(value.field_type());
            series.rows.column_mut(name, ty).set(row, value);
        }
        true
    }

    /// Rebuilds the series index (after series were removed).
    fn reindex(&mut self) {
        self.index.clear();
        for (id, s) in self.series.iter().enumerate() {
            let mut h = 0x9e37_79b9_7f4a_7c15;
            for (k, v) in &s.tags {
                h = mix(h, k.as_bytes());
                h = mix(h ^ 0xff, v.as_bytes());
            }
            self.index.entry(h).or_default().push(id as u32);
        }
    }
}

/// The buffer of a bucket.
#[derive(Debug, Default, Clone)]
pub(crate) struct Buffer {
    pub measurements: BTreeMap<String, MeasurementBuf>,
    /// Rows appended (before merging duplicates).
    pub rows: usize,
}

impl Buffer {
    /// Appends points whose field types were checked ([`check_types`]).
    pub(crate) fn apply<P: PointView>(
        &mut self,
        points: impl Iterator<Item = P>,
        types: &BTreeMap<String, BTreeMap<String, FieldType>>,
    ) {
        let mut points = points.peekable();
        // Points come in runs of one measurement (a writer sends a measurement's series
        // together): its buffer and field types are looked up once per run.
        while let Some(first) = points.next() {
            let m = first.measurement();
            let mb = match self.measurements.get_mut(m) {
                Some(mb) => mb,
                None => self.measurements.entry(m.to_string()).or_default(),
            };
            let field_types = types.get(m);
            let mut appended = usize::from(mb.append(&first, field_types));
            while let Some(p) = points.next_if(|p| p.measurement() == m) {
                appended += usize::from(mb.append(&p, field_types));
            }
            self.rows += appended;
        }
    }

    /// Drops the rows before `t`; returns whether any was dropped.
    pub(crate) fn retain_from(&mut self, t: i64) -> bool {
        self.drop_rows(|_, _| true, |x| x < t)
    }

    /// Drops the rows with `start <= time <= stop` of the series `predicate` matches;
    /// returns whether any was dropped.
    pub(crate) fn delete(&mut self, start: i64, stop: i64, predicate: &DeletePredicate) -> bool {
        self.drop_rows(
            |m, s| {
                predicate.matches(m, |k| {
                    s.tags.iter().find(|(t, _)| t == k).map(|(_, v)| v.as_str())
                })
            },
            |t| start <= t && t <= stop,
        )
    }

    /// Drops the rows at the times `gone` says of the series `chosen` says (given the
    /// measurement); series left without rows go. Returns whether any row was dropped.
    fn drop_rows(
        &mut self,
        chosen: impl Fn(&str, &SeriesBuf) -> bool,
        gone: impl Fn(i64) -> bool,
    ) -> bool {
        let mut dropped = false;
        let mut rows = 0;
        for (m, mb) in self.measurements.iter_mut() {
            let before = mb.series.len();
            for s in &mut mb.series {
                let n = s.rows.len();
                if chosen(m, s) {
                    s.rows.retain(|t| !gone(t));
                }
                dropped |= s.rows.len() != n;
                rows += s.rows.len();
            }
            mb.series.retain(|s| s.rows.len() > 0);
            if mb.series.len() != before {
                mb.reindex();
            }
        }
        self.measurements.retain(|_, mb| !mb.series.is_empty());
        self.rows = rows;
        dropped
    }
}

/// Checks the field types of a batch against the stored ones and each other, value by
/// value as written (before duplicates merge). Returns the new (measurement, field, type)
/// the batch brings, or the first conflict.
pub(crate) fn check_types<P: PointView>(
    types: &BTreeMap<String, BTreeMap<String, FieldType>>,
    points: impl Iterator<Item = P>,
) -> Result<Vec<(String, String, FieldType)>> {
    let mut new: HashMap<String, HashMap<String, FieldType>> = HashMap::new();
    for p in points {
        let m = p.measurement();
        let stored = types.get(m);
        for i in 0..p.field_count() {
            let Some((name, value)) = p.field(i) else {
                continue;
            };
            let found = value.field_type();
            let existing = stored
                .and_then(|f| f.get(name))
                .or_else(|| new.get(m).and_then(|f| f.get(name)))
                .copied();
            match existing {
                Some(t) if t != found => {
                    return Err(StorageError::FieldTypeConflict {
                        measurement: m.to_string(),
                        field: name.to_string(),
                        existing: t.name(),
                        found: found.name(),
                    })
                }
                Some(_) => {}
                None => {
                    new.entry(m.to_string())
                        .or_default()
                        .insert(name.to_string(), found);
                }
            }
        }
    }
    let mut out: Vec<(String, String, FieldType)> = new
        .into_iter()
        .flat_map(|(m, fields)| fields.into_iter().map(move |(f, t)| (m.clone(), f, t)))
        .collect();
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Ok(out)
}
