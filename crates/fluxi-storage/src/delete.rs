//! Deleting points: the predicate of a delete request (`/api/v2/delete`, `fluxi delete`)
//! and its parser.
//!
//! A delete names a bucket, a time range `start <= _time <= stop` (both ends inclusive, as
//! InfluxDB 2.7 deletes) and a predicate over the series key: conditions
//! `column = "value"` or `column != "value"` on `_measurement` and tags, joined by `AND`,
//! optionally grouped in parentheses. This is the InfluxQL-like syntax InfluxDB 2.7
//! accepts, with its refusals: `OR`, regular expressions (`=~`, `!~`), other operators,
//! and deleting by `_field`. Every refusal is a [`PredicateError`] saying what was found
//! where (`position` counts characters from 0, as InfluxDB does).
//!
//! Lexical rules (InfluxQL's): a column or value is a bare identifier (letters, digits
//! and `_`, not starting with a digit, not an InfluxQL keyword except `name` as a column),
//! or text in double quotes (escapes `\\`, `\"`, `\'`, `\n`); a value may also be a number
//! or duration literal (`1123`, `-5`, `1.5`, `2d`, kept as written) or `true`/`false`.
//! Single quotes make a string, which InfluxDB refuses as a tag value.
//!
//! A condition on a tag the series does not have is false whatever the operator (InfluxDB
//! deletes such a series for neither `host = "a"` nor `host != "a"`).

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

/// The comparison of a [`DeleteCondition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeleteOp {
    /// `=`
    #[serde(rename = "=")]
    Equal,
    /// `!=` (also written `<>`)
    #[serde(rename = "!=")]
    NotEqual,
}

/// One condition of a [`DeletePredicate`]: a column (`_measurement` or a tag key)
/// compared with a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeleteCondition {
    /// `_measurement` or a tag key.
    pub column: String,
    /// How the column is compared.
    pub op: DeleteOp,
    /// The value compared with.
    pub value: String,
}

/// Which series a delete removes points from: every condition must hold (an empty
/// predicate holds for every series).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeletePredicate {
    /// The conditions, all of which must hold.
    pub conditions: Vec<DeleteCondition>,
}

/// The column that names the measurement.
const MEASUREMENT: &str = "_measurement";

impl DeletePredicate {
    /// A predicate that holds for every series.
    pub fn all() -> DeletePredicate {
        DeletePredicate::default()
    }

    /// Parses a predicate in InfluxDB 2.7's delete syntax
    /// (`_measurement="cpu" AND host="a"`); an empty or blank text holds for every
    /// series.
    pub fn parse(text: &str) -> Result<DeletePredicate, PredicateError> {
        Parser::new(text).parse()
    }

    /// Whether the predicate holds for every series.
    pub fn is_all(&self) -> bool {
        self.conditions.is_empty()
    }

    /// Whether the predicate holds for the series of `measurement` whose tag values
    /// `tag` gives (`None` for a tag the series does not have).
    pub fn matches<'a>(&self, measurement: &'a str, tag: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.conditions.iter().all(|c| {
            let found = if c.column == MEASUREMENT {
                Some(measurement)
            } else {
                tag(&c.column)
            };
            match (c.op, found) {
                (DeleteOp::Equal, Some(v)) => v == c.value,
                (DeleteOp::NotEqual, Some(v)) => v != c.value,
                (_, None) => false,
            }
        })
    }

    /// [`DeletePredicate::matches`] with the tags as sorted or unsorted pairs.
    pub fn matches_tags(&self, measurement: &str, tags: &[(&str, &str)]) -> bool {
        self.matches(measurement, |k| {
            tags.iter().find(|(tk, _)| *tk == k).map(|(_, v)| *v)
        })
    }

    /// Whether the predicate can hold for some series of `measurement` (its conditions
    /// on `_measurement` hold).
    pub fn may_match_measurement(&self, measurement: &str) -> bool {
        self.conditions
            .iter()
            .filter(|c| c.column == MEASUREMENT)
            .all(|c| match c.op {
                DeleteOp::Equal => c.value == measurement,
                DeleteOp::NotEqual => c.value != measurement,
            })
    }
}

