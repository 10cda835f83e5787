//! `fluxi store check` and `fluxi store repair`: every data file verified against the
//! manifest; damaged ones moved to `quarantine/` and dropped from the manifest, saying
//! which series and time ranges were lost.

use super::manifest::FileMeta;
use super::parquet_write::file_path;
use super::recovery::{quarantine, DamagedFile, QUARANTINE_DIR};
use super::tombstone::{self, Tombstone};
use super::{BucketState, DiskStorage};
use crate::storage::Result;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

/// What [`DiskStorage::check`] (or [`DiskStorage::repair`]) found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreCheckReport {
    /// Data files verified (size, CRC-32, footer).
    pub files: usize,
    /// Their bytes.
    pub bytes: u64,
    /// The damaged ones.
    pub damaged: Vec<DamagedFile>,
    /// What the damaged ones hold (what a repair loses).
    pub lost: Vec<LostData>,
    /// Where a repair moved the damaged files (a check moves nothing).
    pub moved: Vec<PathBuf>,
    /// What is in `quarantine/` (from this and earlier repairs and recoveries).
    pub quarantined: Vec<PathBuf>,
    /// Deletes the data files still hold rows of (applied by every read; the next
    /// compaction makes them permanent).
    pub pending_deletes: usize,
}

/// The data of one series in a damaged file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostData {
    /// The bucket.
    pub bucket: String,
    /// The measurement.
    pub measurement: String,
    /// The series' tags, `k=v` joined by commas.
    pub tags: String,
    /// Its first and last time in the file (nanoseconds since the epoch).
    pub min_time: i64,
    /// See `min_time`.
    pub max_time: i64,
    /// Its rows in the file.
    pub rows: u64,
}

impl StoreCheckReport {
    /// Whether everything verified.
    pub fn is_clean(&self) -> bool {
        self.damaged.is_empty()
    }
}

impl fmt::Display for StoreCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "data files: {} verified ({} bytes), {} damaged",
            self.files,
            self.bytes,
            self.damaged.len()
        )?;
        if self.pending_deletes > 0 {
            writeln!(
                f,
                "deletes: {} not yet rewritten into the data files (every read applies them; the next compaction makes them permanent)",
                self.pending_deletes
            )?;
        }
        for d in &self.damaged {
            writeln!(f, "damaged: data file {}: {}", d.path.display(), d.problem)?;
        }
        for l in &self.lost {
            let time = |t: i64| fluxi_value::Value::Time(t).to_string();
            writeln!(
                f,
                "lost: bucket {:?}, measurement {:?}, series {{{}}}: {} rows from {} to {}",
                l.bucket,
                l.measurement,
                l.tags,
                l.rows,
                time(l.min_time),
                time(l.max_time)
            )?;
        }
        for m in &self.moved {
            writeln!(f, "moved to {}", m.display())?;
        }
        if !self.quarantined.is_empty() {
            writeln!(
                f,
                "quarantine: {} file(s) moved aside earlier (each with a .txt saying what was lost)",
                self.quarantined
                    .iter()
                    .filter(|p| p.extension().is_none_or(|e| e != "txt"))
                    .count()
            )?;
        }
        Ok(())
    }
}

/// The series of a file as lost data (less those deletes removed whole).
fn lost_of(bucket: &str, f: &FileMeta, tombstones: &[Tombstone]) -> Result<Vec<LostData>> {
    let deletes = tombstone::of_file(tombstones, f);
    Ok(f.series
        .get()?
        .iter()
        .filter(|s| !tombstone::covers(&tombstone::cuts(&deletes, f, s), s.min_time, s.max_time))
        .map(|s| LostData {
            bucket: bucket.to_string(),
            measurement: f.measurement.clone(),
            tags: f
                .tag_keys
                .iter()
                .zip(&s.tags)
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(","),
            min_time: s.min_time,
            max_time: s.max_time,
            rows: s.rows,
        })
        .collect())
}

impl DiskStorage {
    /// Verifies every data file against the manifest (size, CRC-32, a footer that
    /// parses), reading each whole, and lists what is in `quarantine/`. Changes nothing.
    pub fn check(&self) -> Result<StoreCheckReport> {
        let state = self.snapshot()?;
        let mut report = StoreCheckReport::default();
        for (name, b) in &state.buckets {
            self.check_bucket(name, b, &mut report);
            report.pending_deletes += b.tombstones.len();
        }
        if let Ok(entries) = std::fs::read_dir(self.dir.join(QUARANTINE_DIR)) {
            let mut q: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            q.sort();
            report.quarantined = q;
        }
        Ok(report)
    }

    fn check_bucket(&self, name: &str, b: &BucketState, report: &mut StoreCheckReport) {
        for f in b.files.iter() {
            match self.files.recheck(&self.dir, f) {
                Ok(()) => {
                    report.files += 1;
                    report.bytes += f.bytes;
                }
                Err(e) => {
                    report.damaged.push(DamagedFile {
                        path: file_path(&self.dir, f.id),
                        problem: e.to_string(),
                    });
                    match lost_of(name, f, &b.tombstones) {
                        Ok(lost) => report.lost.extend(lost),
                        Err(e) => report.damaged.push(DamagedFile {
                            path: file_path(&self.dir, f.id),
                            problem: e.to_string(),
                        }),
                    }
                }
            }
        }
    }

    /// [`DiskStorage::check`], then moves every damaged data file to `quarantine/`
    /// (with a `.txt` saying which series and times it held) and writes a manifest
    /// without them. The report's `lost` says what is gone.
    pub fn repair(&self) -> Result<StoreCheckReport> {
        let mut w = self.lock_writer()?;
        let mut report = self.check()?;
        if report.damaged.is_empty() {
            return Ok(report);
        }
        let bad: Vec<PathBuf> = report.damaged.iter().map(|d| d.path.clone()).collect();
        let note = report.to_string();
        for p in &bad {
            if p.exists() {
                report.moved.push(quarantine(&self.dir, p, &note)?);
            }
        }
        let mut removed = Vec::new();
        {
            let mut guard = self.write_state()?;
            let state = Arc::make_mut(&mut guard);
            for bucket in state.buckets.values_mut() {
                let dir = &self.dir;
                let is_bad = |f: &FileMeta| bad.contains(&file_path(dir, f.id));
                if !bucket.files.iter().any(is_bad) {
                    continue;
                }
                let b = Arc::make_mut(bucket);
                let held = Arc::downgrade(&b.files);
                let kept: Vec<FileMeta> = b.files.iter().filter(|f| !is_bad(f)).cloned().collect();
                removed.extend(
                    b.files
                        .iter()
                        .filter(|f| is_bad(f))
                        .map(|f| (f.id, std::sync::Weak::clone(&held))),
                );
                b.tombstones = tombstone::live(&b.tombstones, &kept);
                b.files = Arc::new(kept);
            }
        }
        self.checkpoint(&mut w, true)?;
        for (id, held) in removed {
            self.remove_file(id, held);
        }
        Ok(report)
    }
}
