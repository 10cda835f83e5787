//! Flushes (checkpoints), compaction and retention: everything that writes data files
//! and swaps the manifest. Compaction also makes deletes permanent: it rewrites every
//! partition a tombstone touches without the deleted rows, and drops the tombstones no
//! file is below any more (see tombstone.rs).
//!
//! Every manifest swap follows the same order: new data files are written and synced
//! first, then the manifest that lists them replaces the old one, and only then are files
//! the new manifest no longer lists deleted (and, for a checkpoint, the old log). All of
//! it runs under the writer lock, so the manifest written always describes the state the
//! readers see, less what is in the log.

use super::buffer::MeasurementBuf;
use super::manifest::{FileMeta, Manifest};
use super::parquet_read::read_series;
use super::parquet_write::{field_column, file_path, write_file, Layout, SeriesSlice};
use super::rows::{Column, FieldType, SeriesRows};
use super::tombstone::{self, Tombstone};
use super::wal::{self, Wal};
use super::{partition_start, sync_dir, DiskStorage, Writer, DATA_DIR};
use crate::storage::{Result, StorageError};
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampNanosecondType;
use arrow_array::Array;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Weak};

impl DiskStorage {
    /// Writes the buffer to Parquet files and swaps in a manifest listing them, then
    /// starts a new, empty write-ahead log. Does nothing when nothing was logged since
    /// the last flush.
    pub fn flush(&self) -> Result<()> {
        let mut w = self.lock_writer()?;
        self.flush_locked(&mut w, false)
    }

    /// Merges the data files of each partition that has several into one (newer values
    /// win where times meet), and rewrites every partition that deletes removed points
    /// of without them (so the deletes are permanent), then deletes the files replaced.
    /// Flushes first.
    pub fn compact(&self) -> Result<()> {
        let mut w = self.lock_writer()?;
        self.checkpoint(&mut w, false)?;
        self.compact_locked(&mut w, 2)
    }

    /// Drops, in every bucket with a retention, the partitions that ended before
    /// `now - retention` (`now` in nanoseconds since the epoch): their data files and the
    /// buffered rows that fall in them. Also done when the store is opened.
    pub fn enforce_retention(&self, now: i64) -> Result<()> {
        let mut w = self.lock_writer()?;
        let mut expired: Vec<(u64, Weak<Vec<FileMeta>>)> = Vec::new();
        let mut changed = false;
        {
            let mut guard = self.write_state()?;
            let state = Arc::make_mut(&mut guard);
            let duration = state.partition_duration;
            for bucket in state.buckets.values_mut() {
                let Some(retention) = bucket.retention else {
                    continue;
                };
                let cutoff = now.saturating_sub(retention);
                let start = partition_start(cutoff, duration);
                let gone = bucket.files.iter().any(|f| f.partition.1 <= cutoff);
                let buffered = bucket.buffer.measurements.values().any(|m| {
                    m.series
                        .iter()
                        .any(|s| s.rows.times.iter().any(|&t| t < start))
                });
                if !gone && !buffered {
                    continue;
                }
                let b = Arc::make_mut(bucket);
                if gone {
                    let old = Arc::downgrade(&b.files);
                    let kept: Vec<FileMeta> = b
                        .files
                        .iter()
                        .filter(|f| {
                            let keep = f.partition.1 > cutoff;
                            if !keep {
                                expired.push((f.id, Weak::clone(&old)));
                            }
                            keep
                        })
                        .cloned()
                        .collect();
                    b.tombstones = tombstone::live(&b.tombstones, &kept);
                    b.files = Arc::new(kept);
                    changed = true;
                }
                changed |= Arc::make_mut(&mut b.buffer).retain_from(start);
            }
        }
        if !changed {
            return Ok(());
        }
        // The dropped buffer rows are still in the log: a checkpoint ends that log.
        self.checkpoint(&mut w, true)?;
        for (id, held) in expired {
            self.remove_file(id, held);
        }
        Ok(())
    }

    fn layout(&self) -> Layout {
        Layout {
            row_group_rows: self.options.row_group_rows.max(1),
            max_row_group_rows: 1 << 20,
        }
    }

