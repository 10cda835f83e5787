//! The lexer: raw logos tokens plus the context Flux needs.
//!
//! Flux's grammar is not context free at the token level. This module makes every
//! context-dependent decision from the previous token, so the LR grammar stays free of
//! conflicts and behaves like upstream's greedy recursive-descent parser:
//!
//! * After an *operand end* (identifier, literal, `)`, `]`, `}`, closing quote), `/` divides,
//!   `(` calls, `[` indexes, `-`/`+` are binary and `.` accesses a member. Elsewhere `/`
//!   starts a regex, `(` groups, `[` opens an array, `-`/`+` are prefix and `.` starts a label.
//!   The closing `}` of a testcase block, the `)` of an attribute, an import path and the
//!   package name are not operand ends.
//! * `{` right after `=>` opens a function body block; elsewhere it opens a record.
//! * `with` after `{ name`, `where` before `A:` and `extends` after `testcase name` are
//!   keywords; everywhere else they are identifiers.
//! * Strings are lexed in a mode of their own, with `${ ... }` interpolation nesting back
//!   into code (a mode stack, not recursion).

use crate::ast::Comment;
use crate::error::{sp, SyntaxError};
use crate::span::Span;
use crate::token::{Raw, Tok};
use logos::Logos;

/// A token with its byte offsets, as lalrpop wants it.
pub type Spanned<'s> = (usize, Tok<'s>, usize);

/// The lexer's output: tokens for the parser, comments kept aside, and errors.
#[derive(Debug, Default)]
pub struct Lexed<'s> {
    /// Tokens in source order (comments excluded).
    pub tokens: Vec<Spanned<'s>>,
    /// Comments in source order.
    pub comments: Vec<Comment>,
    /// Lexical errors in source order.
    pub errors: Vec<SyntaxError>,
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    Code,
    /// Inside `${ ... }`: how many unmatched `{` are open inside it.
    Interp {
        depth: u32,
    },
    /// Inside a string literal opened at `open`.
    Str {
        open: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Open {
    Paren,
    AttrParen,
    Bracket,
    Record,
    FnBlock,
    TestBlock,
}

/// Lex a whole source text.
pub fn lex(src: &str) -> Lexed<'_> {
    let mut lx = Lexer {
        src,
        pos: 0,
        out: Lexed::default(),
        modes: vec![Mode::Code],
        opens: Vec::new(),
        operand_end: false,
        pending_testcase: false,
        pending_import: false,
    };
    if src.len() > u32::MAX as usize {
        lx.out
            .errors
            .push(SyntaxError::SourceTooLarge { size: src.len() });
        return lx.out;
    }
    if src.starts_with('\u{feff}') {
        lx.pos = '\u{feff}'.len_utf8();
    }
    lx.run();
    lx.finish();
    contextual_keywords(&mut lx.out.tokens);
    lx.out
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    out: Lexed<'s>,
    modes: Vec<Mode>,
    opens: Vec<Open>,
    /// Whether the last token pushed ends an operand.
    operand_end: bool,
    pending_testcase: bool,
    pending_import: bool,
}

impl<'s> Lexer<'s> {
    fn push(&mut self, start: usize, tok: Tok<'s>, end: usize, operand_end: bool) {
        self.out.tokens.push((start, tok, end));
        self.operand_end = operand_end;
    }

