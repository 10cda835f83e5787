//! The embedded persistent store: a write-ahead log, an in-memory columnar buffer, and
//! immutable Parquet files per bucket, measurement and time partition, listed in an
//! atomically replaced manifest.
//!
//! # Layout of a store directory
//!
//! ```text
//! LOCK                          held (flock) by the process that has the store open
//! MANIFEST                      buckets, field types, data files (see manifest.rs)
//! wal-<generation>.log          the write-ahead log since the manifest was written
//! data/<file id>.parquet        immutable data files (see parquet_write.rs)
//! ```
//!
//! # Writes
//!
//! A batch is checked whole (line protocol, bucket, field types) before anything is
//! logged; then it is appended to the log and synced; then applied to the buffer. Only
//! then does the call return. A batch is thus written whole or not at all, and an
//! acknowledged batch survives a crash (the log is replayed on open).
//!
//! # Flushes
//!
//! When the buffer holds [`DiskOptions::buffer_rows`] rows, on [`DiskStorage::flush`] and
//! when the store is dropped, the buffer is written to new Parquet files (synced), a new
//! empty log generation is created, and a manifest listing the new files and naming the
//! new log is swapped in. The old log is deleted only after that. A crash at any point
//! leaves either the old manifest and log (the new files are orphans, removed on open) or
//! the new ones.
//!
//! # Reads
//!
//! Files are pruned by measurement, time and series (the manifest lists each file's
//! series with their rows and, per field, count, first and last point); only the time
//! column and the fields asked for are read, and only the row groups of the wanted
//! series. File and buffer rows are merged per series and field: for the same time, the
//! newer value wins (the buffer over files, a newer file over an older one).

mod aggregate_read;
mod buffer;
mod maintenance;
mod manifest;
mod parquet_read;
mod parquet_write;
mod read;
mod rows;
mod stream;
mod wal;

use crate::line_protocol::{parse_batch, ParseOptions, Point};
use crate::storage::{
    check_bucket_name, Aggregate, Applied, BucketInfo, ReadResult, ReadSpec, Result, Storage,
    StorageError, Windowing,
};
use buffer::{check_types, Buffer};
use manifest::{FileMeta, Manifest};
use parquet_read::FooterCache;
use rows::{FieldType, PointView};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use wal::{Record, Wal};

/// The directory of the data files.
const DATA_DIR: &str = "data";
/// The lock file's name.
const LOCK_FILE: &str = "LOCK";
/// A day in nanoseconds.
const DAY: i64 = 86_400_000_000_000;

/// Settings of a [`DiskStorage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskOptions {
    /// Flush the buffer to Parquet once it holds this many rows (points as written).
    pub buffer_rows: usize,
    /// The length of a time partition in nanoseconds (a data file holds one partition of
    /// one measurement; retention drops whole partitions). Used when the store is
    /// created; an existing store keeps the one it was created with.
    pub partition_duration: i64,
    /// A row group of a data file ends at the first series boundary after this many rows.
    pub row_group_rows: usize,
    /// After a flush, compact a partition that has this many files or more (0: never;
    /// [`DiskStorage::compact`] compacts every partition of two files or more).
    pub compact_after: usize,
    /// Threads used to decode data files in a read (1: none besides the caller).
    pub read_threads: usize,
    /// A streamed read ([`Storage::read_each`]) decodes series a chunk of about this many
    /// values at a time (a series is never split), which bounds the memory it holds.
    pub read_chunk_values: u64,
}

impl Default for DiskOptions {
    fn default() -> DiskOptions {
        DiskOptions {
            buffer_rows: 1_000_000,
            partition_duration: DAY,
            row_group_rows: 4096,
            compact_after: 8,
            read_chunk_values: 1 << 18,
            read_threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(4),
        }
    }
}

/// What opening a store found in its write-ahead log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Log records replayed (each an acknowledged batch or bucket change).
    pub records: usize,
    /// Bytes cut off the end of the log: a record torn by a crash (never acknowledged)
    /// or garbage after the last complete one.
    pub truncated_bytes: u64,
    /// Records that could not be applied again (none unless the store was damaged).
    pub skipped: usize,
    /// Data files found in `data/` that the manifest does not list (left by a crash
    /// before the manifest that would have listed them), removed.
    pub orphans_removed: usize,
}

