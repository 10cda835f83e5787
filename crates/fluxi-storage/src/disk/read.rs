//! Reads and aggregates: which series and fields a spec selects (from the manifest and
//! the buffer), which rows of which files to decode, and the merge of files and buffer
//! (per time, the newer value wins).

use super::buffer::SeriesBuf;
use super::manifest::FieldStats;
use super::parquet_read::{read_series, SeriesRead};
use super::parquet_write::{field_column, TIME_COLUMN};
use super::rows::{FieldType, SeriesRows};
use super::tombstone;
use super::{BucketState, DiskStorage};
use crate::storage::{Applied, Predicate, ReadResult, ReadSpec, Result, StorageError};
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampNanosecondType;
use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, TimestampNanosecondArray};
use arrow_buffer::ScalarBuffer;
use fluxi_value::{ColumnType, GroupKey, Table};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A series' field in a file.
#[derive(Debug, Clone)]
pub(super) struct FileSource<'s> {
    /// Index in the bucket's files.
    pub(super) file: usize,
    /// Index in the file's series.
    pub(super) series: usize,
    /// The file's id: a newer file wins at equal times.
    pub(super) priority: u64,
    /// What the manifest says of the values; with a `cut`, of the values before the
    /// deletes (its times bound the values left, its count and points are no answer).
    pub(super) stats: &'s FieldStats,
    /// The time spans deletes removed from these values (inclusive, sorted, disjoint,
    /// each meeting the values' time range); usually none.
    pub(super) cut: Vec<(i64, i64)>,
}

/// A series and field the read returns, and where its values are.
#[derive(Debug)]
pub(super) struct Wanted<'s> {
    pub(super) measurement: &'s str,
    pub(super) tags: Vec<(&'s str, &'s str)>,
    pub(super) field: &'s str,
    pub(super) ty: FieldType,
    pub(super) files: Vec<FileSource<'s>>,
    /// (measurement, index of the series in the buffer).
    pub(super) buffer: Option<(&'s str, usize)>,
}

/// Values of one series and field from one source: times sorted and unique, no nulls,
/// all in the range.
#[derive(Debug, Clone)]
pub(super) struct Piece {
    /// Which source wins at equal times: the larger.
    pub(super) priority: u64,
    pub(super) times: ScalarBuffer<i64>,
    pub(super) values: ArrayRef,
}

type Key<'s> = (&'s str, Vec<(&'s str, &'s str)>, &'s str);

