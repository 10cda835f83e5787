//! Reading series out of data files: only the row groups (and rows) of the wanted series,
//! only the time column and the wanted fields.
//!
//! A data file is checked before anything of it is used (its rows, or the statistics the
//! manifest keeps of it): its size and CRC-32 must be those the manifest recorded. A file
//! that fails is an error naming it ([`StorageError::Corrupt`]), never data. Each file is
//! checked once per open store; its handle and parsed footer are kept (a file is
//! immutable, and a handle keeps it readable even after a writer in another process has
//! deleted it, which is what lets a read-only store read the files of its snapshot).

use super::layout;
use super::manifest::{FileMeta, SeriesMeta};
use super::parquet_write::{field_column, file_path, TIME_COLUMN};
use crate::storage::{Result, StorageError};
use arrow_array::RecordBatch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetStatisticsPolicy;
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

/// Fills `buf` from `offset` on.
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    let mut at = 0usize;
    while let Some(rest) = buf.get_mut(at..).filter(|r| !r.is_empty()) {
        let n = read_at(file, rest, offset + at as u64)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file ended early",
            ));
        }
        at += n;
    }
    Ok(())
}

/// A checked part of a data file: a column chunk (of row group `group`) or the tail
/// (page indexes and footer, `group` none), with the CRC-32 the manifest recorded of it
/// (none in a file checked whole when opened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    pub start: u64,
    pub len: u64,
    pub crc: Option<u32>,
    pub group: Option<usize>,
}

impl Part {
    /// Where the part ends (saturated: a manifest could claim any length; [`DataFile::load`]
    /// refuses a part that does not end within the file).
    fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// A data file's handle, read by position, a part at a time.
///
/// A read asks for a column chunk's pages one after another; the first touch of a part
/// reads the whole part with one `pread`, checks its CRC-32 against the manifest, and
/// serves the part's pages from memory. Parts of one row group are kept together; moving
/// to another row group lets the previous one's go. Bytes outside every part are read
/// straight from the file only in a file that was checked whole when opened.
#[derive(Debug, Clone)]
pub(crate) struct DataFile {
    file: Arc<File>,
    len: u64,
    path: Arc<Path>,
    /// Sorted by start, disjoint.
    parts: Arc<Vec<Part>>,
    /// Whether the whole file's CRC-32 was checked when it was opened.
    whole_checked: bool,
    /// Parts read so far (index into `parts`, bytes); one scan's own.
    loaded: Arc<Mutex<Vec<(usize, Bytes)>>>,
}

impl DataFile {
    /// The same file with nothing loaded (each scan has its own parts in memory).
    pub(crate) fn fresh(&self) -> DataFile {
        DataFile {
            loaded: Arc::default(),
            ..self.clone()
        }
    }

    /// The index of the part holding `[start, start + len)`.
    fn part_of(&self, start: u64, len: u64) -> Option<usize> {
        let k = self.parts.partition_point(|p| p.end() <= start);
        self.parts
            .get(k)
            .filter(|p| p.start <= start && start.saturating_add(len) <= p.end())
            .map(|_| k)
    }

