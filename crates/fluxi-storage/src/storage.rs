//! The [`Storage`] trait: what the engine asks of a backend, and nothing else.
//!
//! A read names a bucket, a time range and predicates on `_measurement`, `_field` and tag
//! columns. The backend answers with tables in Flux's long shape (`_start`, `_stop`,
//! `_time`, `_value`, `_field`, `_measurement`, then the tags by name; grouped by
//! everything but `_time` and `_value`) and says, per predicate, whether it applied it
//! exactly, inexactly (it may have returned extra rows) or not at all, so the engine keeps
//! a `filter` for every predicate that was not applied exactly.

use crate::delete::{DeletePredicate, PredicateError};
use crate::line_protocol::{LineProtocolError, ParseOptions, Point};
use fluxi_value::Table;
use miette::Diagnostic;
use std::fmt;
use std::sync::Arc;
use thiserror::Error;

/// What went wrong in a storage operation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StorageError {
    /// No bucket by that name.
    #[error("bucket \"{0}\" not found")]
    BucketNotFound(String),
    /// A bucket by that name exists already.
    #[error("bucket \"{0}\" already exists")]
    BucketExists(String),
    /// A bucket name that cannot be used.
    #[error("invalid bucket name {0:?}: {1}")]
    InvalidBucketName(String, &'static str),
    /// A field written with another type than it has.
    #[error(
        "field type conflict: input field \"{field}\" on measurement \"{measurement}\" is type {found}, already exists as type {existing}"
    )]
    FieldTypeConflict {
        /// The measurement.
        measurement: String,
        /// The field.
        field: String,
        /// The stored type.
        existing: &'static str,
        /// The type written.
        found: &'static str,
    },
    /// A batch of line protocol with bad lines (nothing of it was written).
    #[error(transparent)]
    LineProtocol(#[from] LineProtocolError),
    /// The backend failed (disk, ...), described in words.
    #[error("storage: {0}")]
    Backend(String),
    /// The store in this directory is open for writing by another process (or already in
    /// this one): its lock is taken.
    #[error("storage: store {0} is in use by another process (or already open in this one)")]
    InUse(String),
    /// The caller may not do this (a store that checks permissions, such as the server's
    /// per-token view of the store), described in words.
    #[error("{0}")]
    PermissionDenied(String),
    /// A file of the store is damaged (its size or checksum is not what the manifest
    /// recorded, it is missing, or it cannot be decoded); the message names the file.
    #[error("storage: {0}")]
    Corrupt(String),
    /// A delete predicate InfluxDB 2.7 would refuse (nothing was deleted).
    #[error(transparent)]
    DeletePredicate(#[from] PredicateError),
    /// The store cannot be written (a backend over another engine that takes no writes
    /// through fluxi), described in words.
    #[error("{0}")]
    ReadOnly(String),
    /// A delete whose start is after its stop (nothing was deleted).
    #[error("invalid delete range: start {} is after stop {}", fluxi_value::Value::Time(*start), fluxi_value::Value::Time(*stop))]
    DeleteRange {
        /// The first time to delete, nanoseconds since the epoch.
        start: i64,
        /// The last time to delete (inclusive).
        stop: i64,
    },
}

/// The kind of a [`StorageError`], each with a stable code `fluxi::storage::<name>`
/// (docs/errors.md). Layers above keep it when they pass the error on, so a missing bucket
/// is reported as `fluxi::storage::bucket_not_found` wherever it surfaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageErrorKind {
    /// [`StorageError::BucketNotFound`].
    BucketNotFound,
    /// [`StorageError::BucketExists`].
    BucketExists,
    /// [`StorageError::InvalidBucketName`].
    InvalidBucketName,
    /// [`StorageError::FieldTypeConflict`].
    FieldTypeConflict,
    /// [`StorageError::LineProtocol`] (and a [`LineProtocolError`] on its own).
    LineProtocol,
    /// [`StorageError::Backend`].
    Backend,
    /// [`StorageError::InUse`].
    InUse,
    /// [`StorageError::PermissionDenied`].
    PermissionDenied,
    /// [`StorageError::Corrupt`].
    Corrupt,
    /// [`StorageError::DeletePredicate`].
    DeletePredicate,
    /// [`StorageError::DeleteRange`].
    DeleteRange,
    /// [`StorageError::ReadOnly`].
    ReadOnly,
}