impl fmt::Display for DeletePredicate {
    /// The predicate in the syntax [`DeletePredicate::parse`] reads back: conditions
    /// joined by ` AND `, values in double quotes, columns quoted when they must be.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.conditions.iter().enumerate() {
            if i > 0 {
                f.write_str(" AND ")?;
            }
            if is_bare_column(&c.column) {
                f.write_str(&c.column)?;
            } else {
                write_quoted(f, &c.column)?;
            }
            f.write_str(match c.op {
                DeleteOp::Equal => "=",
                DeleteOp::NotEqual => "!=",
            })?;
            write_quoted(f, &c.value)?;
        }
        Ok(())
    }
}

/// Whether a column can be written without quotes (and reads back the same).
fn is_bare_column(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && keyword(s).is_none()
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// A predicate InfluxDB 2.7 would refuse, and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind}")]
pub struct PredicateError {
    /// What is wrong (its message names the position).
    pub kind: PredicateErrorKind,
}

impl PredicateError {
    /// Where the problem is: characters from the start of the predicate, counting from 0
    /// (none for problems of the whole predicate).
    pub fn position(&self) -> Option<usize> {
        match &self.kind {
            PredicateErrorKind::Or { position }
            | PredicateErrorKind::RegexOperator { position, .. }
            | PredicateErrorKind::InvalidOperator { position, .. }
            | PredicateErrorKind::BadKey { position, .. }
            | PredicateErrorKind::BadValue { position, .. }
            | PredicateErrorKind::BadLogical { position, .. }
            | PredicateErrorKind::MissingCondition { position } => Some(*position),
            PredicateErrorKind::ExtraOpen
            | PredicateErrorKind::ExtraClose
            | PredicateErrorKind::Field
            | PredicateErrorKind::TimeOrValue { .. } => None,
        }
    }

    /// Whether InfluxDB answers this one with "not implemented" (501) rather than
    /// "invalid" (400): deleting by `_field`.
    pub fn is_not_implemented(&self) -> bool {
        self.kind == PredicateErrorKind::Field
    }
}

/// The kinds of [`PredicateError`]; the messages are InfluxDB 2.7's where it has one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PredicateErrorKind {
    /// `OR` (InfluxDB deletes with `AND` only).
    #[error("the logical operator OR is not supported yet at position {position}")]
    Or {
        /// Where the `OR` is.
        position: usize,
    },
    /// `=~` or `!~`.
    #[error("operator: \"{operator}\" at position: {position} is not supported yet")]
    RegexOperator {
        /// The operator.
        operator: String,
        /// Where it is.
        position: usize,
    },
    /// Anything but `=`, `!=` or `<>` after a column.
    #[error("invalid operator \"{found}\" at position: {position}")]
    InvalidOperator {
        /// What was found (`EOF` at the end).
        found: String,
        /// Where.
        position: usize,
    },
    /// Something that cannot be a column (a number, a string, an InfluxQL keyword).
    #[error("bad tag key, at position {position}{hint}")]
    BadKey {
        /// Where.
        position: usize,
        /// Why, when that helps (empty otherwise).
        hint: String,
    },
    /// Something that cannot be a value (a single-quoted string, a keyword, nothing).
    #[error("bad tag value: \"{found}\", at position {position}{hint}")]
    BadValue {
        /// What was found.
        found: String,
        /// Where.
        position: usize,
        /// Why, when that helps (empty otherwise).
        hint: String,
    },
    /// A token where `AND`, `)` or the end should be (two conditions without `AND`,
    /// a stray character).
    #[error("bad logical expression, at position {position}{hint}")]
    BadLogical {
        /// Where.
        position: usize,
        /// Why, when that helps (empty otherwise).
        hint: String,
    },
    /// `AND` or `(` followed by nothing, `)` or `AND`, or `()`.
    #[error("bad logical expression, at position {position}: a condition (column = \"value\") is missing")]
    MissingCondition {
        /// Where the condition should start.
        position: usize,
    },
    /// A `(` never closed.
    #[error("extra ( seen")]
    ExtraOpen,
    /// A `)` without its `(`.
    #[error("extra ) seen")]
    ExtraClose,
    /// A condition on `_field`.
    #[error("delete by field is not supported")]
    Field,
    /// A condition on `_time`, `_value`, `_start` or `_stop`: points are chosen by their
    /// series and the request's time range, never by value.
    #[error("delete by {column} is not supported: a delete chooses series by _measurement and tags, and times by its start and stop")]
    TimeOrValue {
        /// The column.
        column: String,
    },
}

