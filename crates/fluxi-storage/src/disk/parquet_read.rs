//! Reading series out of data files: only the row groups (and rows) of the wanted series,
//! only the time column and the wanted fields.
//!
//! A data file is checked before anything of it is used (its rows, or the statistics the
//! manifest keeps of it): its size and CRC-32 must be those the manifest recorded. A file
//! that fails is an error naming it ([`StorageError::Corrupt`]), never data. Each file is
//! checked once per open store; its handle and parsed footer are kept (a file is
//! immutable, and a handle keeps it readable even after a writer in another process has
//! deleted it, which is what lets a read-only store read the files of its snapshot).

use super::manifest::FileMeta;
use super::parquet_write::{field_column, file_path, TIME_COLUMN};
use crate::storage::{Result, StorageError};
use arrow_array::RecordBatch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::reader::{ChunkReader, Length};
use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, Weak};

/// Reads `buf.len()` bytes (fewer at the end of the file) at `offset`, without moving any
/// shared file position (threads read the same handle at once).
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
}

/// A data file's handle, read by position.
#[derive(Debug, Clone)]
pub(crate) struct DataFile {
    file: Arc<File>,
    len: u64,
}

/// A reader of a [`DataFile`] from some position on.
pub(crate) struct PositionedReader {
    file: Arc<File>,
    pos: u64,
}

impl Read for PositionedReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = read_at(&self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Length for DataFile {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for DataFile {
    type T = PositionedReader;

    fn get_read(&self, start: u64) -> parquet::errors::Result<PositionedReader> {
        Ok(PositionedReader {
            file: Arc::clone(&self.file),
            pos: start,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let mut buf = vec![0u8; length];
        let mut reader = self.get_read(start)?;
        reader.read_exact(&mut buf)?;
        Ok(Bytes::from(buf))
    }
}

/// A checked file: its handle and parsed footer, or why it is damaged.
type Checked = std::result::Result<(DataFile, ArrowReaderMetadata), StorageError>;

/// The data files checked so far (by id), and handles opened ahead.
#[derive(Debug, Default)]
pub(crate) struct FileCache {
    checked: Mutex<HashMap<u64, Checked>>,
    opened: Mutex<HashMap<u64, Arc<File>>>,
    /// Files deleted while snapshots (sharing the file list given) may still read them.
    retired: Mutex<Vec<(u64, Weak<Vec<FileMeta>>)>>,
}

/// The error of a damaged data file.
pub(crate) fn corrupt(path: &Path, what: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!(
        "data file {} is damaged: {what}; `fluxi store repair` moves it aside",
        path.display()
    ))
}

impl FileCache {
    /// Keeps a handle of a file opened ahead (used instead of opening it by name later).
    pub(crate) fn preopen(&self, id: u64, file: File) {
        if let Ok(mut o) = self.opened.lock() {
            o.insert(id, Arc::new(file));
        }
    }

    /// Records a file as damaged (found so when the store was opened).
    pub(crate) fn mark_damaged(&self, id: u64, error: StorageError) {
        if let Ok(mut c) = self.checked.lock() {
            c.insert(id, Err(error));
        }
    }

    /// Deletes a file that the store no longer lists. Its handle stays open (so reads of
    /// older snapshots can finish) until `held`, the file list those snapshots share, is
    /// gone.
    pub(crate) fn retire(&self, path: &Path, id: u64, held: Weak<Vec<FileMeta>>) {
        let known = self
            .checked
            .lock()
            .is_ok_and(|c| matches!(c.get(&id), Some(Ok(_))));
        if held.strong_count() > 0 && !known {
            if let Ok(f) = File::open(path) {
                self.preopen(id, f);
            }
        }
        let _ = std::fs::remove_file(path);
        let mut gone = Vec::new();
        if let Ok(mut r) = self.retired.lock() {
            r.push((id, held));
            r.retain(|(id, held)| {
                let live = held.strong_count() > 0;
                if !live {
                    gone.push(*id);
                }
                live
            });
        }
        for id in gone {
            self.forget(id);
        }
    }

    /// Forgets a file (removed from the store).
    pub(crate) fn forget(&self, id: u64) {
        if let Ok(mut c) = self.checked.lock() {
            c.remove(&id);
        }
        if let Ok(mut o) = self.opened.lock() {
            o.remove(&id);
        }
    }

    /// The handle and footer of a file, checked against the manifest the first time.
    pub(crate) fn open(
        &self,
        dir: &Path,
        meta: &FileMeta,
    ) -> Result<(DataFile, ArrowReaderMetadata)> {
        if let Some(c) = self
            .checked
            .lock()
            .ok()
            .and_then(|c| c.get(&meta.id).cloned())
        {
            return c;
        }
        let checked = self.check(dir, meta);
        if let Ok(mut c) = self.checked.lock() {
            c.insert(meta.id, checked.clone());
        }
        checked
    }

    /// Checks a file again, whatever was found before (for `fluxi store check`).
    pub(crate) fn recheck(&self, dir: &Path, meta: &FileMeta) -> Result<()> {
        let damaged = self
            .checked
            .lock()
            .ok()
            .and_then(|c| c.get(&meta.id).cloned())
            .and_then(|c| c.err());
        if let Some(e) = damaged {
            return Err(e);
        }
        self.check(dir, meta).map(|_| ())
    }

    /// Checks a file: the size and CRC-32 the manifest recorded, and a footer that parses.
    pub(crate) fn verify(&self, dir: &Path, meta: &FileMeta) -> Result<()> {
        self.open(dir, meta).map(|_| ())
    }

    fn check(&self, dir: &Path, meta: &FileMeta) -> Checked {
        let path = file_path(dir, meta.id);
        let pre = self
            .opened
            .lock()
            .ok()
            .and_then(|o| o.get(&meta.id).cloned());
        let file = match pre {
            Some(f) => f,
            None => match File::open(&path) {
                Ok(f) => Arc::new(f),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Err(corrupt(&path, "it is missing"))
                }
                Err(e) => return Err(super::io_error("open data file", &path, e)),
            },
        };
        let len = file
            .metadata()
            .map_err(|e| super::io_error("stat data file", &path, e))?
            .len();
        if len != meta.bytes {
            return Err(corrupt(
                &path,
                format!(
                    "it has {len} bytes where the manifest recorded {}",
                    meta.bytes
                ),
            ));
        }
        if let Some(want) = meta.checksum {
            let got =
                crc_of(&file, len).map_err(|e| super::io_error("read data file", &path, e))?;
            if got != want {
                return Err(corrupt(
                    &path,
                    format!("its CRC-32 is {got:08x} where the manifest recorded {want:08x}"),
                ));
            }
        }
        let data = DataFile { file, len };
        let metadata = ArrowReaderMetadata::load(&data, ArrowReaderOptions::new())
            .map_err(|e| corrupt(&path, format!("its footer cannot be read ({e})")))?;
        Ok((data, metadata))
    }
}

/// The CRC-32 of the first `len` bytes of a file.
pub(crate) fn crc_of(file: &File, len: u64) -> std::io::Result<u32> {
    let mut h = crc32fast::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0u64;
    while at < len {
        let want = (len - at).min(buf.len() as u64) as usize;
        let chunk = buf.get_mut(..want).unwrap_or_default();
        let n = read_at(file, chunk, at)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file ended early",
            ));
        }
        h.update(chunk.get(..n).unwrap_or_default());
        at += n as u64;
    }
    Ok(h.finalize())
}

