//! Reading a data file by the layout the manifest records ([`ChunkLayout`]) instead of
//! its footer.
//!
//! A file's footer describes every row group's column chunks: at size M a hundred row
//! groups of a dozen columns, 33 KB to read, check and decode before the first row,
//! where a read of one series needs one row group and two columns. The manifest already
//! knows where every chunk lies (its parts, each with a CRC-32); with the layout it also
//! knows which chunk is which, so a read builds the Parquet metadata of just the row
//! groups and columns it reads and the reader fetches those chunks, each checked against
//! its CRC-32 as it is first used. `fluxi store check` reads the footer and checks the
//! layout against it.

use super::manifest::{ChunkLayout, FileMeta, LAYOUT_FORM};
use super::parquet_read::corrupt;
use super::parquet_write::{tag_column, time_field, value_field, CODEC};
use crate::storage::Result;
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::arrow::ArrowSchemaConverter;
use parquet::file::metadata::{
    ColumnChunkMetaData, FileMetaData, ParquetMetaData, RowGroupMetaData,
};
use std::path::Path;
use std::sync::Arc;

/// The columns of a file laid out by [`ChunkLayout`]: `_time`, the tags, the fields.
pub(crate) fn columns(file: &FileMeta) -> usize {
    1 + file.tag_keys.len() + file.fields.len()
}

/// The file's layout if a read can use it: recorded, of the form this fluxi knows, and
/// fitting the file's parts (head, `groups × columns` chunks, tail), fields and rows. A
/// layout that does not fit is a damaged manifest.
pub(crate) fn layout_of<'f>(file: &'f FileMeta, path: &Path) -> Result<Option<&'f ChunkLayout>> {
    let Some(layout) = file.series.layout()? else {
        return Ok(None);
    };
    if layout.form != LAYOUT_FORM {
        return Ok(None);
    }
    let chunks = layout.groups.len().checked_mul(columns(file));
    let rows = layout
        .groups
        .iter()
        .try_fold(0u64, |sum, &n| sum.checked_add(n));
    let fits = layout.types.len() == file.fields.len()
        && chunks.and_then(|c| c.checked_add(2)) == Some(file.parts.len())
        && rows == Some(file.rows);
    if !fits {
        return Err(corrupt(
            path,
            format!(
                "the manifest's layout of it ({} row groups, {} field types) does not fit its {} parts, {} fields and {} rows",
                layout.groups.len(),
                layout.types.len(),
                file.parts.len(),
                file.fields.len(),
                file.rows
            ),
        ));
    }
    Ok(Some(layout))
}

/// The index in the file's parts of row group `group`'s chunk of column `column`.
pub(crate) fn part_index(file: &FileMeta, group: usize, column: usize) -> usize {
    1 + group * columns(file) + column
}

/// The Parquet metadata of row groups `groups` (in this order) and of the columns
/// `_time` and `fields` (those the file has, in file order), built from the layout: what
/// a reader needs to decode those chunks and nothing else. `layout` is `layout_of(file)`.
pub(crate) fn metadata(
    file: &FileMeta,
    layout: &ChunkLayout,
    fields: &[&str],
    groups: &[usize],
    path: &Path,
) -> Result<ArrowReaderMetadata> {
    let broken = |what: String| corrupt(path, format!("its layout in the manifest: {what}"));
    let mut wanted: Vec<usize> = fields
        .iter()
        .filter_map(|f| file.fields.iter().position(|have| have == f))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut columns = vec![(0usize, time_field())];
    for i in wanted {
        let (Some(name), Some(ty)) = (file.fields.get(i), layout.types.get(i)) else {
            continue;
        };
        columns.push((1 + file.tag_keys.len() + i, value_field(name, *ty)));
    }
    let schema = Arc::new(Schema::new(
        columns.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>(),
    ));
    let descr = Arc::new(
        ArrowSchemaConverter::new()
            .convert(&schema)
            .map_err(|e| broken(e.to_string()))?,
    );
    let mut row_groups = Vec::with_capacity(groups.len());
    let mut total: i64 = 0;
    for (ordinal, &g) in groups.iter().enumerate() {
        let rows = layout
            .groups
            .get(g)
            .and_then(|&n| i64::try_from(n).ok())
            .ok_or_else(|| broken(format!("no row group {g}")))?;
        let mut chunks = Vec::with_capacity(columns.len());
        for (k, (column, _)) in columns.iter().enumerate() {
            let &(start, len, _) = file
                .parts
                .get(part_index(file, g, *column))
                .ok_or_else(|| broken(format!("no chunk of column {column} in row group {g}")))?;
            let (Ok(start), Ok(len)) = (i64::try_from(start), i64::try_from(len)) else {
                return Err(broken(format!("a chunk at {start} of {len} bytes")));
            };
            let chunk = ColumnChunkMetaData::builder(descr.column(k))
                .set_compression(CODEC)
                .set_num_values(rows)
                .set_data_page_offset(start)
                .set_total_compressed_size(len)
                .build()
                .map_err(|e| broken(e.to_string()))?;
            chunks.push(chunk);
        }
        let ordinal = i32::try_from(ordinal).unwrap_or(i32::MAX);
        let group = RowGroupMetaData::builder(Arc::clone(&descr))
            .set_num_rows(rows)
            .set_column_metadata(chunks)
            .set_ordinal(ordinal)
            .build()
            .map_err(|e| broken(e.to_string()))?;
        row_groups.push(group);
        total = total.saturating_add(rows);
    }
    let file_metadata = FileMetaData::new(2, total, None, None, descr, None);
    let metadata = ParquetMetaData::new(file_metadata, row_groups);
    ArrowReaderMetadata::try_new(
        Arc::new(metadata),
        ArrowReaderOptions::new().with_schema(schema),
    )
    .map_err(|e| broken(e.to_string()))
}

