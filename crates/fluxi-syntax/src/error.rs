//! Syntax diagnostics: every way a Flux source can fail to lex or parse, in plain words.

use crate::span::Span;
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// One syntax problem, with the span it points at. Rendered with miette; the code of each
/// variant is stable (`fluxi::syntax::<name>`).
#[derive(Debug, Clone, PartialEq, Error, Diagnostic)]
pub enum SyntaxError {
    /// The parser met a token it cannot use here.
    #[error("unexpected {found}; expected {expected}")]
    #[diagnostic(code(fluxi::syntax::unexpected_token))]
    UnexpectedToken {
        /// The token met, in words.
        found: String,
        /// What would have been accepted, in words.
        expected: String,
        #[label("not expected here")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// The source ended in the middle of a construct.
    #[error("the script ends too early; expected {expected}")]
    #[diagnostic(code(fluxi::syntax::unexpected_end))]
    UnexpectedEnd {
        /// What would have been accepted, in words.
        expected: String,
        #[label("the script ends here")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A character that cannot start any token.
    #[error("unexpected {found}")]
    #[diagnostic(code(fluxi::syntax::invalid_character))]
    InvalidCharacter {
        /// The character, quoted.
        found: String,
        #[label("not part of Flux syntax")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A string literal without its closing quote.
    #[error("unterminated string")]
    #[diagnostic(
        code(fluxi::syntax::unterminated_string),
        help("close the string with `\"`; a `\"` inside a string is written `\\\"`")
    )]
    UnterminatedString {
        #[label("this string is never closed")]
        span: SourceSpan,
    },

    /// A regex literal without its closing slash on the same line.
    #[error("unterminated regular expression")]
    #[diagnostic(
        code(fluxi::syntax::unterminated_regex),
        help("a regular expression is written `/pattern/` on one line; a `/` inside it is written `\\/`. To divide, put an operand before the `/`")
    )]
    UnterminatedRegex {
        #[label("this regular expression is never closed")]
        span: SourceSpan,
    },

    /// A backslash escape that Flux strings do not have.
    #[error("invalid escape sequence {escape} in a string")]
    #[diagnostic(
        code(fluxi::syntax::invalid_escape),
        help("strings know the escapes \\n \\r \\t \\\\ \\\" \\${{ and \\xNN (a byte in hex); a `$` that does not start `${{` needs no escape")
    )]
    InvalidEscape {
        /// The escape as written.
        escape: String,
        #[label("unknown escape")]
        span: SourceSpan,
    },

    /// `\xNN` escapes that do not form valid UTF-8.
    #[error("the \\x escapes in this string do not form valid UTF-8")]
    #[diagnostic(code(fluxi::syntax::invalid_utf8))]
    InvalidUtf8 {
        #[label("invalid UTF-8")]
        span: SourceSpan,
    },

    /// A regex literal whose pattern does not compile.
    #[error("invalid regular expression: {message}")]
    #[diagnostic(code(fluxi::syntax::invalid_regex))]
    InvalidRegex {
        /// What the regex parser said.
        message: String,
        #[label("in this pattern")]
        span: SourceSpan,
    },

    /// A date-time literal that is not a valid RFC 3339 time.
    #[error("invalid date-time literal: {message}")]
    #[diagnostic(code(fluxi::syntax::invalid_date_time))]
    InvalidDateTime {
        /// What is wrong with it.
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A duration literal whose magnitude does not fit.
    #[error("invalid duration literal: {message}")]
    #[diagnostic(code(fluxi::syntax::invalid_duration))]
    InvalidDuration {
        /// What is wrong with it.
        message: String,
        #[label("here")]
        span: SourceSpan,
    },

    /// An integer literal outside the 64-bit signed range, or with a leading zero.
    #[error("invalid integer literal: {message}")]
    #[diagnostic(code(fluxi::syntax::invalid_integer))]
    InvalidInteger {
        /// What is wrong with it.
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// `x |> y` where `y` is not a call.
    #[error("the right side of `|>` must be a function call")]
    #[diagnostic(code(fluxi::syntax::pipe_destination))]
    PipeDestination {
        #[label("this is not a call")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A call argument or record property without a name.
    #[error("{what} needs a name")]
    #[diagnostic(code(fluxi::syntax::unnamed_argument))]
    UnnamedArgument {
        /// "this argument" or "this record property".
        what: String,
        #[label("unnamed")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A function parameter that is not a plain name.
    #[error("a function parameter must be a name, optionally with a default (`x`, `x = 1`, `tables = <-`)")]
    #[diagnostic(code(fluxi::syntax::invalid_parameter))]
    InvalidParameter {
        #[label("not a parameter")]
        span: SourceSpan,
    },

    /// `(a, b)` or `()` that is not followed by `=>`.
    #[error("a parenthesised list is only allowed as the parameters of a function")]
    #[diagnostic(
        code(fluxi::syntax::missing_arrow),
        help("write `=>` and a body after the parameters, e.g. `(a, b) => a + b`; Flux has no tuples")
    )]
    MissingArrow {
        #[label("expected `=>` after this")]
        span: SourceSpan,
    },

    /// A string key that contains `${...}`.
    #[error("a property name cannot contain interpolation")]
    #[diagnostic(code(fluxi::syntax::interpolated_key))]
    InterpolatedKey {
        #[label("interpolated string used as a name")]
        span: SourceSpan,
    },

    /// `package` after other statements, or twice.
    #[error("the package clause must come first")]
    #[diagnostic(
        code(fluxi::syntax::misplaced_package),
        help("a file has at most one `package` clause, before its imports and statements")
    )]
    MisplacedPackage {
        #[label("package clause here")]
        span: SourceSpan,
    },

    /// `import` after a statement.
    #[error("imports must come before the statements of a file")]
    #[diagnostic(
        code(fluxi::syntax::misplaced_import),
        help("move this import to the top of the file, after the package clause")
    )]
    MisplacedImport {
        #[label("import after a statement")]
        span: SourceSpan,
    },

    /// An import inside a block (a function body or testcase).
    #[error("`{keyword}` is only allowed at the top level of a file")]
    #[diagnostic(code(fluxi::syntax::misplaced_declaration))]
    MisplacedDeclaration {
        /// `import` or `package`.
        keyword: String,
        #[label("not allowed inside a block")]
        span: SourceSpan,
    },

    /// Attributes that are not followed by anything they could belong to.
    #[error("attribute not attached to anything")]
    #[diagnostic(
        code(fluxi::syntax::dangling_attribute),
        help("attributes such as `@edition(\"2022.1\")` go right before a package clause, an import or a statement")
    )]
    DanglingAttribute {
        #[label("nothing follows this attribute")]
        span: SourceSpan,
    },

    /// Expressions nested deeper than the parser allows.
    #[error("expression nested too deeply (more than {limit} levels)")]
    #[diagnostic(
        code(fluxi::syntax::too_deep),
        help("split the expression into named parts with assignments")
    )]
    TooDeep {
        /// The nesting limit.
        limit: u32,
        #[label("the limit is reached here")]
        span: SourceSpan,
    },

    /// `name[...]` in a type where `name` is not `stream` or `vector`.
    #[error("unknown type constructor `{name}`")]
    #[diagnostic(
        code(fluxi::syntax::unknown_type_constructor),
        help("only `stream[T]` and `vector[T]` take a type argument; arrays are written `[T]` and dictionaries `[K: V]`")
    )]
    UnknownTypeConstructor {
        /// The name used.
        name: String,
        #[label("not a type constructor")]
        span: SourceSpan,
    },

    /// A source over 4 GiB.
    #[error("the source is too large to parse ({size} bytes; the limit is 4 GiB)")]
    #[diagnostic(code(fluxi::syntax::source_too_large))]
    SourceTooLarge {
        /// Size in bytes.
        size: usize,
    },

    /// A call on its own line right after a pipeline: almost always a forgotten `|>`.
    #[error("this call stands alone; did you forget `|>` before it?")]
    #[diagnostic(code(fluxi::syntax::missing_pipe), severity(Warning))]
    MissingPipe {
        #[label("a separate statement starts here")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },
}

