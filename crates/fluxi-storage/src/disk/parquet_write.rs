//! Writing a Parquet file of one measurement and partition.
//!
//! Columns: `_time` (timestamp, nanoseconds, delta-encoded), `t:<tag>` (dictionary-encoded
//! strings, null where a series lacks the tag) and `f:<field>` (the field's type, null
//! where a row has no value of it). Rows are sorted by series, then time. A row group
//! ends at a series boundary once it has `row_group_rows` rows, so the rows of a series
//! with many points are row groups of their own and a read of a few series skips the
//! others; column statistics are written per page.

use super::io_error;
use super::manifest::{
    stat_value, ChunkLayout, FieldStats, FileMeta, Series, SeriesMeta, LAYOUT_FORM,
};
use super::parquet_read::{parts_of, read_exact_at};
use super::rows::{Column, FieldType, SeriesRows, Values};
use crate::storage::{Result, StorageError};
use arrow_array::builder::{BooleanBuilder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampNanosecondArray, UInt64Array,
};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The column of the times.
pub(crate) const TIME_COLUMN: &str = "_time";

/// The column of a tag.
pub(crate) fn tag_column(key: &str) -> String {
    format!("t:{key}")
}

/// The column of a field.
pub(crate) fn field_column(name: &str) -> String {
    format!("f:{name}")
}

/// The path of a data file.
pub(crate) fn file_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(super::DATA_DIR).join(format!("{id:020}.parquet"))
}

/// The id of a data file name.
pub(crate) fn file_id_of(name: &str) -> Option<u64> {
    name.strip_suffix(".parquet")?.parse().ok()
}

/// Rows `range` of a series (normalized: sorted by time, one row per time).
#[derive(Debug, Clone)]
pub(crate) struct SeriesSlice<'a> {
    pub tags: &'a [(String, String)],
    pub rows: &'a SeriesRows,
    pub range: Range<usize>,
}

/// How files are laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// A row group ends at the first series boundary after this many rows.
    pub row_group_rows: usize,
    /// No row group is longer than this.
    pub max_row_group_rows: usize,
}

/// Appends typed values with validity, then makes an Arrow array.
enum Builder {
    Float(Vec<f64>, Vec<bool>),
    Int(Vec<i64>, Vec<bool>),
    UInt(Vec<u64>, Vec<bool>),
    Str(StringBuilder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(ty: FieldType, n: usize) -> Builder {
        match ty {
            FieldType::Float => Builder::Float(Vec::with_capacity(n), Vec::with_capacity(n)),
            FieldType::Integer => Builder::Int(Vec::with_capacity(n), Vec::with_capacity(n)),
            FieldType::Unsigned => Builder::UInt(Vec::with_capacity(n), Vec::with_capacity(n)),
            FieldType::String => Builder::Str(StringBuilder::with_capacity(n, 8 * n)),
            FieldType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(n)),
        }
    }

