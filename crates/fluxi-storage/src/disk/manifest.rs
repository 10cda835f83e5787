//! The manifest: which buckets exist, the field types of their measurements, and which
//! Parquet files hold their data, with what the reads need to prune them (time range,
//! series, and per series and field the count and the first and last points).
//!
//! It is one file, `MANIFEST`: a first line `fluxi-manifest <version> <crc32 of the rest,
//! hex>` and then JSON. Version 2 records each data file's CRC-32 (`checksum`); a version
//! 1 manifest (written before) is read with no checksums, and the store adds them when it
//! opens it for writing. Version 3 is written while a bucket has tombstones (deletes its
//! data files still hold, see tombstone.rs), so that a fluxi that knows nothing of them
//! refuses the store instead of showing deleted points again; without tombstones the
//! manifest is written as version 2. It is replaced atomically: written to `MANIFEST.tmp`, synced,
//! renamed over `MANIFEST`, and the directory synced. The write-ahead log generation it
//! names holds every change made after it was written; a Parquet file it does not list is
//! not part of the store (left over by a crash) and is removed on open.

use super::io_error;
use super::rows::{FieldRef, FieldType};
use super::tombstone::Tombstone;
use crate::storage::{Result, StorageError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;

/// The manifest's file name.
pub(crate) const MANIFEST: &str = "MANIFEST";
pub(crate) const MANIFEST_TMP: &str = "MANIFEST.tmp";
const VERSION: u32 = 3;
/// The version written when no bucket has tombstones.
const VERSION_WITHOUT_TOMBSTONES: u32 = 2;
/// The oldest version read.
const OLDEST_VERSION: u32 = 1;

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    /// The write-ahead log generation to replay on top of this.
    pub wal_generation: u64,
    /// The id the next Parquet file gets.
    pub next_file_id: u64,
    /// The length of a time partition, nanoseconds (fixed when the store is created).
    pub partition_duration: i64,
    pub buckets: Vec<BucketMeta>,
}

/// A bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BucketMeta {
    pub name: String,
    pub retention: Option<i64>,
    /// The type of each field, per measurement.
    pub field_types: BTreeMap<String, BTreeMap<String, FieldType>>,
    pub files: Vec<FileMeta>,
    /// Deletes the files still hold rows of (oldest first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tombstones: Vec<Tombstone>,
}

/// A Parquet file: the rows of one measurement in one time partition, sorted by series
/// (tag values) and time, one row per series and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileMeta {
    /// `data/<id>.parquet`; a larger id is newer (its values win).
    pub id: u64,
    pub measurement: String,
    /// The partition `[start, end)`.
    pub partition: (i64, i64),
    /// The earliest and latest time in the file.
    pub min_time: i64,
    pub max_time: i64,
    pub rows: u64,
    /// The size of the file.
    pub bytes: u64,
    /// The CRC-32 of the whole file (none in a manifest of version 1, until the store is
    /// opened for writing).
    #[serde(default)]
    pub checksum: Option<u32>,
    /// The CRC-32 of each part a read uses, `(start, length, crc)` in file order: every
    /// row group's column chunks, then the tail (page indexes and footer). A read checks
    /// the parts it uses as it first touches them, instead of the whole file; a file
    /// without them (written before they were recorded) is checked whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<(u64, u64, u32)>,
    /// The tag keys of the file's series, sorted (column `t:<key>`).
    pub tag_keys: Vec<String>,
    /// The fields in the file, sorted (column `f:<name>`).
    pub fields: Vec<String>,
    /// The series, in file order.
    pub series: Vec<SeriesMeta>,
}

/// A series in a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SeriesMeta {
    /// The value of each of the file's tag keys (none where the series lacks it).
    pub tags: Vec<Option<String>>,
    /// Its rows: `[first_row, first_row + rows)`.
    pub first_row: u64,
    pub rows: u64,
    pub min_time: i64,
    pub max_time: i64,
    /// Per field of the file: none if the series has no value of it here.
    pub fields: Vec<Option<FieldStats>>,
}

/// The values of a field of a series in a file: how many, and the first and last
/// (times and values; a value is left out, as null, when it is a long string).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FieldStats(
    pub u64,
    pub i64,
    pub i64,
    pub serde_json::Value,
    pub serde_json::Value,
);

impl FieldStats {
    pub(crate) fn count(&self) -> u64 {
        self.0
    }
    pub(crate) fn first_time(&self) -> i64 {
        self.1
    }
    pub(crate) fn last_time(&self) -> i64 {
        self.2
    }
    pub(crate) fn first(&self) -> &serde_json::Value {
        &self.3
    }
    pub(crate) fn last(&self) -> &serde_json::Value {
        &self.4
    }
}

/// The longest string value kept in [`FieldStats`].
const LONGEST_STAT_STRING: usize = 64;

/// A field value as kept in the manifest.
pub(crate) fn stat_value(v: Option<FieldRef<'_>>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Some(FieldRef::Float(f)) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Some(FieldRef::Int(i)) => J::from(i),
        Some(FieldRef::UInt(u)) => J::from(u),
        Some(FieldRef::Str(s)) if s.len() <= LONGEST_STAT_STRING => J::from(s),
        Some(FieldRef::Bool(b)) => J::from(b),
        _ => J::Null,
    }
}