/// A bucket: its settings, what is flushed (files) and what is not (the buffer).
#[derive(Debug, Default)]
pub(crate) struct BucketState {
    pub retention: Option<i64>,
    pub field_types: BTreeMap<String, BTreeMap<String, FieldType>>,
    pub files: Vec<FileMeta>,
    pub buffer: Buffer,
}

/// Everything readers see.
#[derive(Debug)]
pub(crate) struct State {
    pub buckets: BTreeMap<String, BucketState>,
    pub next_file_id: u64,
    pub partition_duration: i64,
}

impl State {
    fn buffered_rows(&self) -> usize {
        self.buckets.values().map(|b| b.buffer.rows).sum()
    }

    /// The manifest of this state with the given log generation.
    fn manifest(&self, wal_generation: u64) -> Manifest {
        Manifest {
            wal_generation,
            next_file_id: self.next_file_id,
            partition_duration: self.partition_duration,
            buckets: self
                .buckets
                .iter()
                .map(|(name, b)| manifest::BucketMeta {
                    name: name.clone(),
                    retention: b.retention,
                    field_types: b.field_types.clone(),
                    files: b.files.clone(),
                })
                .collect(),
        }
    }

    fn bucket(&self, name: &str) -> Result<&BucketState> {
        self.buckets
            .get(name)
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string()))
    }

    fn bucket_mut(&mut self, name: &str) -> Result<&mut BucketState> {
        self.buckets
            .get_mut(name)
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string()))
    }
}

/// What only the one writer at a time touches.
#[derive(Debug)]
pub(crate) struct Writer {
    pub wal: Wal,
    /// Whether the log holds records the manifest does not cover.
    pub wal_dirty: bool,
    /// After a failed automatic flush, the next one waits for this many buffered rows.
    pub flush_backoff: usize,
}

/// The embedded persistent store (see the module documentation). Safe to share between
/// threads: writers take turns, readers share.
#[derive(Debug)]
pub struct DiskStorage {
    dir: PathBuf,
    options: DiskOptions,
    state: RwLock<State>,
    writer: Mutex<Writer>,
    footers: FooterCache,
    recovery: RecoveryReport,
    /// Held for as long as the store is open.
    _lock: File,
}

/// An I/O error as a storage error naming the file and what failed.
pub(crate) fn io_error(what: &str, path: &Path, e: std::io::Error) -> StorageError {
    StorageError::Backend(format!("cannot {what} {}: {e}", path.display()))
}

/// Makes the entries of a directory durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("sync directory", dir, e))
}

fn poisoned() -> StorageError {
    StorageError::Backend("a thread panicked while holding the store's lock".into())
}

/// Nanoseconds since the Unix epoch, now.
fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The start of the partition holding `t`.
pub(crate) fn partition_start(t: i64, duration: i64) -> i64 {
    let d = i128::from(duration.max(1));
    let s = i128::from(t).div_euclid(d) * d;
    i64::try_from(s).unwrap_or(i64::MIN)
}

impl DiskStorage {
    /// Opens the store in `dir` (creating the directory and an empty store when there is
    /// none) with default options.
    pub fn open(dir: &Path) -> Result<DiskStorage> {
        DiskStorage::open_with(dir, DiskOptions::default())
    }

    /// Opens the store in `dir` with the given options: takes the directory's lock (fails
    /// if another process has the store open), removes what a crash left half-done,
    /// replays the write-ahead log, and drops partitions past their bucket's retention.
    pub fn open_with(dir: &Path, options: DiskOptions) -> Result<DiskStorage> {
        if options.partition_duration <= 0 {
            return Err(StorageError::Backend(
                "the partition duration must be positive".into(),
            ));
        }
        std::fs::create_dir_all(dir.join(DATA_DIR))
            .map_err(|e| io_error("create store directory", dir, e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error("open lock file", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StorageError::Backend(format!(
                    "store {} is in use by another process (or already open in this one)",
                    dir.display()
                )))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io_error("lock", &lock_path, e));
            }
        }

