//! The parser: lexer output through the lalrpop grammar, then ordering checks and lints.

pub(crate) mod support;

mod errors;

#[allow(
    clippy::all,
    clippy::unwrap_used,
    clippy::expect_used,
    unused_qualifications,
    unused_parens,
    missing_docs
)]
mod grammar {
    include!(concat!(env!("OUT_DIR"), "/flux.rs"));
}

use crate::ast::{Expr, File};
use crate::error::SyntaxError;
use crate::lexer::{lex, Spanned};
use crate::span::Span;
use support::Sink;

/// The result of parsing a file: the tree (always produced, with `Bad` nodes where parsing
/// failed) and every diagnostic, sorted by position.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The syntax tree.
    pub file: File,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<SyntaxError>,
}

impl Parsed {
    /// Whether any diagnostic is an error (warnings do not count).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| !d.is_warning())
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &SyntaxError> {
        self.diagnostics.iter().filter(|d| !d.is_warning())
    }
}

/// Parse a whole Flux source file. Never panics; every problem becomes a diagnostic.
pub fn parse(src: &str) -> Parsed {
    let lexed = lex(src);
    let mut sink = Sink::new(src);
    let mut diagnostics = lexed.errors;
    let tokens = lexed.tokens;
    let eof = src.len();
    let items = run(&mut sink, tokens, |sink, iter| {
        grammar::FileParser::new().parse(sink, iter)
    });
    let mut items = match items {
        Ok(items) => items,
        Err(e) => {
            diagnostics.push(errors::convert(src, e, eof));
            Vec::new()
        }
    };
    let (package, imports, body) = support::assemble(&mut sink, std::mem::take(&mut items), true);
    let file = File {
        span: Span::new(0, src.len()),
        package,
        imports,
        body,
        comments: lexed.comments,
    };
    diagnostics.append(&mut sink.errors);
    for rec in sink.recovered.drain(..) {
        diagnostics.push(errors::convert(src, rec.error, eof));
    }
    diagnostics.extend(crate::lint::missing_pipe(src, &file));
    finish(src, &mut diagnostics);
    Parsed { file, diagnostics }
}

/// Parse a single expression (for the REPL's `:type` and for tests).
pub fn parse_expression(src: &str) -> Result<Expr, Vec<SyntaxError>> {
    let lexed = lex(src);
    let mut sink = Sink::new(src);
    let mut diagnostics = lexed.errors;
    let result = run(&mut sink, lexed.tokens, |sink, iter| {
        grammar::ExprParser::new().parse(sink, iter)
    });
    diagnostics.append(&mut sink.errors);
    for rec in sink.recovered.drain(..) {
        diagnostics.push(errors::convert(src, rec.error, src.len()));
    }
    match result {
        Ok(e) if diagnostics.iter().all(SyntaxError::is_warning) => Ok(e),
        Ok(_) => {
            finish(src, &mut diagnostics);
            Err(diagnostics)
        }
        Err(e) => {
            diagnostics.push(errors::convert(src, e, src.len()));
            finish(src, &mut diagnostics);
            Err(diagnostics)
        }
    }
}

type LalrpopError<'s> =
    lalrpop_util::ParseError<usize, crate::token::Tok<'s>, std::convert::Infallible>;

fn run<'s, T>(
    sink: &mut Sink<'s>,
    tokens: Vec<Spanned<'s>>,
    f: impl FnOnce(
        &mut Sink<'s>,
        std::iter::Map<
            std::vec::IntoIter<Spanned<'s>>,
            fn(Spanned<'s>) -> Result<Spanned<'s>, std::convert::Infallible>,
        >,
    ) -> Result<T, LalrpopError<'s>>,
) -> Result<T, LalrpopError<'s>> {
    let ok: fn(Spanned<'s>) -> Result<Spanned<'s>, std::convert::Infallible> = Ok;
    f(sink, tokens.into_iter().map(ok))
}

/// Sort diagnostics by position and drop the echoes of one mistake: error recovery resumes
/// at the next statement it can recognise, which may be the rest of the broken line, so
/// only the first parse error of each line is kept (and none where another diagnostic,
/// such as an unterminated string, already starts).
fn finish(src: &str, diagnostics: &mut Vec<SyntaxError>) {
    diagnostics.sort_by_key(|d| d.span().map_or((0, 0), |s| (s.start, s.end)));
    let mut seen_starts = std::collections::HashSet::new();
    let mut lines_with_parse_errors = std::collections::HashSet::new();
    let lines = crate::span::LineIndex::new(src);
    diagnostics.retain(|d| match (d, d.span()) {
        (SyntaxError::UnexpectedToken { .. } | SyntaxError::UnexpectedEnd { .. }, Some(s)) => {
            let line = lines.line_col(src, s.start as usize).0;
            lines_with_parse_errors.insert(line) && seen_starts.insert(s.start)
        }
        (_, Some(s)) => {
            seen_starts.insert(s.start);
            true
        }
        _ => true,
    });
}
