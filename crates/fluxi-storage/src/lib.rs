//! fluxi's storage layer.
//!
//! * [`storage`]: the [`Storage`] trait the engine reads and writes through, with
//!   per-predicate pushdown answers;
//! * [`routed`]: two stores as one, each bucket where it is;
//! * [`memory`]: a store in memory (tests, embedding, the reference for other backends);
//! * [`disk`]: the embedded persistent store (write-ahead log, buffer, Parquet files,
//!   manifest; see `../shared/design/architecture.md`, "Storage direction");
//! * [`aggregate`]: aggregates computed from read results (the reference every backend's
//!   `read_aggregate` agrees with);
//! * [`line_protocol`]: InfluxDB's write format, parsed exactly as InfluxDB 2.7 parses it;
//! * [`delete`]: the predicate of a delete (InfluxDB 2.7's `/api/v2/delete` syntax).

pub mod aggregate;
pub mod delete;
pub mod disk;
pub mod line_protocol;
pub mod memory;
pub mod routed;
pub mod storage;

pub use delete::{DeleteCondition, DeleteOp, DeletePredicate, PredicateError, PredicateErrorKind};
pub use disk::{
    system_bucket_retention, DiskOptions, DiskStorage, ParsedText, RecoveryReport, SYSTEM_BUCKETS,
};
pub use memory::MemoryStorage;
pub use routed::RoutedStorage;
pub use storage::{
    long_key, series_tags, Aggregate, Applied, BucketInfo, BucketUpdate, Predicate, ReadResult,
    ReadSpec, Storage, StorageError, StorageErrorKind, Windowing,
};

pub use line_protocol::{
    line_with_field, parse, parse_batch, to_line, Batch, FieldValue, FieldValueRef, LineError,
    LineErrorKind, LineProtocolError, ParseOptions, Point, PointRef, Precision,
};
