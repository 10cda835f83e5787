//! `fluxi export --parquet DIR --bucket B`: a bucket as Parquet files an engine can
//! register, one set of files per measurement, in the layout InfluxDB 3 and this crate's
//! [`catalog`](crate::catalog) read: a `time` column (timestamp, nanoseconds, UTC), one
//! dictionary-encoded string column per tag (null where a series lacks the tag) and one
//! column per field (null where a row has no value of it), rows sorted by series, then
//! time.
//!
//! Layout: `DIR/<bucket>/<measurement>/part-00000.parquet, ...` (names with characters
//! other than letters, digits, `-`, `_` and `.` are percent-encoded) and
//! `DIR/<bucket>/fluxi-export.json`, which names the bucket and its measurements and
//! their directories ([`crate::register`] reads it).

use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, TimestampNanosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use fluxi_storage::{Predicate, ReadSpec, Storage, StorageError};
use fluxi_value::{ColumnType, Table, Value};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per Parquet file by default (a new file starts at the next series boundary);
/// several files let an engine scan a measurement on several executors at once.
pub const ROWS_PER_FILE: usize = 1_000_000;
/// Rows per row group.
const ROWS_PER_GROUP: usize = 128 * 1024;

/// The manifest of an exported bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The bucket's name.
    pub bucket: String,
    /// Each measurement: its name and its directory (relative to the bucket's).
    pub measurements: Vec<ManifestEntry>,
}

/// One measurement of a [`Manifest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The measurement's name.
    pub name: String,
    /// Its directory, relative to the bucket's.
    pub dir: String,
    /// Rows written (one per series and time).
    pub rows: u64,
    /// Files written.
    pub files: u64,
}

/// The manifest's file name in a bucket's directory.
pub const MANIFEST: &str = "fluxi-export.json";

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// The bucket's directory.
    pub dir: PathBuf,
    /// What was written.
    pub manifest: Manifest,
}

/// A name as a directory name: letters, digits, `-`, `_` and `.` kept (a leading `.`
/// encoded), every other byte percent-encoded.
pub fn dir_name(name: &str) -> String {
    let mut out = String::new();
    for (i, b) in name.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn io(path: &Path, e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("export: {}: {e}", path.display()))
}

/// One series of a measurement: per field, its times and values (in time order).
#[derive(Default)]
struct Series {
    fields: BTreeMap<String, (Vec<i64>, ArrayRef)>,
}

