//! The manifest: which buckets exist, the field types of their measurements, and which
//! Parquet files hold their data, with what the reads need to prune them (time range,
//! series, and per series and field the count and the first and last points).
//!
//! It is one file, `MANIFEST`: a first line `fluxi-manifest <version> <crc32 of the rest,
//! hex>` and then the body. Version 5, written now, has a binary body (postcard: the
//! structs below field after field, integers as varints), which a query reads several
//! times faster than JSON: every query of a fresh process starts by reading it, and
//! at 100 M values it is megabytes. In it, each file's series are one length-prefixed
//! run of bytes, decoded when a read first needs them ([`Series`]): opening the store
//! costs a copy of those bytes, and a query decodes the series of the files it reads
//! only. Version 4 is the same body with the series in line, and is still read; versions
//! 1 to 3 have a JSON body and are still read:
//! version 2 records each data file's CRC-32 (`checksum`); version 1 has no checksums,
//! and the store adds them when it opens it for writing; version 3 was written while a
//! bucket had tombstones (deletes its data files still hold, see tombstone.rs), so that a
//! fluxi that knew nothing of them refused the store. `manifest_json` shows a manifest
//! as JSON, for people and tests. It is replaced atomically: written to `MANIFEST.tmp`, synced,
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
use std::sync::{Arc, OnceLock};

/// The manifest's file name.
pub(crate) const MANIFEST: &str = "MANIFEST";
pub(crate) const MANIFEST_TMP: &str = "MANIFEST.tmp";
const VERSION: u32 = 5;
/// The last version with a JSON body.
const LAST_JSON_VERSION: u32 = 3;
/// The version whose binary body has each file's series in line.
const INLINE_SERIES_VERSION: u32 = 4;
/// The oldest version read.
const OLDEST_VERSION: u32 = 1;

/// The whole manifest. `S` is how a file's series are held: as [`Series`], but for
/// reading a body of version 4 (the series in line, a plain list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Manifest<S = Series> {
    /// The write-ahead log generation to replay on top of this.
    pub wal_generation: u64,
    /// The id the next Parquet file gets.
    pub next_file_id: u64,
    /// The length of a time partition, nanoseconds (fixed when the store is created).
    pub partition_duration: i64,
    pub buckets: Vec<BucketMeta<S>>,
}

/// A bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BucketMeta<S = Series> {
    pub name: String,
    pub retention: Option<i64>,
    /// The type of each field, per measurement.
    pub field_types: BTreeMap<String, BTreeMap<String, FieldType>>,
    pub files: Vec<FileMeta<S>>,
    /// Deletes the files still hold rows of (oldest first).
    #[serde(default)]
    pub tombstones: Vec<Tombstone>,
}

/// A Parquet file: the rows of one measurement in one time partition, sorted by series
/// (tag values) and time, one row per series and time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FileMeta<S = Series> {
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
    #[serde(default)]
    pub parts: Vec<(u64, u64, u32)>,
    /// The tag keys of the file's series, sorted (column `t:<key>`).
    pub tag_keys: Vec<String>,
    /// The fields in the file, sorted (column `f:<name>`).
    pub fields: Vec<String>,
    /// The series, in file order.
    pub series: S,
}

impl From<Manifest<Vec<SeriesMeta>>> for Manifest {
    fn from(m: Manifest<Vec<SeriesMeta>>) -> Manifest {
        Manifest {
            wal_generation: m.wal_generation,
            next_file_id: m.next_file_id,
            partition_duration: m.partition_duration,
            buckets: m
                .buckets
                .into_iter()
                .map(|b| BucketMeta {
                    name: b.name,
                    retention: b.retention,
                    field_types: b.field_types,
                    files: b
                        .files
                        .into_iter()
                        .map(|f| FileMeta {
                            id: f.id,
                            measurement: f.measurement,
                            partition: f.partition,
                            min_time: f.min_time,
                            max_time: f.max_time,
                            rows: f.rows,
                            bytes: f.bytes,
                            checksum: f.checksum,
                            parts: f.parts,
                            tag_keys: f.tag_keys,
                            fields: f.fields,
                            series: Series::new(f.series),
                        })
                        .collect(),
                    tombstones: b.tombstones,
                })
                .collect(),
        }
    }
}

