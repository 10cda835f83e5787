//! Embed Flux in a Rust program: compile and run Flux queries over an embedded store (or
//! any [`Storage`]), get results as Arrow record batches, keep a REPL-like [`Session`],
//! add packages of your own Rust functions, and record metrics with a [`BufferedWriter`].
//!
//! ```
//! use fluxi::Engine;
//!
//! let engine = Engine::in_memory();
//! engine.storage().unwrap().create_bucket("app", None)?;
//! engine.write_line_protocol("app", "temp,room=kitchen c=21.5 1700000000000000000\n")?;
//! let results = engine.query(r#"
//!     from(bucket: "app")
//!         |> range(start: 2023-01-01T00:00:00Z)
//!         |> filter(fn: (r) => r._field == "c")
//! "#)?;
//! let table = &results.get("_result").unwrap().tables[0];
//! assert_eq!(table.batch().num_rows(), 1);
//! # Ok::<(), fluxi::Error>(())
//! ```
//!
//! The layers underneath (parser, type checker, interpreter, storage) are their own crates;
//! this one puts them together behind a small API.

/// The README's Rust example, compiled by `cargo test --doc` so that it cannot drift.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeExample;

pub mod access;
pub use access::{Access, Buckets};
mod check;
pub use check::{
    format_source, option_statements, syntax_json, syntax_tree, CheckLevel, CheckReport,
    OptionProperty, OptionStatement,
};
mod error;
pub mod explain;
pub use explain::{Explain, ReadExplain, StorageRequest};
/// Storage over Arrow Flight SQL engines (Apache Ballista, InfluxDB 3): reads pushed down
/// as SQL, `export_bucket` to Parquet for an engine to register (feature `flightsql`).
#[cfg(feature = "flightsql")]
pub use fluxi_flightsql as flightsql;
mod lazy;
pub mod metrics;
pub mod output;
mod package;
mod session;
mod testcase;
pub use testcase::{testcases, TestCase, TestFailure, TestFile, TestFileError};
pub mod writer;

pub use arrow_array;
pub use arrow_array::RecordBatch;
pub use error::{Diagnostics, Error, Problem, Result};
pub use fluxi_eval::net::{
    Destination as EgressDestination, DEFAULT_MAX_ANSWER as DEFAULT_EGRESS_MAX_ANSWER,
    DEFAULT_TIMEOUT as DEFAULT_EGRESS_TIMEOUT,
};
pub use fluxi_eval::{
    Args, Egress, EnvSecrets, EvalError, FileAccess, LogLevel, LogSink, SecretStore, MAX_LOG_LINES,
};
pub use fluxi_storage::disk::{DamagedFile, LostData, StoreCheckReport, WalDamage};
pub use fluxi_storage::{
    line_with_field, system_bucket_retention, BucketInfo, BucketUpdate, DeleteCondition, DeleteOp,
    DeletePredicate, DiskOptions, DiskStorage, MemoryStorage, ParseOptions, ParsedText, Precision,
    PredicateError, PredicateErrorKind, RecoveryReport, RoutedStorage, Storage, StorageError,
    StorageErrorKind, SYSTEM_BUCKETS,
};
pub use fluxi_syntax::literals::string_literal;
pub use fluxi_time::{parse_rfc3339, DateTime};
pub use fluxi_tz::Location;
pub use fluxi_value::{ColumnType, Duration, GroupKey, KeyColumn, Stream, Table, Value};
pub use output::{CsvBlock, CsvBlocks, CsvReadError, Format, ResultWriter};
pub use package::Package;
pub use session::{needs_more_input, Outcome, Session};
pub use writer::{
    BufferedWriter, FieldValue, Overflow, Point, WriteError, WriterOptions, WriterStats,
};

use fluxi_eval::{Interpreter, Runtime};
use fluxi_semantic::{nodes, Checker, Library};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Runs Flux. Cheap to clone and safe to share between threads; every query runs on its
/// own interpreter, so queries do not see each other's variables (a [`Session`] does).
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    storage: Option<Arc<dyn Storage>>,
    now: Option<i64>,
    /// Package options set from outside (`Engine::with_option`): (package, name, value).
    options: Vec<(String, String, Value)>,
    pushdown: bool,
    vectorize: bool,
    memory_limit: Option<usize>,
    /// Which files queries may read (`csv.from(file:)`).
    files: Arc<FileAccess>,
    /// Where queries may send requests (`http.post`, ...).
    egress: Arc<Egress>,
    /// What `secrets.get` reads.
    secrets: Option<Arc<dyn SecretStore>>,
    /// Where `log.info` and friends write (standard error when `None`).
    log_sink: Option<LogSink>,
    /// Builtins, checked packages and their evaluated members: built once, shared by
    /// every query and session of the engine.
    runtime: Arc<Runtime>,
}