    /// Appends rows `range` of a column (absent: no values).
    fn extend(&mut self, col: Option<&Column>, range: Range<usize>) {
        fn prim<T: Copy + Default>(
            out: &mut Vec<T>,
            valid: &mut Vec<bool>,
            src: Option<(&[T], &[bool])>,
            range: Range<usize>,
        ) {
            let n = range.len();
            match src {
                Some((v, ok)) => {
                    let end = range.end.min(v.len()).min(ok.len());
                    let start = range.start.min(end);
                    out.extend_from_slice(v.get(start..end).unwrap_or_default());
                    valid.extend_from_slice(ok.get(start..end).unwrap_or_default());
                    let have = end - start;
                    out.extend(std::iter::repeat_n(T::default(), n - have));
                    valid.extend(std::iter::repeat_n(false, n - have));
                }
                None => {
                    out.extend(std::iter::repeat_n(T::default(), n));
                    valid.extend(std::iter::repeat_n(false, n));
                }
            }
        }
        match (self, col.map(|c| (&c.values, c.valid.as_slice()))) {
            (Builder::Float(o, v), Some((Values::Float(x), ok))) => {
                prim(o, v, Some((x, ok)), range)
            }
            (Builder::Float(o, v), _) => prim(o, v, None, range),
            (Builder::Int(o, v), Some((Values::Int(x), ok))) => prim(o, v, Some((x, ok)), range),
            (Builder::Int(o, v), _) => prim(o, v, None, range),
            (Builder::UInt(o, v), Some((Values::UInt(x), ok))) => prim(o, v, Some((x, ok)), range),
            (Builder::UInt(o, v), _) => prim(o, v, None, range),
            (Builder::Str(b), Some((Values::Str(x), ok))) => {
                for r in range {
                    match (x.get(r), ok.get(r)) {
                        (Some(s), Some(true)) => b.append_value(s),
                        _ => b.append_null(),
                    }
                }
            }
            (Builder::Str(b), _) => {
                for _ in range {
                    b.append_null();
                }
            }
            (Builder::Bool(b), Some((Values::Bool(x), ok))) => {
                for r in range {
                    match (x.get(r), ok.get(r)) {
                        (Some(v), Some(true)) => b.append_value(*v),
                        _ => b.append_null(),
                    }
                }
            }
            (Builder::Bool(b), _) => {
                for _ in range {
                    b.append_null();
                }
            }
        }
    }

    fn finish(self) -> ArrayRef {
        fn nulls(valid: Vec<bool>) -> Option<NullBuffer> {
            if valid.iter().all(|&v| v) {
                None
            } else {
                Some(NullBuffer::from(valid))
            }
        }
        match self {
            Builder::Float(v, ok) => Arc::new(Float64Array::new(ScalarBuffer::from(v), nulls(ok))),
            Builder::Int(v, ok) => Arc::new(Int64Array::new(ScalarBuffer::from(v), nulls(ok))),
            Builder::UInt(v, ok) => Arc::new(UInt64Array::new(ScalarBuffer::from(v), nulls(ok))),
            Builder::Str(mut b) => Arc::new(b.finish()),
            Builder::Bool(mut b) => Arc::new(b.finish()),
        }
    }
}

fn parquet_error(path: &Path, what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("cannot {what} {}: {e}", path.display()))
}

/// The codec of every column chunk (what a [`ChunkLayout`] of form 1 says).
pub(crate) const CODEC: Compression = Compression::LZ4_RAW;

/// The `_time` column.
pub(crate) fn time_field() -> Field {
    Field::new(
        TIME_COLUMN,
        DataType::Timestamp(TimeUnit::Nanosecond, None),
        false,
    )
}

/// The column of field `name`, of type `ty`.
pub(crate) fn value_field(name: &str, ty: FieldType) -> Field {
    Field::new(field_column(name), ty.arrow(), true)
}

/// The writer settings: LZ4, delta-encoded times, no dictionaries for numbers, and no
/// statistics in the footer: reads prune by the manifest's (per series and field), and
/// a first read decodes the whole footer (100 row groups' worth at M: 33 KB without
/// them, 55 KB with).
fn properties(fields: &[(String, FieldType)], layout: Layout) -> WriterProperties {
    let mut p = WriterProperties::builder()
        .set_compression(CODEC)
        .set_max_row_group_row_count(Some(layout.max_row_group_rows.max(1)))
        .set_statistics_enabled(EnabledStatistics::None)
        .set_created_by("fluxi".to_string())
        .set_column_dictionary_enabled(ColumnPath::from(TIME_COLUMN), false)
        .set_column_encoding(ColumnPath::from(TIME_COLUMN), Encoding::DELTA_BINARY_PACKED);
    for (name, ty) in fields {
        if matches!(
            ty,
            FieldType::Float | FieldType::Integer | FieldType::Unsigned
        ) {
            p = p.set_column_dictionary_enabled(ColumnPath::from(field_column(name)), false);
        }
    }
    p.build()
}

