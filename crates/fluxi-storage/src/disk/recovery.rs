//! Opening a store: for writing (the lock, what a crash left half-done, the log replayed,
//! a damaged log moved aside, the data files checked by size), or read-only (a consistent
//! snapshot while another process writes), and the report of what was found.

use super::buffer::Buffer;
use super::manifest::Manifest;
use super::parquet_read::{corrupt, crc_of, FileCache};
use super::wal::{self, Replay, Wal, WalDamage};
use super::{
    apply_record, io_error, list_wal_generations, now_ns, parquet_write, sync_dir, BucketState,
    DiskOptions, DiskStorage, State, Writer, DATA_DIR, LOCK_FILE,
};
use crate::storage::{Result, StorageError};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Where damaged files are moved.
pub(crate) const QUARANTINE_DIR: &str = "quarantine";

/// What opening a store found: what its write-ahead log gave back and what it lost, and
/// the data files found damaged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The log replayed.
    pub wal: Option<PathBuf>,
    /// Log records replayed (each an acknowledged batch or bucket change).
    pub records: usize,
    /// Points in the records replayed.
    pub points: u64,
    /// Bytes cut off the end of the log: a record cut short, as a crash during a write
    /// leaves it (such a record was never acknowledged).
    pub truncated_bytes: u64,
    /// Damaged stretches of the log: the records in them are lost (every valid record
    /// after them is kept).
    pub wal_damage: Vec<WalDamage>,
    /// Whether the log's header was damaged.
    pub wal_bad_header: bool,
    /// Whether the log the manifest names was missing (whatever it held is lost; an
    /// empty one was made).
    pub wal_missing: bool,
    /// Where the damaged log was moved (a store opened read-only moves nothing).
    pub moved_aside: Option<PathBuf>,
    /// Records that could not be applied again (none unless the store was damaged).
    pub skipped: usize,
    /// Data files found in `data/` that the manifest does not list (left by a crash
    /// before the manifest that would have listed them), removed.
    pub orphans_removed: usize,
    /// Data files listed in the manifest that are missing or have another size; reads
    /// that need them fail, naming them, until `fluxi store repair` moves them aside.
    pub damaged_files: Vec<DamagedFile>,
}

/// A damaged data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedFile {
    /// Its path.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

impl RecoveryReport {
    /// Acknowledged log records lost (at least this many).
    pub fn dropped_records(&self) -> u64 {
        self.wal_damage.iter().map(|d| d.records).sum::<u64>() + self.skipped as u64
    }

    /// Whether anything acknowledged was lost or is unreadable.
    pub fn lost_anything(&self) -> bool {
        !self.wal_damage.is_empty()
            || self.wal_bad_header
            || self.wal_missing
            || self.skipped > 0
            || !self.damaged_files.is_empty()
    }

    /// Whether there is anything to tell (a loss, a torn record cut off, damage).
    pub fn is_noteworthy(&self) -> bool {
        self.lost_anything() || self.truncated_bytes > 0
    }
}