/// The series and fields of a bucket that `spec` selects.
pub(super) fn plan<'s>(b: &'s BucketState, spec: &ReadSpec) -> Result<Vec<Wanted<'s>>> {
    let (start, stop) = (spec.start, spec.stop);
    let mut wanted: BTreeMap<Key<'s>, Wanted<'s>> = BTreeMap::new();
    if start >= stop {
        return Ok(Vec::new());
    }
    let holds = |m: &str, f: &str, tags: &[(&str, &str)]| {
        let value_of = |c: &str| -> Option<String> {
            match c {
                "_measurement" => Some(m.to_string()),
                "_field" => Some(f.to_string()),
                tag => tags
                    .iter()
                    .find(|(k, _)| *k == tag)
                    .map(|(_, v)| v.to_string()),
            }
        };
        spec.predicates.iter().all(|p| p.holds(&value_of))
    };
    let type_of = |m: &str, f: &str| {
        b.field_types
            .get(m)
            .and_then(|t| t.get(f))
            .copied()
            .unwrap_or(FieldType::Float)
    };
    for (fi, f) in b.files.iter().enumerate() {
        if f.max_time < start || f.min_time >= stop {
            continue;
        }
        if !measurement_may_match(&spec.predicates, &f.measurement) {
            continue;
        }
        let deletes = tombstone::of_file(&b.tombstones, f);
        for (si, s) in f.series.get()?.iter().enumerate() {
            if s.max_time < start || s.min_time >= stop {
                continue;
            }
            let series_cut = if deletes.is_empty() {
                Vec::new()
            } else {
                tombstone::cuts(&deletes, f, s)
            };
            let tags: Vec<(&str, &str)> = f
                .tag_keys
                .iter()
                .zip(&s.tags)
                .filter_map(|(k, v)| v.as_deref().map(|v| (k.as_str(), v)))
                .collect();
            for (field, stats) in f.fields.iter().zip(&s.fields) {
                let Some(stats) = stats else {
                    continue;
                };
                if stats.last_time() < start || stats.first_time() >= stop {
                    continue;
                }
                if tombstone::covers(&series_cut, stats.first_time(), stats.last_time()) {
                    // Deleted whole.
                    continue;
                }
                if !holds(&f.measurement, field, &tags) {
                    continue;
                }
                let cut = tombstone::within(&series_cut, stats.first_time(), stats.last_time());
                let key = (f.measurement.as_str(), tags.clone(), field.as_str());
                wanted
                    .entry(key)
                    .or_insert_with(|| Wanted {
                        measurement: &f.measurement,
                        tags: tags.clone(),
                        field,
                        ty: type_of(&f.measurement, field),
                        files: Vec::new(),
                        buffer: None,
                    })
                    .files
                    .push(FileSource {
                        file: fi,
                        series: si,
                        priority: f.id,
                        stats,
                        cut,
                    });
            }
        }
    }
    for (m, mb) in &b.buffer.measurements {
        if !measurement_may_match(&spec.predicates, m) {
            continue;
        }
        for (bi, s) in mb.series.iter().enumerate() {
            let tags: Vec<(&str, &str)> = s
                .tags
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            for (field, _) in &s.rows.fields {
                if !holds(m, field, &tags) {
                    continue;
                }
                let key = (m.as_str(), tags.clone(), field.as_str());
                wanted
                    .entry(key)
                    .or_insert_with(|| Wanted {
                        measurement: m,
                        tags: tags.clone(),
                        field,
                        ty: type_of(m, field),
                        files: Vec::new(),
                        buffer: None,
                    })
                    .buffer = Some((m, bi));
            }
        }
    }
    Ok(wanted.into_values().collect())
}