    /// A checkpoint, then compaction of partitions that have grown many files or that
    /// deletes removed points of (unless compaction is off: `compact_after` below 2).
    pub(crate) fn flush_locked(&self, w: &mut Writer, force: bool) -> Result<()> {
        self.checkpoint(w, force)?;
        if self.options.compact_after >= 2 {
            // The flush is done; a failed compaction is tried again after the next one
            // (tombstones stay in the manifest meanwhile, and reads apply them).
            let _ = self.compact_locked(w, self.options.compact_after);
        }
        Ok(())
    }

    /// Writes the buffer to files, starts log generation + 1 and swaps in the manifest
    /// naming both. With `force`, even when nothing was logged (to record a change of the
    /// files).
    pub(crate) fn checkpoint(&self, w: &mut Writer, force: bool) -> Result<()> {
        if !w.wal_dirty && !force {
            return Ok(());
        }
        let layout = self.layout();
        let generation = w.generation + 1;
        let mut written: Vec<(String, FileMeta)> = Vec::new();
        let manifest = {
            let state = self.read_state()?;
            let mut next_id = state.next_file_id;
            // Every (bucket, measurement)'s series, normalized, then one file per
            // partition of each, all written together.
            let buffered: Vec<Buffered<'_>> = state
                .buckets
                .iter()
                .flat_map(|(name, b)| {
                    b.buffer
                        .measurements
                        .iter()
                        .map(move |(m, mb)| (name, m, b.field_types.get(m), normalized_series(mb)))
                })
                .collect();
            let mut files: Vec<FileJob<'_>> = Vec::new();
            for (name, m, types, series) in &buffered {
                for (p, slices) in partitions(series, state.partition_duration) {
                    files.push(FileJob {
                        bucket: name,
                        measurement: m,
                        types: *types,
                        id: next_id,
                        partition: (p, p.saturating_add(state.partition_duration)),
                        slices,
                    });
                    next_id += 1;
                }
            }
            let result = write_files(&self.dir, &files, layout, &mut |bucket, f| {
                written.push((bucket.to_string(), f))
            });
            let result = result.and_then(|_| sync_dir(&self.dir.join(DATA_DIR)));
            if let Err(e) = result {
                self.discard(written.iter().map(|(_, f)| f.id));
                return Err(e);
            }
            let mut manifest = state.manifest(generation);
            manifest.next_file_id = next_id;
            for (name, f) in &written {
                if let Some(b) = manifest.buckets.iter_mut().find(|b| &b.name == name) {
                    b.files.push(f.clone());
                }
            }
            manifest
        };
        // A log of this generation can only be left by an earlier failed attempt.
        let stale = self.dir.join(wal::file_name(generation));
        let _ = std::fs::remove_file(&stale);
        let new_wal = match Wal::create(&self.dir, generation) {
            Ok(wal) => wal,
            Err(e) => {
                self.discard(written.iter().map(|(_, f)| f.id));
                return Err(e);
            }
        };
        let late_error = match self.swap_manifest(&manifest) {
            Ok(late) => late,
            Err(e) => {
                let _ = std::fs::remove_file(new_wal.path());
                self.discard(written.iter().map(|(_, f)| f.id));
                return Err(e);
            }
        };
        {
            let mut guard = self.write_state()?;
            let state = Arc::make_mut(&mut guard);
            let mut added: BTreeMap<String, Vec<FileMeta>> = BTreeMap::new();
            for (name, f) in written {
                added.entry(name).or_default().push(f);
            }
            for (name, bucket) in state.buckets.iter_mut() {
                let b = Arc::make_mut(bucket);
                if let Some(new) = added.remove(name) {
                    let mut files = b.files.as_ref().clone();
                    files.extend(new);
                    b.files = Arc::new(files);
                }
                b.buffer = Default::default();
            }
            state.next_file_id = manifest.next_file_id;
        }
        let old = w.wal.replace(new_wal);
        w.generation = generation;
        w.wal_dirty = false;
        match late_error {
            None => {
                if let Some(old) = old {
                    let _ = std::fs::remove_file(old.path());
                }
                Ok(())
            }
            // The rename may not be durable: keep the old log (the next open removes
            // whichever log the manifest it finds does not name).
            Some(e) => Err(e),
        }
    }

