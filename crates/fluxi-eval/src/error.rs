//! Runtime errors: what went wrong, in which function, and where its call is written.

use fluxi_syntax::Span;
use miette::{Diagnostic, LabeledSpan, SourceSpan};
use std::fmt;

/// The kinds of runtime error, each with a stable code `fluxi::eval::<name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Anything a function reports about its input.
    Runtime,
    /// A declared function that fluxi does not implement yet.
    NotImplemented,
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
}

impl ErrorKind {
    fn code(self) -> &'static str {
        match self {
            ErrorKind::Runtime => "fluxi::eval::runtime",
            ErrorKind::NotImplemented => "fluxi::eval::not_implemented",
            ErrorKind::DivideByZero => "fluxi::eval::divide_by_zero",
            ErrorKind::IndexOutOfBounds => "fluxi::eval::index_out_of_bounds",
            ErrorKind::Overflow => "fluxi::eval::overflow",
            ErrorKind::Type => "fluxi::eval::type",
            ErrorKind::Failed => "fluxi::eval::failed",
            ErrorKind::Results => "fluxi::eval::results",
            ErrorKind::Internal => "fluxi::eval::internal",
            ErrorKind::Cancelled => "fluxi::eval::cancelled",
            ErrorKind::MemoryLimit => "fluxi::exec::memory_limit",
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

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.function {
            Some(func) if self.kind != ErrorKind::NotImplemented => {
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