/// The series of a data file, and how its row groups lie (when recorded): in the
/// manifest's binary body, their encoded bytes (one run: the list, postcard, then the
/// [`ChunkLayout`] if there is one), decoded when first asked for ([`Series::get`]) and
/// kept. Clones share the bytes and what was decoded. A fluxi that knows no layout reads
/// the list and ignores the bytes after it.
#[derive(Clone)]
pub(crate) struct Series(Arc<SeriesCell>);

struct SeriesCell {
    /// The list (and layout) encoded (empty for a list made in memory, until it is
    /// written).
    encoded: Box<[u8]>,
    /// The list and layout, or why their bytes could not be decoded.
    decoded: OnceLock<std::result::Result<FileIndex, String>>,
}

/// What a file's run of bytes in the manifest holds.
#[derive(Debug)]
struct FileIndex {
    series: Vec<SeriesMeta>,
    layout: Option<ChunkLayout>,
}

/// How a data file's row groups and column chunks lie, recorded when it is written so a
/// read can find the column chunks it needs without reading and decoding the file's
/// footer (a hundred row groups of a dozen columns each, where a read of one series
/// needs one or two). With the manifest's parts (`FileMeta::parts`: the head, then every
/// row group's column chunks in file order, then the tail) it says which chunk is which.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ChunkLayout {
    /// What the rest means. [`LAYOUT_FORM`]: the columns are `_time`, then `t:<key>` for
    /// each tag key, then `f:<name>` for each field (the file's `tag_keys` and `fields`
    /// in order), every row group has a chunk of each, in that order, compressed with
    /// LZ4 (raw); `_time` is required timestamps (nanoseconds), the others optional.
    /// A read that does not know the form reads the footer.
    pub form: u32,
    /// The rows of each row group, in file order.
    pub groups: Vec<u64>,
    /// The type of each field column (the file's `fields`, in order).
    pub types: Vec<FieldType>,
}

/// The one [`ChunkLayout::form`] this fluxi writes and reads.
pub(crate) const LAYOUT_FORM: u32 = 1;

impl FileIndex {
    fn decode(bytes: &[u8]) -> std::result::Result<FileIndex, String> {
        let (series, rest) = postcard::take_from_bytes(bytes).map_err(|e| e.to_string())?;
        let layout = if rest.is_empty() {
            None
        } else {
            Some(postcard::from_bytes(rest).map_err(|e| format!("its layout: {e}"))?)
        };
        Ok(FileIndex { series, layout })
    }

    fn encode(&self) -> std::result::Result<Vec<u8>, postcard::Error> {
        let mut bytes = postcard::to_allocvec(&self.series)?;
        if let Some(layout) = &self.layout {
            bytes.extend(postcard::to_allocvec(layout)?);
        }
        Ok(bytes)
    }
}

impl Series {
    /// A list made in memory.
    pub(crate) fn new(list: Vec<SeriesMeta>) -> Series {
        Series::with_layout(list, None)
    }

    /// A list made in memory, with the file's layout.
    pub(crate) fn with_layout(list: Vec<SeriesMeta>, layout: Option<ChunkLayout>) -> Series {
        let decoded = OnceLock::new();
        let _ = decoded.set(Ok(FileIndex {
            series: list,
            layout,
        }));
        Series(Arc::new(SeriesCell {
            encoded: Box::default(),
            decoded,
        }))
    }

    fn index(&self) -> Result<&FileIndex> {
        let cell = &self.0;
        cell.decoded
            .get_or_init(|| FileIndex::decode(&cell.encoded))
            .as_ref()
            .map_err(|e| {
                StorageError::Corrupt(format!(
                    "the manifest's list of the series of a data file cannot be read: {e}"
                ))
            })
    }

    /// The series, in file order (decoded on first use; a list that cannot be is a
    /// damaged manifest).
    pub(crate) fn get(&self) -> Result<&[SeriesMeta]> {
        self.index().map(|i| i.series.as_slice())
    }