    /// Part `k`'s bytes, read and checked on first use.
    fn load(&self, k: usize) -> Result<Bytes> {
        let mut loaded = self
            .loaded
            .lock()
            .map_err(|_| StorageError::Backend("read: a lock was poisoned".into()))?;
        if let Some((_, b)) = loaded.iter().find(|(i, _)| *i == k) {
            return Ok(b.clone());
        }
        let part = self
            .parts
            .get(k)
            .copied()
            .ok_or_else(|| StorageError::Backend("read: no such part".into()))?;
        // The file's length was checked against the manifest when the store opened; a
        // part beyond it is a damaged manifest, not a size to allocate.
        if part.end() > self.len {
            return Err(corrupt(
                &self.path,
                format!(
                    "the manifest lists a part of {} bytes at {}, beyond its {} bytes",
                    part.len, part.start, self.len
                ),
            ));
        }
        let mut buf = vec![0u8; usize::try_from(part.len).unwrap_or(usize::MAX)];
        read_exact_at(&self.file, &mut buf, part.start).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => corrupt(&self.path, "it ended early"),
            _ => super::io_error("read data file", &self.path, e),
        })?;
        if let Some(want) = part.crc {
            let got = crc32fast::hash(&buf);
            if got != want {
                let what = match part.group {
                    Some(g) => format!("row group {g}'s column chunk"),
                    None => "its footer".to_string(),
                };
                return Err(corrupt(
                    &self.path,
                    format!(
                        "the CRC-32 of {what} (bytes {}..{}) is {got:08x} where the manifest recorded {want:08x}",
                        part.start,
                        part.end()
                    ),
                ));
            }
        }
        let bytes = Bytes::from(buf);
        loaded.retain(|(i, _)| self.parts.get(*i).map(|p| p.group) == Some(part.group));
        loaded.push((k, bytes.clone()));
        Ok(bytes)
    }

    /// Part `k` ([`DataFile::part_of`] found it) and its bytes, for the Parquet reader.
    /// `part_of` found `[start, start + len)` inside the part, so slicing the bytes
    /// there cannot go past them.
    fn load_part(&self, k: usize) -> parquet::errors::Result<(Bytes, Part)> {
        let part = self
            .parts
            .get(k)
            .copied()
            .ok_or_else(|| self.outside(0, 0))?;
        Ok((self.load(k).map_err(external)?, part))
    }

    fn outside(&self, start: u64, len: u64) -> parquet::errors::ParquetError {
        external(corrupt(
            &self.path,
            format!(
                "a read of bytes {start}..{} lies outside the parts the manifest checks",
                start + len
            ),
        ))
    }
}

fn external(e: StorageError) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::External(Box::new(e))
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

/// Where a [`DataFile`]'s reads come from: a checked part in memory, or the file.
pub(crate) enum PartReader {
    Memory(bytes::buf::Reader<Bytes>),
    File(PositionedReader),
}

impl Read for PartReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            PartReader::Memory(r) => r.read(buf),
            PartReader::File(r) => r.read(buf),
        }
    }
}

impl Length for DataFile {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for DataFile {
    type T = PartReader;

    fn get_read(&self, start: u64) -> parquet::errors::Result<PartReader> {
        use bytes::Buf;
        match self.part_of(start, 0) {
            Some(k) => {
                let (bytes, part) = self.load_part(k)?;
                let from = (start - part.start) as usize;
                Ok(PartReader::Memory(bytes.slice(from..).reader()))
            }
            None if self.whole_checked => Ok(PartReader::File(PositionedReader {
                file: Arc::clone(&self.file),
                pos: start,
            })),
            None => Err(self.outside(start, 0)),
        }
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self.part_of(start, length as u64) {
            Some(k) => {
                let (bytes, part) = self.load_part(k)?;
                let from = (start - part.start) as usize;
                Ok(bytes.slice(from..from + length))
            }
            None if self.whole_checked => {
                let mut buf = vec![0u8; length];
                let mut reader = PositionedReader {
                    file: Arc::clone(&self.file),
                    pos: start,
                };
                reader.read_exact(&mut buf)?;
                Ok(Bytes::from(buf))
            }
            None => Err(self.outside(start, length as u64)),
        }
    }
}

/// The parts the manifest recorded of a file, with their CRC-32s.
fn recorded_parts(meta: &FileMeta) -> Vec<Part> {
    meta.parts
        .iter()
        .map(|&(start, len, crc)| Part {
            start,
            len,
            crc: Some(crc),
            group: None,
        })
        .collect()
}

/// The first and last of a file's parts: its head and its tail (page indexes, footer).
fn head_and_tail(parts: &[Part]) -> Vec<Part> {
    parts
        .first()
        .into_iter()
        .chain(parts.last())
        .copied()
        .collect()
}

/// The parts of a file as its footer lays them out: the head (the 4-byte magic), each
/// row group's column chunks in file order, then the tail (from the last chunk's end to
/// the end of the file: page indexes, footer). `None` if the footer's offsets are not
/// those of a file `len` bytes long.
pub(crate) fn parts_of(
    metadata: &parquet::file::metadata::ParquetMetaData,
    len: u64,
) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    for (g, rg) in metadata.row_groups().iter().enumerate() {
        for c in rg.columns() {
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            let start = u64::try_from(start).ok()?;
            let size = u64::try_from(c.compressed_size()).ok()?;
            parts.push(Part {
                start,
                len: size,
                crc: None,
                group: Some(g),
            });
        }
    }
    parts.sort_by_key(|p| p.start);
    parts.insert(
        0,
        Part {
            start: 0,
            len: 4,
            crc: None,
            group: None,
        },
    );
    let tail = parts.last().map_or(4, Part::end);
    if !parts.windows(2).all(|w| w[0].end() <= w[1].start) || tail > len {
        return None;
    }
    parts.push(Part {
        start: tail,
        len: len - tail,
        crc: None,
        group: None,
    });
    Some(parts)
}

