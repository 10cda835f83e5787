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
//! quarantine/                   damaged logs and data files moved aside, each with a
//!                               `.txt` saying what was lost (see recovery.rs)
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
//! A read works on a snapshot: the state (files listed in the manifest, and the buffer)
//! is reference counted, and a read takes the current one and holds no lock while it
//! decodes and hands out tables. A writer changes a copy of what it changes (the buffer
//! is copied only when a read still holds it). Another process can open the store
//! read-only while one has it open for writing ([`DiskStorage::open_read_only`]): it sees
//! the last manifest and the valid records of the log at the moment it opened.
//!
//! Files are pruned by measurement, time and series (the manifest lists each file's
//! series with their rows and, per field, count, first and last point); only the time
//! column and the fields asked for are read, and only the row groups of the wanted
//! series. File and buffer rows are merged per series and field: for the same time, the
//! newer value wins (the buffer over files, a newer file over an older one).
//!
//! # Deletes
//!
//! A delete is logged like a write, then drops the buffered rows it matches and leaves a
//! tombstone for the data files that existed then; reads apply tombstones to those
//! files' rows, and compaction rewrites the files without the deleted rows (see
//! tombstone.rs).

mod aggregate_read;
mod buffer;
mod layout;
mod maintenance;
mod manifest;
mod parquet_read;
mod parquet_write;
mod read;
mod recovery;
mod repair;
mod rows;
mod stream;
mod tombstone;
mod wal;

pub use manifest::manifest_json;
pub use recovery::{DamagedFile, RecoveryReport};
pub use repair::{LostData, StoreCheckReport};
pub use wal::WalDamage;

/// The buckets a server keeps for itself, which users cannot create: InfluxDB's
/// `_monitoring` (request and check data) and `_tasks` (task runs).
pub const SYSTEM_BUCKETS: &[&str] = &["_monitoring", "_tasks"];

/// The retention InfluxDB gives a system bucket when it makes one (nanoseconds):
/// `_monitoring` 7 days, `_tasks` 3 days; `None` for any other name.
pub fn system_bucket_retention(name: &str) -> Option<i64> {
    const DAY_NS: i64 = 86_400_000_000_000;
    match name {
        "_monitoring" => Some(7 * DAY_NS),
        "_tasks" => Some(3 * DAY_NS),
        _ => None,
    }
}

use crate::delete::DeletePredicate;
use crate::line_protocol::{parse_batch, ParseOptions, Point};
use crate::storage::{
    check_bucket_name, Aggregate, Applied, BucketInfo, ReadResult, ReadSpec, Result, Storage,
    StorageError, Windowing,
};
use buffer::{check_types, Buffer};
use manifest::{FileMeta, Manifest};
use parquet_read::FileCache;
use rows::{FieldType, PointView};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tombstone::Tombstone;
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

/// A bucket: its settings, what is flushed (files) and what is not (the buffer). The
/// files and the buffer are shared with the snapshots reads hold.
#[derive(Debug, Default, Clone)]
pub(crate) struct BucketState {
    pub retention: Option<i64>,
    pub field_types: BTreeMap<String, BTreeMap<String, FieldType>>,
    pub files: Arc<Vec<FileMeta>>,
    pub buffer: Arc<Buffer>,
    /// Deletes the files may still hold rows of (see tombstone.rs).
    pub tombstones: Vec<Tombstone>,
}

/// Everything readers see: a snapshot of the store (see "Reads" above).
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub buckets: BTreeMap<String, Arc<BucketState>>,
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
                    files: b.files.as_ref().clone(),
                    tombstones: b.tombstones.clone(),
                })
                .collect(),
        }
    }

    fn bucket(&self, name: &str) -> Result<&BucketState> {
        self.buckets
            .get(name)
            .map(|b| b.as_ref())
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string()))
    }

    fn bucket_mut(&mut self, name: &str) -> Result<&mut BucketState> {
        self.buckets
            .get_mut(name)
            .map(Arc::make_mut)
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string()))
    }
}