/// A store's opening error, saying which store, of the same kind.
pub fn opening(dir: &Path, e: StorageError) -> StorageError {
    let say = |m: String| format!("cannot open the store at {}: {m}", dir.display());
    match e {
        StorageError::Backend(m) => StorageError::Backend(say(m)),
        StorageError::Corrupt(m) => StorageError::Corrupt(say(m)),
        other => other,
    }
}

/// Sets up an [`Engine`]: its store, a fixed `now()`, packages of your own.
#[derive(Default)]
pub struct EngineBuilder {
    storage: Option<Arc<dyn Storage>>,
    now: Option<i64>,
    no_pushdown: bool,
    no_vectorize: bool,
    memory_limit: Option<Option<usize>>,
    packages: Vec<Package>,
    read_dirs: Vec<PathBuf>,
    read_any_file: bool,
    egress: Vec<String>,
    egress_timeout: Option<std::time::Duration>,
    egress_max_answer: Option<usize>,
    secrets: Option<Arc<dyn SecretStore>>,
}

impl EngineBuilder {
    /// Read and write buckets in this store.
    pub fn storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.storage = Some(storage);
        self
    }

    /// Read and write the embedded store in `dir`, opened (and created if missing) when a
    /// query first touches storage rather than now: a script that reads no bucket neither
    /// creates nor locks the directory. When it cannot be opened, the query that needed it
    /// fails with a storage error saying why. A store already in `dir` is opened on a
    /// thread of its own while the first script seen to call `from`, `buckets`, `to` or
    /// the `influxdata/influxdb` packages is checked, so that the two overlap.
    pub fn open_lazily(self, dir: impl Into<PathBuf>) -> Self {
        self.open_lazily_with(dir, |d| DiskStorage::open(d).map_err(|e| opening(d, e)))
    }

    /// As [`EngineBuilder::open_lazily`], opening the store with `open` (say, to open it
    /// read-only when another process writes it, or to report what its recovery found).
    /// An `Err` is the error every call that needed the store fails with.
    pub fn open_lazily_with(
        self,
        dir: impl Into<PathBuf>,
        open: impl Fn(&Path) -> std::result::Result<DiskStorage, StorageError> + Send + Sync + 'static,
    ) -> Self {
        self.storage(Arc::new(lazy::LazyStore::new(dir.into(), Box::new(open))))
    }

    /// Fix the time `now()` returns (Unix nanoseconds); a script's own `option now` wins.
    pub fn now(mut self, unix_nanos: i64) -> Self {
        self.now = Some(unix_nanos);
        self
    }

    /// Fix `now()` to an RFC 3339 time such as `2030-01-01T00:00:00Z`.
    pub fn now_rfc3339(self, time: &str) -> Result<Self> {
        Ok(self.now(parse_time(time)?))
    }

    /// Compute everything in the engine instead of pushing filters and aggregates into
    /// the store (for comparing results; slower).
    pub fn without_pushdown(mut self) -> Self {
        self.no_pushdown = true;
        self
    }

    /// Whether `filter`, `map` and the `join` package evaluate the row functions they can
    /// column by column over Arrow arrays, and `pivot` gathers whole columns (the default,
    /// `true`), or every function runs row by row (for comparing results; slower).
    /// [`RunStats::vectorized_tables`] counts the tables that took the column-wise path.
    pub fn vectorize(mut self, on: bool) -> Self {
        self.no_vectorize = !on;
        self
    }

    /// The most bytes of tables one query may hold at once (`None`: no limit). A query
    /// that would hold more stops with a `fluxi::exec::memory_limit` error naming the
    /// function that held them. The default is [`default_memory_limit`].
    pub fn memory_limit(mut self, bytes: Option<usize>) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Let queries read regular files inside `dir` (and its subdirectories, symbolic links
    /// resolved), as `csv.from(file:)` does; may be given several times. By default an
    /// engine reads no files. FIFOs, devices and `/proc` are never read.
    pub fn allow_file_read(mut self, dir: impl Into<PathBuf>) -> Self {
        self.read_dirs.push(dir.into());
        self
    }

    /// Let queries read any regular file the process can (what the `fluxi` command does
    /// without `--allow-file-read`). FIFOs, devices and `/proc` are still refused.
    pub fn allow_any_file_read(mut self) -> Self {
        self.read_any_file = true;
        self
    }

    /// Let queries send requests (`http.post`, `requests.do`, `slack`, `pagerduty`) to
    /// `destination`; may be given several times. By default an engine reaches no
    /// network. A destination is `host`, `host:port`, `*.domain[:port]`, an IP address, a
    /// URL prefix such as `https://hooks.slack.com/services/`, or `*` (any host); a host
    /// name that resolves to a loopback, link-local or unspecified address is refused
    /// unless the destination names `localhost` or the address itself (docs/egress.md).
    /// A destination that does not parse fails [`EngineBuilder::build`].
    pub fn allow_egress(mut self, destination: impl Into<String>) -> Self {
        self.egress.push(destination.into());
        self
    }

    /// The time limit of one request a query sends, the whole exchange (default
    /// [`DEFAULT_EGRESS_TIMEOUT`], 30 s); passing it is a `fluxi::eval::egress` error.
    pub fn egress_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.egress_timeout = Some(timeout);
        self
    }

    /// The most bytes of an answer's body a query reads (default
    /// [`DEFAULT_EGRESS_MAX_ANSWER`], 10 MiB); a longer answer is a `fluxi::eval::limit`
    /// error.
    pub fn egress_max_answer(mut self, bytes: usize) -> Self {
        self.egress_max_answer = Some(bytes);
        self
    }

    /// Where `secrets.get` (package `influxdata/influxdb/secrets`) reads secrets. By
    /// default an engine has none: every key is `fluxi::eval::secret_not_found`.
    pub fn secrets(mut self, store: Arc<dyn SecretStore>) -> Self {
        self.secrets = Some(store);
        self
    }

    /// Make a package of your own functions importable.
    pub fn package(mut self, package: Package) -> Self {
        self.packages.push(package);
        self
    }

    /// The engine. Each package's declarations are checked now, so a mistake in a
    /// signature is reported here rather than by the first query that imports it.
    pub fn build(self) -> Result<Engine> {
        let mut registry = fluxi_stdlib::registry();
        // The standard packages' paths, listed only when there is a package to check.
        let mut standard: Option<Vec<String>> = None;
        let mut sources: Vec<(String, String)> = Vec::new();
        for p in self.packages {
            let (path, source) = p.install(&mut registry)?;
            let standard = standard.get_or_insert_with(Library::standard_paths);
            if standard.contains(&path) || sources.iter().any(|(q, _)| *q == path) {
                return Err(Error::Invalid(format!(
                    "package \"{path}\" is already defined (a standard package or one given \
                     twice); give yours its own path, such as \"acme/{path}\""
                )));
            }
            sources.push((path, source));
        }
        let library = standard_library();
        for (path, source) in &sources {
            library.register_package(path, source);
        }
        for (path, _) in &sources {
            if let Err(e) = library.package(path) {
                return Err(Error::Invalid(format!("package \"{path}\": {e}")));
            }
        }
        let files = if self.read_any_file {
            FileAccess::Any
        } else if self.read_dirs.is_empty() {
            FileAccess::None
        } else {
            FileAccess::only(&self.read_dirs).map_err(Error::Invalid)?
        };
        let mut egress = Egress::allowing(&self.egress).map_err(Error::Invalid)?;
        if let Some(t) = self.egress_timeout {
            egress.timeout = t;
        }
        if let Some(b) = self.egress_max_answer {
            egress.max_answer = b;
        }
        Ok(Engine {
            inner: Arc::new(Inner {
                storage: self.storage,
                now: self.now,
                options: Vec::new(),
                pushdown: !self.no_pushdown,
                vectorize: !self.no_vectorize,
                memory_limit: self.memory_limit.unwrap_or_else(default_memory_limit),
                files: Arc::new(files),
                egress: Arc::new(egress),
                secrets: self.secrets,
                log_sink: None,
                runtime: Arc::new(Runtime::new(Arc::new(registry), Arc::new(library))),
            }),
        })
    }
}