/// A checked file: its handle and parsed footer, or why it is damaged.
type Checked = std::result::Result<(DataFile, ArrowReaderMetadata), StorageError>;

/// The data files checked so far (by id), and handles opened ahead.
#[derive(Debug, Default)]
pub(crate) struct FileCache {
    checked: Mutex<HashMap<u64, Checked>>,
    /// Files whose head and footer were checked (answers from statistics need no more).
    ends_checked: Mutex<HashMap<u64, Result<()>>>,
    /// Files read by the manifest's layout (their footers unread): the handle, with the
    /// parts, and the head checked.
    laid_out: Mutex<HashMap<u64, Result<DataFile>>>,
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
            .is_ok_and(|c| matches!(c.get(&id), Some(Ok(_))))
            || self
                .laid_out
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
        if let Ok(mut c) = self.ends_checked.lock() {
            c.remove(&id);
        }
        if let Ok(mut c) = self.laid_out.lock() {
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
        cached(&self.checked, meta.id, || self.check(dir, meta, false))
    }

    /// The handle of a file read by the manifest's layout ([`layout::layout_of`] found
    /// one), its parts each tagged with its row group, its size and head checked the first
    /// time. A file found damaged before stays so.
    pub(crate) fn laid_out(&self, dir: &Path, meta: &FileMeta) -> Result<DataFile> {
        if let Some(c) = self
            .checked
            .lock()
            .ok()
            .and_then(|c| c.get(&meta.id).cloned())
        {
            return c.map(|(data, _)| data);
        }
        cached(&self.laid_out, meta.id, || self.lay_out(dir, meta))
    }

    fn lay_out(&self, dir: &Path, meta: &FileMeta) -> Result<DataFile> {
        let (file, len, path) = self.handle(dir, meta)?;
        let columns = layout::columns(meta).max(1);
        let last = meta.parts.len().saturating_sub(1);
        let parts = recorded_parts(meta)
            .into_iter()
            .enumerate()
            .map(|(k, p)| Part {
                group: (k > 0 && k < last).then(|| (k - 1) / columns),
                ..p
            })
            .collect();
        let data = DataFile {
            file,
            len,
            path: Arc::from(path.as_path()),
            parts: Arc::new(parts),
            whole_checked: false,
            loaded: Arc::default(),
        };
        data.load(0)?; // the head
        Ok(data)
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
        self.check(dir, meta, true).map(|_| ())
    }

    /// Checks a file before the manifest's statistics of it are used: its size, and the
    /// CRC-32 of its head and footer (of the whole file, in a file without parts), once
    /// per open store. Its footer is parsed when a read first decodes it.
    pub(crate) fn verify(&self, dir: &Path, meta: &FileMeta) -> Result<()> {
        if meta.parts.len() < 2 {
            return self.open(dir, meta).map(|_| ());
        }
        let opened = self.checked.lock().ok().and_then(|c| {
            c.get(&meta.id)
                .map(|c| c.as_ref().map(|_| ()).map_err(Clone::clone))
        });
        if let Some(r) = opened {
            return r;
        }
        cached(&self.ends_checked, meta.id, || self.check_ends(dir, meta))
    }