impl StorageErrorKind {
    /// The stable diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            StorageErrorKind::BucketNotFound => "fluxi::storage::bucket_not_found",
            StorageErrorKind::BucketExists => "fluxi::storage::bucket_exists",
            StorageErrorKind::InvalidBucketName => "fluxi::storage::invalid_bucket_name",
            StorageErrorKind::FieldTypeConflict => "fluxi::storage::field_type_conflict",
            StorageErrorKind::LineProtocol => "fluxi::storage::line_protocol",
            StorageErrorKind::Backend => "fluxi::storage::backend",
            StorageErrorKind::InUse => "fluxi::storage::in_use",
            StorageErrorKind::PermissionDenied => "fluxi::storage::permission_denied",
            StorageErrorKind::Corrupt => "fluxi::storage::corrupt",
            StorageErrorKind::DeletePredicate => "fluxi::storage::delete_predicate",
            StorageErrorKind::DeleteRange => "fluxi::storage::delete_range",
            StorageErrorKind::ReadOnly => "fluxi::storage::read_only",
        }
    }
}

impl StorageError {
    /// The kind of error.
    pub fn kind(&self) -> StorageErrorKind {
        match self {
            StorageError::BucketNotFound(_) => StorageErrorKind::BucketNotFound,
            StorageError::BucketExists(_) => StorageErrorKind::BucketExists,
            StorageError::InvalidBucketName(..) => StorageErrorKind::InvalidBucketName,
            StorageError::FieldTypeConflict { .. } => StorageErrorKind::FieldTypeConflict,
            StorageError::LineProtocol(_) => StorageErrorKind::LineProtocol,
            StorageError::Backend(_) => StorageErrorKind::Backend,
            StorageError::InUse(_) => StorageErrorKind::InUse,
            StorageError::PermissionDenied(_) => StorageErrorKind::PermissionDenied,
            StorageError::Corrupt(_) => StorageErrorKind::Corrupt,
            StorageError::DeletePredicate(_) => StorageErrorKind::DeletePredicate,
            StorageError::DeleteRange { .. } => StorageErrorKind::DeleteRange,
            StorageError::ReadOnly(_) => StorageErrorKind::ReadOnly,
        }
    }

    /// The stable diagnostic code, such as `fluxi::storage::bucket_not_found`.
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

impl Diagnostic for StorageError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(StorageError::code(self)))
    }
}

impl Diagnostic for LineProtocolError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(StorageErrorKind::LineProtocol.code()))
    }
}

/// The result type of storage operations.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// A bucket and its retention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketInfo {
    /// The bucket's name.
    pub name: String,
    /// How long data is kept, in nanoseconds; `None` keeps it forever.
    pub retention: Option<i64>,
}

/// A condition on one string column of the stored data (`_measurement`, `_field` or a
/// tag). A comparison with a tag the series does not have is false (whatever the
/// operator): in Flux the column is null there, and `filter` drops rows whose predicate is
/// null, so a backend answering this way applies `r.host != "a"` exactly.
#[derive(Debug, Clone)]
pub enum Predicate {
    /// `column == value`
    Eq(String, String),
    /// `column != value`
    NotEq(String, String),
    /// `column =~ regex`
    Matches(String, Arc<regex::Regex>),
    /// `column !~ regex`
    NotMatches(String, Arc<regex::Regex>),
    /// Every one holds.
    And(Vec<Predicate>),
    /// At least one holds.
    Or(Vec<Predicate>),
}

impl Predicate {
    /// Whether the predicate holds for a series, given its column values.
    pub fn holds(&self, value_of: &dyn Fn(&str) -> Option<String>) -> bool {
        match self {
            Predicate::Eq(c, v) => value_of(c).is_some_and(|x| x == *v),
            Predicate::NotEq(c, v) => value_of(c).is_some_and(|x| x != *v),
            Predicate::Matches(c, re) => value_of(c).is_some_and(|x| re.is_match(&x)),
            Predicate::NotMatches(c, re) => value_of(c).is_some_and(|x| !re.is_match(&x)),
            Predicate::And(ps) => ps.iter().all(|p| p.holds(value_of)),
            Predicate::Or(ps) => ps.iter().any(|p| p.holds(value_of)),
        }
    }
}