/// Checks every file a read needs against the manifest (size and checksum, once per open
/// store) before any of its rows or statistics are used: a damaged file is an error
/// naming it, never data.
pub(super) fn verify_files(
    store: &DiskStorage,
    b: &BucketState,
    wanted: &[Wanted<'_>],
) -> Result<()> {
    let mut files: Vec<usize> = wanted
        .iter()
        .flat_map(|w| w.files.iter().map(|f| f.file))
        .collect();
    files.sort_unstable();
    files.dedup();
    for fi in files {
        if let Some(f) = b.files.get(fi) {
            store.files.verify(&store.dir, f)?;
        }
    }
    Ok(())
}

/// Whether a predicate can hold for some series of measurement `m` (a quick test to skip
/// whole files: `_measurement == x` conjuncts).
fn measurement_may_match(predicates: &[Predicate], m: &str) -> bool {
    predicates.iter().all(|p| match p {
        Predicate::Eq(c, v) if c == "_measurement" => v == m,
        Predicate::And(ps) => measurement_may_match(ps, m),
        _ => true,
    })
}

/// The decoded rows of the files a read needs: per file, what was read and where each
/// series starts in it.
pub(super) struct Decoded {
    pub(super) files: HashMap<usize, (SeriesRead, HashMap<usize, usize>)>,
}

/// Decodes, for each file, the series and fields the wanted entries need from it, on
/// several threads when there is much to read.
pub(super) fn decode(
    store: &DiskStorage,
    b: &BucketState,
    wanted: &[&Wanted<'_>],
) -> Result<Decoded> {
    // file -> (series, fields)
    let mut requests: BTreeMap<usize, (Vec<usize>, Vec<&str>)> = BTreeMap::new();
    for w in wanted {
        for src in &w.files {
            let r = requests.entry(src.file).or_default();
            if !r.0.contains(&src.series) {
                r.0.push(src.series);
            }
            if !r.1.contains(&w.field) {
                r.1.push(w.field);
            }
        }
    }
    let requests: Vec<(usize, Vec<usize>, Vec<&str>)> =
        requests.into_iter().map(|(f, (s, x))| (f, s, x)).collect();
    let rows = |r: &(usize, Vec<usize>, Vec<&str>)| -> u64 {
        let series = b.files.get(r.0).and_then(|f| f.series.get().ok());
        series.map_or(0, |series| {
            r.1.iter()
                .filter_map(|&s| series.get(s))
                .map(|s| s.rows * (r.2.len() as u64 + 1))
                .sum()
        })
    };
    let one = |r: &(usize, Vec<usize>, Vec<&str>)| -> Result<(usize, SeriesRead, Vec<usize>)> {
        let f = b
            .files
            .get(r.0)
            .ok_or_else(|| StorageError::Backend("read: a file vanished".into()))?;
        let read = read_series(&store.dir, &store.files, f, &r.1, &r.2)?;
        Ok((r.0, read, r.1.clone()))
    };
    let total: u64 = requests.iter().map(rows).sum();
    let threads = store.options.read_threads.clamp(1, 16).min(requests.len());
    let results: Vec<Result<(usize, SeriesRead, Vec<usize>)>> = if threads <= 1 || total < 200_000 {
        requests.iter().map(one).collect()
    } else {
        // Largest first, dealt round-robin.
        let mut order: Vec<usize> = (0..requests.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(requests.get(i).map_or(0, rows)));
        let mut lanes: Vec<Vec<usize>> = vec![Vec::new(); threads];
        for (k, i) in order.into_iter().enumerate() {
            if let Some(lane) = lanes.get_mut(k % threads) {
                lane.push(i);
            }
        }
        let requests = &requests;
        let one = &one;
        std::thread::scope(|scope| {
            let handles: Vec<_> = lanes
                .into_iter()
                .map(|lane| {
                    scope.spawn(move || {
                        lane.into_iter()
                            .filter_map(|i| requests.get(i))
                            .map(one)
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join().unwrap_or_else(|_| {
                        vec![Err(StorageError::Backend(
                            "read: a decoding thread panicked".into(),
                        ))]
                    })
                })
                .collect()
        })
    };
    let mut files = HashMap::new();
    for r in results {
        let (fi, read, series) = r?;
        let positions = series
            .into_iter()
            .enumerate()
            .map(|(k, s)| (s, k))
            .collect();
        files.insert(fi, (read, positions));
    }
    Ok(Decoded { files })
}

/// Keeps the rows with a value.
pub(super) fn drop_nulls(times: ScalarBuffer<i64>, values: ArrayRef) -> Result<Piece> {
    let piece = |times, values| Piece {
        priority: 0,
        times,
        values,
    };
    let Some(nulls) = values.logical_nulls().filter(|n| n.null_count() > 0) else {
        return Ok(piece(times, values));
    };
    let mask = BooleanArray::new(nulls.inner().clone(), None);
    let err = |e: arrow_schema::ArrowError| StorageError::Backend(format!("read: {e}"));
    let t = arrow_select::filter::filter(&TimestampNanosecondArray::new(times, None), &mask)
        .map_err(err)?;
    let v = arrow_select::filter::filter(values.as_ref(), &mask).map_err(err)?;
    let t = t
        .as_primitive_opt::<TimestampNanosecondType>()
        .map(|a| a.values().clone())
        .ok_or_else(|| StorageError::Backend("read: filtered times".into()))?;
    Ok(piece(t, v))
}

/// The rows `[lo, hi)` of sorted times that fall in `[start, stop)`.
pub(super) fn in_range(times: &[i64], start: i64, stop: i64) -> (usize, usize) {
    (
        times.partition_point(|&t| t < start),
        times.partition_point(|&t| t < stop),
    )
}

/// The values of a wanted series and field from its sources, merged: sorted by time, one
/// per time, in pieces that do not overlap.
pub(super) fn pieces<'b>(
    w: &Wanted<'_>,
    b: &'b BucketState,
    decoded: &Decoded,
    normalized: &mut Normalized<'b>,
    spec: &ReadSpec,
) -> Result<Vec<Piece>> {
    let mut out = Vec::with_capacity(w.files.len() + 1);
    let column = field_column(w.field);
    for src in &w.files {
        let file = b
            .files
            .get(src.file)
            .ok_or_else(|| StorageError::Backend("read: a file vanished".into()))?;
        let series = file
            .series
            .get()?
            .get(src.series)
            .ok_or_else(|| StorageError::Backend("read: a series vanished".into()))?;
        let (read, positions) = decoded
            .files
            .get(&src.file)
            .ok_or_else(|| StorageError::Backend("read: a file was not decoded".into()))?;
        let offset = positions
            .get(&src.series)
            .and_then(|&k| read.offsets.get(k))
            .copied()
            .ok_or_else(|| StorageError::Backend("read: a series was not decoded".into()))?;
        let n = series.rows as usize;
        let segments = read.segments(offset, n);
        if segments.iter().map(|s| s.2).sum::<usize>() != n {
            return Err(mismatch(file.id));
        }
        for (k, local, len) in segments {
            let batch = read.batches.get(k).ok_or_else(|| mismatch(file.id))?;
            let piece = batch_piece(batch, local, len, &column, spec, file.id, &src.cut)?;
            out.extend(piece);
        }
    }
    out.extend(buffer_piece(w, b, normalized, spec)?);
    merge(out)
}

/// The buffered series already normalized in a read, by measurement and index.
pub(super) type Normalized<'b> = HashMap<(String, usize), Cow<'b, SeriesRows>>;

fn mismatch(id: u64) -> StorageError {
    StorageError::Backend(format!("read: data file {id} does not match the manifest"))
}

/// The values of a field in rows `[local, local + len)` of a decoded batch of file `id`,
/// in the range and outside the spans `cut` (deleted), none if no row is.
pub(super) fn batch_piece(
    batch: &RecordBatch,
    local: usize,
    len: usize,
    column: &str,
    spec: &ReadSpec,
    id: u64,
    cut: &[(i64, i64)],
) -> Result<Option<Piece>> {
    let times = batch
        .column_by_name(TIME_COLUMN)
        .and_then(|c| c.as_primitive_opt::<TimestampNanosecondType>())
        .ok_or_else(|| mismatch(id))?;
    if local + len > times.len() {
        return Err(mismatch(id));
    }
    let times = times.values().slice(local, len);
    let (lo, hi) = in_range(&times, spec.start, spec.stop);
    if lo >= hi {
        return Ok(None);
    }
    let values = batch.column_by_name(column).ok_or_else(|| mismatch(id))?;
    let mut p = drop_nulls(times.slice(lo, hi - lo), values.slice(local + lo, hi - lo))?;
    if !cut.is_empty() {
        p = drop_cut(p, cut)?;
    }
    p.priority = id;
    Ok((!p.times.is_empty()).then_some(p))
}

/// Keeps the rows of a piece whose time is outside the spans `cut`.
fn drop_cut(p: Piece, cut: &[(i64, i64)]) -> Result<Piece> {
    let keep: Vec<bool> = p
        .times
        .iter()
        .map(|&t| !tombstone::is_cut(cut, t))
        .collect();
    if keep.iter().all(|&k| k) {
        return Ok(p);
    }
    let mask = BooleanArray::from(keep);
    let err = |e: arrow_schema::ArrowError| StorageError::Backend(format!("read: {e}"));
    let times = arrow_select::filter::filter(&TimestampNanosecondArray::new(p.times, None), &mask)
        .map_err(err)?;
    let values = arrow_select::filter::filter(p.values.as_ref(), &mask).map_err(err)?;
    let times = times
        .as_primitive_opt::<TimestampNanosecondType>()
        .map(|a| a.values().clone())
        .ok_or_else(|| StorageError::Backend("read: filtered times".into()))?;
    Ok(Piece {
        priority: p.priority,
        times,
        values,
    })
}

/// The values of a wanted series and field in the buffer, in the range.
pub(super) fn buffer_piece<'b>(
    w: &Wanted<'_>,
    b: &'b BucketState,
    normalized: &mut Normalized<'b>,
    spec: &ReadSpec,
) -> Result<Option<Piece>> {
    let Some((m, bi)) = w.buffer else {
        return Ok(None);
    };
    let key = (m.to_string(), bi);
    if !normalized.contains_key(&key) {
        let series: Option<&SeriesBuf> = b
            .buffer
            .measurements
            .get(m)
            .and_then(|mb| mb.series.get(bi));
        let rows = series
            .map(|s| s.rows.normalized())
            .ok_or_else(|| StorageError::Backend("read: a buffered series vanished".into()))?;
        normalized.insert(key.clone(), rows);
    }
    let Some(rows) = normalized.get(&key) else {
        return Ok(None);
    };
    let Some(col) = rows.column(w.field) else {
        return Ok(None);
    };
    let (lo, hi) = in_range(&rows.times, spec.start, spec.stop);
    if lo >= hi {
        return Ok(None);
    }
    let times = ScalarBuffer::from(rows.times.get(lo..hi).unwrap_or_default().to_vec());
    let mut p = drop_nulls(times, col.to_arrow(lo..hi))?;
    p.priority = u64::MAX;
    Ok((!p.times.is_empty()).then_some(p))
}

/// Whether spans `[first, last]` of time are disjoint (sorts them).
pub(super) fn merge_sorted_check(spans: &mut [(i64, i64)]) -> bool {
    spans.sort_unstable();
    spans.windows(2).all(|w| w[0].1 < w[1].0)
}

/// Orders pieces by time; where they overlap, merges them (the higher priority wins at
/// equal times).
pub(super) fn merge(mut pieces: Vec<Piece>) -> Result<Vec<Piece>> {
    pieces.sort_by_key(|p| p.times.first().copied().unwrap_or(i64::MAX));
    let disjoint = pieces
        .windows(2)
        .all(|w| match (w[0].times.last(), w[1].times.first()) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        });
    if disjoint {
        return Ok(pieces);
    }
    let mut entries: Vec<(i64, u64, usize, usize)> = Vec::new();
    for (k, p) in pieces.iter().enumerate() {
        entries.extend(
            p.times
                .iter()
                .enumerate()
                .map(|(r, &t)| (t, p.priority, k, r)),
        );
    }
    entries.sort_unstable();
    let mut chosen: Vec<(usize, usize)> = Vec::with_capacity(entries.len());
    let mut times: Vec<i64> = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let last_of_time = entries.get(i + 1).is_none_or(|next| next.0 != e.0);
        if last_of_time {
            chosen.push((e.2, e.3));
            times.push(e.0);
        }
    }
    let arrays: Vec<&dyn Array> = pieces.iter().map(|p| p.values.as_ref()).collect();
    let values = arrow_select::interleave::interleave(&arrays, &chosen)
        .map_err(|e| StorageError::Backend(format!("read: merging: {e}")))?;
    Ok(vec![Piece {
        priority: u64::MAX,
        times: ScalarBuffer::from(times),
        values,
    }])
}