/// Writes the series (sorted by tags) to `data/<id>.parquet`, synced, and describes the
/// file.
pub(crate) fn write_file(
    dir: &Path,
    id: u64,
    measurement: &str,
    partition: (i64, i64),
    field_types: Option<&BTreeMap<String, FieldType>>,
    series: &[SeriesSlice<'_>],
    layout: Layout,
) -> Result<FileMeta> {
    let path = file_path(dir, id);
    let mut tag_keys: Vec<String> = series
        .iter()
        .flat_map(|s| s.tags.iter().map(|(k, _)| k.clone()))
        .collect();
    tag_keys.sort();
    tag_keys.dedup();
    let mut fields: BTreeMap<String, FieldType> = BTreeMap::new();
    for s in series {
        for (name, col) in &s.rows.fields {
            if s.range.clone().any(|r| col.is_valid(r)) {
                let ty = field_types
                    .and_then(|t| t.get(name))
                    .copied()
                    .unwrap_or(col.field_type());
                fields.insert(name.clone(), ty);
            }
        }
    }
    let fields: Vec<(String, FieldType)> = fields.into_iter().collect();
    let mut columns = vec![time_field()];
    for k in &tag_keys {
        columns.push(Field::new(
            tag_column(k),
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        ));
    }
    for (name, ty) in &fields {
        columns.push(value_field(name, *ty));
    }
    let schema: SchemaRef = Arc::new(Schema::new(columns));
    let props = properties(&fields, layout);
    // Readable too: each part's CRC-32 is computed from the file once it is written.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(|e| io_error("create data file", &path, e))?;
    let file = Hashing {
        file,
        crc: crc32fast::Hasher::new(),
        len: 0,
    };
    let mut writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(props))
        .map_err(|e| parquet_error(&path, "start data file", e))?;

    let mut metas = Vec::with_capacity(series.len());
    let mut row: u64 = 0;
    let mut group: Vec<&SeriesSlice<'_>> = Vec::new();
    let mut group_rows = 0;
    for (i, s) in series.iter().enumerate() {
        metas.push(series_meta(s, &tag_keys, &fields, row));
        row += s.range.len() as u64;
        group.push(s);
        group_rows += s.range.len();
        if group_rows >= layout.row_group_rows || i + 1 == series.len() {
            let batch = group_batch(&schema, &group, &tag_keys, &fields, group_rows)
                .map_err(|e| parquet_error(&path, "build a row group of", e))?;
            writer
                .write(&batch)
                .and_then(|_| writer.flush())
                .map_err(|e| parquet_error(&path, "write", e))?;
            group.clear();
            group_rows = 0;
        }
    }
    let footer = writer
        .finish()
        .map_err(|e| parquet_error(&path, "finish", e))?;
    let written = writer.inner();
    written
        .file
        .sync_all()
        .map_err(|e| io_error("sync data file", &path, e))?;
    let bytes = written
        .file
        .metadata()
        .map(|m| m.len())
        .map_err(|e| io_error("stat data file", &path, e))?;
    if bytes != written.len {
        return Err(StorageError::Backend(format!(
            "data file {} has {bytes} bytes after writing {}",
            path.display(),
            written.len
        )));
    }
    let checksum = Some(written.crc.clone().finalize());
    // Each part's CRC-32, from the file as written (the page cache holds it).
    let layout = parts_of(&footer, bytes).ok_or_else(|| {
        StorageError::Backend(format!(
            "data file {}: the writer's footer does not fit the file",
            path.display()
        ))
    })?;
    // Where the row groups lie, so a read need not decode the footer (see ChunkLayout):
    // every row group has a chunk of each column, in the schema's order.
    let columns = 1 + tag_keys.len() + fields.len();
    let chunk_layout = footer
        .row_groups()
        .iter()
        .all(|g| g.num_columns() == columns)
        .then(|| ChunkLayout {
            form: LAYOUT_FORM,
            groups: footer
                .row_groups()
                .iter()
                .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
                .collect(),
            types: fields.iter().map(|(_, ty)| *ty).collect(),
        });
    let mut parts = Vec::with_capacity(layout.len());
    let mut buf = Vec::new();
    for p in layout {
        buf.resize(p.len as usize, 0);
        read_exact_at(&written.file, &mut buf, p.start)
            .map_err(|e| io_error("read back data file", &path, e))?;
        parts.push((p.start, p.len, crc32fast::hash(&buf)));
    }
    let min_time = metas
        .iter()
        .map(|m| m.min_time)
        .min()
        .unwrap_or(partition.0);
    let max_time = metas
        .iter()
        .map(|m| m.max_time)
        .max()
        .unwrap_or(partition.0);
    Ok(FileMeta {
        id,
        measurement: measurement.to_string(),
        partition,
        min_time,
        max_time,
        rows: row,
        bytes,
        checksum,
        parts,
        tag_keys,
        fields: fields.into_iter().map(|(n, _)| n).collect(),
        series: Series::with_layout(metas, chunk_layout),
    })
}

