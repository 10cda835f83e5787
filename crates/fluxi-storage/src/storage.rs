//! The [`Storage`] trait: what the engine asks of a backend, and nothing else.
//!
//! A read names a bucket, a time range and predicates on `_measurement`, `_field` and tag
//! columns. The backend answers with tables in Flux's long shape (`_start`, `_stop`,
//! `_time`, `_value`, `_field`, `_measurement`, then the tags by name; grouped by
//! everything but `_time` and `_value`) and says, per predicate, whether it applied it
//! exactly, inexactly (it may have returned extra rows) or not at all, so the engine keeps
//! a `filter` for every predicate that was not applied exactly.

use crate::line_protocol::Point;
use fluxi_value::Table;
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
    /// The backend failed (disk, corruption, ...), described in words.
    #[error("storage: {0}")]
    Backend(String),
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
/// tag). A missing tag reads as the empty string, as in InfluxDB.
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
        let get = |c: &str| value_of(c).unwrap_or_default();
        match self {
            Predicate::Eq(c, v) => get(c) == *v,
            Predicate::NotEq(c, v) => get(c) != *v,
            Predicate::Matches(c, re) => re.is_match(&get(c)),
            Predicate::NotMatches(c, re) => !re.is_match(&get(c)),
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

/// A storage backend.
pub trait Storage: Send + Sync {
    /// Every bucket, sorted by name.
    fn buckets(&self) -> Result<Vec<BucketInfo>>;
    /// Create a bucket.
    fn create_bucket(&self, name: &str, retention: Option<i64>) -> Result<()>;
    /// Delete a bucket and its data.
    fn delete_bucket(&self, name: &str) -> Result<()>;
    /// Write points (a batch is written whole or not at all); returns how many were
    /// written.
    fn write(&self, bucket: &str, points: &[Point]) -> Result<usize>;
    /// Read a range of a bucket.
    fn read(&self, spec: &ReadSpec) -> Result<ReadResult>;
    /// The measurements of a bucket, sorted.
    fn measurements(&self, bucket: &str) -> Result<Vec<String>>;
    /// The tag keys of a bucket (of one measurement), sorted.
    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>>;
    /// The values of a tag in a bucket (of one measurement), sorted.
    fn tag_values(&self, bucket: &str, tag: &str, measurement: Option<&str>)
        -> Result<Vec<String>>;
    /// The field keys of a bucket (of one measurement), sorted.
    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>>;
}

/// Check a bucket name as InfluxDB does (not empty, not starting with `_`, no `"` or `\`).
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
    Ok(())
}