impl fmt::Display for RecoveryReport {
    /// The report as lines of text (empty when there is nothing to tell).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_noteworthy() {
            return Ok(());
        }
        if let Some(wal) = &self.wal {
            if self.lost_anything() || self.truncated_bytes > 0 {
                writeln!(
                    f,
                    "recovery: write-ahead log {}: kept {} records ({} points)",
                    wal.display(),
                    self.records,
                    self.points
                )?;
            }
        }
        if self.wal_missing {
            writeln!(
                f,
                "recovery: the write-ahead log is MISSING: every write since the last flush is lost"
            )?;
        }
        if self.wal_bad_header && self.records == 0 {
            writeln!(
                f,
                "recovery: DROPPED the whole log: its header is damaged and no valid record was found in it"
            )?;
        } else if self.wal_bad_header {
            writeln!(
                f,
                "recovery: the log's header is damaged; its records were found by their sync markers"
            )?;
        }
        for d in &self.wal_damage {
            let (from, to) = (d.offset, d.offset + d.bytes);
            if !d.at_end {
                writeln!(
                    f,
                    "recovery: DROPPED {} acknowledged record(s): bytes {from}..{to} of the log are damaged; every valid record after them was kept",
                    d.records
                )?;
            } else if d.records > 0 {
                writeln!(
                    f,
                    "recovery: DROPPED at least {} acknowledged record(s): bytes {from}..{to} at the end of the log are damaged",
                    d.records
                )?;
            } else {
                writeln!(
                    f,
                    "recovery: DROPPED bytes {from}..{to} at the end of the log: damaged (not a record cut short by a crash); they may have held an acknowledged record"
                )?;
            }
        }
        if self.truncated_bytes > 0 {
            writeln!(
                f,
                "recovery: cut off {} bytes of a record cut short at the end of the log (a write interrupted by a crash, never acknowledged; if the log was truncated instead, the records after it are lost)",
                self.truncated_bytes
            )?;
        }
        if self.skipped > 0 {
            writeln!(
                f,
                "recovery: DROPPED {} record(s) that could not be applied again",
                self.skipped
            )?;
        }
        if let Some(p) = &self.moved_aside {
            writeln!(
                f,
                "recovery: the damaged log was moved to {} (what was kept is in the store)",
                p.display()
            )?;
        }
        for d in &self.damaged_files {
            writeln!(
                f,
                "damaged: data file {}: {}; reads that need it fail until `fluxi store repair` moves it aside",
                d.path.display(),
                d.problem
            )?;
        }
        Ok(())
    }
}

/// Takes the store's lock; `None` when another process holds it.
fn take_lock(dir: &Path) -> Result<Option<File>> {
    let lock_path = dir.join(LOCK_FILE);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io_error("open lock file", &lock_path, e))?;
    match lock.try_lock() {
        Ok(()) => Ok(Some(lock)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(io_error("lock", &lock_path, e)),
    }
}

/// Whether `data/` holds any data file.
fn has_data_files(dir: &Path) -> bool {
    std::fs::read_dir(dir.join(DATA_DIR)).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_str()
                .and_then(parquet_write::file_id_of)
                .is_some()
        })
    })
}

/// The state a manifest describes (before the log is replayed); the manifest's lists
/// become the state's, not copies.
fn state_of(manifest: Manifest) -> State {
    let mut state = State {
        buckets: BTreeMap::new(),
        next_file_id: manifest.next_file_id,
        partition_duration: manifest.partition_duration,
    };
    for b in manifest.buckets {
        state.buckets.insert(
            b.name,
            Arc::new(BucketState {
                retention: b.retention,
                field_types: b.field_types,
                files: Arc::new(b.files),
                buffer: Arc::new(Buffer::default()),
                tombstones: b.tombstones,
            }),
        );
    }
    state
}

/// Applies the valid records of a log; fills in what the report says of it.
fn replay_into(state: &mut State, replay: &Replay, report: &mut RecoveryReport) {
    for range in &replay.records {
        let applied = replay
            .bytes
            .get(range.clone())
            .and_then(wal::decode)
            .map(|r| apply_record(state, r));
        match applied {
            Some(Ok(points)) => {
                report.records += 1;
                report.points += points as u64;
            }
            _ => report.skipped += 1,
        }
    }
    report.wal_damage = replay.damage.clone();
    report.wal_bad_header = replay.bad_header;
}