    /// How the file's row groups lie, if recorded (files written before it was, and
    /// files of manifests written as JSON, have none).
    pub(crate) fn layout(&self) -> Result<Option<&ChunkLayout>> {
        self.index().map(|i| i.layout.as_ref())
    }
}

impl std::fmt::Debug for Series {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.decoded.get() {
            Some(Ok(index)) => index.series.fmt(f),
            _ => write!(f, "Series({} bytes, not decoded)", self.0.encoded.len()),
        }
    }
}

impl PartialEq for Series {
    /// The same series and layout (both decoded; a list that cannot be is equal to none).
    fn eq(&self, other: &Series) -> bool {
        match (self.index(), other.index()) {
            (Ok(a), Ok(b)) => a.series == b.series && a.layout == b.layout,
            _ => false,
        }
    }
}

impl Serialize for Series {
    /// JSON: the list (the layout is left out: a store whose manifest is written from
    /// JSON reads footers). Binary: its bytes (as read, or encoded now).
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::Error;
        if s.is_human_readable() {
            return self.get().map_err(S::Error::custom)?.serialize(s);
        }
        if !self.0.encoded.is_empty() {
            return s.serialize_bytes(&self.0.encoded);
        }
        let bytes = self
            .index()
            .map_err(S::Error::custom)?
            .encode()
            .map_err(S::Error::custom)?;
        s.serialize_bytes(&bytes)
    }
}

impl<'de> Deserialize<'de> for Series {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Series, D::Error> {
        if d.is_human_readable() {
            return Vec::<SeriesMeta>::deserialize(d).map(Series::new);
        }
        struct Encoded;
        impl serde::de::Visitor<'_> for Encoded {
            type Value = Series;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the encoded series of a file")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> std::result::Result<Series, E> {
                Ok(Series(Arc::new(SeriesCell {
                    encoded: v.into(),
                    decoded: OnceLock::new(),
                })))
            }
        }
        d.deserialize_bytes(Encoded)
    }
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
pub(crate) struct FieldStats(pub u64, pub i64, pub i64, pub Stat, pub Stat);

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
    pub(crate) fn first(&self) -> &Stat {
        &self.3
    }
    pub(crate) fn last(&self) -> &Stat {
        &self.4
    }
}

/// A first or last value as the manifest keeps it: `Null` where it was left out (a long
/// string, a non-finite float). In JSON (versions 1 to 3) it is a plain JSON value, whose
/// numbers do not say their type: [`read_stat`] reads them by the field's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stat {
    Null,
    Float(f64),
    Int(i64),
    UInt(u64),
    Str(String),
    Bool(bool),
}

/// [`Stat`] in the binary body: a tagged enum.
#[derive(Serialize, Deserialize)]
enum StatTagged {
    Null,
    Float(f64),
    Int(i64),
    UInt(u64),
    Str(String),
    Bool(bool),
}