    /// Replaces the manifest. `Err` when the old one is still in place; `Ok(Some(e))`
    /// when the new one is (renamed) but syncing the directory failed.
    fn swap_manifest(&self, manifest: &Manifest) -> Result<Option<StorageError>> {
        manifest.store_temporary(&self.dir)?;
        manifest.commit(&self.dir)
    }

    /// Removes files that no manifest lists (after a failed flush or compaction).
    fn discard(&self, ids: impl Iterator<Item = u64>) {
        for id in ids {
            let _ = std::fs::remove_file(file_path(&self.dir, id));
        }
    }

    /// Merges each (bucket, measurement, partition) that has `min_files` files or more,
    /// or a file a tombstone touches, into one file (none when deletes left no row). The
    /// log must be empty (after a checkpoint), so the manifest written here is the state.
    pub(crate) fn compact_locked(&self, w: &mut Writer, min_files: usize) -> Result<()> {
        if w.wal_dirty {
            self.checkpoint(w, false)?;
        }
        let layout = self.layout();
        let mut outputs: Vec<Output> = Vec::new();
        let manifest = {
            let state = self.read_state()?;
            let mut next_id = state.next_file_id;
            let mut result = Ok(());
            'all: for (name, b) in &state.buckets {
                let mut groups: BTreeMap<(&str, (i64, i64)), Vec<&FileMeta>> = BTreeMap::new();
                for f in b.files.iter() {
                    groups
                        .entry((f.measurement.as_str(), f.partition))
                        .or_default()
                        .push(f);
                }
                for ((m, partition), mut files) in groups {
                    let deleted = files.iter().any(|f| tombstone::touches(&b.tombstones, f));
                    if files.len() < min_files.max(2) && !deleted {
                        continue;
                    }
                    files.sort_by_key(|f| f.id);
                    let id = next_id;
                    next_id += 1;
                    let merged = self.merge_files(
                        &files,
                        b.field_types.get(m),
                        m,
                        partition,
                        id,
                        layout,
                        &b.tombstones,
                    );
                    match merged {
                        Ok(out) => {
                            outputs.push((out, name.clone(), files.iter().map(|f| f.id).collect()))
                        }
                        Err(e) => {
                            result = Err(e);
                            break 'all;
                        }
                    }
                }
            }
            let result = result.and_then(|_| {
                if outputs.is_empty() {
                    Ok(())
                } else {
                    sync_dir(&self.dir.join(DATA_DIR))
                }
            });
            if let Err(e) = result {
                self.discard(written_ids(&outputs));
                return Err(e);
            }
            if outputs.is_empty() {
                return Ok(());
            }
            let mut manifest = state.manifest(w.generation);
            manifest.next_file_id = next_id;
            for (out, name, inputs) in &outputs {
                if let Some(b) = manifest.buckets.iter_mut().find(|b| &b.name == name) {
                    b.files.retain(|f| !inputs.contains(&f.id));
                    b.files.extend(out.clone());
                }
            }
            for b in &mut manifest.buckets {
                b.tombstones = tombstone::live(&b.tombstones, &b.files);
            }
            manifest
        };
        let late_error = match self.swap_manifest(&manifest) {
            Ok(late) => late,
            Err(e) => {
                self.discard(written_ids(&outputs));
                return Err(e);
            }
        };
        let mut removed = Vec::new();
        {
            let mut guard = self.write_state()?;
            let state = Arc::make_mut(&mut guard);
            for (out, name, inputs) in outputs {
                if let Some(bucket) = state.buckets.get_mut(&name) {
                    let b = Arc::make_mut(bucket);
                    let old = Arc::downgrade(&b.files);
                    let mut files: Vec<FileMeta> = b
                        .files
                        .iter()
                        .filter(|f| !inputs.contains(&f.id))
                        .cloned()
                        .collect();
                    files.extend(out);
                    b.files = Arc::new(files);
                    removed.extend(inputs.into_iter().map(|id| (id, Weak::clone(&old))));
                }
            }
            for (name, bucket) in state.buckets.iter_mut() {
                if let Some(m) = manifest.buckets.iter().find(|b| &b.name == name) {
                    if m.tombstones != bucket.tombstones {
                        Arc::make_mut(bucket).tombstones = m.tombstones.clone();
                    }
                }
            }
            state.next_file_id = manifest.next_file_id;
        }
        for (id, held) in removed {
            self.remove_file(id, held);
        }
        late_error.map_or(Ok(()), Err)
    }

    /// Reads files of one partition (oldest first) and writes their merged rows, less
    /// those `tombstones` delete, as file `id` (none when no row is left).
    #[allow(clippy::too_many_arguments)]
    fn merge_files(
        &self,
        files: &[&FileMeta],
        types: Option<&BTreeMap<String, FieldType>>,
        measurement: &str,
        partition: (i64, i64),
        id: u64,
        layout: Layout,
        tombstones: &[Tombstone],
    ) -> Result<Option<FileMeta>> {
        let mut series: BTreeMap<Vec<(String, String)>, SeriesRows> = BTreeMap::new();
        for f in files {
            let file_series = f.series.get()?;
            let wanted: Vec<usize> = (0..file_series.len()).collect();
            let fields: Vec<&str> = f.fields.iter().map(String::as_str).collect();
            let read = read_series(&self.dir, &self.files, f, &wanted, &fields)?;
            let path = file_path(&self.dir, f.id);
            let bad = |what: &str| {
                StorageError::Backend(format!(
                    "data file {} does not match the manifest: {what}",
                    path.display()
                ))
            };
            let batch = &read.concat()?;
            let deletes = tombstone::of_file(tombstones, f);
            let times = batch
                .column_by_name(super::parquet_write::TIME_COLUMN)
                .and_then(|c| c.as_primitive_opt::<TimestampNanosecondType>())
                .ok_or_else(|| bad("no time column"))?;
            for (k, s) in file_series.iter().enumerate() {
                let offset = read.offsets.get(k).copied().unwrap_or(0);
                let n = s.rows as usize;
                let mut rows = SeriesRows::new();
                rows.times = times
                    .values()
                    .get(offset..offset + n)
                    .ok_or_else(|| bad("fewer rows"))?
                    .to_vec();
                rows.ordered = rows.times.windows(2).all(|w| w[0] < w[1]);
                for (name, stats) in f.fields.iter().zip(&s.fields) {
                    if stats.is_none() {
                        continue;
                    }
                    let ty = types
                        .and_then(|t| t.get(name))
                        .copied()
                        .ok_or_else(|| bad("a field without a type"))?;
                    let array = batch
                        .column_by_name(&field_column(name))
                        .ok_or_else(|| bad("a field column is missing"))?
                        .slice(offset, n);
                    let col = Column::from_arrow(array.as_ref(), ty)
                        .ok_or_else(|| bad("a field column of another type"))?;
                    rows.fields.push((name.clone(), col));
                }
                if !deletes.is_empty() {
                    let cut = tombstone::cuts(&deletes, f, s);
                    if !cut.is_empty() {
                        rows.retain(|t| !tombstone::is_cut(&cut, t));
                        if rows.len() == 0 {
                            continue;
                        }
                    }
                }
                let tags: Vec<(String, String)> = f
                    .tag_keys
                    .iter()
                    .zip(&s.tags)
                    .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), v.clone())))
                    .collect();
                match series.get_mut(&tags) {
                    Some(existing) => existing.append(&rows),
                    None => {
                        series.insert(tags, rows);
                    }
                }
            }
        }
        if series.is_empty() {
            return Ok(None);
        }
        let normalized: Vec<Normalized<'_>> =
            series.iter().map(|(t, r)| (t, r.normalized())).collect();
        let slices: Vec<SeriesSlice<'_>> = normalized
            .iter()
            .map(|(tags, rows)| SeriesSlice {
                tags,
                rows,
                range: 0..rows.len(),
            })
            .collect();
        write_file(
            &self.dir,
            id,
            measurement,
            partition,
            types,
            &slices,
            layout,
        )
        .map(Some)
    }
}

