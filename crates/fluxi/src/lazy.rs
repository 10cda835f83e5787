//! The embedded store opened on first use ([`crate::EngineBuilder::open_lazily`]): a
//! script that never touches a bucket neither creates nor locks the store directory.
//! A script seen to read or write one may have it opened on another thread while it is
//! checked ([`Storage::prepare`]).

use fluxi_storage::storage::Result;
use fluxi_storage::{
    Aggregate, Applied, BucketInfo, DeletePredicate, DiskStorage, ParseOptions, Point, Predicate,
    ReadResult, ReadSpec, Storage, Windowing,
};
use fluxi_value::Table;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

/// How a [`LazyStore`] opens its store.
pub(crate) type Opener = Box<dyn Fn(&Path) -> Result<DiskStorage> + Send + Sync>;

/// A [`DiskStorage`] at `dir`, opened by the first call that needs it (or, after
/// [`Storage::prepare`], on a thread of its own). When it cannot be opened, every call
/// fails with the error saying why (and where).
pub(crate) struct LazyStore {
    shared: Arc<Shared>,
    /// The thread opening the store after [`Storage::prepare`], until it is waited for.
    opening: Mutex<Option<JoinHandle<()>>>,
}

/// What the thread opening the store shares with its owner.
struct Shared {
    dir: PathBuf,
    open: Opener,
    store: OnceLock<Result<DiskStorage>>,
}

impl Shared {
    fn get(&self) -> Result<&DiskStorage> {
        // (While another thread is opening the store, this waits for it.)
        let opened = self.store.get_or_init(|| (self.open)(&self.dir));
        match opened {
            Ok(s) => Ok(s),
            // The error keeps its kind (a damaged store is `fluxi::storage::corrupt`).
            Err(e) => Err(e.clone()),
        }
    }
}

impl LazyStore {
    /// A store at `dir`, not opened yet.
    pub(crate) fn new(dir: PathBuf, open: Opener) -> LazyStore {
        LazyStore {
            shared: Arc::new(Shared {
                dir,
                open,
                store: OnceLock::new(),
            }),
            opening: Mutex::new(None),
        }
    }

    fn get(&self) -> Result<&DiskStorage> {
        self.shared.get()
    }

    /// Waits for the thread [`Storage::prepare`] started, if any, to finish opening.
    fn opened(&self) {
        let handle = match self.opening.lock() {
            Ok(mut h) => h.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(h) = handle {
            // (If that thread panicked, the store is opened, or fails, on first use.)
            let _ = h.join();
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
    /// Nothing to write out (nor a store to open) when the store was never opened; a
    /// store being opened after [`Storage::prepare`] is waited for first.
    fn persist(&self) -> Result<()> {
        self.opened();
        match self.shared.store.get() {
            Some(Ok(s)) => s.persist(),
            _ => Ok(()),
        }
    }
    /// Opens the store on a thread of its own, when it is not opened (or being opened)
    /// yet and its directory holds a store already: a guess that reads are coming must
    /// not create a store where there is none. Should the thread not start, the store is
    /// opened on first use as before.
    fn prepare(&self) {
        if self.shared.store.get().is_some() {
            return;
        }
        let Ok(mut opening) = self.opening.lock() else {
            return;
        };
        if opening.is_some() || !DiskStorage::exists_in(&self.shared.dir) {
            return;
        }
        let shared = Arc::clone(&self.shared);
        *opening = std::thread::Builder::new()
            .name("fluxi-open".into())
            .spawn(move || {
                let _ = shared.get();
            })
            .ok();
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

/// The packages whose functions read or write the store (besides the prelude's `from`,
/// `buckets` and `to`).
const STORE_PACKAGES: [&str; 3] = [
    "influxdata/influxdb",
    "influxdata/influxdb/schema",
    "influxdata/influxdb/v1",
];

/// Whether a parsed script calls a function that reads or writes the store: `from`,
/// `buckets` or `to` by name, or a function of a package in [`STORE_PACKAGES`] through
/// its import. A guess from the syntax alone, used only to open the store early
/// ([`Storage::prepare`]): a script that shadows `from` with its own is guessed to read
/// the store, one that reaches it through a function of its own defined elsewhere is not.
pub(crate) fn calls_the_store(file: &fluxi_syntax::ast::File) -> bool {
    use fluxi_syntax::ast::ExprKind;
    let packages: Vec<&str> = file
        .imports
        .iter()
        .filter(|i| STORE_PACKAGES.contains(&i.path.value.as_str()))
        .map(|i| i.name())
        .collect();
    fluxi_syntax::visit::any_call(file, |call| match &call.callee.kind {
        ExprKind::Ident(name) => matches!(name.as_str(), "from" | "buckets" | "to"),
        ExprKind::Member { object, .. } => object.as_ident().is_some_and(|o| packages.contains(&o)),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::calls_the_store;

    fn guess(src: &str) -> bool {
        let parsed = fluxi_syntax::parse(src);
        assert!(!parsed.has_errors(), "{src}");
        calls_the_store(&parsed.file)
    }

    #[test]
    fn scripts_calling_the_store_are_told_from_others() {
        for src in [
            r#"from(bucket: "b") |> range(start: -1h)"#,
            r#"buckets()"#,
            r#"import "array"
array.from(rows: [{_time: now(), _value: 1}]) |> to(bucket: "b")"#,
            r#"import "influxdata/influxdb/schema"
schema.measurements(bucket: "b")"#,
            r#"import db "influxdata/influxdb"
f = () => db.from(bucket: "b")
f()"#,
        ] {
            assert!(guess(src), "{src}");
        }
        for src in [
            r#"x = 1 + 1"#,
            r#"import "csv"
csv.from(csv: "a,b\n1,2\n")"#,
            r#"import "array"
array.from(rows: [{a: 1}]) |> filter(fn: (r) => r.a > 0)"#,
            // `from` named but not called, and a call of another package's `from`.
            r#"import "sql"
f = (from) => from
sql.from(driverName: "x", dataSourceName: "y", query: "z")"#,
        ] {
            assert!(!guess(src), "{src}");
        }
    }
}