    fn last(&self) -> Option<&Tok<'s>> {
        self.out.tokens.last().map(|(_, t, _)| t)
    }

    fn run(&mut self) {
        loop {
            let more = match self.modes.last().copied() {
                Some(Mode::Str { .. }) => self.string_part(),
                _ => self.code_token(),
            };
            if !more {
                break;
            }
        }
    }

    /// Close whatever strings and interpolations are still open at the end of the source.
    fn finish(&mut self) {
        let end = self.src.len();
        let mut outermost_open = None;
        while let Some(mode) = self.modes.pop() {
            match mode {
                Mode::Code => {}
                Mode::Interp { .. } => self.push(end, Tok::InterpClose, end, false),
                Mode::Str { open } => {
                    outermost_open = Some(open);
                    self.push(end, Tok::StrEnd, end, true);
                }
            }
        }
        if let Some(open) = outermost_open {
            self.out.errors.push(SyntaxError::UnterminatedString {
                span: sp(Span::new(open, end)),
            });
        }
    }

    /// Lex one token of code. Returns false at the end of the source.
    fn code_token(&mut self) -> bool {
        let rest = &self.src[self.pos..];
        let mut raw = Raw::lexer(rest);
        let Some(result) = raw.next() else {
            self.pos = self.src.len();
            return false;
        };
        let range = raw.span();
        let start = self.pos + range.start;
        let mut end = self.pos + range.end;
        match result {
            Ok(kind) => {
                self.pos = end;
                self.code(kind, start, end, raw.slice());
            }
            Err(()) => {
                let ch = rest[range.start..].chars().next().unwrap_or(' ');
                end = start + ch.len_utf8();
                let next = rest[range.start..].chars().nth(1);
                let recovery = match (ch, next) {
                    ('\'', _) => {
                        end = self.single_quoted(start);
                        None
                    }
                    ('&', Some('&')) => {
                        end += 1;
                        Some(Tok::And)
                    }
                    ('|', Some('|')) => {
                        end += 1;
                        Some(Tok::Or)
                    }
                    _ => None,
                };
                self.pos = end;
                self.invalid(ch, Span::new(start, end));
                // Stand-in tokens so the parser goes on as if the author had written Flux.
                if let Some(tok) = recovery {
                    self.push(start, tok, end, false);
                } else if ch == '\'' && end > start + 2 {
                    let inner = self.src[start + 1..end - 1].to_string();
                    self.push(start, Tok::StrStart, start + 1, false);
                    self.push(start + 1, Tok::StrText(inner), end - 1, false);
                    self.push(end - 1, Tok::StrEnd, end, true);
                }
            }
        }
        true
    }

    fn code(&mut self, kind: Raw, start: usize, end: usize, text: &'s str) {
        let after_operand = self.operand_end;
        match kind {
            Raw::Comment => self.out.comments.push(Comment {
                span: Span::new(start, end),
                text: text.to_string(),
            }),
            Raw::Quote => {
                self.push(start, Tok::StrStart, end, false);
                self.modes.push(Mode::Str { open: start });
            }
            Raw::Slash if after_operand => self.push(start, Tok::Slash, end, false),
            Raw::Slash => self.regex(start),
            Raw::Plus => {
                let t = if after_operand { Tok::Plus } else { Tok::UPlus };
                self.push(start, t, end, false)
            }
            Raw::Minus => {
                let t = if after_operand {
                    Tok::Minus
                } else {
                    Tok::UMinus
                };
                self.push(start, t, end, false)
            }
            Raw::Dot => {
                let t = if after_operand {
                    Tok::Dot
                } else {
                    Tok::LabelDot
                };
                self.push(start, t, end, false)
            }
            Raw::LParen => {
                if let Some((_, Tok::Attr(name), _)) = self.out.tokens.last() {
                    let name = *name;
                    if let Some(last) = self.out.tokens.last_mut() {
                        last.1 = Tok::AttrCall(name);
                    }
                    self.opens.push(Open::AttrParen);
                    self.push(start, Tok::LParen, end, false);
                } else {
                    self.opens.push(Open::Paren);
                    let t = if after_operand {
                        Tok::CallParen
                    } else {
                        Tok::LParen
                    };
                    self.push(start, t, end, false);
                }
            }
            Raw::LBracket => {
                self.opens.push(Open::Bracket);
                let t = if after_operand {
                    Tok::IndexBracket
                } else {
                    Tok::LBracket
                };
                self.push(start, t, end, false);
            }
            Raw::LBrace => {
                if let Some(Mode::Interp { depth }) = self.modes.last_mut() {
                    *depth += 1;
                }
                if matches!(self.last(), Some(Tok::Arrow)) {
                    self.opens.push(Open::FnBlock);
                    self.push(start, Tok::BlockOpen, end, false);
                } else {
                    let open = if std::mem::take(&mut self.pending_testcase) {
                        Open::TestBlock
                    } else {
                        Open::Record
                    };
                    self.opens.push(open);
                    self.push(start, Tok::LBrace, end, false);
                }
            }
            Raw::RBrace => {
                if let Some(Mode::Interp { depth }) = self.modes.last_mut() {
                    if *depth == 0 {
                        self.modes.pop();
                        self.push(start, Tok::InterpClose, end, false);
                        return;
                    }
                    *depth -= 1;
                }
                let closed = self.opens.pop();
                self.push(start, Tok::RBrace, end, closed != Some(Open::TestBlock));
            }
            Raw::RParen => {
                let closed = self.opens.pop();
                self.push(start, Tok::RParen, end, closed != Some(Open::AttrParen));
            }
            Raw::RBracket => {
                self.opens.pop();
                self.push(start, Tok::RBracket, end, true);
            }
            Raw::Ident => {
                let is_package_name = matches!(self.last(), Some(Tok::Package));
                self.push(start, Tok::Ident(text), end, !is_package_name);
            }
            Raw::Int => self.push(start, Tok::Int(text), end, true),
            Raw::Float => self.push(start, Tok::Float(text), end, true),
            Raw::Duration => self.push(start, Tok::Duration(text), end, true),
            Raw::DateTime => self.push(start, Tok::DateTime(text), end, true),
            Raw::Attribute => self.push(start, Tok::Attr(&text[1..]), end, false),
            Raw::PipeRecv => self.push(start, Tok::PipeRecv, end, true),
            Raw::Testcase => {
                self.pending_testcase = true;
                self.push(start, Tok::Testcase, end, false)
            }
            Raw::Import => {
                self.pending_import = true;
                self.push(start, Tok::Import, end, false)
            }
            other => {
                let tok = match other {
                    Raw::And => Tok::And,
                    Raw::Or => Tok::Or,
                    Raw::Not => Tok::Not,
                    Raw::Exists => Tok::Exists,
                    Raw::If => Tok::If,
                    Raw::Then => Tok::Then,
                    Raw::Else => Tok::Else,
                    Raw::Package => Tok::Package,
                    Raw::Return => Tok::Return,
                    Raw::Option => Tok::Option,
                    Raw::Builtin => Tok::Builtin,
                    Raw::Star => Tok::Star,
                    Raw::Percent => Tok::Percent,
                    Raw::Caret => Tok::Caret,
                    Raw::EqEq => Tok::EqEq,
                    Raw::NotEq => Tok::NotEq,
                    Raw::Lt => Tok::Lt,
                    Raw::Le => Tok::Le,
                    Raw::Gt => Tok::Gt,
                    Raw::Ge => Tok::Ge,
                    Raw::RegexEq => Tok::RegexEq,
                    Raw::RegexNe => Tok::RegexNe,
                    Raw::Assign => Tok::Assign,
                    Raw::Arrow => Tok::Arrow,
                    Raw::PipeFwd => Tok::PipeFwd,
                    Raw::Comma => Tok::Comma,
                    Raw::Colon => Tok::Colon,
                    _ => Tok::Question,
                };
                self.push(start, tok, end, false)
            }
        }
    }

    /// Report an invalid character, merging a run of them (`&&`, `||`) into one error.
    fn invalid(&mut self, ch: char, span: Span) {
        if let Some(SyntaxError::InvalidCharacter {
            found, span: prev, ..
        }) = self.out.errors.last_mut()
        {
            if prev.offset() + prev.len() == span.start as usize && ch != '\'' {
                let merged = Span::new(prev.offset(), span.end as usize);
                *found = format!("`{}`", &self.src[merged.range()]);
                *prev = sp(merged);
                return;
            }
        }
        let text = &self.src[span.range()];
        self.out.errors.push(invalid_character(ch, span, text));
    }

    /// The end of a single-quoted "string" starting at `start` (on the same line), so it is
    /// reported once as a whole; just the quote if it is not closed on its line.
    fn single_quoted(&self, start: usize) -> usize {
        let line = self.src[start + 1..].split('\n').next().unwrap_or("");
        match line.find('\'') {
            Some(i) => start + 1 + i + 1,
            None => start + 1,
        }
    }

    /// Lex the text of a string up to its end or to `${`. Returns false at the end of source.
    fn string_part(&mut self) -> bool {
        let bytes = self.src.as_bytes();
        let text_start = self.pos;
        let mut buf: Vec<u8> = Vec::new();
        let mut i = self.pos;
        loop {
            let Some(&b) = bytes.get(i) else {
                self.flush_text(text_start, i, buf);
                self.pos = i;
                return false;
            };
            match b {
                b'"' => {
                    self.flush_text(text_start, i, buf);
                    self.modes.pop();
                    let import_path = std::mem::take(&mut self.pending_import);
                    self.push(i, Tok::StrEnd, i + 1, !import_path);
                    self.pos = i + 1;
                    return true;
                }
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    self.flush_text(text_start, i, buf);
                    self.push(i, Tok::InterpOpen, i + 2, false);
                    self.modes.push(Mode::Interp { depth: 0 });
                    self.pos = i + 2;
                    return true;
                }
                b'\\' => i = self.string_escape(i, &mut buf),
                _ => {
                    buf.push(b);
                    i += 1;
                }
            }
        }
    }

    /// Resolve the escape at `i` (a backslash) into `buf`; returns the offset after it.
    fn string_escape(&mut self, i: usize, buf: &mut Vec<u8>) -> usize {
        let bytes = self.src.as_bytes();
        let simple = match bytes.get(i + 1) {
            Some(b'n') => Some(b'\n'),
            Some(b'r') => Some(b'\r'),
            Some(b't') => Some(b'\t'),
            Some(b'\\') => Some(b'\\'),
            Some(b'"') => Some(b'"'),
            // `\$` only escapes the `$` of `${`; a lone `$` needs no escape (as upstream).
            Some(b'$') if bytes.get(i + 2) == Some(&b'{') => Some(b'$'),
            _ => None,
        };
        if let Some(c) = simple {
            buf.push(c);
            return i + 2;
        }
        match bytes.get(i + 1) {
            None => i + 1,
            Some(b'x') => match hex_byte(bytes, i + 2) {
                Some(v) => {
                    buf.push(v);
                    i + 4
                }
                None => {
                    let end = (i + 4).min(bytes.len());
                    let end = (i + 2..=end)
                        .rev()
                        .find(|e| self.src.is_char_boundary(*e))
                        .unwrap_or(i + 2);
                    self.out.errors.push(SyntaxError::InvalidEscape {
                        escape: self.src[i..end].to_string(),
                        span: sp(Span::new(i, end)),
                    });
                    i + 2
                }
            },
            Some(_) => {
                let ch = self.src[i + 1..].chars().next().unwrap_or(' ');
                let end = i + 1 + ch.len_utf8();
                self.out.errors.push(SyntaxError::InvalidEscape {
                    escape: format!("\\{ch}"),
                    span: sp(Span::new(i, end)),
                });
                buf.extend_from_slice(&self.src.as_bytes()[i + 1..end]);
                end
            }
        }
    }

    fn flush_text(&mut self, start: usize, end: usize, buf: Vec<u8>) {
        if start == end {
            return;
        }
        let text = match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => {
                self.out.errors.push(SyntaxError::InvalidUtf8 {
                    span: sp(Span::new(start, end)),
                });
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        self.push(start, Tok::StrText(text), end, false);
    }

    /// Lex a regex literal whose opening `/` is at `start`.
    fn regex(&mut self, start: usize) {
        let bytes = self.src.as_bytes();
        let mut buf: Vec<u8> = Vec::new();
        let mut i = start + 1;
        let mut closed = false;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => break,
                b'/' => {
                    i += 1;
                    closed = true;
                    break;
                }
                b'\\' => match bytes.get(i + 1) {
                    Some(b'/') => {
                        buf.push(b'/');
                        i += 2;
                    }
                    Some(b'x') if hex_byte(bytes, i + 2).is_some() => {
                        buf.extend(hex_byte(bytes, i + 2));
                        i += 4;
                    }
                    None | Some(b'\n') => i += 1,
                    Some(_) => {
                        let ch = self.src[i + 1..].chars().next().unwrap_or(' ');
                        buf.extend_from_slice(&bytes[i..i + 1 + ch.len_utf8()]);
                        i += 1 + ch.len_utf8();
                    }
                },
                _ => {
                    buf.push(b);
                    i += 1;
                }
            }
        }
        self.pos = i;
        let span = Span::new(start, i);
        if !closed {
            self.out
                .errors
                .push(SyntaxError::UnterminatedRegex { span: sp(span) });
        }
        let pattern = match String::from_utf8(buf) {
            Ok(s) => s,
            Err(e) => {
                self.out
                    .errors
                    .push(SyntaxError::InvalidUtf8 { span: sp(span) });
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        };
        if closed {
            if let Err(message) = check_regex(&pattern) {
                self.out.errors.push(SyntaxError::InvalidRegex {
                    message,
                    span: sp(span),
                });
            }
        }
        self.push(start, Tok::Regex(pattern), i, true);
    }
}

