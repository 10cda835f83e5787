//! The embedded store opened on first use ([`crate::EngineBuilder::open_lazily`]): a
//! script that never touches a bucket neither creates nor locks the store directory.

use fluxi_storage::storage::Result;
use fluxi_storage::{
    Aggregate, Applied, BucketInfo, DeletePredicate, DiskStorage, ParseOptions, Point, Predicate,
    ReadResult, ReadSpec, Storage, Windowing,
};
use fluxi_value::Table;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// How a [`LazyStore`] opens its store.
pub(crate) type Opener = Box<dyn Fn(&Path) -> Result<DiskStorage> + Send + Sync>;

/// A [`DiskStorage`] at `dir`, opened by the first call that needs it. When it cannot be
/// opened, every call fails with the error saying why (and where).
pub(crate) struct LazyStore {
    dir: PathBuf,
    open: Opener,
    store: OnceLock<Result<DiskStorage>>,
}

impl LazyStore {
    /// A store at `dir`, not opened yet.
    pub(crate) fn new(dir: PathBuf, open: Opener) -> LazyStore {
        LazyStore {
            dir,
            open,
            store: OnceLock::new(),
        }
    }

    fn get(&self) -> Result<&DiskStorage> {
        let opened = self.store.get_or_init(|| (self.open)(&self.dir));
        match opened {
            Ok(s) => Ok(s),
            // The error keeps its kind (a damaged store is `fluxi::storage::corrupt`).
            Err(e) => Err(e.clone()),
        }
    }
}

impl Storage for LazyStore {
    fn buckets(&self) -> Result<Vec<BucketInfo>> {
        self.get()?.buckets()
    }
    fn create_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        self.get()?.create_bucket(name, retention)
    }
    fn create_system_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        self.get()?.create_system_bucket(name, retention)
    }
    fn update_bucket(&self, name: &str, update: &fluxi_storage::BucketUpdate) -> Result<()> {
        self.get()?.update_bucket(name, update)
    }
    /// Nothing to write out (nor a store to open) when the store was never opened.
    fn persist(&self) -> Result<()> {
        match self.store.get() {
            Some(Ok(s)) => s.persist(),
            _ => Ok(()),
        }
    }
    fn delete_bucket(&self, name: &str) -> Result<()> {
        self.get()?.delete_bucket(name)
    }
    fn write(&self, bucket: &str, points: &[Point]) -> Result<usize> {
        self.get()?.write(bucket, points)
    }
    fn write_line_protocol(
        &self,
        bucket: &str,
        text: &[u8],
        options: &ParseOptions,
    ) -> Result<usize> {
        self.get()?.write_line_protocol(bucket, text, options)
    }
    fn read(&self, spec: &ReadSpec) -> Result<ReadResult> {
        self.get()?.read(spec)
    }
    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<ReadResult>> {
        self.get()?.read_aggregate(spec, aggregate, window)
    }
    fn predicate_pushdown(&self, p: &Predicate) -> Applied {
        self.get()
            .map_or(Applied::Unsupported, |s| s.predicate_pushdown(p))
    }
    fn read_each(&self, spec: &ReadSpec, sink: &mut dyn FnMut(Table) -> bool) -> Result<()> {
        self.get()?.read_each(spec, sink)
    }
    fn aggregate_pushdown(&self, aggregate: Aggregate, window: Option<Windowing>) -> Applied {
        // A store that does not open computes nothing; the read reports why.
        self.get().map_or(Applied::Unsupported, |s| {
            s.aggregate_pushdown(aggregate, window)
        })
    }
    fn measurements(&self, bucket: &str) -> Result<Vec<String>> {
        self.get()?.measurements(bucket)
    }
    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.get()?.tag_keys(bucket, measurement)
    }
    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        measurement: Option<&str>,
    ) -> Result<Vec<String>> {
        self.get()?.tag_values(bucket, tag, measurement)
    }
    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.get()?.field_keys(bucket, measurement)
    }
    fn delete(
        &self,
        bucket: &str,
        start: i64,
        stop: i64,
        predicate: &DeletePredicate,
    ) -> Result<()> {
        self.get()?.delete(bucket, start, stop, predicate)
    }
}