impl PredicateErrorKind {
    fn at(self) -> PredicateError {
        PredicateError { kind: self }
    }
}

/// InfluxQL's keywords (matched without regard to case); an unquoted keyword is not an
/// identifier.
const KEYWORDS: &[&str] = &[
    "ALL",
    "ALTER",
    "ANALYZE",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BEGIN",
    "BY",
    "CARDINALITY",
    "CONTINUOUS",
    "CREATE",
    "DATABASE",
    "DATABASES",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DESTINATIONS",
    "DIAGNOSTICS",
    "DISTINCT",
    "DROP",
    "DURATION",
    "END",
    "EVERY",
    "EXACT",
    "EXPLAIN",
    "FALSE",
    "FIELD",
    "FOR",
    "FROM",
    "GRANT",
    "GRANTS",
    "GROUP",
    "GROUPS",
    "IN",
    "INF",
    "INSERT",
    "INTO",
    "KEY",
    "KEYS",
    "KILL",
    "LIMIT",
    "MEASUREMENT",
    "MEASUREMENTS",
    "NAME",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "PASSWORD",
    "POLICIES",
    "POLICY",
    "PRIVILEGES",
    "QUERIES",
    "QUERY",
    "READ",
    "REPLICATION",
    "RESAMPLE",
    "RETENTION",
    "REVOKE",
    "SELECT",
    "SERIES",
    "SET",
    "SHARD",
    "SHARDS",
    "SHOW",
    "SLIMIT",
    "SOFFSET",
    "STATS",
    "SUBSCRIPTION",
    "SUBSCRIPTIONS",
    "TAG",
    "TO",
    "TRUE",
    "USER",
    "USERS",
    "VALUES",
    "WHERE",
    "WITH",
    "WRITE",
];

/// The keyword a bare word is (upper case), if it is one.
fn keyword(word: &str) -> Option<&'static str> {
    KEYWORDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(word))
        .copied()
}