impl Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return match self {
                Stat::Null => s.serialize_unit(),
                Stat::Float(f) => s.serialize_f64(*f),
                Stat::Int(i) => s.serialize_i64(*i),
                Stat::UInt(u) => s.serialize_u64(*u),
                Stat::Str(t) => s.serialize_str(t),
                Stat::Bool(b) => s.serialize_bool(*b),
            };
        }
        match self.clone() {
            Stat::Null => StatTagged::Null,
            Stat::Float(f) => StatTagged::Float(f),
            Stat::Int(i) => StatTagged::Int(i),
            Stat::UInt(u) => StatTagged::UInt(u),
            Stat::Str(t) => StatTagged::Str(t),
            Stat::Bool(b) => StatTagged::Bool(b),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Stat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Stat, D::Error> {
        if !d.is_human_readable() {
            return Ok(match StatTagged::deserialize(d)? {
                StatTagged::Null => Stat::Null,
                StatTagged::Float(f) => Stat::Float(f),
                StatTagged::Int(i) => Stat::Int(i),
                StatTagged::UInt(u) => Stat::UInt(u),
                StatTagged::Str(t) => Stat::Str(t),
                StatTagged::Bool(b) => Stat::Bool(b),
            });
        }
        struct Plain;
        impl serde::de::Visitor<'_> for Plain {
            type Value = Stat;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null, a number, a string or a boolean")
            }
            fn visit_unit<E>(self) -> std::result::Result<Stat, E> {
                Ok(Stat::Null)
            }
            fn visit_none<E>(self) -> std::result::Result<Stat, E> {
                Ok(Stat::Null)
            }
            fn visit_bool<E>(self, v: bool) -> std::result::Result<Stat, E> {
                Ok(Stat::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Stat, E> {
                Ok(Stat::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Stat, E> {
                Ok(Stat::UInt(v))
            }
            fn visit_f64<E>(self, v: f64) -> std::result::Result<Stat, E> {
                Ok(Stat::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Stat, E> {
                Ok(Stat::Str(v.to_string()))
            }
        }
        d.deserialize_any(Plain)
    }
}

/// The longest string value kept in [`FieldStats`].
const LONGEST_STAT_STRING: usize = 64;

/// A field value as kept in the manifest.
pub(crate) fn stat_value(v: Option<FieldRef<'_>>) -> Stat {
    match v {
        Some(FieldRef::Float(f)) if f.is_finite() => Stat::Float(f),
        Some(FieldRef::Int(i)) => Stat::Int(i),
        Some(FieldRef::UInt(u)) => Stat::UInt(u),
        Some(FieldRef::Str(s)) if s.len() <= LONGEST_STAT_STRING => Stat::Str(s.to_string()),
        Some(FieldRef::Bool(b)) => Stat::Bool(b),
        _ => Stat::Null,
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

/// Reads a [`stat_value`] back as a value of type `ty` (none when it was left out). A
/// JSON number is read as the field's type when it is one (`5` of an integer field was
/// read as unsigned), as JSON readers do.
pub(crate) fn read_stat(v: &Stat, ty: FieldType) -> Option<StatValue> {
    Some(match (ty, v) {
        (FieldType::Float, Stat::Float(f)) => StatValue::Float(*f),
        (FieldType::Float, Stat::Int(i)) => StatValue::Float(*i as f64),
        (FieldType::Float, Stat::UInt(u)) => StatValue::Float(*u as f64),
        (FieldType::Integer, Stat::Int(i)) => StatValue::Int(*i),
        (FieldType::Integer, Stat::UInt(u)) => StatValue::Int(i64::try_from(*u).ok()?),
        (FieldType::Unsigned, Stat::UInt(u)) => StatValue::UInt(*u),
        (FieldType::Unsigned, Stat::Int(i)) => StatValue::UInt(u64::try_from(*i).ok()?),
        (FieldType::String, Stat::Str(s)) => StatValue::Str(s.clone()),
        (FieldType::Boolean, Stat::Bool(b)) => StatValue::Bool(*b),
        _ => return None,
    })
}

impl Manifest {
    /// Reads the manifest of a store; `None` when there is none.
    pub(crate) fn load(dir: &Path) -> Result<Option<Manifest>> {
        match Manifest::read_bytes(dir)? {
            Some(bytes) => Manifest::decode(dir, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The manifest file's bytes; `None` when there is none.
    pub(crate) fn read_bytes(dir: &Path) -> Result<Option<Vec<u8>>> {
        let path = dir.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error("read the manifest", &path, e)),
        }
    }

    /// The manifest in `bytes` (read from `dir`'s manifest file).
    pub(crate) fn decode(dir: &Path, bytes: &[u8]) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
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
        let manifest: Manifest = if version > INLINE_SERIES_VERSION {
            postcard::from_bytes(body).map_err(|e| corrupt(e.to_string()))?
        } else if version > LAST_JSON_VERSION {
            postcard::from_bytes::<Manifest<Vec<SeriesMeta>>>(body)
                .map_err(|e| corrupt(e.to_string()))?
                .into()
        } else {
            serde_json::from_slice(body).map_err(|e| corrupt(e.to_string()))?
        };
        if manifest.partition_duration <= 0 {
            return Err(corrupt("the partition duration is not positive".into()));
        }
        Ok(manifest)
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
        let body = postcard::to_allocvec(self)
            .map_err(|e| StorageError::Backend(format!("cannot encode the manifest: {e}")))?;
        let head = format!("fluxi-manifest {VERSION} {:08x}\n", crc32fast::hash(&body));
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

/// The manifest of the store in `dir` as JSON (the body a manifest of version 3 would
/// have, tombstones and parts included), whatever version it was written in; `None` when
/// there is none. For people looking into a store, and for tests that write manifests of
/// older versions.
pub fn manifest_json(dir: &Path) -> Result<Option<String>> {
    let Some(m) = Manifest::load(dir)? else {
        return Ok(None);
    };
    serde_json::to_string(&m)
        .map(Some)
        .map_err(|e| StorageError::Backend(format!("cannot show the manifest as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Vec<SeriesMeta> {
        (0..n)
            .map(|i| SeriesMeta {
                tags: vec![Some(format!("host_{i}")), None],
                first_row: 10 * i as u64,
                rows: 10,
                min_time: i as i64,
                max_time: i as i64 + 9,
                fields: vec![
                    Some(FieldStats(10, 0, 9, Stat::Float(0.5), Stat::Int(-3))),
                    None,
                ],
            })
            .collect()
    }

    fn manifest<S>(make: impl Fn(Vec<SeriesMeta>) -> S) -> Manifest<S> {
        let file = |id: u64, n: usize| FileMeta {
            id,
            measurement: "cpu".into(),
            partition: (0, 100),
            min_time: 0,
            max_time: 99,
            rows: 10 * n as u64,
            bytes: 1234,
            checksum: Some(7),
            parts: vec![(0, 4, 1), (4, 100, 2)],
            tag_keys: vec!["host".into(), "region".into()],
            fields: vec!["a".into(), "b".into()],
            series: make(series(n)),
        };
        Manifest {
            wal_generation: 3,
            next_file_id: 9,
            partition_duration: 100,
            buckets: vec![BucketMeta {
                name: "b".into(),
                retention: None,
                field_types: BTreeMap::new(),
                files: vec![file(1, 3), file(2, 0), file(5, 40)],
                tombstones: Vec::new(),
            }],
        }
    }

    fn write_raw(dir: &Path, version: u32, body: &[u8]) {
        let head = format!("fluxi-manifest {version} {:08x}\n", crc32fast::hash(body));
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        std::fs::write(dir.join(MANIFEST), bytes).unwrap_or_else(|e| panic!("{e}"));
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fluxi-manifest-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    /// A manifest of version 4 (series in line) reads as the same manifest, is written
    /// back as version 5, and reads the same again; series read from version 5 are
    /// decoded only when asked for.
    #[test]
    fn series_are_read_in_line_from_version_4_and_on_demand_from_version_5() {
        let dir = scratch("versions");
        let want = manifest(Series::new);
        let v4 = postcard::to_allocvec(&manifest(|s| s)).unwrap_or_default();
        write_raw(&dir, 4, &v4);
        let read = Manifest::load(&dir).ok().flatten();
        assert_eq!(read.as_ref(), Some(&want));
        want.store(&dir).unwrap_or_else(|e| panic!("{e}"));
        let bytes = std::fs::read(dir.join(MANIFEST)).unwrap_or_default();
        assert!(bytes.starts_with(b"fluxi-manifest 5 "));
        let back = Manifest::load(&dir).ok().flatten();
        let files = back
            .as_ref()
            .map(|m| &m.buckets[0].files[..])
            .unwrap_or(&[]);
        assert_eq!(files.len(), 3);
        assert!(files.iter().all(|f| f.series.0.decoded.get().is_none()));
        assert_eq!(files[2].series.get().ok(), Some(&series(40)[..]));
        assert!(
            files[0].series.0.decoded.get().is_none(),
            "only the one asked for"
        );
        assert_eq!(back.as_ref(), Some(&want));
        // Written again without being decoded, the bytes are those read.
        back.unwrap_or_else(|| manifest(Series::new))
            .store(&dir)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(dir.join(MANIFEST)).unwrap_or_default(), bytes);
        // As JSON (for people and old versions), series are a plain list.
        let json = manifest_json(&dir).ok().flatten().unwrap_or_default();
        assert!(
            json.contains(r#""series":[{"tags":["host_0",null]"#),
            "{json}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Series bytes that do not decode (in a body whose checksum holds) are an error
    /// naming the manifest's series list when used, not before and not a panic.
    #[test]
    fn undecodable_series_are_an_error_when_used() {
        let dir = scratch("damaged");
        let mut m = manifest(|s| s);
        m.buckets[0].files.truncate(1);
        let good = postcard::to_allocvec(&<Manifest>::from(m.clone())).unwrap_or_default();
        // The encoded list is in the body as it is: raise its count (3 series) to more
        // than it holds.
        let list = postcard::to_allocvec(&m.buckets[0].files[0].series).unwrap_or_default();
        let at = good.windows(list.len()).rposition(|w| w == list);
        let Some(at) = at else {
            panic!("the encoded list is not in the body")
        };
        assert_eq!(good[at], 3);
        let mut bad = good.clone();
        bad[at] = 100;
        write_raw(&dir, 5, &bad);
        let read = Manifest::load(&dir).unwrap_or_else(|e| panic!("{e}"));
        let file = read.as_ref().map(|m| &m.buckets[0].files[0]);
        let err = file.map(|f| f.series.get().map(<[_]>::len));
        match err {
            Some(Err(StorageError::Corrupt(e))) => assert!(e.contains("series"), "{e}"),
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A file's layout is written after its series in the same run of bytes: it reads
    /// back the same, a list without one reads as none, and a reader that knows no
    /// layout (an older fluxi, which decodes the list and ignores what follows) still
    /// reads the list.
    #[test]
    fn a_layout_follows_the_series_and_older_readers_skip_it() {
        let dir = scratch("layout");
        let layout = ChunkLayout {
            form: LAYOUT_FORM,
            groups: vec![12, 18],
            types: vec![FieldType::Float, FieldType::String],
        };
        let mut want = manifest(Series::new);
        want.buckets[0].files[0].series = Series::with_layout(series(3), Some(layout.clone()));
        want.store(&dir).unwrap_or_else(|e| panic!("{e}"));
        let back = Manifest::load(&dir).ok().flatten();
        assert_eq!(back.as_ref(), Some(&want));
        let files = back
            .as_ref()
            .map(|m| &m.buckets[0].files[..])
            .unwrap_or(&[]);
        assert_eq!(files[0].series.layout().ok().flatten(), Some(&layout));
        assert_eq!(files[0].series.get().ok(), Some(&series(3)[..]));
        assert_eq!(files[2].series.layout().ok(), Some(None));
        // What an older fluxi decodes from the same bytes: the list, whole.
        let run = postcard::to_allocvec(&files[0].series).unwrap_or_default();
        let bytes: Vec<u8> = postcard::from_bytes(&run).unwrap_or_default();
        let list: Option<Vec<SeriesMeta>> = postcard::from_bytes(&bytes).ok();
        assert_eq!(list.as_deref(), Some(&series(3)[..]));
        // A layout that is not one is an error when used.
        let mut broken = postcard::to_allocvec(&series(3)).unwrap_or_default();
        broken.push(0xff);
        let cell = Series(Arc::new(SeriesCell {
            encoded: broken.into(),
            decoded: OnceLock::new(),
        }));
        match cell.layout() {
            Err(StorageError::Corrupt(e)) => assert!(e.contains("layout"), "{e}"),
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

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
            let stat = stat_value(Some(v));
            // Through JSON, as versions 1 to 3 keep it, and through the binary body.
            let text = serde_json::to_string(&stat).unwrap_or_default();
            let json: Option<Stat> = serde_json::from_str(&text).ok();
            assert_eq!(json.and_then(|j| read_stat(&j, ty)), Some(back.clone()));
            let bytes = postcard::to_allocvec(&stat).unwrap_or_default();
            let binary: Option<Stat> = postcard::from_bytes(&bytes).ok();
            assert_eq!(binary.as_ref(), Some(&stat));
            assert_eq!(binary.and_then(|b| read_stat(&b, ty)), Some(back));
        }
        let long = "x".repeat(100);
        assert_eq!(stat_value(Some(FieldRef::Str(&long))), Stat::Null);
        assert_eq!(stat_value(Some(FieldRef::Float(f64::NAN))), Stat::Null);
    }
}