/// What only the one writer at a time touches.
#[derive(Debug)]
pub(crate) struct Writer {
    /// The log (none in a read-only store).
    pub wal: Option<Wal>,
    /// The log generation the state continues (that of `wal`, when there is one).
    pub generation: u64,
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
    state: RwLock<Arc<State>>,
    writer: Mutex<Writer>,
    files: FileCache,
    recovery: RecoveryReport,
    /// Held for as long as the store is open for writing; none when read-only.
    lock: Option<File>,
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

/// Line protocol parsed ahead of its write ([`DiskStorage::write_parsed`]): a writer can
/// parse the next batch on another thread while this one is written, and parse a batch
/// in pieces on several threads ([`ParsedText::from_pieces`]).
pub struct ParsedText<'a> {
    text: &'a [u8],
    options: ParseOptions,
    /// The points of consecutive parts of `text`, in order.
    batches: Vec<crate::line_protocol::Batch<'a>>,
}

impl<'a> ParsedText<'a> {
    /// Parses `text` (an error names every bad line, as a write would).
    pub fn parse(text: &'a [u8], options: &ParseOptions) -> Result<ParsedText<'a>> {
        Ok(ParsedText {
            text,
            options: *options,
            batches: vec![parse_batch(text, options)?],
        })
    }

    /// `text` parsed in pieces: `pieces`, parsed with the same options from consecutive
    /// parts of `text` that are all of it (each part a whole number of lines), in order.
    /// `None` when they are not that.
    pub fn from_pieces(text: &'a [u8], pieces: Vec<ParsedText<'a>>) -> Option<ParsedText<'a>> {
        let options = pieces.first().map(|p| p.options)?;
        let mut at = 0;
        for p in &pieces {
            let part = text.get(at..at + p.text.len())?;
            if !std::ptr::eq(part.as_ptr(), p.text.as_ptr()) || p.options != options {
                return None;
            }
            at += p.text.len();
        }
        (at == text.len()).then(|| ParsedText {
            text,
            options,
            batches: pieces.into_iter().flat_map(|p| p.batches).collect(),
        })
    }