    fn check_ends(&self, dir: &Path, meta: &FileMeta) -> Result<()> {
        let (file, len, path) = self.handle(dir, meta)?;
        if let Ok(mut o) = self.opened.lock() {
            o.entry(meta.id).or_insert_with(|| Arc::clone(&file));
        }
        let ends = DataFile {
            file,
            len,
            path: Arc::from(path.as_path()),
            parts: Arc::new(head_and_tail(&recorded_parts(meta))),
            whole_checked: false,
            loaded: Arc::default(),
        };
        ends.load(0)?;
        ends.load(1).map(|_| ())
    }

    /// The file's handle (opened ahead, or now), its length, which must be the
    /// manifest's, and its path.
    fn handle(&self, dir: &Path, meta: &FileMeta) -> Result<(Arc<File>, u64, std::path::PathBuf)> {
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
        Ok((file, len, path))
    }

    fn check(&self, dir: &Path, meta: &FileMeta, whole: bool) -> Checked {
        let (file, len, path) = self.handle(dir, meta)?;
        // A file with parts checks each part as a read first uses it, and its tail (the
        // footer) now; a file without is checked whole (and so is any file on `whole`).
        let by_parts = !meta.parts.is_empty() && !whole;
        if !by_parts {
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
        }
        let recorded = recorded_parts(meta);
        let path: Arc<Path> = Arc::from(path.as_path());
        let footer = DataFile {
            file: Arc::clone(&file),
            len,
            path: Arc::clone(&path),
            parts: Arc::new(if by_parts {
                head_and_tail(&recorded)
            } else {
                Vec::new()
            }),
            whole_checked: !by_parts,
            loaded: Arc::default(),
        };
        if by_parts {
            footer.load(0)?; // the head; the tail is checked as the footer is read
        }
        // The reads prune by the manifest's statistics, not the footer's: those are
        // not decoded.
        let options = ArrowReaderOptions::new()
            .with_column_stats_policy(ParquetStatisticsPolicy::SkipAll)
            .with_encoding_stats_policy(ParquetStatisticsPolicy::SkipAll)
            .with_size_stats_policy(ParquetStatisticsPolicy::SkipAll);
        let metadata = ArrowReaderMetadata::load(&footer, options).map_err(|e| match e {
            parquet::errors::ParquetError::External(e) => match e.downcast::<StorageError>() {
                Ok(e) => *e,
                Err(e) => corrupt(&path, format!("its footer cannot be read ({e})")),
            },
            e => corrupt(&path, format!("its footer cannot be read ({e})")),
        })?;
        let mut parts = parts_of(metadata.metadata(), len)
            .ok_or_else(|| corrupt(&path, "its footer's offsets do not fit the file"))?;
        if !recorded.is_empty() {
            let same = parts.len() == recorded.len()
                && parts
                    .iter()
                    .zip(&recorded)
                    .all(|(a, b)| (a.start, a.len) == (b.start, b.len));
            if !same {
                return Err(corrupt(
                    &path,
                    "its column chunks are not where the manifest recorded them",
                ));
            }
            for (p, r) in parts.iter_mut().zip(&recorded) {
                p.crc = r.crc;
            }
        }
        // What reads without the footer rely on must be what the footer says.
        if let Some(l) = layout::layout_of(meta, &path)? {
            layout::check(meta, l, &metadata)
                .map_err(|why| corrupt(&path, format!("its layout in the manifest {why}")))?;
        }
        let data = DataFile {
            file,
            len,
            path,
            parts: Arc::new(parts),
            whole_checked: !by_parts,
            loaded: Arc::default(),
        };
        if whole {
            // `fluxi store check`: every part's own CRC-32 too.
            for k in 0..data.parts.len() {
                data.load(k)?;
            }
        }
        Ok((data, metadata))
    }
}