/// A series' values as one table in Flux's long shape. Its group-key columns (`_start`,
/// `_stop`, `_field`, `_measurement`, the tags) are left for the table to build if
/// something needs them: written as CSV, a key column is its key's text.
pub(super) fn long_table(
    spec: &ReadSpec,
    w: &Wanted<'_>,
    times: ScalarBuffer<i64>,
    ty: ColumnType,
    values: ArrayRef,
) -> Result<Table> {
    let n = times.len();
    let mut columns: Vec<(String, ColumnType, Option<ArrayRef>)> = vec![
        ("_start".into(), ColumnType::Time, None),
        ("_stop".into(), ColumnType::Time, None),
        (
            "_time".into(),
            ColumnType::Time,
            Some(Arc::new(TimestampNanosecondArray::new(times, None))),
        ),
        ("_value".into(), ty, Some(values)),
        ("_field".into(), ColumnType::String, None),
        ("_measurement".into(), ColumnType::String, None),
    ];
    for (k, _) in &w.tags {
        columns.push((k.to_string(), ColumnType::String, None));
    }
    Table::with_key_columns(key_of(spec, w), columns, n)
        .map_err(|e| StorageError::Backend(format!("read: {e}")))
}

/// The group key of the table a wanted series and field makes.
pub(super) fn key_of(spec: &ReadSpec, w: &Wanted<'_>) -> GroupKey {
    crate::storage::long_key(
        spec.start,
        spec.stop,
        w.field,
        w.measurement,
        w.tags.iter().copied(),
    )
}