/// A token of a predicate.
#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A bare identifier that is not a keyword.
    Ident(String),
    /// Text in double quotes (an identifier).
    Quoted(String),
    /// Text in single quotes (a string).
    Str(String),
    /// A number or duration literal, as written.
    Number(String),
    /// A keyword, upper case.
    Keyword(&'static str),
    /// An operator or punctuation, as written.
    Op(&'static str),
    LParen,
    RParen,
    /// A quoted text that does not end, or has a bad escape; or a character InfluxQL
    /// does not know.
    Bad(String),
    Eof,
}

impl Tok {
    /// The token as the user wrote it (roughly), for messages.
    fn text(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::Number(s) | Tok::Bad(s) => s.clone(),
            Tok::Quoted(s) => format!("\"{s}\""),
            Tok::Str(s) => s.clone(),
            Tok::Keyword(k) => (*k).to_string(),
            Tok::Op(o) => (*o).to_string(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Eof => "EOF".into(),
        }
    }
}

/// Splits a predicate into tokens with their positions (characters from 0).
fn lex(text: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |k: usize| chars.get(k).copied();
    while let Some(c) = at(i) {
        let start = i;
        let tok = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                while at(i).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    i += 1;
                }
                let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
                match keyword(&word) {
                    Some(k) => Tok::Keyword(k),
                    None => Tok::Ident(word),
                }
            }
            c if c.is_ascii_digit()
                || (c == '.' && at(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let digits = |i: &mut usize| {
                    while at(*i).is_some_and(|c| c.is_ascii_digit()) {
                        *i += 1;
                    }
                };
                digits(&mut i);
                if at(i) == Some('.') && at(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                    i += 1;
                    digits(&mut i);
                } else if at(i).is_some_and(|c| c.is_ascii_alphabetic() || c == 'µ') {
                    // A duration literal: unit letters, then letters and digits.
                    while at(i).is_some_and(|c| c.is_ascii_alphanumeric() || c == 'µ') {
                        i += 1;
                    }
                }
                Tok::Number(chars.get(start..i).unwrap_or_default().iter().collect())
            }
            '"' | '\'' => {
                let quote = c;
                i += 1;
                let mut s = String::new();
                let mut bad = None;
                loop {
                    match at(i) {
                        None | Some('\n') => {
                            bad = Some(format!("{quote}{s}"));
                            break;
                        }
                        Some(q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            let e = match at(i + 1) {
                                Some('n') => '\n',
                                Some('\\') => '\\',
                                Some('"') => '"',
                                Some('\'') => '\'',
                                other => {
                                    bad = Some(format!("\\{}", other.unwrap_or(' ')));
                                    i += 1;
                                    break;
                                }
                            };
                            s.push(e);
                            i += 2;
                        }
                        Some(ch) => {
                            s.push(ch);
                            i += 1;
                        }
                    }
                }
                match (bad, quote) {
                    (Some(b), _) => Tok::Bad(b),
                    (None, '"') => Tok::Quoted(s),
                    (None, _) => Tok::Str(s),
                }
            }
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            _ => {
                let two: String = chars.get(i..i + 2).unwrap_or_default().iter().collect();
                let op = ["!=", "<>", "=~", "!~", "<=", ">=", "::"]
                    .into_iter()
                    .find(|o| *o == two);
                match op {
                    Some(o) => {
                        i += 2;
                        Tok::Op(o)
                    }
                    None => {
                        i += 1;
                        let ops = [
                            "=", "<", ">", "+", "-", "*", "/", "%", "&", "|", "^", ",", ";", ":",
                            ".",
                        ];
                        let one = c.to_string();
                        match ops.into_iter().find(|o| *o == one) {
                            Some(o) => Tok::Op(o),
                            None => Tok::Bad(one),
                        }
                    }
                }
            }
        };
        out.push((tok, start));
    }
    out.push((Tok::Eof, chars.len()));
    out
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    next: usize,
}