        Manifest::remove_temporary(dir);
        let manifest = match Manifest::load(dir)? {
            Some(m) => m,
            None => {
                if !list_wal_generations(dir)?.is_empty() {
                    return Err(StorageError::Backend(format!(
                        "store {} has write-ahead logs but no MANIFEST; refusing to open it as a new store",
                        dir.display()
                    )));
                }
                let m = Manifest {
                    wal_generation: 1,
                    next_file_id: 1,
                    partition_duration: options.partition_duration,
                    buckets: Vec::new(),
                };
                m.store(dir)?;
                sync_dir(&dir.join(DATA_DIR))?;
                m
            }
        };
        let (wal, replay) = Wal::open(dir, manifest.wal_generation)?;
        for g in list_wal_generations(dir)? {
            if g != manifest.wal_generation {
                let p = dir.join(wal::file_name(g));
                std::fs::remove_file(&p).map_err(|e| io_error("remove old log", &p, e))?;
            }
        }
        let mut recovery = RecoveryReport {
            truncated_bytes: replay.truncated,
            orphans_removed: remove_orphans(dir, &manifest)?,
            ..RecoveryReport::default()
        };
        let mut state = State {
            buckets: BTreeMap::new(),
            next_file_id: manifest.next_file_id,
            partition_duration: manifest.partition_duration,
        };
        for b in manifest.buckets {
            state.buckets.insert(
                b.name,
                BucketState {
                    retention: b.retention,
                    field_types: b.field_types,
                    files: b.files,
                    buffer: Buffer::default(),
                },
            );
        }
        for range in &replay.records {
            let applied = replay
                .bytes
                .get(range.clone())
                .and_then(wal::decode)
                .map(|r| apply_record(&mut state, r));
            match applied {
                Some(Ok(())) => recovery.records += 1,
                _ => recovery.skipped += 1,
            }
        }
        let wal_dirty = !replay.records.is_empty();
        drop(replay);
        let store = DiskStorage {
            dir: dir.to_path_buf(),
            options,
            state: RwLock::new(state),
            writer: Mutex::new(Writer {
                wal,
                wal_dirty,
                flush_backoff: 0,
            }),
            footers: FooterCache::default(),
            recovery,
            _lock: lock,
        };
        store.enforce_retention(now_ns())?;
        {
            let mut w = store.lock_writer()?;
            if store.read_state()?.buffered_rows() >= store.options.buffer_rows {
                store.flush_locked(&mut w, false)?;
            }
        }
        Ok(store)
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What opening the store found in its write-ahead log.
    pub fn recovery(&self) -> &RecoveryReport {
        &self.recovery
    }

    fn read_state(&self) -> Result<RwLockReadGuard<'_, State>> {
        self.state.read().map_err(|_| poisoned())
    }

    fn write_state(&self) -> Result<RwLockWriteGuard<'_, State>> {
        self.state.write().map_err(|_| poisoned())
    }

    fn lock_writer(&self) -> Result<MutexGuard<'_, Writer>> {
        self.writer.lock().map_err(|_| poisoned())
    }

    /// Logs a record durably (the caller holds the writer lock).
    fn log(&self, w: &mut Writer, record: &Record<'_>) -> Result<()> {
        let (head, tail) = wal::encode(record);
        w.wal.append(&[&head, tail])?;
        w.wal_dirty = true;
        Ok(())
    }

    /// Checks, logs and applies a batch of points (`points` iterates over them, each
    /// time it is called).
    fn write_points<'r, P: PointView, I: Iterator<Item = P>>(
        &self,
        bucket: &str,
        points: impl Fn() -> I,
        count: usize,
        record: impl FnOnce() -> Record<'r>,
    ) -> Result<usize> {
        let mut w = self.lock_writer()?;
        let new_types = {
            let state = self.read_state()?;
            let b = state.bucket(bucket)?;
            if count == 0 {
                return Ok(0);
            }
            check_types(&b.field_types, points())?
        };
        self.log(&mut w, &record())?;
        {
            let mut state = self.write_state()?;
            let b = state.bucket_mut(bucket)?;
            add_types(b, new_types);
            let BucketState {
                buffer,
                field_types,
                ..
            } = b;
            buffer.apply(points(), field_types);
        }
        self.maybe_flush(&mut w);
        Ok(count)
    }

    /// Flushes when the buffer is full. A failure leaves the data in the buffer and the
    /// log (nothing is lost); the next attempt waits until the buffer has doubled.
    fn maybe_flush(&self, w: &mut Writer) {
        let rows = match self.read_state() {
            Ok(s) => s.buffered_rows(),
            Err(_) => return,
        };
        if rows < self.options.buffer_rows.max(1) || rows < w.flush_backoff {
            return;
        }
        match self.flush_locked(w, false) {
            Ok(()) => w.flush_backoff = 0,
            Err(_) => w.flush_backoff = rows.saturating_mul(2),
        }
    }
}

/// Adds the types a batch brings.
fn add_types(b: &mut BucketState, new_types: Vec<(String, String, FieldType)>) {
    for (m, f, t) in new_types {
        b.field_types.entry(m).or_default().insert(f, t);
    }
}