/// Concatenates pieces (in time order).
fn concat(pieces: Vec<Piece>) -> Result<Option<(ScalarBuffer<i64>, ArrayRef)>> {
    let mut pieces = pieces;
    if pieces.len() <= 1 {
        return Ok(pieces.pop().map(|p| (p.times, p.values)));
    }
    let mut times = Vec::with_capacity(pieces.iter().map(|p| p.times.len()).sum());
    for p in &pieces {
        times.extend_from_slice(&p.times);
    }
    let arrays: Vec<&dyn Array> = pieces.iter().map(|p| p.values.as_ref()).collect();
    let values = arrow_select::concat::concat(&arrays)
        .map_err(|e| StorageError::Backend(format!("read: {e}")))?;
    Ok(Some((ScalarBuffer::from(times), values)))
}

pub(super) fn sorted(mut tables: Vec<Table>) -> Vec<Table> {
    tables.sort_by(|a, b| a.key().cmp(b.key()));
    tables
}

/// [`crate::Storage::read_each`]: the series in group-key order, decoded a chunk of
/// about `read_chunk_values` values at a time, each table handed to `sink` as soon as its
/// chunk is decoded. Stops early when `sink` says so.
pub(crate) fn read_each(
    store: &DiskStorage,
    spec: &ReadSpec,
    sink: &mut dyn FnMut(Table) -> bool,
) -> Result<()> {
    let state = store.snapshot()?;
    let b = state.bucket(&spec.bucket)?;
    let planned = plan(b, spec)?;
    verify_files(store, b, &planned)?;
    let mut wanted: Vec<(GroupKey, Wanted<'_>)> =
        planned.into_iter().map(|w| (key_of(spec, &w), w)).collect();
    wanted.sort_by(|a, b| a.0.cmp(&b.0));
    let size = |w: &Wanted<'_>| -> u64 {
        let buffered = w.buffer.map_or(0, |_| 1);
        w.files.iter().map(|f| f.stats.count()).sum::<u64>() + buffered
    };
    let mut normalized = HashMap::new();
    let chunk_values = store.options.read_chunk_values.max(1);
    let mut start = 0;
    while start < wanted.len() {
        let mut end = start;
        let mut values = 0u64;
        while end < wanted.len() && (end == start || values < chunk_values) {
            values += wanted.get(end).map_or(0, |(_, w)| size(w));
            end += 1;
        }
        let chunk: Vec<&Wanted<'_>> = wanted
            .get(start..end)
            .unwrap_or_default()
            .iter()
            .map(|(_, w)| w)
            .collect();
        let decoded = decode(store, b, &chunk)?;
        for w in chunk {
            let merged = pieces(w, b, &decoded, &mut normalized, spec)?;
            if let Some((times, values)) = concat(merged)? {
                let table = long_table(spec, w, times, w.ty.column_type(), values)?;
                if !sink(table) {
                    return Ok(());
                }
            }
        }
        normalized.clear();
        start = end;
    }
    Ok(())
}

/// [`crate::Storage::read`].
pub(crate) fn read(store: &DiskStorage, spec: &ReadSpec) -> Result<ReadResult> {
    let state = store.snapshot()?;
    let b = state.bucket(&spec.bucket)?;
    let wanted = plan(b, spec)?;
    verify_files(store, b, &wanted)?;
    let refs: Vec<&Wanted<'_>> = wanted.iter().collect();
    let decoded = decode(store, b, &refs)?;
    let mut normalized = HashMap::new();
    let mut tables = Vec::with_capacity(wanted.len());
    for w in &wanted {
        let merged = pieces(w, b, &decoded, &mut normalized, spec)?;
        if let Some((times, values)) = concat(merged)? {
            tables.push(long_table(spec, w, times, w.ty.column_type(), values)?);
        }
    }
    Ok(ReadResult {
        tables: sorted(tables),
        applied: vec![Applied::Exact; spec.predicates.len()],
    })
}