/// How a backend applied a pushed-down predicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Only matching rows were returned.
    Exact,
    /// Matching rows and possibly others were returned; the engine filters again.
    Inexact,
    /// Ignored; the engine filters.
    Unsupported,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct ReadSpec {
    /// The bucket.
    pub bucket: String,
    /// Inclusive start, nanoseconds.
    pub start: i64,
    /// Exclusive stop, nanoseconds.
    pub stop: i64,
    /// Conditions every returned row should meet.
    pub predicates: Vec<Predicate>,
}

/// The answer to a read.
#[derive(Debug, Clone)]
pub struct ReadResult {
    /// Tables in Flux's long shape, sorted by group key; rows sorted by time.
    pub tables: Vec<Table>,
    /// For each predicate of the spec, in order, how it was applied.
    pub applied: Vec<Applied>,
}

/// An aggregate or selector a backend may compute itself (see [`Storage::read_aggregate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aggregate {
    /// How many points (an int).
    Count,
    /// The sum of the values (same type as the field; ints and uints wrap on overflow).
    Sum,
    /// The arithmetic mean (a float).
    Mean,
    /// The point with the smallest value (the earliest of equal ones).
    Min,
    /// The point with the largest value (the earliest of equal ones).
    Max,
    /// The earliest point.
    First,
    /// The latest point.
    Last,
}

impl Aggregate {
    /// Whether the result is one of the points (its time and value) rather than a
    /// computed value.
    pub fn is_selector(self) -> bool {
        matches!(
            self,
            Aggregate::Min | Aggregate::Max | Aggregate::First | Aggregate::Last
        )
    }

    /// The Flux function's name.
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Mean => "mean",
            Aggregate::Min => "min",
            Aggregate::Max => "max",
            Aggregate::First => "first",
            Aggregate::Last => "last",
        }
    }
}

/// Windows of a fixed length: `[offset + k*every, offset + (k+1)*every)` for every
/// integer `k` (nanoseconds since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windowing {
    /// Window length, nanoseconds, positive.
    pub every: i64,
    /// Where windows start, nanoseconds, `0 <= offset < every`.
    pub offset: i64,
}

impl Windowing {
    /// The start of the window holding time `t`.
    pub fn start_of(&self, t: i64) -> i64 {
        let rel = t.wrapping_sub(self.offset);
        t - rel.rem_euclid(self.every)
    }
}

/// The group key of one series' table in Flux's long shape, as every store gives it:
/// `_start`, `_stop`, `_field`, `_measurement`, then the series' tags in the order given.
pub fn long_key<'a>(
    start: i64,
    stop: i64,
    field: &str,
    measurement: &str,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> fluxi_value::GroupKey {
    use fluxi_value::{ColumnType, KeyColumn, Value};
    let string_key = |label: &str, v: &str| KeyColumn {
        label: label.to_string(),
        ty: ColumnType::String,
        value: Value::string(v),
    };
    let time_key = |label: &str, t: i64| KeyColumn {
        label: label.to_string(),
        ty: ColumnType::Time,
        value: Value::Time(t),
    };
    let mut key = vec![
        time_key("_start", start),
        time_key("_stop", stop),
        string_key("_field", field),
        string_key("_measurement", measurement),
    ];
    key.extend(tags.into_iter().map(|(k, v)| string_key(k, v)));
    fluxi_value::GroupKey::new(key)
}

/// The tags of a series' table in Flux's long shape, read from its group key (the string
/// key columns whose names do not start with `_`), sorted by name: the inverse of
/// [`long_key`]'s tags.
pub fn series_tags(key: &fluxi_value::GroupKey) -> Vec<(String, String)> {
    let mut tags: Vec<(String, String)> = key
        .columns()
        .iter()
        .filter(|c| !c.label.starts_with('_'))
        .filter_map(|c| match &c.value {
            fluxi_value::Value::String(s) => Some((c.label.clone(), s.to_string())),
            _ => None,
        })
        .collect();
    tags.sort();
    tags
}