/// Applies a logged record to the state (on replay).
fn apply_record(state: &mut State, record: Record<'_>) -> Result<()> {
    match record {
        Record::CreateBucket { name, retention } => {
            if state.buckets.contains_key(name) {
                return Err(StorageError::BucketExists(name.to_string()));
            }
            state.buckets.insert(
                name.to_string(),
                BucketState {
                    retention,
                    ..BucketState::default()
                },
            );
            Ok(())
        }
        Record::DeleteBucket { name } => state
            .buckets
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string())),
        Record::LineProtocol {
            bucket,
            options,
            text,
        } => {
            let batch = parse_batch(text, &options)?;
            let b = state.bucket_mut(bucket)?;
            let new_types = check_types(&b.field_types, batch.iter())?;
            add_types(b, new_types);
            b.buffer.apply(batch.iter(), &b.field_types);
            Ok(())
        }
        Record::Points { bucket, points } => {
            let b = state.bucket_mut(bucket)?;
            let new_types = check_types(&b.field_types, points.iter())?;
            add_types(b, new_types);
            b.buffer.apply(points.iter(), &b.field_types);
            Ok(())
        }
    }
}

/// The generations of the log files in a store directory.
fn list_wal_generations(dir: &Path) -> Result<Vec<u64>> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| io_error("list", dir, e))?;
    for e in entries {
        let e = e.map_err(|e| io_error("list", dir, e))?;
        if let Some(g) = e.file_name().to_str().and_then(wal::generation_of) {
            out.push(g);
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Removes data files the manifest does not list; returns how many.
fn remove_orphans(dir: &Path, manifest: &Manifest) -> Result<usize> {
    let listed: BTreeSet<u64> = manifest
        .buckets
        .iter()
        .flat_map(|b| b.files.iter().map(|f| f.id))
        .collect();
    let data = dir.join(DATA_DIR);
    let entries = std::fs::read_dir(&data).map_err(|e| io_error("list", &data, e))?;
    let mut removed = 0;
    for e in entries {
        let e = e.map_err(|e| io_error("list", &data, e))?;
        let Some(id) = e.file_name().to_str().and_then(parquet_write::file_id_of) else {
            continue;
        };
        if !listed.contains(&id) {
            let p = e.path();
            std::fs::remove_file(&p).map_err(|e| io_error("remove orphan data file", &p, e))?;
            removed += 1;
        }
    }
    for f in manifest.buckets.iter().flat_map(|b| &b.files) {
        let p = parquet_write::file_path(dir, f.id);
        if !p.exists() {
            return Err(StorageError::Backend(format!(
                "data file {} listed in the manifest is missing",
                p.display()
            )));
        }
    }
    Ok(removed)
}

impl Storage for DiskStorage {
    fn buckets(&self) -> Result<Vec<BucketInfo>> {
        let state = self.read_state()?;
        Ok(state
            .buckets
            .iter()
            .map(|(name, b)| BucketInfo {
                name: name.clone(),
                retention: b.retention,
            })
            .collect())
    }

    fn create_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        check_bucket_name(name)?;
        let mut w = self.lock_writer()?;
        if self.read_state()?.buckets.contains_key(name) {
            return Err(StorageError::BucketExists(name.to_string()));
        }
        self.log(&mut w, &Record::CreateBucket { name, retention })?;
        let mut state = self.write_state()?;
        state.buckets.insert(
            name.to_string(),
            BucketState {
                retention,
                ..BucketState::default()
            },
        );
        Ok(())
    }

    fn delete_bucket(&self, name: &str) -> Result<()> {
        let mut w = self.lock_writer()?;
        self.read_state()?.bucket(name)?;
        self.log(&mut w, &Record::DeleteBucket { name })?;
        let removed = self.write_state()?.buckets.remove(name);
        // The deletion is durable (logged). Free the disk space now: a checkpoint writes a
        // manifest without the bucket's files, which can then go. If it fails, the files
        // stay until a later open finds them listed nowhere.
        if self.flush_locked(&mut w, true).is_ok() {
            for f in removed.iter().flat_map(|b| &b.files) {
                self.remove_file(f.id);
            }
        }
        Ok(())
    }

    fn write(&self, bucket: &str, points: &[Point]) -> Result<usize> {
        self.write_points(
            bucket,
            || points.iter(),
            points.len(),
            || Record::Points {
                bucket,
                points: std::borrow::Cow::Borrowed(points),
            },
        )
    }

    fn write_line_protocol(
        &self,
        bucket: &str,
        text: &[u8],
        options: &ParseOptions,
    ) -> Result<usize> {
        let batch = parse_batch(text, options)?;
        self.write_points(
            bucket,
            || batch.iter(),
            batch.len(),
            || Record::LineProtocol {
                bucket,
                options: *options,
                text,
            },
        )
    }

    fn read(&self, spec: &ReadSpec) -> Result<ReadResult> {
        read::read(self, spec)
    }

    fn predicate_pushdown(&self, _: &crate::storage::Predicate) -> Applied {
        // `read` applies every predicate exactly.
        Applied::Exact
    }

    fn read_each(
        &self,
        spec: &ReadSpec,
        sink: &mut dyn FnMut(fluxi_value::Table) -> bool,
    ) -> Result<()> {
        read::read_each(self, spec, sink)
    }

    fn aggregate_pushdown(&self, _: Aggregate, _: Option<Windowing>) -> Applied {
        // Every aggregate, with or without windows (see `read_aggregate`).
        Applied::Exact
    }

    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<ReadResult>> {
        aggregate_read::read_aggregate(self, spec, aggregate, window)
    }

    fn measurements(&self, bucket: &str) -> Result<Vec<String>> {
        self.collect(bucket, None, |meta, out| {
            out.insert(meta.measurement.to_string());
        })
    }

    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.collect(bucket, measurement, |meta, out| {
            out.extend(meta.tags.iter().map(|(k, _)| k.to_string()));
        })
    }

    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        measurement: Option<&str>,
    ) -> Result<Vec<String>> {
        self.collect(bucket, measurement, |meta, out| {
            out.extend(
                meta.tags
                    .iter()
                    .filter(|(k, _)| *k == tag)
                    .map(|(_, v)| v.to_string()),
            );
        })
    }

    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.collect(bucket, measurement, |meta, out| {
            out.extend(meta.fields.iter().map(|f| f.to_string()));
        })
    }
}