fn hex_byte(bytes: &[u8], at: usize) -> Option<u8> {
    let hi = (*bytes.get(at)? as char).to_digit(16)?;
    let lo = (*bytes.get(at + 1)? as char).to_digit(16)?;
    u8::try_from(hi * 16 + lo).ok()
}

/// Check a regex pattern (RE2 syntax, as Flux uses) and describe the first problem.
fn check_regex(pattern: &str) -> Result<(), String> {
    match regex_syntax::Parser::new().parse(pattern) {
        Ok(_) => Ok(()),
        Err(regex_syntax::Error::Parse(e)) => Err(e.kind().to_string()),
        Err(regex_syntax::Error::Translate(e)) => Err(e.kind().to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn invalid_character(ch: char, span: Span, text: &str) -> SyntaxError {
    let hint = match ch {
        '\'' if text.len() > 1 && text.ends_with('\'') => Some(format!(
            "strings are written in double quotes: \"{}\"",
            &text[1..text.len() - 1]
        )),
        '\'' => Some("strings are written in double quotes: \"text\"".to_string()),
        '&' => Some("the logical operator is written `and`".to_string()),
        '|' => Some(
            "the logical operator is written `or`; `|>` pipes tables into a function".to_string(),
        ),
        '!' => Some("negation is written `not`; `!=` and `!~` compare".to_string()),
        ';' => Some("Flux statements need no separator; remove the `;`".to_string()),
        '#' => Some("comments start with `//`".to_string()),
        '`' => Some("strings are written in double quotes: \"text\"".to_string()),
        '$' => Some("`${...}` interpolates only inside a string".to_string()),
        '@' => Some("an attribute is written `@name` or `@name(...)`".to_string()),
        _ => None,
    };
    let found = if ch.is_control() || ch.is_whitespace() {
        format!("U+{:04X}", ch as u32)
    } else {
        format!("`{text}`")
    };
    SyntaxError::InvalidCharacter {
        found,
        span: sp(span),
        hint,
    }
}

/// Turn `with`, `where` and `extends` into keywords where they act as such.
fn contextual_keywords(tokens: &mut [Spanned<'_>]) {
    for i in 0..tokens.len() {
        let Tok::Ident(word) = tokens[i].1 else {
            continue;
        };
        let prev = |n: usize| i.checked_sub(n).and_then(|j| tokens.get(j)).map(|t| &t.1);
        let next = |n: usize| tokens.get(i + n).map(|t| &t.1);
        let replacement = match word {
            "with"
                if matches!(prev(1), Some(Tok::Ident(_)))
                    && matches!(prev(2), Some(Tok::LBrace | Tok::BlockOpen)) =>
            {
                Some(Tok::With)
            }
            "where" if matches!(next(1), Some(Tok::Ident(_))) && next(2) == Some(&Tok::Colon) => {
                Some(Tok::Where)
            }
            "extends"
                if matches!(prev(1), Some(Tok::Ident(_))) && prev(2) == Some(&Tok::Testcase) =>
            {
                Some(Tok::Extends)
            }
            _ => None,
        };
        if let Some(t) = replacement {
            tokens[i].1 = t;
        }
    }
}