/// Where the parser is between tokens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A condition or `(` (after the start, `AND` or `(`).
    Term,
    /// `AND`, `)` or the end (after a condition or `)`).
    AfterTerm,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            tokens: lex(text),
            next: 0,
        }
    }

    fn peek(&self) -> (Tok, usize) {
        self.tokens
            .get(self.next)
            .cloned()
            .unwrap_or((Tok::Eof, usize::MAX))
    }

    fn take(&mut self) -> (Tok, usize) {
        let t = self.peek();
        self.next += 1;
        t
    }

    /// The whole predicate. Parentheses only group (every operator is `AND`), so a flat
    /// walk that balances them is the whole grammar: no recursion, whatever the nesting.
    fn parse(mut self) -> Result<DeletePredicate, PredicateError> {
        let mut conditions = Vec::new();
        let mut depth = 0usize;
        let mut state = Expect::Term;
        loop {
            let (tok, position) = self.take();
            match (state, tok) {
                (Expect::Term, Tok::Eof) if conditions.is_empty() && depth == 0 => break,
                (Expect::Term, Tok::LParen) => depth += 1,
                (Expect::Term, Tok::Keyword("OR")) | (Expect::AfterTerm, Tok::Keyword("OR")) => {
                    return Err(PredicateErrorKind::Or { position }.at())
                }
                (Expect::Term, Tok::Eof | Tok::RParen | Tok::Keyword("AND")) => {
                    return Err(PredicateErrorKind::MissingCondition { position }.at())
                }
                (Expect::Term, tok) => {
                    conditions.push(self.condition(tok, position)?);
                    state = Expect::AfterTerm;
                }
                (Expect::AfterTerm, Tok::Keyword("AND")) => state = Expect::Term,
                (Expect::AfterTerm, Tok::RParen) => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| PredicateErrorKind::ExtraClose.at())?;
                }
                (Expect::AfterTerm, Tok::Eof) => {
                    if depth > 0 {
                        return Err(PredicateErrorKind::ExtraOpen.at());
                    }
                    break;
                }
                (Expect::AfterTerm, tok) => {
                    let hint = match tok {
                        Tok::Ident(_) | Tok::Quoted(_) | Tok::LParen => {
                            " (conditions are joined by AND)".to_string()
                        }
                        Tok::Bad(b) if b.starts_with('"') || b.starts_with('\'') => {
                            " (a quoted text does not end)".to_string()
                        }
                        _ => String::new(),
                    };
                    return Err(PredicateErrorKind::BadLogical { position, hint }.at());
                }
            }
        }
        for c in &conditions {
            match c.column.as_str() {
                "_field" => return Err(PredicateErrorKind::Field.at()),
                "_time" | "_value" | "_start" | "_stop" => {
                    return Err(PredicateErrorKind::TimeOrValue {
                        column: c.column.clone(),
                    }
                    .at())
                }
                _ => {}
            }
        }
        Ok(DeletePredicate { conditions })
    }

    /// A condition whose first token (the column) was taken.
    fn condition(
        &mut self,
        first: Tok,
        position: usize,
    ) -> Result<DeleteCondition, PredicateError> {
        let column = match first {
            Tok::Ident(s) | Tok::Quoted(s) => s,
            Tok::Keyword("NAME") => "name".to_string(),
            Tok::Keyword(k) => {
                return Err(PredicateErrorKind::BadKey {
                    position,
                    hint: format!(
                        " ({k} is an InfluxQL keyword: a column of that name goes in double quotes)"
                    ),
                }
                .at())
            }
            Tok::Str(_) => {
                return Err(PredicateErrorKind::BadKey {
                    position,
                    hint: " (single quotes make a string: a column goes bare or in double quotes)"
                        .into(),
                }
                .at())
            }
            _ => {
                return Err(PredicateErrorKind::BadKey {
                    position,
                    hint: String::new(),
                }
                .at())
            }
        };
        let (op, at) = self.take();
        let op = match op {
            Tok::Op("=") => DeleteOp::Equal,
            Tok::Op("!=") | Tok::Op("<>") => DeleteOp::NotEqual,
            Tok::Op(o @ ("=~" | "!~")) => {
                return Err(PredicateErrorKind::RegexOperator {
                    operator: o.to_string(),
                    position: at,
                }
                .at())
            }
            other => {
                return Err(PredicateErrorKind::InvalidOperator {
                    found: other.text(),
                    position: at,
                }
                .at())
            }
        };
        let mut value = String::new();
        loop {
            let (tok, at) = self.take();
            match tok {
                Tok::Op("-") => value.push('-'),
                Tok::Ident(s) | Tok::Quoted(s) | Tok::Number(s) => {
                    value.push_str(&s);
                    break;
                }
                Tok::Keyword("TRUE") => {
                    value.push_str("true");
                    break;
                }
                Tok::Keyword("FALSE") => {
                    value.push_str("false");
                    break;
                }
                other => {
                    let hint = match &other {
                        Tok::Str(_) => {
                            " (single quotes make a string: a tag value goes in double quotes)"
                        }
                        Tok::Keyword(_) => {
                            " (an InfluxQL keyword: a tag value of that name goes in double quotes)"
                        }
                        Tok::Bad(b) if b.starts_with('"') => " (the double quote does not end)",
                        Tok::Bad(b) if b.starts_with('\\') => {
                            " (inside quotes only \\\\, \\\", \\' and \\n are escapes)"
                        }
                        _ => "",
                    };
                    let found = match other {
                        Tok::Eof => String::new(),
                        t => t.text(),
                    };
                    return Err(PredicateErrorKind::BadValue {
                        found,
                        position: at,
                        hint: hint.to_string(),
                    }
                    .at());
                }
            }
        }
        Ok(DeleteCondition { column, op, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(column: &str, value: &str) -> DeleteCondition {
        DeleteCondition {
            column: column.into(),
            op: DeleteOp::Equal,
            value: value.into(),
        }
    }

    fn parsed(text: &str) -> Vec<DeleteCondition> {
        match DeletePredicate::parse(text) {
            Ok(p) => p.conditions,
            Err(e) => panic!("{text:?}: {e}"),
        }
    }

    fn error(text: &str) -> String {
        match DeletePredicate::parse(text) {
            Ok(p) => panic!("{text:?} parsed as {p:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn accepts_what_influxdb_accepts() {
        assert!(parsed("").is_empty());
        assert!(parsed("  \t ").is_empty());
        assert_eq!(parsed("abc=opq"), vec![eq("abc", "opq")]);
        assert_eq!(
            parsed(r#"_measurement="cpu" AND host="a""#),
            vec![eq("_measurement", "cpu"), eq("host", "a")]
        );
        assert_eq!(
            parsed(r#"   abc="opq" and gender="male" AND temp=1123"#),
            vec![eq("abc", "opq"), eq("gender", "male"), eq("temp", "1123")]
        );
        assert_eq!(
            parsed(r#" (t1="v1" and t2="v2") and (t3=v3 and (t4=v4 and t5=v5 and t6=v6))"#).len(),
            6
        );
        assert_eq!(
            parsed("abc=0x1231 and d=2d and n=-1221 and f=1.5 and b=true and c=FALSE"),
            vec![
                eq("abc", "0x1231"),
                eq("d", "2d"),
                eq("n", "-1221"),
                eq("f", "1.5"),
                eq("b", "true"),
                eq("c", "false"),
            ]
        );
        assert_eq!(
            parsed(r#"host != "a" AND dc <> b"#),
            vec![
                DeleteCondition {
                    column: "host".into(),
                    op: DeleteOp::NotEqual,
                    value: "a".into()
                },
                DeleteCondition {
                    column: "dc".into(),
                    op: DeleteOp::NotEqual,
                    value: "b".into()
                },
            ]
        );
        // Quoted columns and values: keywords, dashes, escapes.
        assert_eq!(
            parsed(r#"_measurement="example-dash" and "Name"=predicate and name="x\"y\\z""#),
            vec![
                eq("_measurement", "example-dash"),
                eq("Name", "predicate"),
                eq("name", "x\"y\\z"),
            ]
        );
    }

    #[test]
    fn refuses_what_influxdb_refuses_saying_where() {
        assert_eq!(
            error(r#" abc="opq" Or gender="male""#),
            "the logical operator OR is not supported yet at position 11"
        );
        assert_eq!(
            error(r"abc=~/^payments\./"),
            "operator: \"=~\" at position: 3 is not supported yet"
        );
        assert_eq!(
            error(r"abc!~/x/"),
            "operator: \"!~\" at position: 3 is not supported yet"
        );
        assert_eq!(error("abc>1000"), "invalid operator \">\" at position: 3");
        assert_eq!(error("abc"), "invalid operator \"EOF\" at position: 3");
        assert_eq!(
            error(r#" (t1="v1" and t2="v2") and ("#),
            "bad logical expression, at position 28: a condition (column = \"value\") is missing"
        );
        assert_eq!(error(r#" (t1="v1" and t2="v2"))"#), "extra ) seen");
        assert_eq!(error(r#" ((t1="v1" and t2="v2")"#), "extra ( seen");
        assert!(error("host='a'").starts_with("bad tag value: \"a\", at position 5"));
        assert!(error("'host'=a").starts_with("bad tag key, at position 0"));
        assert!(error("select=a").starts_with("bad tag key, at position 0 (SELECT"));
        assert!(error("1=a").starts_with("bad tag key, at position 0"));
        assert!(error("host=").starts_with("bad tag value: \"\", at position 5"));
        assert!(error("host=and").starts_with("bad tag value: \"AND\", at position 5"));
        assert!(error(r#"host="a"#).starts_with("bad tag value: \"\"a\", at position 5"));
        assert!(error(r#"host="a\qb""#).contains("escapes"));
        assert!(error("a=b c=d").starts_with("bad logical expression, at position 4"));
        assert!(error("a=b-c").starts_with("bad logical expression, at position 3"));
        assert!(error("a=b AND").contains("at position 7: a condition"));
        assert!(error("a=b AND AND c=d").contains("at position 8: a condition"));
        assert!(error("()").contains("at position 1: a condition"));
        assert_eq!(
            error(r#"_measurement="cpu" and _field="usage""#),
            "delete by field is not supported"
        );
        assert!(DeletePredicate::parse(r#"_field!="x""#).is_err_and(|e| e.is_not_implemented()));
        assert!(error(r#"_value="1""#).starts_with("delete by _value is not supported"));
        assert!(error("_time=1").starts_with("delete by _time is not supported"));
        // Syntax errors come before the refusal of `_field`, as in InfluxDB.
        assert!(error(r#"_field="x" OR a=b"#).starts_with("the logical operator OR"));
    }

    #[test]
    fn positions_count_characters() {
        let e = DeletePredicate::parse("\"hôst\"=\"é\" OR a=b").err();
        assert_eq!(e.and_then(|e| e.position()), Some(11));
        // Bare identifiers are ASCII (InfluxQL's rule): a non-ASCII letter ends one.
        assert_eq!(error("hôst=a"), "invalid operator \"ô\" at position: 1");
    }

    #[test]
    fn deep_nesting_needs_no_stack() {
        let deep = format!("{}a=b{}", "(".repeat(100_000), ")".repeat(100_000));
        assert_eq!(parsed(&deep), vec![eq("a", "b")]);
        let unbalanced = format!("{}a=b{}", "(".repeat(100_000), ")".repeat(99_999));
        assert_eq!(error(&unbalanced), "extra ( seen");
    }

    #[test]
    fn printing_reads_back() {
        for text in [
            r#"_measurement="cpu" AND host!="a b" AND "select"="x\"y" AND "1x"="\\\n""#,
            "",
            "a=b and (c=d)",
        ] {
            let p = DeletePredicate::parse(text).unwrap_or_default();
            let printed = p.to_string();
            assert_eq!(DeletePredicate::parse(&printed).ok(), Some(p), "{printed}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, failure_persistence: None, ..Default::default() })]

        /// Any text is a predicate or an error, never a panic; an error's position is
        /// inside the text (or just past its end).
        #[test]
        fn any_text_parses_or_is_refused(text in r#"[a-z_"'\\=!<>~()\- ANDOR0-9.é\n]{0,40}"#) {
            if let Err(e) = DeletePredicate::parse(&text) {
                let n = text.chars().count();
                proptest::prop_assert!(e.position().is_none_or(|p| p <= n), "{e} in {text:?}");
            }
        }

        /// A predicate printed reads back as itself, whatever its columns and values.
        #[test]
        fn printed_predicates_read_back(
            conditions in proptest::collection::vec(
                (r#"[a-zA-Z_][a-zA-Z0-9_ "\\-]{0,6}|_measurement|name|select"#, proptest::bool::ANY, r#"[a-z0-9 "\\'\n=()é-]{0,6}"#),
                0..4,
            )
        ) {
            let p = DeletePredicate {
                conditions: conditions
                    .into_iter()
                    .filter(|(c, _, _)| !matches!(c.as_str(), "_field" | "_time" | "_value" | "_start" | "_stop"))
                    .map(|(column, eq, value)| DeleteCondition {
                        column,
                        op: if eq { DeleteOp::Equal } else { DeleteOp::NotEqual },
                        value,
                    })
                    .collect(),
            };
            let printed = p.to_string();
            proptest::prop_assert_eq!(DeletePredicate::parse(&printed).ok(), Some(p), "{}", printed);
        }
    }

    #[test]
    fn matching_is_by_series_and_a_missing_tag_never_matches() {
        let p = DeletePredicate::parse(r#"_measurement="cpu" AND host!="a""#).unwrap_or_default();
        assert!(p.matches_tags("cpu", &[("host", "b")]));
        assert!(!p.matches_tags("cpu", &[("host", "a")]));
        assert!(!p.matches_tags("cpu", &[("dc", "x")]));
        assert!(!p.matches_tags("mem", &[("host", "b")]));
        assert!(p.may_match_measurement("cpu") && !p.may_match_measurement("mem"));
        assert!(DeletePredicate::all().matches_tags("anything", &[]));
        let not_cpu = DeletePredicate::parse(r#"_measurement!=cpu"#).unwrap_or_default();
        assert!(!not_cpu.may_match_measurement("cpu") && not_cpu.may_match_measurement("m"));
    }
}