/// The standard library as the build checked it (`build.rs`).
static STDLIB_SNAPSHOT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.snapshot"));

/// A library of the standard packages that decodes them from the build's snapshot. The
/// snapshot is made by this very build from the same sources, so it is always accepted;
/// were it not, packages would be checked at run time (slower, same answers).
fn standard_library() -> Library {
    Library::with_snapshot(STDLIB_SNAPSHOT).unwrap_or_default()
}

/// A checked script, ready to run (see [`Engine::compile`]).
#[derive(Debug, Clone)]
pub struct Program {
    name: String,
    source: Arc<str>,
    graph: Arc<nodes::Package>,
    types: check::BindingTypes,
    warnings: Diagnostics,
}

impl Program {
    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The type of every top-level binding, in Flux syntax, in source order.
    pub fn types(&self) -> &[(String, String)] {
        self.types.printed()
    }

    /// Warnings found while compiling (the program runs anyway).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }
}

/// What one run of a program did ([`Engine::execute_with_stats`]), as the interpreter
/// counts it: whether storage computed what it could (pushdown) and whether row functions
/// ran column-wise. For tests, benchmarks and tuning; the counts are not part of a result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Reads of rows from storage (`from() |> range()` with what was pushed into it), not
    /// counting reads whose aggregate storage computed.
    pub storage_reads: u64,
    /// `filter` predicates storage applied in reads (both plain and aggregate reads).
    pub filters_pushed_down: u64,
    /// Reads whose aggregate or `aggregateWindow` storage computed (including the
    /// `schema` functions' reads of each series' last point).
    pub aggregates_pushed_down: u64,
    /// Tables that `filter` or `map` evaluated column-wise instead of row by row.
    pub vectorized_tables: u64,
    /// Calls whose row function (`filter`'s or `map`'s `fn` that does not compile to
    /// column expressions, `reduce`'s `fn`, the `join` package's `as`) ran row by row in
    /// the interpreter; `explain` notes each under its call.
    pub row_path_calls: u64,
    /// Points `to()` wrote into storage.
    pub points_written: u64,
}

