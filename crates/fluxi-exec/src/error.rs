//! Errors of table operators.

use fluxi_value::ValueError;
use thiserror::Error;

/// What went wrong in a table operator; the interpreter adds the function and the place.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExecError {
    /// A problem described in words.
    #[error("{0}")]
    Message(String),
    /// A problem building a table.
    #[error(transparent)]
    Value(#[from] ValueError),
}

impl ExecError {
    /// An error with a message.
    pub fn msg(m: impl Into<String>) -> Self {
        ExecError::Message(m.into())
    }
}

/// The result type of operators.
pub type Result<T, E = ExecError> = std::result::Result<T, E>;