/// A compaction's output file (none when deletes left no row), its bucket, and the ids of
/// the files it replaces.
type Output = (Option<FileMeta>, String, BTreeSet<u64>);

/// The ids of the files compaction outputs wrote.
fn written_ids(outputs: &[Output]) -> impl Iterator<Item = u64> + '_ {
    outputs
        .iter()
        .filter_map(|(f, _, _)| f.as_ref().map(|f| f.id))
}

/// A series' tags and its normalized rows.
type Normalized<'a> = (&'a Vec<(String, String)>, Cow<'a, SeriesRows>);

/// Writes the buffered series of a measurement, one file per partition.
#[allow(clippy::too_many_arguments)]
/// A buffered measurement's series, each sorted by time with one row per time, in
/// the order of their tags.
fn normalized_series(mb: &MeasurementBuf) -> Vec<Normalized<'_>> {
    let mut series: Vec<Normalized<'_>> = mb
        .series
        .iter()
        .filter(|s| s.rows.len() > 0)
        .map(|s| (&s.tags, s.rows.normalized()))
        .collect();
    series.sort_by(|a, b| a.0.cmp(b.0));
    series
}

/// The series' rows cut at partition boundaries: the slices of each partition (by its
/// start), in series order.
fn partitions<'a>(
    series: &'a [Normalized<'a>],
    duration: i64,
) -> BTreeMap<i64, Vec<SeriesSlice<'a>>> {
    let mut partitions: BTreeMap<i64, Vec<SeriesSlice<'a>>> = BTreeMap::new();
    for (tags, rows) in series {
        let times = &rows.times;
        let mut i = 0;
        while i < times.len() {
            let p = partition_start(times[i], duration);
            let end = p.saturating_add(duration);
            let j = i + times
                .get(i..)
                .unwrap_or_default()
                .partition_point(|&t| t < end);
            partitions.entry(p).or_default().push(SeriesSlice {
                tags,
                rows,
                range: i..j.max(i + 1),
            });
            i = j.max(i + 1);
        }
    }
    partitions
}

