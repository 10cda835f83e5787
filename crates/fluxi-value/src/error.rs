//! Errors of the value layer: building tables and reading annotated CSV.

use thiserror::Error;

/// A problem building or reading tables.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ValueError {
    /// A value of the wrong type for its column.
    #[error("column \"{column}\" has type {expected}, but a value of type {found} was given")]
    ColumnType {
        /// The column.
        column: String,
        /// The column's type.
        expected: String,
        /// The value's type.
        found: String,
    },
    /// A value that cannot be stored in a table column (a record, array, function...).
    #[error("column \"{column}\" cannot hold a {found} value; table columns hold bool, int, uint, float, string and time")]
    NotAColumnValue {
        /// The column.
        column: String,
        /// The value's type.
        found: String,
    },
    /// A group-key column missing from the table's columns.
    #[error("group key column \"{0}\" is not a column of the table")]
    KeyNotInTable(String),
    /// Arrow refused the data (a bug if it happens).
    #[error("internal table error: {0}")]
    Arrow(String),
    /// Malformed annotated CSV.
    #[error("{0}")]
    Csv(String),
}