    /// The text parsed.
    pub fn text(&self) -> &'a [u8] {
        self.text
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.batches.iter().map(|b| b.len()).sum()
    }

    /// Whether the text holds no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl DiskStorage {
    /// Writes line protocol parsed ahead into `bucket`: the same as
    /// [`Storage::write_line_protocol`] of its text, whole or not at all.
    pub fn write_parsed(&self, parsed: &ParsedText<'_>, bucket: &str) -> Result<usize> {
        let batches = &parsed.batches;
        self.write_points(
            bucket,
            || batches.iter().flat_map(|b| b.iter()),
            parsed.len(),
            || Record::LineProtocol {
                bucket,
                options: parsed.options,
                text: parsed.text,
            },
        )
    }

    /// Creates a bucket whose name was checked.
    fn create_bucket_named(&self, name: &str, retention: Option<i64>) -> Result<()> {
        let mut w = self.lock_writer()?;
        if self.read_state()?.buckets.contains_key(name) {
            return Err(StorageError::BucketExists(name.to_string()));
        }
        self.log(&mut w, &Record::CreateBucket { name, retention })?;
        let mut guard = self.write_state()?;
        Arc::make_mut(&mut guard).buckets.insert(
            name.to_string(),
            Arc::new(BucketState {
                retention,
                ..BucketState::default()
            }),
        );
        Ok(())
    }

    /// Opens the store in `dir` (creating the directory and an empty store when there is
    /// none) with default options.
    pub fn open(dir: &Path) -> Result<DiskStorage> {
        DiskStorage::open_with(dir, DiskOptions::default())
    }

    /// Opens the store in `dir` with the given options: takes the directory's lock (fails
    /// if another process has the store open), removes what a crash left half-done,
    /// replays the write-ahead log (moving a damaged one aside), and drops partitions
    /// past their bucket's retention. [`DiskStorage::recovery`] says what was found.
    pub fn open_with(dir: &Path, options: DiskOptions) -> Result<DiskStorage> {
        recovery::open_writer(dir, options)
    }

    /// Opens the store in `dir` to read only, without its lock, while another process
    /// may have it open for writing: the reads see the last manifest and the valid
    /// records of the write-ahead log when it was opened, and writes fail. Nothing in the
    /// directory is changed (damage found is reported, not moved aside).
    pub fn open_read_only(dir: &Path, options: DiskOptions) -> Result<DiskStorage> {
        recovery::open_reader(dir, options)
    }

    /// Opens the store for writing when no other process has it open, else read-only
    /// (see [`DiskStorage::open_read_only`]); [`DiskStorage::is_read_only`] says which.
    pub fn open_or_read_only(dir: &Path, options: DiskOptions) -> Result<DiskStorage> {
        match recovery::open_writer(dir, options.clone()) {
            Err(StorageError::InUse(_)) => recovery::open_reader(dir, options),
            r => r,
        }
    }

    /// Whether `dir` holds a store (its manifest), as opening it would find.
    pub fn exists_in(dir: &Path) -> bool {
        dir.join(manifest::MANIFEST).is_file()
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What opening the store found: the write-ahead log's records kept and dropped,
    /// damaged data files.
    pub fn recovery(&self) -> &RecoveryReport {
        &self.recovery
    }

    /// Whether the store was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.lock.is_none()
    }

    /// The current state, to read without holding any lock.
    fn snapshot(&self) -> Result<Arc<State>> {
        Ok(Arc::clone(&*self.read_state()?))
    }

    fn read_state(&self) -> Result<RwLockReadGuard<'_, Arc<State>>> {
        self.state.read().map_err(|_| poisoned())
    }

    fn write_state(&self) -> Result<RwLockWriteGuard<'_, Arc<State>>> {
        self.state.write().map_err(|_| poisoned())
    }

    /// The writer's turn; an error in a read-only store.
    fn lock_writer(&self) -> Result<MutexGuard<'_, Writer>> {
        if self.is_read_only() {
            return Err(self.read_only_error());
        }
        self.writer.lock().map_err(|_| poisoned())
    }

    fn read_only_error(&self) -> StorageError {
        StorageError::Backend(format!(
            "store {} is open read-only (another process has it open for writing)",
            self.dir.display()
        ))
    }

    /// Logs a record durably (the caller holds the writer lock).
    fn log(&self, w: &mut Writer, record: &Record<'_>) -> Result<()> {
        let (head, tail) = wal::encode(record);
        let wal = w.wal.as_mut().ok_or_else(|| self.read_only_error())?;
        wal.append(&[&head, tail])?;
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
            let mut guard = self.write_state()?;
            let b = Arc::make_mut(&mut guard).bucket_mut(bucket)?;
            add_types(b, new_types);
            let BucketState {
                buffer,
                field_types,
                ..
            } = b;
            Arc::make_mut(buffer).apply(points(), field_types);
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

/// Renames bucket `name` to `new_name` (maybe the same) with `retention`.
fn rename_bucket(
    state: &mut State,
    name: &str,
    new_name: &str,
    retention: Option<i64>,
) -> Result<()> {
    if new_name != name && state.buckets.contains_key(new_name) {
        return Err(StorageError::BucketExists(new_name.to_string()));
    }
    let mut bucket = state
        .buckets
        .remove(name)
        .ok_or_else(|| StorageError::BucketNotFound(name.to_string()))?;
    Arc::make_mut(&mut bucket).retention = retention;
    state.buckets.insert(new_name.to_string(), bucket);
    Ok(())
}

/// Applies a logged record to the state (on replay); returns the points it added.
fn apply_record(state: &mut State, record: Record<'_>) -> Result<usize> {
    match record {
        Record::CreateBucket { name, retention } => {
            if state.buckets.contains_key(name) {
                return Err(StorageError::BucketExists(name.to_string()));
            }
            state.buckets.insert(
                name.to_string(),
                Arc::new(BucketState {
                    retention,
                    ..BucketState::default()
                }),
            );
            Ok(0)
        }
        Record::DeleteBucket { name } => state
            .buckets
            .remove(name)
            .map(|_| 0)
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string())),
        Record::UpdateBucket {
            name,
            new_name,
            retention,
        } => {
            rename_bucket(state, name, new_name, retention)?;
            Ok(0)
        }
        Record::LineProtocol {
            bucket,
            options,
            text,
        } => {
            let batch = parse_batch(text, &options)?;
            let b = state.bucket_mut(bucket)?;
            let new_types = check_types(&b.field_types, batch.iter())?;
            add_types(b, new_types);
            Arc::make_mut(&mut b.buffer).apply(batch.iter(), &b.field_types);
            Ok(batch.len())
        }
        Record::Points { bucket, points } => {
            let b = state.bucket_mut(bucket)?;
            let new_types = check_types(&b.field_types, points.iter())?;
            add_types(b, new_types);
            Arc::make_mut(&mut b.buffer).apply(points.iter(), &b.field_types);
            Ok(points.len())
        }
        Record::Delete {
            bucket,
            start,
            stop,
            predicate,
        } => {
            apply_delete(state, bucket, start, stop, &predicate)?;
            Ok(0)
        }
    }
}