/// One named result of a query (`yield(name:)`, or `_result`).
#[derive(Debug, Clone)]
pub struct QueryResult {
    /// The result's name.
    pub name: String,
    /// Its tables, each with its group key and an Arrow record batch.
    pub tables: Vec<Table>,
}

/// The results of a query, in the order they were produced.
#[derive(Debug, Clone, Default)]
pub struct Results {
    results: Vec<QueryResult>,
}

impl Results {
    pub(crate) fn from_streams(streams: Vec<(String, Stream)>) -> Self {
        Results {
            results: streams
                .into_iter()
                .map(|(name, s)| QueryResult {
                    name,
                    tables: s.into_tables(),
                })
                .collect(),
        }
    }

    /// Results made of these (to print a selection of another query's results).
    pub fn from_results(results: Vec<QueryResult>) -> Self {
        Results { results }
    }

    /// The result with this name.
    pub fn get(&self, name: &str) -> Option<&QueryResult> {
        self.results.iter().find(|r| r.name == name)
    }

    /// Every result.
    pub fn iter(&self) -> std::slice::Iter<'_, QueryResult> {
        self.results.iter()
    }

    /// How many results there are.
    pub fn len(&self) -> usize {
        self.results.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
    }

    fn pairs(&self) -> Vec<(String, Vec<Table>)> {
        self.results
            .iter()
            .map(|r| (r.name.clone(), r.tables.clone()))
            .collect()
    }

    /// Annotated CSV, as InfluxDB's HTTP API returns it (CRLF line endings).
    pub fn to_csv(&self) -> String {
        fluxi_value::csv::encode(&self.pairs(), fluxi_value::csv::LineEnding::Crlf)
    }

    /// Annotated CSV with LF line endings (as files keep it, e.g. the golden suite's
    /// expected output).
    pub fn to_csv_lf(&self) -> String {
        fluxi_value::csv::encode(&self.pairs(), fluxi_value::csv::LineEnding::Lf)
    }

    /// The tables as text, as the `fluxi` command prints them.
    pub fn to_text(&self) -> String {
        fluxi_value::text::results_text(&self.pairs())
    }

    /// One JSON object per row.
    pub fn to_json_lines(&self) -> String {
        fluxi_value::text::results_json_lines(&self.pairs())
    }
}