/// Opens a store for writing (see [`DiskStorage::open_with`]).
pub(crate) fn open_writer(dir: &Path, options: DiskOptions) -> Result<DiskStorage> {
    if options.partition_duration <= 0 {
        return Err(StorageError::Backend(
            "the partition duration must be positive".into(),
        ));
    }
    std::fs::create_dir_all(dir.join(DATA_DIR))
        .map_err(|e| io_error("create store directory", dir, e))?;
    let Some(lock) = take_lock(dir)? else {
        return Err(StorageError::InUse(dir.display().to_string()));
    };

    Manifest::remove_temporary(dir);
    let mut manifest = match Manifest::load(dir)? {
        Some(m) => m,
        None => {
            // A new store makes its first log before its manifest: a crash between the
            // two leaves an empty log of generation 1 and nothing else.
            let first = dir.join(wal::file_name(1));
            if list_wal_generations(dir)? == [1]
                && !has_data_files(dir)
                && std::fs::metadata(&first).is_ok_and(|m| m.len() <= wal::HEADER_LEN as u64)
            {
                std::fs::remove_file(&first)
                    .map_err(|e| io_error("remove the unfinished log", &first, e))?;
            }
            if !list_wal_generations(dir)?.is_empty() || has_data_files(dir) {
                return Err(StorageError::Corrupt(format!(
                    "store {} has a write-ahead log or data files but no MANIFEST; refusing to open it as a new store",
                    dir.display()
                )));
            }
            let m = Manifest {
                wal_generation: 1,
                next_file_id: 1,
                partition_duration: options.partition_duration,
                buckets: Vec::new(),
            };
            drop(Wal::create(dir, 1)?);
            m.store(dir)?;
            sync_dir(&dir.join(DATA_DIR))?;
            m
        }
    };
    // The log the manifest names always exists (a checkpoint makes the new log before
    // the manifest naming it): when it does not, what it held is lost.
    let wal_missing = !dir.join(wal::file_name(manifest.wal_generation)).exists();
    let (wal, replay) = Wal::open(dir, manifest.wal_generation)?;
    for g in list_wal_generations(dir)? {
        if g != manifest.wal_generation {
            let p = dir.join(wal::file_name(g));
            std::fs::remove_file(&p).map_err(|e| io_error("remove old log", &p, e))?;
        }
    }
    let files = FileCache::default();
    let mut report = RecoveryReport {
        wal: Some(wal.path().to_path_buf()),
        wal_missing,
        truncated_bytes: replay.truncated,
        orphans_removed: remove_orphans(dir, &manifest)?,
        ..RecoveryReport::default()
    };
    // Sizes now; checksums when read. A manifest of version 1 gets its checksums.
    let mut add_checksums = false;
    for f in manifest.buckets.iter_mut().flat_map(|b| b.files.iter_mut()) {
        let path = parquet_write::file_path(dir, f.id);
        let problem = match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some("it is missing".to_string()),
            Err(e) => return Err(io_error("stat data file", &path, e)),
            Ok(m) if m.len() != f.bytes => Some(format!(
                "it has {} bytes where the manifest recorded {}",
                m.len(),
                f.bytes
            )),
            Ok(m) => {
                if f.checksum.is_none() {
                    let crc = File::open(&path)
                        .and_then(|h| crc_of(&h, m.len()))
                        .map_err(|e| io_error("read data file", &path, e))?;
                    f.checksum = Some(crc);
                    add_checksums = true;
                }
                None
            }
        };
        if let Some(problem) = problem {
            files.mark_damaged(f.id, corrupt(&path, &problem));
            report.damaged_files.push(DamagedFile { path, problem });
        }
    }
    let generation = manifest.wal_generation;
    let mut state = state_of(manifest);
    replay_into(&mut state, &replay, &mut report);
    let wal_dirty = !replay.records.is_empty();
    let damaged_log = replay.damaged();
    let rewrite = damaged_log || replay.legacy || add_checksums;
    drop(replay);
    let mut store = DiskStorage {
        dir: dir.to_path_buf(),
        options,
        state: RwLock::new(Arc::new(state)),
        writer: Mutex::new(Writer {
            generation: wal.generation,
            wal: Some(wal),
            wal_dirty,
            flush_backoff: 0,
        }),
        files,
        recovery: RecoveryReport::default(),
        lock: Some(lock),
    };
    if wal_missing {
        let qdir = dir.join(QUARANTINE_DIR);
        std::fs::create_dir_all(&qdir).map_err(|e| io_error("create", &qdir, e))?;
        let note = qdir.join(format!("{}.missing-wal.txt", now_ns()));
        std::fs::write(&note, report.to_string()).map_err(|e| io_error("write", &note, e))?;
    }
    if damaged_log {
        // A copy first: until the checkpoint below, the damaged log is the store's.
        let from = dir.join(wal::file_name(generation));
        report.moved_aside = Some(quarantine(dir, &from, &report.to_string())?);
    }
    if rewrite {
        // What was kept goes to data files and a new log (of the current format); the
        // manifest written records every file's checksum. The old log is removed.
        let mut w = store.lock_writer()?;
        store.checkpoint(&mut w, true)?;
    }
    store.recovery = report;
    store.enforce_retention(now_ns())?;
    {
        let mut w = store.lock_writer()?;
        if store.read_state()?.buffered_rows() >= store.options.buffer_rows {
            store.flush_locked(&mut w, false)?;
        }
    }
    Ok(store)
}