/// The value kept for `id` in `map`, or `make`'s, then kept (made once per open store: a
/// file is immutable; a poisoned lock only means it is made again).
fn cached<T: Clone>(map: &Mutex<HashMap<u64, T>>, id: u64, make: impl FnOnce() -> T) -> T {
    if let Some(v) = map.lock().ok().and_then(|m| m.get(&id).cloned()) {
        return v;
    }
    let v = make();
    if let Ok(mut m) = map.lock() {
        m.insert(id, v.clone());
    }
    v
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

/// Where the rows of series `wanted` (indices into `series`, a file's) start in the rows
/// a scan of them yields (they come in file order), and how many rows that is.
pub(crate) fn series_offsets(series: &[SeriesMeta], wanted: &[usize]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    let range_of = |k: usize| {
        wanted
            .get(k)
            .and_then(|&s| series.get(s))
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
        offsets: series_offsets(file.series.get()?, wanted).0,
    })
}

/// The row groups a scan reads and which of their rows it keeps.
struct Selection {
    /// The row groups holding some wanted row, in file order.
    groups: Vec<usize>,
    /// The rows of those groups to keep and to skip, in order.
    selectors: Vec<RowSelector>,
    /// Whether any row of those groups is skipped.
    partial: bool,
    /// The rows of all the file's groups.
    rows: u64,
}

/// The selection of `ranges` (sorted, disjoint row ranges) in row groups of `group_rows`
/// rows each.
fn select(group_rows: &[u64], ranges: &[(u64, u64)]) -> Selection {
    let mut selection = Selection {
        groups: Vec::new(),
        selectors: Vec::new(),
        partial: false,
        rows: 0,
    };
    let mut group_start: u64 = 0;
    let mut r = 0;
    for (g, &n) in group_rows.iter().enumerate() {
        let group_end = group_start.saturating_add(n);
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
                selection
                    .selectors
                    .push(RowSelector::skip((a - cursor) as usize));
                selection.partial = true;
            }
            selection
                .selectors
                .push(RowSelector::select((b - a) as usize));
            cursor = b;
            any = true;
            k += 1;
        }
        if any {
            if cursor < group_end {
                selection
                    .selectors
                    .push(RowSelector::skip((group_end - cursor) as usize));
                selection.partial = true;
            }
            selection.groups.push(g);
        }
        group_start = group_end;
    }
    selection.rows = group_start;
    selection
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
    // The wanted rows as sorted, disjoint ranges.
    let series = file.series.get()?;
    let mut spans: Vec<(u64, u64)> = wanted
        .iter()
        .filter_map(|&s| series.get(s))
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

    // The row groups' sizes, from the manifest's layout of the file or from its footer.
    let laid_out = layout::layout_of(file, &path)?;
    let footer = match laid_out {
        Some(_) => None,
        None => Some(files.open(dir, file)?),
    };
    let group_rows: Vec<u64> = match (laid_out, &footer) {
        (Some(l), _) => l.groups.clone(),
        (None, Some((_, metadata))) => metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows().max(0) as u64)
            .collect(),
        (None, None) => Vec::new(),
    };
    let selection = select(&group_rows, &ranges);
    if selection.rows < ranges.last().map_or(0, |r| r.1) {
        return Err(corrupt(&path, "it has fewer rows than the manifest says"));
    }
    let builder = match (laid_out, footer) {
        (Some(l), _) => {
            // Only the chunks of the selected row groups and columns are described.
            let handle = files.laid_out(dir, file)?.fresh();
            let metadata = layout::metadata(file, l, fields, &selection.groups, &path)?;
            ParquetRecordBatchReaderBuilder::new_with_metadata(handle, metadata)
        }
        (None, Some((handle, metadata))) => {
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
            let mask =
                ProjectionMask::roots(metadata.metadata().file_metadata().schema_descr(), roots);
            ParquetRecordBatchReaderBuilder::new_with_metadata(handle.fresh(), metadata)
                .with_projection(mask)
                .with_row_groups(selection.groups.clone())
        }
        (None, None) => return Err(corrupt(&path, "it could not be opened")),
    };
    let mut builder = builder.with_batch_size(total.clamp(1, BATCH_ROWS));
    if selection.partial {
        builder = builder.with_row_selection(RowSelection::from(selection.selectors));
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