fn parquet_error(path: &Path, what: &str, e: impl std::fmt::Display) -> StorageError {
    corrupt(path, format!("cannot {what}: {e}"))
}

/// The rows of some series of a file, read: batches (in row order) whose columns are
/// `_time` and `f:<field>` for each field asked for that the file has.
#[derive(Debug)]
pub(crate) struct SeriesRead {
    pub batches: Vec<RecordBatch>,
    /// Where each batch starts in the rows read.
    starts: Vec<usize>,
    /// For each series asked for (in the order asked), where its rows start in the rows
    /// read.
    pub offsets: Vec<usize>,
}

impl SeriesRead {
    /// The pieces of rows `[offset, offset + n)` of what was read: (batch, first row in
    /// it, rows).
    pub(crate) fn segments(&self, offset: usize, n: usize) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        let end = offset + n;
        // The batch holding `offset`.
        let mut b = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let mut at = offset;
        while at < end {
            let (Some(&start), Some(batch)) = (self.starts.get(b), self.batches.get(b)) else {
                break;
            };
            let batch_end = start + batch.num_rows();
            let stop = end.min(batch_end);
            if stop > at {
                out.push((b, at - start, stop - at));
                at = stop;
            }
            b += 1;
        }
        out
    }

    /// Everything read as one batch.
    pub(crate) fn concat(&self) -> Result<RecordBatch> {
        match self.batches.as_slice() {
            [one] => Ok(one.clone()),
            batches => {
                let schema = batches
                    .first()
                    .map(|b| b.schema())
                    .ok_or_else(|| StorageError::Backend("read: no rows".into()))?;
                arrow_select::concat::concat_batches(&schema, batches)
                    .map_err(|e| StorageError::Backend(format!("read: {e}")))
            }
        }
    }
}

/// Rows per decoded batch: large enough to amortize the decoder's work per batch, small
/// enough for the allocator to reuse the buffers.
const BATCH_ROWS: usize = 65_536;

