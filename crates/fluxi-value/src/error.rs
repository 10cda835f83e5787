//! Errors of the value layer: building tables and reading annotated CSV.

use miette::Diagnostic;
use std::fmt;
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

/// The kind of a [`ValueError`], each with a stable code `fluxi::value::<name>`
/// (docs/errors.md). Layers above keep it when they pass the error on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueErrorKind {
    /// [`ValueError::ColumnType`].
    ColumnType,
    /// [`ValueError::NotAColumnValue`].
    NotAColumnValue,
    /// [`ValueError::KeyNotInTable`].
    KeyNotInTable,
    /// [`ValueError::Arrow`].
    Arrow,
    /// [`ValueError::Csv`].
    Csv,
}

impl ValueErrorKind {
    /// The stable diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            ValueErrorKind::ColumnType => "fluxi::value::column_type",
            ValueErrorKind::NotAColumnValue => "fluxi::value::not_a_column_value",
            ValueErrorKind::KeyNotInTable => "fluxi::value::key_not_in_table",
            ValueErrorKind::Arrow => "fluxi::value::arrow",
            ValueErrorKind::Csv => "fluxi::value::csv",
        }
    }
}

impl ValueError {
    /// The kind of error.
    pub fn kind(&self) -> ValueErrorKind {
        match self {
            ValueError::ColumnType { .. } => ValueErrorKind::ColumnType,
            ValueError::NotAColumnValue { .. } => ValueErrorKind::NotAColumnValue,
            ValueError::KeyNotInTable(_) => ValueErrorKind::KeyNotInTable,
            ValueError::Arrow(_) => ValueErrorKind::Arrow,
            ValueError::Csv(_) => ValueErrorKind::Csv,
        }
    }

    /// The stable diagnostic code, such as `fluxi::value::csv`.
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

impl Diagnostic for ValueError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(ValueError::code(self)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_code_in_the_value_namespace() {
        let errors = [
            ValueError::ColumnType {
                column: "v".into(),
                expected: "int".into(),
                found: "float".into(),
            },
            ValueError::NotAColumnValue {
                column: "v".into(),
                found: "record".into(),
            },
            ValueError::KeyNotInTable("k".into()),
            ValueError::Arrow("x".into()),
            ValueError::Csv("x".into()),
        ];
        let mut codes: Vec<&str> = errors.iter().map(ValueError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("fluxi::value::")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        let diagnostic: &dyn Diagnostic = &errors[4];
        assert_eq!(
            diagnostic.code().map(|c| c.to_string()).as_deref(),
            Some(ValueErrorKind::Csv.code())
        );
    }
}
