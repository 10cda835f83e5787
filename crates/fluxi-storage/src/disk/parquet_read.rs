//! Reading series out of data files: only the row groups (and rows) of the wanted series,
//! only the time column and the wanted fields. File footers are parsed once per open
//! store and kept.

use super::io_error;
use super::manifest::FileMeta;
use super::parquet_write::{field_column, file_path, TIME_COLUMN};
use crate::storage::{Result, StorageError};
use arrow_array::RecordBatch;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::arrow::ProjectionMask;
use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Mutex;

/// The parsed footers of the files read so far, by file id.
#[derive(Debug, Default)]
pub(crate) struct FooterCache {
    footers: Mutex<HashMap<u64, ArrowReaderMetadata>>,
}

impl FooterCache {
    fn get(&self, id: u64) -> Option<ArrowReaderMetadata> {
        self.footers.lock().ok()?.get(&id).cloned()
    }

    fn put(&self, id: u64, m: ArrowReaderMetadata) {
        if let Ok(mut f) = self.footers.lock() {
            f.insert(id, m);
        }
    }

    /// Forgets a file (removed from the store).
    pub(crate) fn forget(&self, id: u64) {
        if let Ok(mut f) = self.footers.lock() {
            f.remove(&id);
        }
    }
}

fn parquet_error(path: &Path, what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("cannot {what} {}: {e}", path.display()))
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
    footers: &FooterCache,
    file: &FileMeta,
    wanted: &[usize],
    fields: &[&str],
) -> Result<SeriesRead> {
    let mut batches = Vec::new();
    let mut starts = Vec::new();
    scan_series(dir, footers, file, wanted, fields, &mut |start, batch| {
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
    footers: &FooterCache,
    file: &FileMeta,
    wanted: &[usize],
    fields: &[&str],
    on_batch: &mut dyn FnMut(usize, RecordBatch) -> Result<()>,
) -> Result<()> {
    let path = file_path(dir, file.id);
    let handle = File::open(&path).map_err(|e| io_error("open data file", &path, e))?;
    let metadata = match footers.get(file.id) {
        Some(m) => m,
        None => {
            let m = ArrowReaderMetadata::load(&handle, ArrowReaderOptions::new())
                .map_err(|e| parquet_error(&path, "read the footer of data file", e))?;
            footers.put(file.id, m.clone());
            m
        }
    };
    let schema = metadata.schema();
    let mut roots = Vec::with_capacity(fields.len() + 1);
    let time_root = schema
        .index_of(TIME_COLUMN)
        .map_err(|_| parquet_error(&path, "find the time column of data file", "missing"))?;
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
        return Err(StorageError::Backend(format!(
            "data file {} has fewer rows than the manifest says",
            path.display()
        )));
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
        .map_err(|e| parquet_error(&path, "read data file", e))?;
    let mut rows = 0;
    for b in reader {
        let b = b.map_err(|e| parquet_error(&path, "decode data file", e))?;
        let n = b.num_rows();
        on_batch(rows, b)?;
        rows += n;
    }
    if rows != total {
        return Err(StorageError::Backend(format!(
            "data file {} gave {rows} rows where the manifest has {total}",
            path.display()
        )));
    }
    Ok(())
}