/// A buffered measurement to flush: bucket, measurement, field types and its series.
type Buffered<'a> = (
    &'a String,
    &'a String,
    Option<&'a BTreeMap<String, FieldType>>,
    Vec<Normalized<'a>>,
);

/// One data file a flush writes: the rows of one partition of a measurement.
struct FileJob<'a> {
    bucket: &'a str,
    measurement: &'a str,
    types: Option<&'a BTreeMap<String, FieldType>>,
    id: u64,
    partition: (i64, i64),
    slices: Vec<SeriesSlice<'a>>,
}

/// Writes the files on up to as many threads as there are cores (a flush writes one
/// file per measurement and partition in the buffer, independent of each other) and
/// reports each written file with its bucket, in the order given; then the first
/// error, if any (every file written is reported first, so that a failure can discard
/// them all).
fn write_files(
    dir: &Path,
    jobs: &[FileJob<'_>],
    layout: Layout,
    written: &mut dyn FnMut(&str, FileMeta),
) -> Result<()> {
    let write = |job: &FileJob<'_>| {
        write_file(
            dir,
            job.id,
            job.measurement,
            job.partition,
            job.types,
            &job.slices,
            layout,
        )
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(jobs.len());
    // The result of each job, by its index (none: the thread writing it panicked).
    let mut results: Vec<Option<Result<FileMeta>>> = Vec::with_capacity(jobs.len());
    if threads <= 1 {
        results.extend(jobs.iter().map(|j| Some(write(j))));
    } else {
        results.resize_with(jobs.len(), || None);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let done: Vec<Vec<(usize, Result<FileMeta>)>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(job) = jobs.get(k) else {
                                break;
                            };
                            mine.push((k, write(job)));
                        }
                        mine
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        for (k, r) in done.into_iter().flatten() {
            if let Some(slot) = results.get_mut(k) {
                *slot = Some(r);
            }
        }
    }
    let mut first_error = None;
    for (job, r) in jobs.iter().zip(results) {
        match r {
            Some(Ok(meta)) => written(job.bucket, meta),
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => {
                first_error.get_or_insert(StorageError::Backend(
                    "flush: a thread writing data files panicked".into(),
                ));
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}