/// A series as the schema questions see it.
struct SeriesInfo<'a> {
    measurement: &'a str,
    tags: Vec<(&'a str, &'a str)>,
    fields: Vec<&'a str>,
}

impl DiskStorage {
    /// Calls `add` for every series with data (in files or the buffer) of a bucket (of one
    /// measurement) and returns what it collected, sorted.
    fn collect(
        &self,
        bucket: &str,
        measurement: Option<&str>,
        mut add: impl FnMut(&SeriesInfo<'_>, &mut BTreeSet<String>),
    ) -> Result<Vec<String>> {
        let state = self.read_state()?;
        let b = state.bucket(bucket)?;
        let mut out = BTreeSet::new();
        for f in &b.files {
            if measurement.is_some_and(|m| m != f.measurement) {
                continue;
            }
            for s in &f.series {
                let info = SeriesInfo {
                    measurement: &f.measurement,
                    tags: f
                        .tag_keys
                        .iter()
                        .zip(&s.tags)
                        .filter_map(|(k, v)| v.as_deref().map(|v| (k.as_str(), v)))
                        .collect(),
                    fields: f
                        .fields
                        .iter()
                        .zip(&s.fields)
                        .filter(|(_, st)| st.is_some())
                        .map(|(n, _)| n.as_str())
                        .collect(),
                };
                add(&info, &mut out);
            }
        }
        for (m, mb) in &b.buffer.measurements {
            if measurement.is_some_and(|x| x != m) {
                continue;
            }
            for s in &mb.series {
                let info = SeriesInfo {
                    measurement: m,
                    tags: s
                        .tags
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                    fields: s
                        .rows
                        .fields
                        .iter()
                        .filter(|(_, c)| c.valid.iter().any(|&v| v))
                        .map(|(n, _)| n.as_str())
                        .collect(),
                };
                add(&info, &mut out);
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Deletes a data file no manifest lists any more (best effort).
    fn remove_file(&self, id: u64) {
        self.footers.forget(id);
        let _ = std::fs::remove_file(parquet_write::file_path(&self.dir, id));
    }
}

impl Drop for DiskStorage {
    fn drop(&mut self) {
        // Best effort: what is not flushed is in the log and is replayed on open.
        if let Ok(mut w) = self.writer.lock() {
            if w.wal_dirty {
                let _ = self.flush_locked(&mut w, false);
            }
        }
    }
}