/// Where the rows of series `wanted` (indices into `file.series`) start in the rows a
/// scan of them yields (they come in file order), and how many rows that is.
pub(crate) fn series_offsets(file: &FileMeta, wanted: &[usize]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    let range_of = |k: usize| {
        wanted
            .get(k)
            .and_then(|&s| file.series.get(s))
            .map_or((0, 0), |s| (s.first_row, s.first_row + s.rows))
    };
    order.sort_by_key(|&k| range_of(k).0);
    let mut offsets = vec![0usize; wanted.len()];
    let mut total = 0usize;
    for &k in &order {
        let (a, b) = range_of(k);
        if let Some(o) = offsets.get_mut(k) {
            *o = total;
        }
        total += (b - a) as usize;
    }
    (offsets, total)
}

/// Reads the rows of series `wanted` (indices into `file.series`), columns `_time` and
/// the given fields, all at once.
pub(crate) fn read_series(
    dir: &Path,
    files: &FileCache,
    file: &FileMeta,
    wanted: &[usize],
    fields: &[&str],
) -> Result<SeriesRead> {
    let mut batches = Vec::new();
    let mut starts = Vec::new();
    scan_series(dir, files, file, wanted, fields, &mut |start, batch| {
        starts.push(start);
        batches.push(batch);
        Ok(())
    })?;
    Ok(SeriesRead {
        batches,
        starts,
        offsets: series_offsets(file, wanted).0,
    })
}

/// Decodes the rows of series `wanted` (indices into `file.series`), columns `_time` and
/// the given fields, batch by batch: `on_batch` gets each batch with the index of its
/// first row in the rows of the scan (see [`series_offsets`]).
pub(crate) fn scan_series(
    dir: &Path,
    files: &FileCache,
    file: &FileMeta,
    wanted: &[usize],
    fields: &[&str],
    on_batch: &mut dyn FnMut(usize, RecordBatch) -> Result<()>,
) -> Result<()> {
    let path = file_path(dir, file.id);
    let (handle, metadata) = files.open(dir, file)?;
    let schema = metadata.schema();
    let mut roots = Vec::with_capacity(fields.len() + 1);
    let time_root = schema
        .index_of(TIME_COLUMN)
        .map_err(|_| parquet_error(&path, "find the time column", "missing"))?;
    roots.push(time_root);
    for f in fields {
        if let Ok(i) = schema.index_of(&field_column(f)) {
            roots.push(i);
        }
    }
    roots.sort_unstable();
    roots.dedup();
    let mask = ProjectionMask::roots(metadata.metadata().file_metadata().schema_descr(), roots);

    // The wanted rows as sorted, disjoint ranges.
    let mut spans: Vec<(u64, u64)> = wanted
        .iter()
        .filter_map(|&s| file.series.get(s))
        .map(|s| (s.first_row, s.first_row + s.rows))
        .collect();
    spans.sort_unstable();
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    let mut total = 0usize;
    for (a, b) in spans {
        total += (b - a) as usize;
        match ranges.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ if a < b => ranges.push((a, b)),
            _ => {}
        }
    }

    // The row groups they touch, and which of those groups' rows to keep.
    let groups = metadata.metadata().row_groups();
    let mut selected: Vec<usize> = Vec::new();
    let mut selectors: Vec<RowSelector> = Vec::new();
    let mut partial = false;
    let mut group_start: u64 = 0;
    let mut r = 0;
    for (g, rg) in groups.iter().enumerate() {
        let group_end = group_start + rg.num_rows().max(0) as u64;
        while r < ranges.len() && ranges[r].1 <= group_start {
            r += 1;
        }
        let mut cursor = group_start;
        let mut k = r;
        let mut any = false;
        while k < ranges.len() && ranges[k].0 < group_end {
            let a = ranges[k].0.max(group_start);
            let b = ranges[k].1.min(group_end);
            if a > cursor {
                selectors.push(RowSelector::skip((a - cursor) as usize));
                partial = true;
            }
            selectors.push(RowSelector::select((b - a) as usize));
            cursor = b;
            any = true;
            k += 1;
        }
        if any {
            if cursor < group_end {
                selectors.push(RowSelector::skip((group_end - cursor) as usize));
                partial = true;
            }
            selected.push(g);
        }
        group_start = group_end;
    }
    if (group_start as usize) < ranges.last().map_or(0, |r| r.1 as usize) {
        return Err(corrupt(&path, "it has fewer rows than the manifest says"));
    }
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(handle, metadata)
        .with_projection(mask)
        .with_row_groups(selected)
        .with_batch_size(total.clamp(1, BATCH_ROWS));
    if partial {
        builder = builder.with_row_selection(RowSelection::from(selectors));
    }
    let reader = builder
        .build()
        .map_err(|e| parquet_error(&path, "read", e))?;
    let mut rows = 0;
    for b in reader {
        let b = b.map_err(|e| parquet_error(&path, "decode it", e))?;
        let n = b.num_rows();
        on_batch(rows, b)?;
        rows += n;
    }
    if rows != total {
        return Err(corrupt(
            &path,
            format!("it gave {rows} rows where the manifest has {total}"),
        ));
    }
    Ok(())
}