impl<'a> IntoIterator for &'a Results {
    type Item = &'a QueryResult;
    type IntoIter = std::slice::Iter<'a, QueryResult>;
    fn into_iter(self) -> Self::IntoIter {
        self.results.iter()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An engine without a store: scripts that read buckets fail, everything else runs.
    pub fn new() -> Engine {
        Engine::from_parts(None)
    }

    /// Set up an engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// An engine over an empty in-memory store.
    pub fn in_memory() -> Engine {
        Engine::from_parts(Some(Arc::new(MemoryStorage::new())))
    }

    /// An engine over the embedded persistent store in `dir` (created if missing; one
    /// process at a time may open it).
    pub fn open(dir: impl AsRef<Path>) -> Result<Engine> {
        let store = DiskStorage::open(dir.as_ref())?;
        Ok(Engine::from_parts(Some(Arc::new(store))))
    }

    /// An engine over any store.
    pub fn with_storage(storage: Arc<dyn Storage>) -> Engine {
        Engine::from_parts(Some(storage))
    }

    fn from_parts(storage: Option<Arc<dyn Storage>>) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                storage,
                now: None,
                options: Vec::new(),
                pushdown: true,
                vectorize: true,
                memory_limit: default_memory_limit(),
                files: Arc::default(),
                egress: Arc::default(),
                secrets: None,
                log_sink: None,
                runtime: Arc::new(Runtime::new(
                    Arc::new(fluxi_stdlib::registry()),
                    Arc::new(standard_library()),
                )),
            }),
        }
    }

    /// How many packages (the prelude, imported and embedder packages) this engine has
    /// loaded — type-checked, or for the standard library decoded from the checks made at
    /// build time — and how many it has evaluated. Each is done once per engine and
    /// shared by every query and session, so these stop growing once every package used
    /// has been loaded.
    pub fn packages_loaded(&self) -> (usize, usize) {
        let rt = &self.inner.runtime;
        (rt.library().packages_loaded(), rt.packages_evaluated())
    }

    /// How many standard packages this engine's library can decode instead of checking
    /// (those the build checked; 0 would mean every import is checked at run time).
    pub fn prechecked_packages(&self) -> usize {
        self.inner.runtime.library().snapshot_packages()
    }

    /// This engine (sharing its checked packages, so this is cheap) with `now()` fixed to
    /// `unix_nanos` for the queries run through the copy; a script's own `option now`
    /// wins.
    pub fn with_now(&self, unix_nanos: i64) -> Engine {
        let mut inner = self.inner.as_ref().clone();
        inner.now = Some(unix_nanos);
        Engine {
            inner: Arc::new(inner),
        }
    }

    /// This engine (sharing its checked packages) with the option `name` of the package
    /// at `package` (`"universe"` for the prelude's) set to `value` for the queries run
    /// through the copy, as if each began with `option pkg.name = value`; a script's own
    /// `option` statement for it wins. The value must have the option's type: a script
    /// that reads it as another type fails at run time.
    ///
    /// ```
    /// use fluxi::{Engine, Value};
    ///
    /// let engine = Engine::new().with_now(0).with_option(
    ///     "influxdata/influxdb/tasks",
    ///     "lastSuccessTime",
    ///     Value::Time(1_600_000_000_000_000_000),
    /// );
    /// let results = engine.query(r#"
    ///     import "array"
    ///     import "influxdata/influxdb/tasks"
    ///     array.from(rows: [{t: tasks.lastSuccess(orTime: 2000-01-01T00:00:00Z)}])
    /// "#)?;
    /// let table = &results.get("_result").unwrap().tables[0];
    /// assert!(matches!(table.value(0, 0), Value::Time(1_600_000_000_000_000_000)));
    /// # Ok::<(), fluxi::Error>(())
    /// ```
    pub fn with_option(&self, package: &str, name: &str, value: Value) -> Engine {
        let mut inner = self.inner.as_ref().clone();
        inner
            .options
            .retain(|(p, n, _)| !(p == package && n == name));
        inner
            .options
            .push((package.to_string(), name.to_string(), value));
        Engine {
            inner: Arc::new(inner),
        }
    }

    /// This engine (sharing its checked packages) seeing only what `access` allows:
    /// `from()` and the schema functions of a bucket it may not read fail as if the
    /// bucket did not exist, `buckets()` lists only readable ones, and `to()` into a
    /// bucket it may not write fails with `fluxi::storage::permission_denied`.
    pub fn with_access(&self, access: Access) -> Engine {
        let mut inner = self.inner.as_ref().clone();
        inner.storage = inner
            .storage
            .map(|s| Arc::new(access::Limited { inner: s, access }) as Arc<dyn Storage>);
        Engine {
            inner: Arc::new(inner),
        }
    }

    /// This engine (sharing its checked packages) reading secrets from `store` for the
    /// queries run through the copy (see [`EngineBuilder::secrets`]).
    pub fn with_secrets(&self, store: Arc<dyn SecretStore>) -> Engine {
        let mut inner = self.inner.as_ref().clone();
        inner.secrets = Some(store);
        Engine {
            inner: Arc::new(inner),
        }
    }

    /// This engine (sharing its checked packages) handing the lines its queries log
    /// (`log.info`, `log.warn`, `log.error`) to `sink`, with secret values blotted out,
    /// instead of writing them to standard error. A task runner gives each run its own.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    ///
    /// let lines = Arc::new(Mutex::new(Vec::new()));
    /// let keep = Arc::clone(&lines);
    /// let engine = fluxi::Engine::new().with_log_sink(Arc::new(move |level, line: &str| {
    ///     keep.lock().unwrap().push(format!("{}: {line}", level.as_str()));
    /// }));
    /// engine.query(r#"
    ///     import "log"
    ///     x = log.info(message: "starting")
    /// "#)?;
    /// assert_eq!(*lines.lock().unwrap(), vec!["info: starting".to_string()]);
    /// # Ok::<(), fluxi::Error>(())
    /// ```
    pub fn with_log_sink(&self, sink: LogSink) -> Engine {
        let mut inner = self.inner.as_ref().clone();
        inner.log_sink = Some(sink);
        Engine {
            inner: Arc::new(inner),
        }
    }

    /// Where this engine's queries may send requests.
    pub fn egress(&self) -> &Egress {
        &self.inner.egress
    }

    /// The store, if there is one.
    pub fn storage(&self) -> Option<Arc<dyn Storage>> {
        self.inner.storage.clone()
    }

    /// Write out what dropping the engine's store would (its write-ahead log into its data
    /// files; nothing for a store never opened): for a process that ends without dropping
    /// the engine, as `fluxi run` does once its output is written.
    pub fn persist(&self) -> Result<()> {
        match &self.inner.storage {
            Some(s) => Ok(s.persist()?),
            None => Ok(()),
        }
    }

    fn store(&self) -> Result<Arc<dyn Storage>> {
        self.storage()
            .ok_or_else(|| Error::Invalid("this engine has no store".into()))
    }

    /// A fresh interpreter set up as this engine says.
    pub(crate) fn interpreter(&self) -> Interpreter {
        let mut interp = Interpreter::with_runtime(Arc::clone(&self.inner.runtime));
        if let Some(s) = &self.inner.storage {
            interp.set_storage(Arc::clone(s));
        }
        if let Some(t) = self.inner.now {
            interp.set_now(t);
        }
        for (package, name, value) in &self.inner.options {
            interp.set_option(package, name, value.clone());
        }
        interp.set_pushdown(self.inner.pushdown);
        interp.set_vectorize(self.inner.vectorize);
        interp.set_memory_limit(self.inner.memory_limit);
        interp.set_file_access(Arc::clone(&self.inner.files));
        interp.set_egress(Arc::clone(&self.inner.egress));
        interp.set_secrets(self.inner.secrets.clone());
        interp.set_log_sink(self.inner.log_sink.clone());
        interp
    }

    /// The checked packages every query of this engine shares.
    pub(crate) fn library(&self) -> &Arc<Library> {
        self.inner.runtime.library()
    }

    /// Parse and type-check a script. Errors come back as [`Error::Compile`] with every
    /// problem found and its place.
    pub fn compile(&self, source: &str) -> Result<Program> {
        self.compile_named("query.flux", source)
    }

    /// [`Engine::compile`], naming the source (a file name) in diagnostics.
    pub fn compile_named(&self, name: &str, source: &str) -> Result<Program> {
        let mut checker = Checker::with_library(Arc::clone(self.inner.runtime.library()));
        compile_in(&mut checker, name, source, self.inner.storage.as_deref())
    }

    /// Run a compiled program.
    pub fn execute(&self, program: &Program) -> Result<Results> {
        self.run(program, None).map(Results::from_streams)
    }

    /// Run a compiled program and count what it did ([`RunStats`]: storage reads, what
    /// was pushed into them, tables filtered or mapped column-wise, points written). The
    /// counts come back whether the run succeeds or not (counting what it did before it
    /// failed), so two ways of running a query can be compared both ways.
    ///
    /// ```
    /// use fluxi::Engine;
    ///
    /// let engine = Engine::in_memory();
    /// engine.storage().unwrap().create_bucket("b", None)?;
    /// engine.write_line_protocol("b", "cpu v=1 1700000000000000000\n")?;
    /// let program = engine.compile(r#"
    ///     from(bucket: "b")
    ///         |> range(start: 2023-01-01T00:00:00Z)
    ///         |> filter(fn: (r) => r._field == "v")
    /// "#)?;
    /// let (results, stats) = engine.execute_with_stats(&program);
    /// assert_eq!(results?.len(), 1);
    /// assert_eq!(stats.storage_reads, 1);
    /// assert_eq!(stats.filters_pushed_down, 1);
    /// # Ok::<(), fluxi::Error>(())
    /// ```
    pub fn execute_with_stats(&self, program: &Program) -> (Result<Results>, RunStats) {
        let mut interp = self.interpreter();
        let results = interp
            .run(&program.graph)
            .map(Results::from_streams)
            .map_err(|e| runtime(&program.name, &program.source, e));
        let stats = RunStats {
            storage_reads: interp.counter("storage reads"),
            filters_pushed_down: interp.counter("filters pushed down"),
            aggregates_pushed_down: interp.counter("aggregates pushed down"),
            vectorized_tables: interp.counter(fluxi_stdlib::VECTORIZED),
            row_path_calls: interp.counter(fluxi_eval::ROW_PATH),
            points_written: interp.counter("points written"),
        };
        (results, stats)
    }

    /// Run a compiled program until `cancel` is set (from another thread); it then stops
    /// at its next function call with an error for which [`Error::is_cancelled`] holds.
    pub fn execute_cancellable(
        &self,
        program: &Program,
        cancel: Arc<AtomicBool>,
    ) -> Result<Results> {
        self.run(program, Some(cancel)).map(Results::from_streams)
    }

    /// What the program would do, without reading data: each storage read's logical plan
    /// before and after the rewrite rules, the request it sends to storage, and each
    /// result's tree of calls. (Functions that need rows to go on see empty tables.)
    pub fn explain(&self, program: &Program) -> Result<Explain> {
        let mut interp = self.interpreter();
        interp.set_explain_only(true);
        let streams = interp
            .run(&program.graph)
            .map_err(|e| runtime(&program.name, &program.source, e))?;
        let mut explain = Explain::new(&program.source, interp.take_explained(), &streams);
        // Secret values read while planning never show in the plans' text.
        let redactor = interp.redactor();
        if !redactor.is_empty() {
            explain.results = redactor.redact(&explain.results);
            for r in &mut explain.reads {
                r.logical = redactor.redact(&r.logical);
                r.optimized = redactor.redact(&r.optimized);
            }
        }
        Ok(explain)
    }

    fn run(
        &self,
        program: &Program,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<Vec<(String, Stream)>> {
        let mut interp = self.interpreter();
        if let Some(c) = cancel {
            interp.set_cancel(c);
        }
        interp
            .run(&program.graph)
            .map_err(|e| runtime(&program.name, &program.source, e))
    }

    /// Run a compiled program, handing each result's tables to `sink` as they are
    /// computed — `(name, Some(table))` for each table, then `(name, None)` when the
    /// result is complete — instead of keeping them: memory holds what the query's
    /// functions need, not the whole answer. Returns the results' names. An error of
    /// `sink` stops the query and is returned as it is.
    pub fn execute_to<E>(
        &self,
        program: &Program,
        cancel: Option<Arc<AtomicBool>>,
        mut sink: impl FnMut(&str, Option<&Table>) -> std::result::Result<(), E> + Send + 'static,
    ) -> std::result::Result<Vec<String>, SinkError<E>>
    where
        E: Send + 'static,
    {
        let mut interp = self.interpreter();
        if let Some(c) = cancel {
            interp.set_cancel(c);
        }
        let failed: Arc<std::sync::Mutex<Option<E>>> = Arc::new(std::sync::Mutex::new(None));
        let slot = Arc::clone(&failed);
        interp.set_result_sink(Box::new(move |name, table| {
            sink(name, table.as_ref()).map_err(|e| {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(e);
                }
                EvalError::new(
                    fluxi_eval::ErrorKind::Cancelled,
                    "the results' reader stopped",
                )
            })
        }));
        let run = interp.run(&program.graph);
        let sink_error = failed.lock().ok().and_then(|mut s| s.take());
        if let Some(e) = sink_error {
            return Err(SinkError::Sink(e));
        }
        run.map(|results| results.into_iter().map(|(n, _)| n).collect())
            .map_err(|e| SinkError::Query(runtime(&program.name, &program.source, e)))
    }

    /// Compile and run a script.
    pub fn query(&self, source: &str) -> Result<Results> {
        let program = self.compile(source)?;
        self.execute(&program)
    }

    /// A session: entries run one after another and see what earlier ones defined.
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// Write line protocol (InfluxDB 2.7's rules, nanosecond timestamps; points without
    /// one get the current time) into a bucket: all of it, or nothing when a line is bad.
    /// Returns how many points were written.
    pub fn write_line_protocol(&self, bucket: &str, text: &str) -> Result<usize> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let options = ParseOptions::new(Precision::Nanoseconds, now);
        Ok(self
            .store()?
            .write_line_protocol(bucket, text.as_bytes(), &options)?)
    }

    /// A buffered writer of points into a bucket of this engine's store.
    pub fn writer(&self, bucket: &str, options: WriterOptions) -> Result<BufferedWriter> {
        Ok(BufferedWriter::new(self.store()?, bucket, options))
    }
}