fn key_string(t: &Table, label: &str) -> Option<String> {
    match &t.key().get(label)?.value {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Write bucket `bucket` of `storage` under `dir` (see the module's documentation), a new
/// file of a measurement starting once one has `rows_per_file` rows (at the next series).
pub fn export_bucket(
    storage: &dyn Storage,
    bucket: &str,
    dir: &Path,
    rows_per_file: usize,
) -> Result<ExportReport, StorageError> {
    let rows_per_file = rows_per_file.max(1);
    let bucket_dir = dir.join(dir_name(bucket));
    std::fs::create_dir_all(&bucket_dir).map_err(|e| io(&bucket_dir, e))?;
    let mut manifest = Manifest {
        bucket: bucket.to_string(),
        measurements: Vec::new(),
    };
    for m in storage.measurements(bucket)? {
        let spec = ReadSpec {
            bucket: bucket.to_string(),
            start: i64::MIN,
            stop: i64::MAX,
            predicates: vec![Predicate::Eq("_measurement".into(), m.clone())],
        };
        // Series by their tags; field types as stored.
        let mut series: BTreeMap<Vec<(String, String)>, Series> = BTreeMap::new();
        let mut types: BTreeMap<String, ColumnType> = BTreeMap::new();
        let mut tag_names: std::collections::BTreeSet<String> = Default::default();
        let mut failed = None;
        storage.read_each(&spec, &mut |t| {
            let (Some(field), Some(time_col), Some(value_col)) = (
                key_string(&t, "_field"),
                t.column_index("_time"),
                t.column_index("_value"),
            ) else {
                failed = Some(StorageError::Backend(
                    "export: a table without _field, _time or _value".into(),
                ));
                return false;
            };
            let ty = t.columns()[value_col].1;
            types.entry(field.clone()).or_insert(ty);
            let tags = fluxi_storage::series_tags(t.key());
            tag_names.extend(tags.iter().map(|(k, _)| k.clone()));
            let times: Vec<i64> = match t
                .batch()
                .column(time_col)
                .as_any()
                .downcast_ref::<TimestampNanosecondArray>()
            {
                Some(a) => a.values().to_vec(),
                None => {
                    failed = Some(StorageError::Backend(
                        "export: _time is not a time column".into(),
                    ));
                    return false;
                }
            };
            let values = Arc::clone(t.batch().column(value_col));
            series
                .entry(tags)
                .or_default()
                .fields
                .insert(field, (times, values));
            true
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        let m_dir_name = dir_name(&m);
        let m_dir = bucket_dir.join(&m_dir_name);
        if m_dir.exists() {
            std::fs::remove_dir_all(&m_dir).map_err(|e| io(&m_dir, e))?;
        }
        std::fs::create_dir_all(&m_dir).map_err(|e| io(&m_dir, e))?;
        let tag_names: Vec<String> = tag_names.into_iter().collect();
        let (rows, files) = write_measurement(&m_dir, &tag_names, &types, &series, rows_per_file)?;
        manifest.measurements.push(ManifestEntry {
            name: m,
            dir: m_dir_name,
            rows,
            files,
        });
    }
    let path = bucket_dir.join(MANIFEST);
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| io(&path, e))?;
    std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    Ok(ExportReport {
        dir: bucket_dir,
        manifest,
    })
}

fn schema(tags: &[String], types: &BTreeMap<String, ColumnType>) -> Schema {
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let mut fields = vec![Field::new(
        "time",
        DataType::Timestamp(TimeUnit::Nanosecond, None),
        false,
    )];
    fields.extend(tags.iter().map(|t| Field::new(t, dict.clone(), true)));
    fields.extend(
        types
            .iter()
            .map(|(f, ty)| Field::new(f, crate::shape::arrow_type(*ty), true)),
    );
    Schema::new(fields)
}

/// A field's values in a file being built: the arrays they come from, and per row the
/// (array, row) of its value, or none.
type FieldRows = (Vec<ArrayRef>, Vec<Option<(usize, usize)>>);

/// The rows of series in a file being built.
struct Pending {
    times: Vec<i64>,
    tags: Vec<Vec<Option<String>>>,
    /// Per field: the arrays its values come from, and per row the (array, row) of its
    /// value or none.
    fields: Vec<FieldRows>,
}

fn write_measurement(
    dir: &Path,
    tags: &[String],
    types: &BTreeMap<String, ColumnType>,
    series: &BTreeMap<Vec<(String, String)>, Series>,
    rows_per_file: usize,
) -> Result<(u64, u64), StorageError> {
    let schema = Arc::new(schema(tags, types));
    let field_names: Vec<&String> = types.keys().collect();
    let new_pending = || Pending {
        times: Vec::new(),
        tags: vec![Vec::new(); tags.len()],
        fields: vec![(Vec::new(), Vec::new()); field_names.len()],
    };
    let mut pending = new_pending();
    let (mut rows, mut files) = (0u64, 0u64);
    for (key, s) in series {
        // The union of the fields' times, each field's rows placed on it.
        let mut times: Vec<i64> = s
            .fields
            .values()
            .flat_map(|(t, _)| t.iter().copied())
            .collect();
        times.sort_unstable();
        times.dedup();
        let base = pending.times.len();
        pending.times.extend_from_slice(&times);
        // `pending` has one tag column per tag and one field per field name.
        for (tag, values) in tags.iter().zip(pending.tags.iter_mut()) {
            let v = key.iter().find(|(k, _)| k == tag).map(|(_, v)| v.clone());
            values.extend(std::iter::repeat_n(v, times.len()));
        }
        for (f, (sources, col)) in field_names.iter().zip(pending.fields.iter_mut()) {
            col.resize(base + times.len(), None);
            if let Some((ftimes, values)) = s.fields.get(*f) {
                let src = sources.len();
                sources.push(Arc::clone(values));
                let mut at = 0;
                for (row, t) in ftimes.iter().enumerate() {
                    // `times` is the union of the fields' times: `t` is in it, at or after
                    // `at`.
                    while times.get(at).is_some_and(|x| x < t) {
                        at += 1;
                    }
                    if let Some(slot) = col.get_mut(base + at) {
                        *slot = Some((src, row));
                    }
                }
            }
        }
        if pending.times.len() >= rows_per_file {
            rows += write_file(dir, files, &schema, types, &pending)?;
            files += 1;
            pending = new_pending();
        }
    }
    if !pending.times.is_empty() || files == 0 {
        rows += write_file(dir, files, &schema, types, &pending)?;
        files += 1;
    }
    Ok((rows, files))
}

fn write_file(
    dir: &Path,
    n: u64,
    schema: &Arc<Schema>,
    types: &BTreeMap<String, ColumnType>,
    p: &Pending,
) -> Result<u64, StorageError> {
    let path = dir.join(format!("part-{n:05}.parquet"));
    let err = |e: &dyn std::fmt::Display| io(&path, e);
    let mut columns: Vec<ArrayRef> =
        vec![Arc::new(TimestampNanosecondArray::from(p.times.clone()))];
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    for tag in &p.tags {
        let strings: ArrayRef = Arc::new(StringArray::from(tag.clone()));
        columns.push(arrow_cast::cast(&strings, &dict).map_err(|e| err(&e))?);
    }
    for ((sources, picks), ty) in p.fields.iter().zip(types.values()) {
        let sources: Vec<&dyn Array> = sources.iter().map(|a| a.as_ref()).collect();
        let picks: Vec<(usize, usize)> =
            picks.iter().map(|x| x.unwrap_or((usize::MAX, 0))).collect();
        columns.push(take_interleaved(&sources, &picks, *ty).map_err(|e| err(&e))?);
    }
    let batch = RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| err(&e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::LZ4_RAW)
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .build();
    let file = std::fs::File::create(&path).map_err(|e| err(&e))?;
    let mut w = ArrowWriter::try_new(file, Arc::clone(schema), Some(props)).map_err(|e| err(&e))?;
    w.write(&batch).map_err(|e| err(&e))?;
    w.close().map_err(|e| err(&e))?;
    Ok(p.times.len() as u64)
}

/// Values picked from several arrays (`(array, row)`; `usize::MAX` as the array is null).
fn take_interleaved(
    sources: &[&dyn Array],
    picks: &[(usize, usize)],
    ty: ColumnType,
) -> Result<ArrayRef, arrow_schema::ArrowError> {
    // A null array of the right type as the last source, for the rows without a value.
    let null = arrow_array::new_null_array(&crate::shape::arrow_type(ty), 1);
    let mut all: Vec<&dyn Array> = sources.to_vec();
    all.push(null.as_ref());
    let last = all.len() - 1;
    let indices: Vec<(usize, usize)> = picks
        .iter()
        .map(|&(a, r)| if a == usize::MAX { (last, 0) } else { (a, r) })
        .collect();
    arrow_select::interleave::interleave(&all, &indices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_safe_directory_names() {
        assert_eq!(dir_name("cpu"), "cpu");
        assert_eq!(dir_name("a b/c"), "a%20b%2Fc");
        assert_eq!(dir_name(".."), "%2E.");
        assert_eq!(dir_name("é"), "%C3%A9");
    }
}