/// A file being written, and the CRC-32 and length of what was written to it.
struct Hashing {
    file: File,
    crc: crc32fast::Hasher,
    len: u64,
}

impl std::io::Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        let done = buf.get(..n).unwrap_or_default();
        self.crc.update(done);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

fn series_meta(
    s: &SeriesSlice<'_>,
    tag_keys: &[String],
    fields: &[(String, FieldType)],
    first_row: u64,
) -> SeriesMeta {
    let times = s.rows.times.get(s.range.clone()).unwrap_or_default();
    let tags = tag_keys
        .iter()
        .map(|k| s.tags.iter().find(|(t, _)| t == k).map(|(_, v)| v.clone()))
        .collect();
    let field_stats = fields
        .iter()
        .map(|(name, _)| {
            let col = s.rows.column(name)?;
            let mut valid = s.range.clone().filter(|&r| col.is_valid(r));
            let first = valid.next()?;
            let (count, last) = valid.fold((1u64, first), |(n, _), r| (n + 1, r));
            Some(FieldStats(
                count,
                s.rows.times.get(first).copied().unwrap_or_default(),
                s.rows.times.get(last).copied().unwrap_or_default(),
                stat_value(col.get(first)),
                stat_value(col.get(last)),
            ))
        })
        .collect();
    SeriesMeta {
        tags,
        first_row,
        rows: s.range.len() as u64,
        min_time: times.first().copied().unwrap_or_default(),
        max_time: times.last().copied().unwrap_or_default(),
        fields: field_stats,
    }
}

/// The record batch of a row group.
fn group_batch(
    schema: &SchemaRef,
    group: &[&SeriesSlice<'_>],
    tag_keys: &[String],
    fields: &[(String, FieldType)],
    rows: usize,
) -> std::result::Result<RecordBatch, arrow_schema::ArrowError> {
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    let mut times = Vec::with_capacity(rows);
    for s in group {
        times.extend_from_slice(s.rows.times.get(s.range.clone()).unwrap_or_default());
    }
    arrays.push(Arc::new(TimestampNanosecondArray::from(times)));
    for k in tag_keys {
        // One dictionary entry per distinct value in the group.
        let mut values: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, i32> = HashMap::new();
        let mut keys: Vec<Option<i32>> = Vec::with_capacity(rows);
        for s in group {
            let key = s.tags.iter().find(|(t, _)| t == k).map(|(_, v)| {
                *index.entry(v.as_str()).or_insert_with(|| {
                    values.push(v);
                    (values.len() - 1) as i32
                })
            });
            keys.extend(std::iter::repeat_n(key, s.range.len()));
        }
        let dict = DictionaryArray::<Int32Type>::try_new(
            Int32Array::from(keys),
            Arc::new(StringArray::from(values)),
        )?;
        arrays.push(Arc::new(dict));
    }
    for (name, ty) in fields {
        let mut b = Builder::new(*ty, rows);
        for s in group {
            b.extend(s.rows.column(name), s.range.clone());
        }
        arrays.push(b.finish());
    }
    RecordBatch::try_new(Arc::clone(schema), arrays)
}