/// Parses and checks `source`. A script that parses and is seen to call the store has
/// `storage` begin opening (a lazily opened store, on another thread) while it is checked.
fn compile_in(
    checker: &mut Checker,
    name: &str,
    source: &str,
    storage: Option<&dyn Storage>,
) -> Result<Program> {
    let source: Arc<str> = Arc::from(source);
    let mut diags = Diagnostics::new(name, &source);
    let parsed = fluxi_syntax::parse(&source);
    let failed = parsed.has_errors();
    for d in parsed.diagnostics {
        diags.syntax(d);
    }
    if failed {
        return Err(Error::Compile(diags));
    }
    if let Some(s) = storage {
        if lazy::calls_the_store(&parsed.file) {
            s.prepare();
        }
    }
    let checked = checker.check(&parsed.file, &source);
    let ok = checked.is_ok();
    let types = check::BindingTypes::new(checked.bindings);
    if !ok {
        for d in checked.diagnostics {
            diags.types(d);
        }
        return Err(Error::Compile(diags));
    }
    Ok(Program {
        name: name.to_string(),
        source,
        graph: Arc::new(checked.package),
        types,
        warnings: diags,
    })
}

/// A runtime error with its source.
pub(crate) fn runtime(name: &str, source: &Arc<str>, e: EvalError) -> Error {
    let mut d = Diagnostics::new(name, source);
    d.eval(e);
    Error::Runtime(d)
}

