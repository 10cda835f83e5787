//! Helpers shared by the disk store's tests: scratch directories and comparable reads.

#![allow(dead_code)]

use fluxi_storage::{Aggregate, DiskOptions, Predicate, ReadSpec, Storage, Windowing};
use fluxi_value::csv::{encode, LineEnding};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory under the system's temporary directory, removed when dropped.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "fluxi-test-{}-{}-{}",
            name,
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        Scratch { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A read of a bucket as annotated CSV (what a person would compare), or the error.
/// Small row groups (4 rows) and hour partitions, nothing compacted: many files and
/// groups from little data.
pub fn small_options() -> DiskOptions {
    DiskOptions {
        buffer_rows: 1_000_000,
        partition_duration: 3_600_000_000_000,
        row_group_rows: 4,
        compact_after: 0,
        read_threads: 2,
        read_chunk_values: 1 << 20,
    }
}

pub fn read_csv(s: &dyn Storage, bucket: &str, start: i64, stop: i64, p: Vec<Predicate>) -> String {
    match s.read(&ReadSpec {
        bucket: bucket.into(),
        start,
        stop,
        predicates: p,
    }) {
        Ok(r) => encode(&[("_result".to_string(), r.tables)], LineEnding::Lf),
        Err(e) => format!("error: {e}"),
    }
}

/// A streamed read ([`Storage::read_each`]) as annotated CSV, or the error.
pub fn read_each_csv(
    s: &dyn Storage,
    bucket: &str,
    start: i64,
    stop: i64,
    p: Vec<Predicate>,
) -> String {
    let spec = ReadSpec {
        bucket: bucket.into(),
        start,
        stop,
        predicates: p,
    };
    let mut tables = Vec::new();
    match s.read_each(&spec, &mut |t| {
        tables.push(t);
        true
    }) {
        Ok(()) => encode(&[("_result".to_string(), tables)], LineEnding::Lf),
        Err(e) => format!("error: {e}"),
    }
}

/// An aggregate of a bucket as annotated CSV ("none" when the store does not do it).
pub fn aggregate_csv(
    s: &dyn Storage,
    bucket: &str,
    start: i64,
    stop: i64,
    p: Vec<Predicate>,
    aggregate: Aggregate,
    window: Option<Windowing>,
) -> String {
    let spec = ReadSpec {
        bucket: bucket.into(),
        start,
        stop,
        predicates: p,
    };
    match s.read_aggregate(&spec, aggregate, window) {
        Ok(Some(r)) => encode(&[("_result".to_string(), r.tables)], LineEnding::Lf),
        Ok(None) => "none".into(),
        Err(e) => format!("error: {e}"),
    }
}

/// Everything the schema questions answer about a bucket.
pub fn schema(s: &dyn Storage, bucket: &str) -> String {
    let mut out = String::new();
    let ms = s.measurements(bucket).unwrap_or_default();
    out.push_str(&format!("measurements {ms:?}\n"));
    out.push_str(&format!("tag keys {:?}\n", s.tag_keys(bucket, None)));
    out.push_str(&format!("field keys {:?}\n", s.field_keys(bucket, None)));
    for m in &ms {
        out.push_str(&format!(
            "{m}: tags {:?} fields {:?}\n",
            s.tag_keys(bucket, Some(m)),
            s.field_keys(bucket, Some(m))
        ));
        for t in s.tag_keys(bucket, Some(m)).unwrap_or_default() {
            out.push_str(&format!(
                "{m}.{t}: {:?} / all {:?}\n",
                s.tag_values(bucket, &t, Some(m)),
                s.tag_values(bucket, &t, None)
            ));
        }
    }
    out
}

/// Every aggregate, with and without windows.
pub fn all_aggregates(
    s: &dyn Storage,
    bucket: &str,
    start: i64,
    stop: i64,
    p: &[Predicate],
    every: i64,
) -> String {
    let aggregates = [
        Aggregate::Count,
        Aggregate::Sum,
        Aggregate::Mean,
        Aggregate::Min,
        Aggregate::Max,
        Aggregate::First,
        Aggregate::Last,
    ];
    let mut out = String::new();
    for a in aggregates {
        for w in [
            None,
            Some(Windowing {
                every,
                offset: every / 3,
            }),
        ] {
            out.push_str(&format!("== {} {:?}\n", a.name(), w));
            out.push_str(&aggregate_csv(s, bucket, start, stop, p.to_vec(), a, w));
        }
    }
    out
}