/// A storage backend.
pub trait Storage: Send + Sync {
    /// Every bucket, sorted by name.
    fn buckets(&self) -> Result<Vec<BucketInfo>>;
    /// Create a bucket.
    fn create_bucket(&self, name: &str, retention: Option<i64>) -> Result<()>;
    /// Create one of the system buckets ([`crate::SYSTEM_BUCKETS`], whose names start with
    /// `_`, which [`Storage::create_bucket`] refuses); any other name is checked as
    /// `create_bucket` checks it. The default is `create_bucket`, so a store that does not
    /// override this refuses system names with [`StorageError::InvalidBucketName`].
    fn create_system_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        self.create_bucket(name, retention)
    }
    /// Delete a bucket and its data.
    fn delete_bucket(&self, name: &str) -> Result<()>;
    /// Write points (a batch is written whole or not at all); returns how many were
    /// written.
    fn write(&self, bucket: &str, points: &[Point]) -> Result<usize>;
    /// Parse a batch of line protocol and write it whole, or nothing of it when a line is
    /// bad (the error lists every bad line) or two points of the batch give a field two
    /// types (checked before duplicates are merged, as InfluxDB does). Returns how many
    /// points the batch has (before merging duplicates). The default parses into points
    /// and calls [`Storage::write`]; backends override it to log the text as it came.
    fn write_line_protocol(
        &self,
        bucket: &str,
        text: &[u8],
        options: &ParseOptions,
    ) -> Result<usize> {
        let batch = crate::line_protocol::parse_batch(text, options)?;
        let mut types: std::collections::HashMap<(String, String), &'static str> =
            std::collections::HashMap::new();
        for p in batch.iter() {
            for (field, v) in p.fields {
                let found = v.to_owned_value().type_name();
                let key = (p.measurement.to_string(), field.to_string());
                match types.get(&key) {
                    Some(existing) if *existing != found => {
                        return Err(StorageError::FieldTypeConflict {
                            measurement: key.0,
                            field: key.1,
                            existing,
                            found,
                        })
                    }
                    Some(_) => {}
                    None => {
                        types.insert(key, found);
                    }
                }
            }
        }
        let n = batch.len();
        self.write(bucket, &batch.into_points())?;
        Ok(n)
    }
    /// Read a range of a bucket.
    fn read(&self, spec: &ReadSpec) -> Result<ReadResult>;
    /// Compute an aggregate per series (per window of each series when `window` is
    /// given) instead of returning the points. `Ok(None)` means the backend does not do
    /// this one (the default; also the answer when a predicate of `spec` could not be
    /// applied exactly, or for `Sum`/`Mean`/`Min`/`Max` over strings or booleans), and
    /// the engine computes it from [`Storage::read`].
    ///
    /// The answer has [`Storage::read`]'s tables (long shape, one per series, sorted by
    /// group key) with one row per non-empty window (one row per series without
    /// windows; a series with no point in the range has no table), rows sorted by time.
    /// `_time` is the chosen point's time for selectors and the window's start (the
    /// range's start without windows) for `Count`, `Sum` and `Mean`.
    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<ReadResult>> {
        let _ = (spec, aggregate, window);
        Ok(None)
    }
    /// How [`Storage::read`] applies this predicate, asked when a query is planned:
    /// `Exact` (only matching rows come back; the engine drops its `filter` when the
    /// whole predicate is this), `Inexact` (matching rows and maybe others: the engine
    /// filters again) or `Unsupported` (the default: the engine does not push it). A
    /// backend's [`ReadResult::applied`] must not be weaker than this answer.
    fn predicate_pushdown(&self, predicate: &Predicate) -> Applied {
        let _ = predicate;
        Applied::Unsupported
    }
    /// [`Storage::read`], handing each table to `sink` as it is ready (tables in the
    /// same order), so a reader need not hold the whole answer; stops when `sink`
    /// returns `false`. Predicates are applied at least as [`Storage::predicate_pushdown`]
    /// says. The default reads everything first; backends that can, stream.
    fn read_each(&self, spec: &ReadSpec, sink: &mut dyn FnMut(Table) -> bool) -> Result<()> {
        for table in self.read(spec)?.tables {
            if !sink(table) {
                break;
            }
        }
        Ok(())
    }
    /// Whether [`Storage::read_aggregate`] computes this aggregate (per window when
    /// `window` is given), asked when a query is planned, before anything is read:
    /// `Exact` when it does (it may still decline at read time for a field type the
    /// aggregate does not apply to, and the engine then computes it), `Unsupported`
    /// when it never does (the default). The planner pushes an aggregate into a read
    /// only when this is not `Unsupported`.
    fn aggregate_pushdown(&self, aggregate: Aggregate, window: Option<Windowing>) -> Applied {
        let _ = (aggregate, window);
        Applied::Unsupported
    }
    /// What the backend itself would be sent for a read (or an aggregate read), in its
    /// own language (SQL, for a backend over a SQL engine), one statement per line, for
    /// `explain`; `None` (the default) when there is nothing to show beyond the request.
    fn describe_read(
        &self,
        spec: &ReadSpec,
        aggregate: Option<(Aggregate, Option<Windowing>)>,
    ) -> Option<Vec<String>> {
        let _ = (spec, aggregate);
        None
    }
    /// The measurements of a bucket, sorted.
    fn measurements(&self, bucket: &str) -> Result<Vec<String>>;
    /// The tag keys of a bucket (of one measurement), sorted.
    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>>;
    /// The values of a tag in a bucket (of one measurement), sorted.
    fn tag_values(&self, bucket: &str, tag: &str, measurement: Option<&str>)
        -> Result<Vec<String>>;
    /// The field keys of a bucket (of one measurement), sorted.
    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>>;
    /// Deletes the points of `bucket` with `start <= time <= stop` (both inclusive, as
    /// InfluxDB 2.7 deletes) whose series (measurement and tags) `predicate` matches,
    /// every field of them. Points written afterwards are not affected, whatever their
    /// time. Refused with [`StorageError::DeleteRange`] when `start > stop`. Once it
    /// returns, the delete is as durable as an acknowledged write. The default refuses:
    /// a backend that can delete overrides it.
    fn delete(
        &self,
        bucket: &str,
        start: i64,
        stop: i64,
        predicate: &DeletePredicate,
    ) -> Result<()> {
        let _ = (start, stop, predicate);
        Err(StorageError::Backend(format!(
            "this store cannot delete points (bucket \"{bucket}\")"
        )))
    }

    /// Rename a bucket and/or change its retention (its data stays). A new name is
    /// checked as [`Storage::create_bucket`] checks one; a taken name is
    /// [`StorageError::BucketExists`]. Stores that cannot answer with an error.
    fn update_bucket(&self, name: &str, update: &BucketUpdate) -> Result<()> {
        let _ = update;
        Err(StorageError::Backend(format!(
            "this store cannot change buckets (bucket \"{name}\")"
        )))
    }

    /// Write out what dropping the store would: what it holds only in its write-ahead
    /// log goes to its data files. For an owner that ends its process without dropping
    /// the store (what is not written out is still in the log, replayed on the next
    /// open). The store stays usable. The default has nothing to write out.
    fn persist(&self) -> Result<()> {
        Ok(())
    }

    /// A hint that reads are coming: a store that opens on first use may begin opening
    /// now, on a thread of its own, so that the opening overlaps the caller's other work
    /// (checking the script). It changes nothing any call returns. The default does
    /// nothing.
    fn prepare(&self) {}
}