/// Why [`Engine::execute_to`] stopped.
#[derive(Debug)]
pub enum SinkError<E> {
    /// The query failed.
    Query(Error),
    /// The sink failed (with its own error).
    Sink(E),
}

/// The default memory limit of a query: half the machine's memory (from
/// `/proc/meminfo`), or 4 GiB where that cannot be read.
pub fn default_memory_limit() -> Option<usize> {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
            .map(|kib| kib.saturating_mul(1024))
    });
    Some(total.map_or(4 << 30, |t| t / 2))
}

/// Parse a size such as `512MiB`, `2GB`, `1.5g` or `1048576` (bytes) into bytes.
pub fn parse_size(text: &str) -> Result<usize> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || {
        Error::Invalid(format!(
            "{text:?} is not a size such as 512MiB, 2GiB or 1048576"
        ))
    };
    let n: f64 = number.parse().map_err(|_| bad())?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = n * scale;
    if !bytes.is_finite() || bytes < 1.0 || bytes > usize::MAX as f64 {
        return Err(bad());
    }
    Ok(bytes as usize)
}

/// The time of every point of a batch of line protocol (InfluxDB 2.7's rules, as the store
/// parses it; points without a time get `options`' default), without writing anything;
/// the error lists every bad line.
pub fn line_protocol_times(
    text: &[u8],
    options: &ParseOptions,
) -> std::result::Result<Vec<i64>, StorageError> {
    let batch = fluxi_storage::line_protocol::parse_batch(text, options)?;
    Ok(batch.into_points().iter().map(|p| p.time).collect())
}

/// Parse an RFC 3339 time to Unix nanoseconds.
pub fn parse_time(text: &str) -> Result<i64> {
    parse_rfc3339(text)
        .ok()
        .and_then(|t| t.unix_nanos())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "{text:?} is not an RFC 3339 time such as 2030-01-01T00:00:00Z"
            ))
        })
}

/// Unix nanoseconds as an RFC 3339 time in UTC (the fraction without trailing zeros, as
/// annotated CSV writes it).
pub fn format_time(unix_nanos: i64) -> String {
    fluxi_time::format_rfc3339(unix_nanos, fluxi_time::Fraction::Trimmed)
}

#[cfg(test)]
mod snapshot_tests {
    /// The snapshot built into the library is the one the checker makes now from the
    /// embedded sources (the build script reruns whenever either changes).
    #[test]
    fn the_embedded_snapshot_is_current() {
        let fresh = fluxi_semantic::snapshot_standard_library().unwrap_or_default();
        assert!(fresh.len() > 1000);
        assert!(super::STDLIB_SNAPSHOT == fresh.as_slice());
        assert!(super::standard_library().snapshot_packages() > 0);
    }
}