/// An owned field value read back from the manifest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StatValue {
    Float(f64),
    Int(i64),
    UInt(u64),
    Str(String),
    Bool(bool),
}

/// Reads a [`stat_value`] back as a value of type `ty` (none when it was left out).
pub(crate) fn read_stat(v: &serde_json::Value, ty: FieldType) -> Option<StatValue> {
    Some(match ty {
        FieldType::Float => StatValue::Float(v.as_f64()?),
        FieldType::Integer => StatValue::Int(v.as_i64()?),
        FieldType::Unsigned => StatValue::UInt(v.as_u64()?),
        FieldType::String => StatValue::Str(v.as_str()?.to_string()),
        FieldType::Boolean => StatValue::Bool(v.as_bool()?),
    })
}

impl Manifest {
    /// Reads the manifest of a store; `None` when there is none.
    pub(crate) fn load(dir: &Path) -> Result<Option<Manifest>> {
        let path = dir.join(MANIFEST);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error("read the manifest", &path, e)),
        };
        let corrupt = |why: String| {
            StorageError::Corrupt(format!("manifest {} is damaged: {why}", path.display()))
        };
        let newline = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| corrupt("no header line".into()))?;
        let head = std::str::from_utf8(bytes.get(..newline).unwrap_or_default())
            .map_err(|_| corrupt("the header line is not text".into()))?;
        let body = bytes.get(newline + 1..).unwrap_or_default();
        let mut words = head.split(' ');
        if words.next() != Some("fluxi-manifest") {
            return Err(corrupt("not a fluxi manifest".into()));
        }
        let version: u32 = words
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| corrupt("no version".into()))?;
        if !(OLDEST_VERSION..=VERSION).contains(&version) {
            return Err(StorageError::Backend(format!(
                "manifest {} has format version {version}; this fluxi reads versions {OLDEST_VERSION} to {VERSION}",
                path.display()
            )));
        }
        let crc = words
            .next()
            .and_then(|c| u32::from_str_radix(c, 16).ok())
            .ok_or_else(|| corrupt("no checksum".into()))?;
        if crc32fast::hash(body) != crc {
            return Err(corrupt("checksum mismatch".into()));
        }
        let manifest: Manifest =
            serde_json::from_slice(body).map_err(|e| corrupt(e.to_string()))?;
        if manifest.partition_duration <= 0 {
            return Err(corrupt("the partition duration is not positive".into()));
        }
        Ok(Some(manifest))
    }

    /// Replaces the manifest of a store atomically and durably.
    pub(crate) fn store(&self, dir: &Path) -> Result<()> {
        self.store_temporary(dir)?;
        match self.commit(dir)? {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    /// Writes the manifest to `MANIFEST.tmp` and syncs it.
    pub(crate) fn store_temporary(&self, dir: &Path) -> Result<()> {
        let body = serde_json::to_vec(self)
            .map_err(|e| StorageError::Backend(format!("cannot encode the manifest: {e}")))?;
        let version = if self.buckets.iter().any(|b| !b.tombstones.is_empty()) {
            VERSION
        } else {
            VERSION_WITHOUT_TOMBSTONES
        };
        let head = format!("fluxi-manifest {version} {:08x}\n", crc32fast::hash(&body));
        let tmp = dir.join(MANIFEST_TMP);
        let written = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(head.as_bytes())?;
            f.write_all(&body)?;
            f.sync_all()
        })();
        written.map_err(|e| io_error("write the new manifest", &tmp, e))
    }

    /// Renames `MANIFEST.tmp` over `MANIFEST` and syncs the directory. `Err` if the
    /// rename failed (the old manifest is in place); `Ok(Some(e))` if only the sync did.
    pub(crate) fn commit(&self, dir: &Path) -> Result<Option<StorageError>> {
        let tmp = dir.join(MANIFEST_TMP);
        let path = dir.join(MANIFEST);
        std::fs::rename(&tmp, &path).map_err(|e| io_error("replace the manifest", &path, e))?;
        Ok(super::sync_dir(dir).err())
    }

    /// Removes a half-written manifest left by a crash.
    pub(crate) fn remove_temporary(dir: &Path) {
        let _ = std::fs::remove_file(dir.join(MANIFEST_TMP));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_values_round_trip() {
        let cases = [
            (
                FieldRef::Float(0.1),
                FieldType::Float,
                StatValue::Float(0.1),
            ),
            (
                FieldRef::Float(1.0),
                FieldType::Float,
                StatValue::Float(1.0),
            ),
            (
                FieldRef::Int(i64::MIN),
                FieldType::Integer,
                StatValue::Int(i64::MIN),
            ),
            (
                FieldRef::UInt(u64::MAX),
                FieldType::Unsigned,
                StatValue::UInt(u64::MAX),
            ),
            (
                FieldRef::Str("x"),
                FieldType::String,
                StatValue::Str("x".into()),
            ),
            (
                FieldRef::Bool(false),
                FieldType::Boolean,
                StatValue::Bool(false),
            ),
        ];
        for (v, ty, back) in cases {
            let j = stat_value(Some(v));
            let text = serde_json::to_string(&j).unwrap_or_default();
            let j: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            assert_eq!(read_stat(&j, ty), Some(back));
        }
        let long = "x".repeat(100);
        assert_eq!(
            stat_value(Some(FieldRef::Str(&long))),
            serde_json::Value::Null
        );
    }
}