/// A change of a bucket (`Storage::update_bucket`): a new name and/or a new retention.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketUpdate {
    /// The new name (`None`: keep it).
    pub name: Option<String>,
    /// The new retention in nanoseconds (`None`: keep it; `Some(None)`: keep data forever).
    pub retention: Option<Option<i64>>,
}

/// The longest bucket name, in bytes (a file-system name limit with room to spare).
pub const MAX_BUCKET_NAME: usize = 200;

/// Check a bucket name as InfluxDB does (not empty, not starting with `_`, no `"` or `\`),
/// and also refuse control characters (a newline or an escape sequence would be printed
/// raw by every listing) and names longer than [`MAX_BUCKET_NAME`] bytes.
pub fn check_bucket_name(name: &str) -> Result<()> {
    let bad = |why| Err(StorageError::InvalidBucketName(name.to_string(), why));
    if name.is_empty() {
        return bad("a bucket name cannot be empty");
    }
    if name.starts_with('_') {
        return bad("names starting with an underscore are reserved for system buckets");
    }
    if name.contains('"') || name.contains('\\') {
        return bad("a bucket name cannot contain a double quote or a backslash");
    }
    if name.chars().any(char::is_control) {
        return bad(
            "a bucket name cannot contain control characters (a newline, a tab, an escape)",
        );
    }
    if name.len() > MAX_BUCKET_NAME {
        return bad("a bucket name can have at most 200 bytes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line_protocol::{LineError, LineErrorKind};

    #[test]
    fn series_tags_reads_back_the_tags_long_key_wrote() {
        let key = long_key(1, 2, "f", "m", [("region", "eu"), ("host", "a")]);
        assert_eq!(key.columns().len(), 6);
        assert_eq!(
            series_tags(&key),
            [
                ("host".to_string(), "a".to_string()),
                ("region".to_string(), "eu".to_string())
            ]
        );
        assert!(series_tags(&long_key(1, 2, "f", "m", [])).is_empty());
    }

    #[test]
    fn bucket_names_with_control_characters_or_too_long_are_refused() {
        for name in ["a\nb", "tab\there", "esc\u{1b}[31mred", "nul\0"] {
            assert!(
                matches!(
                    check_bucket_name(name),
                    Err(StorageError::InvalidBucketName(..))
                ),
                "{name:?}"
            );
        }
        assert!(check_bucket_name(&"b".repeat(MAX_BUCKET_NAME)).is_ok());
        assert!(check_bucket_name(&"b".repeat(MAX_BUCKET_NAME + 1)).is_err());
        assert!(check_bucket_name("my-bucket_2 ünïcode").is_ok());
    }

    fn one_of_each() -> Vec<StorageError> {
        vec![
            StorageError::BucketNotFound("b".into()),
            StorageError::BucketExists("b".into()),
            StorageError::InvalidBucketName("_b".into(), "reserved"),
            StorageError::FieldTypeConflict {
                measurement: "m".into(),
                field: "f".into(),
                existing: "float",
                found: "string",
            },
            StorageError::LineProtocol(LineProtocolError {
                lines: vec![LineError {
                    line: 1,
                    text: "m".into(),
                    kind: LineErrorKind::MissingFields,
                }],
            }),
            StorageError::Backend("disk full".into()),
            StorageError::PermissionDenied("user not authorized to write".into()),
            StorageError::Corrupt("data file d/1.parquet: checksum mismatch".into()),
            StorageError::DeletePredicate(PredicateError {
                kind: crate::delete::PredicateErrorKind::Field,
            }),
            StorageError::DeleteRange { start: 2, stop: 1 },
            StorageError::InUse("/var/lib/fluxi".into()),
            StorageError::ReadOnly("this storage is read-only".into()),
        ]
    }

    #[test]
    fn every_variant_has_its_own_storage_code() {
        let errors = one_of_each();
        let mut codes: Vec<&str> = errors.iter().map(StorageError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("fluxi::storage::")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len(), "two variants share a code");
    }

    #[test]
    fn the_diagnostic_code_is_the_kind_code() {
        for e in one_of_each() {
            let diagnostic: &dyn Diagnostic = &e;
            let code = diagnostic.code().map(|c| c.to_string());
            assert_eq!(code.as_deref(), Some(e.kind().code()), "{e}");
        }
        let StorageError::LineProtocol(lp) = &one_of_each()[4] else {
            unreachable!("the fifth error is a line-protocol error")
        };
        let diagnostic: &dyn Diagnostic = lp;
        assert_eq!(
            diagnostic.code().map(|c| c.to_string()).as_deref(),
            Some(StorageErrorKind::LineProtocol.code())
        );
    }

    #[test]
    fn messages_are_unchanged() {
        assert_eq!(
            StorageError::BucketNotFound("nope".into()).to_string(),
            "bucket \"nope\" not found"
        );
        assert_eq!(
            one_of_each()[4].to_string(),
            "unable to parse 'm': missing fields"
        );
    }
}
