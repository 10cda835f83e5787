//! A fluxi storage backend over Arrow Flight SQL.
//!
//! Engines that scan data across many machines and speak Arrow Flight SQL (Apache
//! Ballista's scheduler with its Flight SQL frontend, InfluxDB 3) hold one wide table per
//! measurement: a `time` column, tag columns (dictionary-encoded strings) and one column
//! per field. [`FlightSqlStorage`] implements fluxi's [`Storage`] trait over such an
//! engine: a bucket is a schema, a measurement a table; reads become SQL with the time
//! range, tag predicates and aggregates pushed down, and the wide answer is reshaped into
//! Flux's long tables as it streams in.
//!
//! * [`url`]: `flightsql://HOST:PORT?...`, what the user writes;
//! * [`conn`]: the Flight SQL client (its own Tokio runtime; the trait is synchronous);
//! * [`catalog`]: which tables, tags and fields there are;
//! * [`sql`]: the SQL a read or an aggregate becomes;
//! * [`shape`]: wide record batches to long tables;
//! * [`export`], [`register`]: a local bucket as Parquet files, and those files registered
//!   with the engine.
//!
//! [`Storage`]: fluxi_storage::Storage

pub mod catalog;
pub mod conn;
pub mod export;
pub mod register;
pub mod shape;
pub mod sql;
mod storage;
pub mod url;

pub use conn::{Connection, WireStats};
pub use export::{export_bucket, ExportReport};
pub use storage::FlightSqlStorage;
pub use url::{FlightSqlUrl, UrlError};