impl SyntaxError {
    /// Whether this is a warning (the file still parses) rather than an error.
    pub fn is_warning(&self) -> bool {
        matches!(self, SyntaxError::MissingPipe { .. })
    }

    /// The primary span, if the diagnostic points at one.
    pub fn span(&self) -> Option<Span> {
        use SyntaxError::*;
        let s = match self {
            UnexpectedToken { span, .. }
            | UnexpectedEnd { span, .. }
            | InvalidCharacter { span, .. }
            | UnterminatedString { span }
            | UnterminatedRegex { span }
            | InvalidEscape { span, .. }
            | InvalidUtf8 { span }
            | InvalidRegex { span, .. }
            | InvalidDateTime { span, .. }
            | InvalidDuration { span, .. }
            | InvalidInteger { span, .. }
            | PipeDestination { span, .. }
            | UnnamedArgument { span, .. }
            | InvalidParameter { span }
            | MissingArrow { span }
            | InterpolatedKey { span }
            | MisplacedPackage { span }
            | MisplacedImport { span }
            | MisplacedDeclaration { span, .. }
            | DanglingAttribute { span }
            | TooDeep { span, .. }
            | UnknownTypeConstructor { span, .. }
            | MissingPipe { span, .. } => *span,
            SourceTooLarge { .. } => return None,
        };
        Some(Span::new(s.offset(), s.offset() + s.len()))
    }

    /// The stable diagnostic code, e.g. `fluxi::syntax::unexpected_token`.
    pub fn code_str(&self) -> String {
        self.code().map(|c| c.to_string()).unwrap_or_default()
    }
}

pub(crate) fn sp(span: Span) -> SourceSpan {
    span.into()
}
