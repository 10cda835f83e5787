//! Runtime values, the table model and the annotated-CSV codec.
//!
//! A [`Table`] is a [`GroupKey`] plus typed columns in one Arrow `RecordBatch`; a
//! [`Stream`] is a sequence of tables. Column types are the basic Flux types
//! ([`ColumnType`]): bool, int, uint, float, string and time. A column missing from a
//! table behaves, everywhere, as a column of nulls.

mod cell;
pub mod column;
pub mod csv;
pub mod duration;
pub mod error;
pub mod table;
pub mod text;
pub mod value;

pub use column::ColumnType;
pub use duration::Duration;
pub use error::{ValueError, ValueErrorKind};
pub use table::{GroupKey, KeyColumn, KeyValues, Table};
pub use value::{
    format_float, push_float, Callable, Dict, Pending, PlanNode, Record, Stream, Value,
};
