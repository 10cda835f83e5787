//! Runtime errors: what went wrong, in which function, and where its call is written.

use fluxi_exec::{ExecError, ExecErrorKind};
use fluxi_storage::{StorageError, StorageErrorKind};
use fluxi_syntax::Span;
use fluxi_value::{ValueError, ValueErrorKind};
use miette::{Diagnostic, LabeledSpan, SourceSpan};
use std::fmt;

/// The kinds of runtime error. The interpreter's own kinds have stable codes
/// `fluxi::eval::<name>`; an error that arose in a lower layer keeps that layer's kind and
/// code (`Storage`, `Exec`, `Value`), so a missing bucket is
/// `ErrorKind::Storage(StorageErrorKind::BucketNotFound)`, code
/// `fluxi::storage::bucket_not_found`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Anything a function reports about its input.
    Runtime,
    /// A declared function that fluxi does not implement yet.
    NotImplemented,
    /// A declared function that needs an outside service fluxi does not connect to (a
    /// database, a message broker, a vendor's API).
    NotSupported,
    /// Integer division or modulo by zero.
    DivideByZero,
    /// An array index outside the array.
    IndexOutOfBounds,
    /// An arithmetic result that does not fit.
    Overflow,
    /// A value of an unexpected type at run time (the type checker normally prevents it).
    Type,
    /// `die(msg:)` or a failed assertion.
    Failed,
    /// Two results with the same name, or another problem with the program's results.
    Results,
    /// An error raised inside fluxi's own code (a bug).
    Internal,
    /// The query was cancelled (Ctrl-C in the REPL, or an embedder's cancel flag).
    Cancelled,
    /// The query would hold more tables in memory than its limit allows.
    MemoryLimit,
    /// A value would pass one of fluxi's documented size limits (a string's length).
    Limit,
    /// A file the query may not read: file access is off, the file is outside the allowed
    /// directories, or it is not a regular file (a FIFO, a device, `/proc`).
    FileAccess,
    /// A request the egress policy refuses: egress is off, the destination is not on the
    /// allow-list, or its host resolves to a loopback, link-local or unspecified address
    /// no destination names (see `fluxi_eval::net`).
    EgressDenied,
    /// An allowed request that failed: the name did not resolve, the connection or TLS
    /// failed, the answer was not HTTP, or the request passed its time limit.
    Egress,
    /// `secrets.get` of a key the engine's secret store does not have, or an engine with
    /// no secret store.
    SecretNotFound,
    /// An error of the store (a missing bucket, a type conflict, ...), with its kind.
    Storage(StorageErrorKind),
    /// An error of a table operator, with its kind. Never `ExecErrorKind::Value` or
    /// `ExecErrorKind::Storage`: those become [`ErrorKind::Value`] and
    /// [`ErrorKind::Storage`].
    Exec(ExecErrorKind),
    /// An error of the value layer (building tables, reading annotated CSV), with its kind.
    Value(ValueErrorKind),
}

impl ErrorKind {
    /// The stable diagnostic code, such as `fluxi::eval::runtime` or
    /// `fluxi::storage::bucket_not_found` (listed in docs/errors.md).
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Runtime => "fluxi::eval::runtime",
            ErrorKind::NotImplemented => "fluxi::eval::not_implemented",
            ErrorKind::NotSupported => "fluxi::eval::not_supported",
            ErrorKind::DivideByZero => "fluxi::eval::divide_by_zero",
            ErrorKind::IndexOutOfBounds => "fluxi::eval::index_out_of_bounds",
            ErrorKind::Overflow => "fluxi::eval::overflow",
            ErrorKind::Type => "fluxi::eval::type",
            ErrorKind::Failed => "fluxi::eval::failed",
            ErrorKind::Results => "fluxi::eval::results",
            ErrorKind::Internal => "fluxi::eval::internal",
            ErrorKind::Cancelled => "fluxi::eval::cancelled",
            ErrorKind::MemoryLimit => "fluxi::exec::memory_limit",
            ErrorKind::Limit => "fluxi::eval::limit",
            ErrorKind::FileAccess => "fluxi::eval::file_access",
            ErrorKind::EgressDenied => "fluxi::eval::egress_denied",
            ErrorKind::Egress => "fluxi::eval::egress",
            ErrorKind::SecretNotFound => "fluxi::eval::secret_not_found",
            ErrorKind::Storage(k) => k.code(),
            ErrorKind::Exec(k) => k.code(),
            ErrorKind::Value(k) => k.code(),
        }
    }
}

impl From<StorageErrorKind> for ErrorKind {
    fn from(k: StorageErrorKind) -> Self {
        ErrorKind::Storage(k)
    }
}

impl From<ValueErrorKind> for ErrorKind {
    fn from(k: ValueErrorKind) -> Self {
        ErrorKind::Value(k)
    }
}