/// Applies a (logged) delete: drops the buffered rows it matches, and gives the bucket a
/// tombstone for the data files that exist now when one of them may hold such rows.
fn apply_delete(
    state: &mut State,
    bucket: &str,
    start: i64,
    stop: i64,
    predicate: &DeletePredicate,
) -> Result<()> {
    let below = state.next_file_id;
    let b = state.bucket_mut(bucket)?;
    if b.buffer
        .measurements
        .keys()
        .any(|m| predicate.may_match_measurement(m))
    {
        Arc::make_mut(&mut b.buffer).delete(start, stop, predicate);
    }
    let t = Tombstone {
        below,
        start,
        stop,
        predicate: predicate.clone(),
    };
    if b.files
        .iter()
        .any(|f| tombstone::touches(std::slice::from_ref(&t), f))
    {
        b.tombstones.push(t);
    }
    Ok(())
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
        self.create_bucket_named(name, retention)
    }

    fn create_system_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        if !SYSTEM_BUCKETS.contains(&name) {
            check_bucket_name(name)?;
        }
        self.create_bucket_named(name, retention)
    }

    /// Flushes when the log holds writes not in data files (never in a store opened
    /// read-only, which does not write its log).
    fn persist(&self) -> Result<()> {
        let mut w = self.writer.lock().map_err(|_| poisoned())?;
        if w.wal_dirty {
            self.flush_locked(&mut w, false)?;
        }
        Ok(())
    }

    fn update_bucket(&self, name: &str, update: &crate::BucketUpdate) -> Result<()> {
        let mut w = self.lock_writer()?;
        let new_name = update.name.as_deref().unwrap_or(name);
        let retention = {
            let state = self.read_state()?;
            let bucket = state.bucket(name)?;
            if new_name != name {
                if SYSTEM_BUCKETS.contains(&name) {
                    return Err(StorageError::InvalidBucketName(
                        name.to_string(),
                        "a system bucket cannot be renamed",
                    ));
                }
                check_bucket_name(new_name)?;
                if state.buckets.contains_key(new_name) {
                    return Err(StorageError::BucketExists(new_name.to_string()));
                }
            }
            update.retention.unwrap_or(bucket.retention)
        };
        self.log(
            &mut w,
            &Record::UpdateBucket {
                name,
                new_name,
                retention,
            },
        )?;
        rename_bucket(
            Arc::make_mut(&mut *self.write_state()?),
            name,
            new_name,
            retention,
        )
    }

    fn delete_bucket(&self, name: &str) -> Result<()> {
        let mut w = self.lock_writer()?;
        self.read_state()?.bucket(name)?;
        self.log(&mut w, &Record::DeleteBucket { name })?;
        let removed = Arc::make_mut(&mut *self.write_state()?)
            .buckets
            .remove(name);
        // The deletion is durable (logged). Free the disk space now: a checkpoint writes a
        // manifest without the bucket's files, which can then go. If it fails, the files
        // stay until a later open finds them listed nowhere.
        if self.flush_locked(&mut w, true).is_ok() {
            if let Some(b) = removed {
                let held = Arc::downgrade(&b.files);
                for f in b.files.iter() {
                    self.remove_file(f.id, std::sync::Weak::clone(&held));
                }
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
        self.write_parsed(&ParsedText::parse(text, options)?, bucket)
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

    fn delete(
        &self,
        bucket: &str,
        start: i64,
        stop: i64,
        predicate: &DeletePredicate,
    ) -> Result<()> {
        if start > stop {
            return Err(StorageError::DeleteRange { start, stop });
        }
        let mut w = self.lock_writer()?;
        self.read_state()?.bucket(bucket)?;
        self.log(
            &mut w,
            &Record::Delete {
                bucket,
                start,
                stop,
                predicate: std::borrow::Cow::Borrowed(predicate),
            },
        )?;
        // Logged: the delete is durable. Now readers see it.
        let mut guard = self.write_state()?;
        apply_delete(Arc::make_mut(&mut guard), bucket, start, stop, predicate)
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
        let state = self.snapshot()?;
        let b = state.bucket(bucket)?;
        let mut out = BTreeSet::new();
        for f in b.files.iter() {
            if measurement.is_some_and(|m| m != f.measurement) {
                continue;
            }
            let deletes = tombstone::of_file(&b.tombstones, f);
            for (si, s) in f.series.get()?.iter().enumerate() {
                let cut = if deletes.is_empty() {
                    Vec::new()
                } else {
                    tombstone::cuts(&deletes, f, s)
                };
                let mut fields = Vec::new();
                for (name, stats) in f.fields.iter().zip(&s.fields) {
                    let Some(stats) = stats else {
                        continue;
                    };
                    let (first, last) = (stats.first_time(), stats.last_time());
                    let kept = if tombstone::within(&cut, first, last).is_empty() {
                        true
                    } else if tombstone::covers(&cut, first, last) {
                        false
                    } else {
                        // Deleted in part: whether a point is left takes reading them.
                        self.any_point_left(f, si, name, &cut)?
                    };
                    if kept {
                        fields.push(name.as_str());
                    }
                }
                if fields.is_empty() {
                    continue;
                }
                let info = SeriesInfo {
                    measurement: &f.measurement,
                    tags: f
                        .tag_keys
                        .iter()
                        .zip(&s.tags)
                        .filter_map(|(k, v)| v.as_deref().map(|v| (k.as_str(), v)))
                        .collect(),
                    fields,
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

    /// Whether field `field` of series `series` of file `f` has a point outside `cut`
    /// (the spans deleted from it).
    fn any_point_left(
        &self,
        f: &FileMeta,
        series: usize,
        field: &str,
        cut: &[(i64, i64)],
    ) -> Result<bool> {
        use arrow_array::cast::AsArray;
        use arrow_array::types::TimestampNanosecondType;
        use arrow_array::Array;
        let column = parquet_write::field_column(field);
        let mut found = false;
        parquet_read::scan_series(
            &self.dir,
            &self.files,
            f,
            &[series],
            &[field],
            &mut |_, batch| {
                let times = batch
                    .column_by_name(parquet_write::TIME_COLUMN)
                    .and_then(|c| c.as_primitive_opt::<TimestampNanosecondType>());
                let (Some(times), Some(values)) = (times, batch.column_by_name(&column)) else {
                    return Err(StorageError::Backend(format!(
                        "read: data file {} does not match the manifest",
                        f.id
                    )));
                };
                found |= times
                    .values()
                    .iter()
                    .enumerate()
                    .any(|(i, &t)| values.is_valid(i) && !tombstone::is_cut(cut, t));
                Ok(())
            },
        )?;
        Ok(found)
    }

    /// How many deletes the data files still hold rows of (tombstones, over every
    /// bucket): applied by every read, and made permanent (the files rewritten without
    /// those rows) by the compaction after a flush or [`DiskStorage::compact`].
    pub fn pending_deletes(&self) -> Result<usize> {
        Ok(self
            .read_state()?
            .buckets
            .values()
            .map(|b| b.tombstones.len())
            .sum())
    }

    /// Deletes a data file no manifest lists any more (best effort). Reads of snapshots
    /// that still list it (`held`: the file list they share) keep reading it through its
    /// handle, kept open until the last such snapshot is gone.
    fn remove_file(&self, id: u64, held: std::sync::Weak<Vec<FileMeta>>) {
        self.files
            .retire(&parquet_write::file_path(&self.dir, id), id, held);
    }
}

impl Drop for DiskStorage {
    fn drop(&mut self) {
        // Best effort: what is not flushed is in the log and is replayed on open.
        let _ = Storage::persist(self);
    }
}