/// Copies a damaged file into `quarantine/` (named after it and the time), with a `.txt`
/// beside it saying what was lost; returns the copy's path.
pub(crate) fn quarantine(dir: &Path, from: &Path, note: &str) -> Result<PathBuf> {
    let qdir = dir.join(QUARANTINE_DIR);
    std::fs::create_dir_all(&qdir).map_err(|e| io_error("create", &qdir, e))?;
    let name = from
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let to = qdir.join(format!("{}.{name}", now_ns()));
    std::fs::copy(from, &to).map_err(|e| io_error("copy into quarantine", from, e))?;
    let mut txt = to.clone().into_os_string();
    txt.push(".txt");
    std::fs::write(&txt, note).map_err(|e| io_error("write", Path::new(&txt), e))?;
    File::open(&to)
        .and_then(|f| f.sync_all())
        .map_err(|e| io_error("sync", &to, e))?;
    sync_dir(&qdir)?;
    Ok(to)
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
    Ok(removed)
}

/// Opens a store read-only (see [`DiskStorage::open_read_only`]): the manifest, handles
/// of the files it lists and the log it names, read again until the manifest did not
/// change meanwhile (a writer may checkpoint at any moment).
pub(crate) fn open_reader(dir: &Path, options: DiskOptions) -> Result<DiskStorage> {
    let no_store = || StorageError::Backend(format!("there is no store at {}", dir.display()));
    for _ in 0..200 {
        let bytes = Manifest::read_bytes(dir)?.ok_or_else(no_store)?;
        let manifest = Manifest::decode(dir, &bytes)?;
        let files = FileCache::default();
        let mut missing = Vec::new();
        for f in manifest.buckets.iter().flat_map(|b| b.files.iter()) {
            let path = parquet_write::file_path(dir, f.id);
            match File::open(&path) {
                Ok(h) => files.preopen(f.id, h),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push((f.id, path)),
                Err(e) => return Err(io_error("open data file", &path, e)),
            }
        }
        let replay = Wal::read(dir, manifest.wal_generation)?;
        if Manifest::read_bytes(dir)?.as_ref() != Some(&bytes) {
            std::thread::sleep(std::time::Duration::from_millis(2));
            continue;
        }
        // No log: the writer has not created it yet, so nothing is logged in it.
        let replay = replay.unwrap_or_default();
        let mut report = RecoveryReport {
            wal: Some(dir.join(wal::file_name(manifest.wal_generation))),
            ..RecoveryReport::default()
        };
        for (id, path) in missing {
            let problem = "it is missing".to_string();
            files.mark_damaged(id, corrupt(&path, &problem));
            report.damaged_files.push(DamagedFile { path, problem });
        }
        let generation = manifest.wal_generation;
        let mut state = state_of(manifest);
        replay_into(&mut state, &replay, &mut report);
        // A record cut short at the end may be a write in progress: not reported.
        return Ok(DiskStorage {
            dir: dir.to_path_buf(),
            options,
            state: RwLock::new(Arc::new(state)),
            writer: Mutex::new(Writer {
                generation,
                wal: None,
                wal_dirty: false,
                flush_backoff: 0,
            }),
            files,
            recovery: report,
            lock: None,
        });
    }
    Err(StorageError::Backend(format!(
        "store {} kept changing while it was being opened read-only",
        dir.display()
    )))
}
