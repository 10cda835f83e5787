//! Errors of table operators.

use fluxi_storage::{StorageError, StorageErrorKind};
use fluxi_value::{ValueError, ValueErrorKind};
use miette::Diagnostic;
use std::fmt;
use thiserror::Error;

/// What went wrong in a table operator; the interpreter adds the function and the place.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExecError {
    /// An operator rejected its input, described in words.
    #[error("{0}")]
    Message(String),
    /// A problem building a table.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A read or write of the store failed; `note` adds what the engine knows (for a
    /// missing bucket, the buckets there are).
    #[error("{error}{}", note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default())]
    Storage {
        /// The store's error.
        error: StorageError,
        /// More about it, shown in parentheses after the store's message.
        note: Option<String>,
    },
    /// A read of a bucket that no `range` bounds; the bucket.
    #[error("cannot submit unbounded read to {0:?}; try bounding 'from' with a call to 'range'")]
    UnboundedRead(String),
    /// Arrow refused an operation on table data (a bug if it happens); Arrow's message.
    #[error("{0}")]
    Arrow(String),
    /// The operation would pass one of fluxi's documented limits (docs/errors.md), such as
    /// the number of windows of one table; what and which limit.
    #[error("{0}")]
    Limit(String),
}

/// The kind of an [`ExecError`]. The operators' own kinds have codes
/// `fluxi::exec::<name>` (docs/errors.md); a value or storage error passed through keeps
/// its own kind and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExecErrorKind {
    /// [`ExecError::Message`].
    InvalidInput,
    /// [`ExecError::UnboundedRead`].
    UnboundedRead,
    /// [`ExecError::Arrow`].
    Arrow,
    /// [`ExecError::Limit`].
    Limit,
    /// [`ExecError::Value`], with the value error's kind.
    Value(ValueErrorKind),
    /// [`ExecError::Storage`], with the storage error's kind.
    Storage(StorageErrorKind),
}

impl ExecErrorKind {
    /// The stable diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            ExecErrorKind::InvalidInput => "fluxi::exec::invalid_input",
            ExecErrorKind::UnboundedRead => "fluxi::exec::unbounded_read",
            ExecErrorKind::Arrow => "fluxi::exec::arrow",
            ExecErrorKind::Limit => "fluxi::exec::limit",
            ExecErrorKind::Value(k) => k.code(),
            ExecErrorKind::Storage(k) => k.code(),
        }
    }
}

impl ExecError {
    /// An error with a message.
    pub fn msg(m: impl Into<String>) -> Self {
        ExecError::Message(m.into())
    }

    /// The kind of error.
    pub fn kind(&self) -> ExecErrorKind {
        match self {
            ExecError::Message(_) => ExecErrorKind::InvalidInput,
            ExecError::Value(e) => ExecErrorKind::Value(e.kind()),
            ExecError::Storage { error, .. } => ExecErrorKind::Storage(error.kind()),
            ExecError::UnboundedRead(_) => ExecErrorKind::UnboundedRead,
            ExecError::Arrow(_) => ExecErrorKind::Arrow,
            ExecError::Limit(_) => ExecErrorKind::Limit,
        }
    }

    /// The stable diagnostic code, such as `fluxi::exec::unbounded_read` (or the code of
    /// the value or storage error it carries).
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

impl From<StorageError> for ExecError {
    fn from(error: StorageError) -> Self {
        ExecError::Storage { error, note: None }
    }
}

impl From<arrow_schema::ArrowError> for ExecError {
    fn from(e: arrow_schema::ArrowError) -> Self {
        ExecError::Arrow(e.to_string())
    }
}

impl Diagnostic for ExecError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(ExecError::code(self)))
    }
}

/// The result type of operators.
pub type Result<T, E = ExecError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_kinds_have_exec_codes_and_carried_errors_keep_theirs() {
        let own = [
            ExecError::msg("column \"x\" does not exist"),
            ExecError::UnboundedRead("b".into()),
            ExecError::Arrow("bad".into()),
        ];
        let mut codes: Vec<&str> = own.iter().map(ExecError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("fluxi::exec::")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), own.len());

        let missing = StorageError::BucketNotFound("nope".into());
        let e = ExecError::from(missing.clone());
        assert_eq!(e.code(), missing.code());
        assert_eq!(
            e.kind(),
            ExecErrorKind::Storage(StorageErrorKind::BucketNotFound)
        );
        let value = ValueError::Csv("line 2: bad".into());
        assert_eq!(ExecError::from(value.clone()).code(), value.code());
        let diagnostic: &dyn Diagnostic = &e;
        assert_eq!(
            diagnostic.code().map(|c| c.to_string()).as_deref(),
            Some(missing.code())
        );
    }

    #[test]
    fn a_storage_note_follows_the_message_in_parentheses() {
        let e = ExecError::Storage {
            error: StorageError::BucketNotFound("nope".into()),
            note: Some("the store has \"a\"".into()),
        };
        assert_eq!(
            e.to_string(),
            "bucket \"nope\" not found (the store has \"a\")"
        );
        assert_eq!(
            ExecError::from(StorageError::BucketNotFound("nope".into())).to_string(),
            "bucket \"nope\" not found"
        );
    }
}