impl From<ExecErrorKind> for ErrorKind {
    /// A value or storage kind carried by an operator error becomes that layer's kind.
    fn from(k: ExecErrorKind) -> Self {
        match k {
            ExecErrorKind::Value(k) => ErrorKind::Value(k),
            ExecErrorKind::Storage(k) => ErrorKind::Storage(k),
            k => ErrorKind::Exec(k),
        }
    }
}

/// A runtime error.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// Its kind (and code).
    pub kind: ErrorKind,
    /// What went wrong.
    pub message: String,
    /// The function that failed, if the error arose in a call.
    pub function: Option<String>,
    /// Where the failing expression or call is written.
    pub span: Option<Span>,
    /// Advice, if any.
    pub hint: Option<String>,
}

impl EvalError {
    /// A runtime error with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EvalError {
            kind,
            message: message.into(),
            function: None,
            span: None,
            hint: None,
        }
    }

    /// A plain runtime error.
    pub fn msg(message: impl Into<String>) -> Self {
        EvalError::new(ErrorKind::Runtime, message)
    }

    /// A function that is declared but not implemented.
    pub fn not_implemented(name: &str) -> Self {
        EvalError::new(ErrorKind::NotImplemented, format!("not implemented: {name}"))
            .with_hint("this function type-checks but fluxi cannot run it yet; see the README's list of supported functions")
    }

    /// A declared function that needs an outside service fluxi does not connect to: `name`
    /// as the script writes it (`iox.sql`), `needs` what it would talk to.
    pub fn not_supported(name: &str, needs: &str) -> Self {
        EvalError::new(
            ErrorKind::NotSupported,
            format!("not supported: {name} (needs {needs})"),
        )
        .with_hint("this function type-checks, but fluxi does not connect to the service it needs; docs/support.md lists these functions")
    }

    /// Add advice.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Attach the place and function, unless already known.
    pub fn at(mut self, span: Span, function: Option<&str>) -> Self {
        if self.span.is_none() {
            self.span = Some(span);
        }
        if self.function.is_none() {
            self.function = function.map(str::to_string);
        }
        self
    }
}

/// A storage error as a runtime error: the same message and the storage error's kind.
impl From<StorageError> for EvalError {
    fn from(e: StorageError) -> Self {
        EvalError::new(e.kind().into(), e.to_string())
    }
}

/// An operator error as a runtime error: the same message, and the operator's kind (or
/// the kind of the value or storage error it carries).
impl From<ExecError> for EvalError {
    fn from(e: ExecError) -> Self {
        EvalError::new(e.kind().into(), e.to_string())
    }
}

/// A value-layer error as a runtime error: the same message and the value error's kind.
impl From<ValueError> for EvalError {
    fn from(e: ValueError) -> Self {
        EvalError::new(e.kind().into(), e.to_string())
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.function {
            Some(func)
                if !matches!(
                    self.kind,
                    ErrorKind::NotImplemented | ErrorKind::NotSupported
                ) =>
            {
                write!(f, "{func}: {}", self.message)
            }
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for EvalError {}

impl Diagnostic for EvalError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.hint
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        let text = match &self.function {
            Some(f) => format!("in this call to `{f}`"),
            None => "here".to_string(),
        };
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(text),
            SourceSpan::from(span),
        ))))
    }
}

/// The result type of evaluation.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_error_keeps_its_kind_and_message() {
        let e = EvalError::from(StorageError::BucketNotFound("nope".into()));
        assert_eq!(e.kind, ErrorKind::Storage(StorageErrorKind::BucketNotFound));
        assert_eq!(e.kind.code(), StorageErrorKind::BucketNotFound.code());
        assert_eq!(e.message, "bucket \"nope\" not found");
        let diagnostic: &dyn Diagnostic = &e;
        assert_eq!(
            diagnostic.code().map(|c| c.to_string()).as_deref(),
            Some(StorageErrorKind::BucketNotFound.code())
        );
    }

    #[test]
    fn an_operator_error_keeps_the_kind_of_what_it_carries() {
        let storage = ExecError::Storage {
            error: StorageError::BucketNotFound("nope".into()),
            note: Some("the store has no buckets".into()),
        };
        let e = EvalError::from(storage);
        assert_eq!(e.kind, ErrorKind::Storage(StorageErrorKind::BucketNotFound));
        assert_eq!(
            e.message,
            "bucket \"nope\" not found (the store has no buckets)"
        );
        let value = EvalError::from(ExecError::Value(ValueError::Csv("bad".into())));
        assert_eq!(value.kind, ErrorKind::Value(ValueErrorKind::Csv));
        let own = EvalError::from(ExecError::UnboundedRead("b".into()));
        assert_eq!(own.kind, ErrorKind::Exec(ExecErrorKind::UnboundedRead));
        assert_eq!(own.kind.code(), ExecErrorKind::UnboundedRead.code());
    }

    #[test]
    fn the_function_prefix_is_unchanged() {
        let e = EvalError::from(ValueError::KeyNotInTable("k".into()))
            .at(Span::default(), Some("group"));
        assert_eq!(
            e.to_string(),
            "group: group key column \"k\" is not a column of the table"
        );
    }
}