/// Whether the layout says what the file's footer says: the same row groups, the columns
/// in the same order with the same types, every chunk compressed with [`CODEC`].
/// `Err` says how they differ.
pub(crate) fn check(
    file: &FileMeta,
    layout: &ChunkLayout,
    footer: &ArrowReaderMetadata,
) -> std::result::Result<(), String> {
    let mut want = vec![time_field()];
    for k in &file.tag_keys {
        want.push(Field::new(
            tag_column(k),
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        ));
    }
    for (name, ty) in file.fields.iter().zip(&layout.types) {
        want.push(value_field(name, *ty));
    }
    let have = footer.schema().fields();
    let same_columns = have.len() == want.len()
        && have.iter().zip(&want).all(|(h, w)| {
            h.name() == w.name()
                && h.data_type() == w.data_type()
                && h.is_nullable() == w.is_nullable()
        });
    if !same_columns {
        return Err("names other columns than its footer".into());
    }
    let groups = footer.metadata().row_groups();
    let same_groups = groups.len() == layout.groups.len()
        && groups
            .iter()
            .zip(&layout.groups)
            .all(|(g, &n)| u64::try_from(g.num_rows()).ok() == Some(n));
    if !same_groups {
        return Err("has other row groups than its footer".into());
    }
    let codec = groups
        .iter()
        .flat_map(|g| g.columns())
        .all(|c| c.compression() == CODEC);
    if !codec {
        return Err("says its chunks are compressed otherwise than its footer does".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::manifest::{FileMeta, Manifest, Series};
    use super::super::parquet_read::{scan_series, FileCache};
    use super::super::parquet_write::file_path;
    use super::super::{DiskOptions, DiskStorage};
    use super::*;
    use crate::line_protocol::{ParseOptions, Precision};
    use crate::storage::{Storage, StorageError};
    use arrow_array::RecordBatch;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("fluxi-layout-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// A store of one measurement: 9 series (a tag missing from some), a field of each
    /// type, each missing from some rows; row groups of about 5 rows; 3 partitions.
    fn store(dir: &Path) -> Vec<FileMeta> {
        let options = DiskOptions {
            partition_duration: 3_600_000_000_000,
            row_group_rows: 5,
            compact_after: 0,
            ..DiskOptions::default()
        };
        let s = DiskStorage::open_with(dir, options).unwrap_or_else(|e| panic!("{e}"));
        s.create_bucket("b", None).unwrap_or_else(|e| panic!("{e}"));
        let mut lines = String::new();
        for i in 0..24i64 {
            for host in 0..9 {
                let region = if host % 3 == 0 {
                    String::new()
                } else {
                    format!(",region=r{}", host % 2)
                };
                let mut fields = vec![format!("f={}.25", i * host)];
                if (i + host) % 4 != 0 {
                    fields.push(format!("i={}i,u={}u", i - host, i * 7));
                }
                if (i + host) % 3 != 0 {
                    fields.push(format!("s=\"v{i}-{host}\",b={}", i % 2 == 0));
                }
                // 400 seconds apart: 9 points per series and hour.
                lines.push_str(&format!(
                    "m,host=h{host}{region} {} {}\n",
                    fields.join(","),
                    i * 400
                ));
            }
        }
        s.write_line_protocol(
            "b",
            lines.as_bytes(),
            &ParseOptions::new(Precision::Seconds, 0),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        s.flush().unwrap_or_else(|e| panic!("{e}"));
        drop(s);
        let manifest = Manifest::load(dir).ok().flatten();
        manifest
            .map(|m| m.buckets.into_iter().flat_map(|b| b.files).collect())
            .unwrap_or_default()
    }

    /// The same file, its layout forgotten (read by its footer).
    fn without_layout(f: &FileMeta) -> FileMeta {
        let list = f.series.get().map(<[_]>::to_vec).unwrap_or_default();
        FileMeta {
            series: Series::new(list),
            ..f.clone()
        }
    }

    fn scan(
        dir: &Path,
        files: &FileCache,
        f: &FileMeta,
        wanted: &[usize],
        fields: &[&str],
    ) -> Result<Vec<(usize, RecordBatch)>> {
        let mut out = Vec::new();
        scan_series(dir, files, f, wanted, fields, &mut |start, batch| {
            out.push((start, batch));
            Ok(())
        })?;
        Ok(out)
    }

    /// Every file written has a layout, and reading any series and fields by it gives the
    /// batches reading by the footer gives.
    #[test]
    fn reads_by_the_layout_equal_reads_by_the_footer() {
        let dir = scratch("same");
        let files = store(&dir);
        assert_eq!(files.len(), 3);
        for f in &files {
            let layout = f.series.layout().ok().flatten();
            let Some(layout) = layout else {
                panic!("file {} has no layout", f.id)
            };
            assert!(layout.groups.len() > 5, "{layout:?}");
            let n = f.series.get().map_or(0, <[_]>::len);
            assert_eq!(n, 9);
            let plain = without_layout(f);
            let subsets: Vec<Vec<usize>> = vec![
                (0..n).collect(),
                vec![0],
                vec![1, 3],
                vec![n - 1],
                vec![2, 4, 5, 8],
            ];
            let fields: [&[&str]; 5] = [
                &["b", "f", "i", "s", "u"],
                &["f"],
                &["s", "b"],
                &[],
                &["u", "nope"],
            ];
            for wanted in &subsets {
                for fs in fields {
                    let by_layout = scan(&dir, &FileCache::default(), f, wanted, fs);
                    let by_footer = scan(&dir, &FileCache::default(), &plain, wanted, fs);
                    let (Ok(a), Ok(b)) = (&by_layout, &by_footer) else {
                        panic!("{by_layout:?} / {by_footer:?}")
                    };
                    assert_eq!(a, b, "file {} series {wanted:?} fields {fs:?}", f.id);
                    let rows: usize = a.iter().map(|(_, b)| b.num_rows()).sum();
                    assert!(rows > 0);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A read by the layout does not touch the footer: with the footer's bytes damaged it
    /// still reads (each chunk it uses is checked), where a read by the footer fails.
    #[test]
    fn a_read_by_the_layout_reads_no_footer() {
        let dir = scratch("nofooter");
        let files = store(&dir);
        let f = &files[0];
        let path = file_path(&dir, f.id);
        let mut bytes = std::fs::read(&path).unwrap_or_default();
        let at = bytes.len() - 100;
        bytes[at] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        let read = scan(&dir, &FileCache::default(), f, &[1, 2], &["f", "s"]);
        assert!(read.is_ok_and(|r| !r.is_empty()));
        match scan(
            &dir,
            &FileCache::default(),
            &without_layout(f),
            &[1, 2],
            &["f", "s"],
        ) {
            Err(StorageError::Corrupt(e)) => assert!(e.contains("footer"), "{e}"),
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A layout that does not fit the file's parts is an error when read; one that fits
    /// but differs from the footer (rows moved between row groups) is found by the check
    /// `fluxi store check` runs.
    #[test]
    fn a_wrong_layout_is_an_error_and_the_check_finds_one_that_fits_but_lies() {
        let dir = scratch("wrong");
        let files = store(&dir);
        let f = &files[0];
        let list = f.series.get().map(<[_]>::to_vec).unwrap_or_default();
        let Some(good) = f.series.layout().ok().flatten().cloned() else {
            panic!("no layout")
        };
        let laid_out_as = |layout: ChunkLayout| FileMeta {
            series: Series::with_layout(list.clone(), Some(layout)),
            ..f.clone()
        };

        let mut short = good.clone();
        short.groups.pop();
        match scan(
            &dir,
            &FileCache::default(),
            &laid_out_as(short),
            &[0],
            &["f"],
        ) {
            Err(StorageError::Corrupt(e)) => assert!(e.contains("layout"), "{e}"),
            other => panic!("{other:?}"),
        }

        let mut moved = good.clone();
        moved.groups[0] += 1;
        moved.groups[1] -= 1;
        match FileCache::default().recheck(&dir, &laid_out_as(moved)) {
            Err(StorageError::Corrupt(e)) => assert!(e.contains("row groups"), "{e}"),
            other => panic!("{other:?}"),
        }
        let mut retyped = good.clone();
        // Field `b` is boolean.
        retyped.types[0] = crate::disk::rows::FieldType::Integer;
        match FileCache::default().recheck(&dir, &laid_out_as(retyped)) {
            Err(StorageError::Corrupt(e)) => assert!(e.contains("columns"), "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(FileCache::default().recheck(&dir, f).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
