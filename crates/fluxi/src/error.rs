//! What can go wrong: problems found compiling a script (with their places in it), errors
//! while running it, and storage errors. Every one renders with miette.

use fluxi_eval::EvalError;
use fluxi_semantic::TypeError;
use fluxi_storage::StorageError;
use fluxi_syntax::span::LineIndex;
use fluxi_syntax::SyntaxError;
use miette::{Diagnostic, NamedSource};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// One diagnostic of any layer.
#[derive(Debug, Clone)]
enum Item {
    Syntax(SyntaxError),
    Type(TypeError),
    Eval(EvalError),
}

impl Item {
    fn diagnostic(&self) -> &(dyn Diagnostic + Send + Sync + 'static) {
        match self {
            Item::Syntax(e) => e,
            Item::Type(e) => e,
            Item::Eval(e) => e,
        }
    }

    fn span(&self) -> Option<Range<usize>> {
        let s = match self {
            Item::Syntax(e) => e.span(),
            Item::Type(e) => e.span(),
            Item::Eval(e) => e.span,
        }?;
        Some(s.start as usize..s.end as usize)
    }

    fn warning(&self) -> bool {
        matches!(self, Item::Syntax(e) if e.is_warning())
    }
}

/// One problem, in plain data (for embedders that show problems their own way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The stable code, such as `fluxi::types::mismatch` (listed in docs/errors.md).
    pub code: String,
    /// What is wrong.
    pub message: String,
    /// Advice, if any.
    pub help: Option<String>,
    /// Whether it is only a warning (the script still runs).
    pub warning: bool,
    /// The byte range of the source it points at.
    pub span: Option<Range<usize>>,
    /// The 1-based line and column of the start of `span` (1:1 when there is none).
    pub line: usize,
    /// See `line`.
    pub column: usize,
}

/// The problems found in one source, with the source itself so they can be shown in place.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    name: String,
    source: Arc<str>,
    items: Vec<Item>,
}

impl Diagnostics {
    pub(crate) fn new(name: &str, source: &Arc<str>) -> Self {
        Diagnostics {
            name: name.to_string(),
            source: Arc::clone(source),
            items: Vec::new(),
        }
    }

    pub(crate) fn syntax(&mut self, e: SyntaxError) {
        self.items.push(Item::Syntax(e));
    }

    pub(crate) fn types(&mut self, e: TypeError) {
        self.items.push(Item::Type(e));
    }

    pub(crate) fn eval(&mut self, e: EvalError) {
        self.items.push(Item::Eval(e));
    }

    /// Whether any problem is an error (not only warnings).
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|i| !i.warning())
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The problems, in the order they were found (source order within a layer).
    pub fn problems(&self) -> Vec<Problem> {
        let lines = LineIndex::new(&self.source);
        self.items
            .iter()
            .map(|i| {
                let d = i.diagnostic();
                let span = i.span();
                let (line, column) = span
                    .as_ref()
                    .map_or((1, 1), |s| lines.line_col(&self.source, s.start));
                Problem {
                    code: d.code().map(|c| c.to_string()).unwrap_or_default(),
                    message: d.to_string(),
                    help: d.help().map(|h| h.to_string()),
                    warning: i.warning(),
                    span,
                    line,
                    column,
                }
            })
            .collect()
    }

    /// Each problem as a miette report carrying the source, for rendering with any miette
    /// handler. A problem on a line too long to draw ([`MAX_DRAWN_LINE`] bytes) carries
    /// no source: its report names the place (`name:line:column`) instead.
    pub fn reports(&self) -> Vec<miette::Report> {
        self.reports_of(&self.items)
    }

    fn reports_of(&self, items: &[Item]) -> Vec<miette::Report> {
        let lines = LineIndex::new(&self.source);
        items
            .iter()
            .map(|item| {
                let report = match item.clone() {
                    Item::Syntax(e) => miette::Report::new(e),
                    Item::Type(e) => miette::Report::new(e),
                    Item::Eval(e) => miette::Report::new(e),
                };
                let span = item.span();
                let drawable = span.as_ref().is_none_or(|s| {
                    lines.line_len(&self.source, s.start) <= MAX_DRAWN_LINE
                        && lines.line_len(&self.source, s.end) <= MAX_DRAWN_LINE
                });
                if drawable {
                    report.with_source_code(NamedSource::new(&self.name, Arc::clone(&self.source)))
                } else {
                    let at = span.map_or((1, 1), |s| lines.line_col(&self.source, s.start));
                    report.wrap_err(format!(
                        "{}:{}:{} (the line is too long to show)",
                        self.name, at.0, at.1
                    ))
                }
            })
            .collect()
    }

    /// The first error (not warning) among the problems.
    fn first_error(&self) -> Option<&Item> {
        self.items.iter().find(|i| !i.warning())
    }

    /// Every problem drawn under the lines it points at (miette's graphical report);
    /// `color` adds terminal colours. Needs the `fancy` feature.
    #[cfg(feature = "fancy")]
    pub fn render(&self, color: bool) -> String {
        let handler = graphical(color);
        let mut out = String::new();
        let shown = self.items.len().min(MAX_RENDERED);
        for report in self.reports_of(&self.items[..shown]) {
            if handler.render_report(&mut out, report.as_ref()).is_err() {
                out.push_str(&format!("{}: {report}\n", self.name));
            }
        }
        out.push_str(&self.not_shown(shown));
        out
    }

    /// The line saying how many problems after the first `shown` were left out.
    fn not_shown(&self, shown: usize) -> String {
        let rest = &self.items[shown.min(self.items.len())..];
        if rest.is_empty() {
            return String::new();
        }
        let errors = rest.iter().filter(|i| !i.warning()).count();
        let warnings = rest.len() - errors;
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let what = match (errors, warnings) {
            (e, 0) => plural(e, "more error"),
            (0, w) => plural(w, "more warning"),
            (e, w) => format!("{} and {}", plural(e, "more error"), plural(w, "warning")),
        };
        format!(
            "{}: {what} not shown (the first {shown} are above; fix those first)\n",
            self.name
        )
    }
}

/// At most this many problems are drawn or listed by `render` and `Display`; a line then
/// says how many more there are. ([`Diagnostics::problems`] returns them all.)
pub const MAX_RENDERED: usize = 50;

/// Source lines longer than this many bytes are not drawn under a diagnostic (its place
/// is named instead): drawing them would print the whole line for every problem on it.
pub const MAX_DRAWN_LINE: usize = 1000;

/// miette's graphical report handler, with or without colours.
#[cfg(feature = "fancy")]
fn graphical(color: bool) -> miette::GraphicalReportHandler {
    use miette::{GraphicalReportHandler, GraphicalTheme};
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
}

impl fmt::Display for Diagnostics {
    /// One line per problem: `name:line:column: message` (at most [`MAX_RENDERED`], then
    /// a line saying how many more there are).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems = self.problems();
        for (i, p) in problems.iter().take(MAX_RENDERED).enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.name, p.line, p.column, p.message)?;
        }
        let more = self.not_shown(MAX_RENDERED);
        if !more.is_empty() {
            write!(f, "\n{}", more.trim_end())?;
        }
        Ok(())
    }
}

/// An error of the embedding API.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The script has syntax or type errors; nothing ran.
    #[error("{0}")]
    Compile(Diagnostics),
    /// The script failed while running (the diagnostic points at the failing call).
    #[error("{0}")]
    Runtime(Diagnostics),
    /// The store failed.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// A setting or argument of the API is not usable (the message says which and why).
    #[error("{0}")]
    Invalid(String),
}

impl Error {
    /// The compile or runtime diagnostics, if this is one of those.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            Error::Compile(d) | Error::Runtime(d) => Some(d),
            _ => None,
        }
    }

    /// The stable code of the error (docs/errors.md): a storage error's own code (such as
    /// `fluxi::storage::line_protocol`), or for compile and runtime errors the code of the
    /// first error among the diagnostics (a runtime error from a missing bucket is
    /// `fluxi::storage::bucket_not_found`). `None` for [`Error::Invalid`], a misuse of the
    /// API rather than a problem of a script or the store.
    pub fn code(&self) -> Option<String> {
        match self {
            Error::Compile(d) | Error::Runtime(d) => d
                .first_error()
                .and_then(|i| i.diagnostic().code())
                .map(|c| c.to_string()),
            Error::Storage(e) => Some(e.code().to_string()),
            Error::Invalid(_) => None,
        }
    }

    /// Whether the query stopped because it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Runtime(d)
            if d.items.iter().any(|i| matches!(i, Item::Eval(e) if e.kind == fluxi_eval::ErrorKind::Cancelled)))
    }

    /// The error for a person: diagnostics drawn under their source lines, a store error as
    /// a miette report headed by its code, a misuse of the API as one line. Needs the
    /// `fancy` feature.
    #[cfg(feature = "fancy")]
    pub fn render(&self, color: bool) -> String {
        match self {
            Error::Compile(d) | Error::Runtime(d) => d.render(color),
            Error::Storage(_) => {
                let mut out = String::new();
                match graphical(color).render_report(&mut out, self) {
                    Ok(()) => out,
                    Err(_) => format!("error: {self}\n"),
                }
            }
            Error::Invalid(_) => format!("error: {self}\n"),
        }
    }
}

/// The error's [`Error::code`], and the help of the storage error or of the first
/// compile or runtime error. (Compile and runtime errors are drawn under their source by
/// [`Diagnostics::reports`] and `render`.)
impl Diagnostic for Error {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Error::code(self).map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        match self {
            Error::Compile(d) | Error::Runtime(d) => d.first_error()?.diagnostic().help(),
            Error::Storage(e) => Diagnostic::help(e),
            Error::Invalid(_) => None,
        }
    }
}

/// The result type of the embedding API.
pub type Result<T, E = Error> = std::result::Result<T, E>;
