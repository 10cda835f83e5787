//! Turning lalrpop's parse errors into plain-words diagnostics with hints.

use crate::error::{sp, SyntaxError};
use crate::span::Span;
use crate::token::Tok;
use lalrpop_util::ParseError;
use std::collections::BTreeSet;
use std::convert::Infallible;

/// Terminals that continue an expression; when most are expected we say "an operator".
const OPERATORS: &[&str] = &[
    "\"==\"",
    "\"!=\"",
    "\"<\"",
    "\"<=\"",
    "\">\"",
    "\">=\"",
    "\"=~\"",
    "\"!~\"",
    "\"+\"",
    "\"-\"",
    "\"*\"",
    "\"/\"",
    "\"%\"",
    "\"^\"",
    "\"|>\"",
    "\"and\"",
    "\"or\"",
    "CALL_PAREN",
    "INDEX_BRACKET",
    "\".\"",
];

/// Keywords that start a statement; when expected we say "a statement".
const STATEMENT_STARTS: &[&str] = &["\"option\"", "\"builtin\"", "\"testcase\"", "\"return\""];

/// Terminals that can start an expression; when most of them are expected we say
/// "an expression" instead of listing them.
const EXPRESSION_STARTS: &[&str] = &[
    "IDENT",
    "INT",
    "FLOAT",
    "STRING_START",
    "DURATION",
    "DATETIME",
    "REGEX",
    "\"(\"",
    "\"[\"",
    "\"{\"",
];

pub(super) fn convert(
    src: &str,
    e: ParseError<usize, Tok<'_>, Infallible>,
    eof: usize,
) -> SyntaxError {
    match e {
        ParseError::UnrecognizedEof { expected, .. }
            if expected.len() == 1 && expected[0] == "\"=>\"" =>
        {
            let before = src.trim_end().len();
            SyntaxError::MissingArrow {
                span: sp(Span::new(before, before)),
            }
        }
        ParseError::UnrecognizedEof { location, expected } => {
            let words = describe_expected(&expected);
            let hint = eof_hint(src, &expected);
            let at = location.min(eof);
            SyntaxError::UnexpectedEnd {
                expected: words,
                span: sp(Span::new(at, at)),
                hint,
            }
        }
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => token_error(src, l, &tok, r, &expected),
        ParseError::ExtraToken { token: (l, tok, r) } => token_error(src, l, &tok, r, &[]),
        ParseError::InvalidToken { location } => SyntaxError::InvalidCharacter {
            found: "character".into(),
            span: sp(Span::new(location, location + 1)),
            hint: None,
        },
        ParseError::User { error } => match error {},
    }
}

fn token_error(src: &str, l: usize, tok: &Tok<'_>, r: usize, expected: &[String]) -> SyntaxError {
    let span = Span::new(l, r);
    let has = |name: &str| expected.iter().any(|e| e == name);
    if has("\"=>\"") && expected.len() <= 2 {
        let before = src.get(..l).unwrap_or("").trim_end().len();
        return SyntaxError::MissingArrow {
            span: sp(Span::new(before, before)),
        };
    }
    let hint = match tok {
        Tok::Assign if starts_line_with_name(src, l) => Some(
            "the line before seems unfinished (does it end with an operator?), so this line was read as its continuation"
                .to_string(),
        ),
        Tok::Assign if has("\"==\"") => Some(
            "to compare two values use `==`; a single `=` only binds a name at the start of a statement"
                .to_string(),
        ),
        Tok::Assign if has("\":\"") => {
            Some("arguments and record properties are written `name: value`, with a colon".to_string())
        }
        Tok::Colon if has("\"=\"") => Some("a name is bound with `=`, e.g. `x = 1`".to_string()),
        Tok::Ident(_) | Tok::StrStart | Tok::Int(_) | Tok::Float(_)
            if has("\",\"") && has("\")\"") =>
        {
            Some("separate arguments with `,`".to_string())
        }
        Tok::Ident(_) | Tok::StrStart if has("\",\"") && has("\"}\"") => {
            Some("separate record properties with `,`".to_string())
        }
        Tok::Ident(_) | Tok::StrStart if has("\",\"") && has("\"]\"") => {
            Some("separate elements with `,`".to_string())
        }
        Tok::RParen | Tok::RBracket | Tok::RBrace | Tok::Comma if expects_expression(expected) => {
            Some("a value is missing before this".to_string())
        }
        Tok::PipeFwd if expects_expression(expected) => {
            Some("`|>` needs a value on its left, e.g. `from(bucket: \"b\") |> range(start: -1h)`".to_string())
        }
        Tok::Then | Tok::Else if has("\"then\"") || has("\"else\"") => None,
        _ => None,
    };
    let hint = hint.or_else(|| statement_hint(tok));
    SyntaxError::UnexpectedToken {
        found: tok.describe(),
        expected: describe_expected(expected),
        span: sp(span),
        hint,
    }
}

/// Whether the `=` at `at` follows a name that begins its line (`name = ...` read as the
/// continuation of an unfinished statement above).
fn starts_line_with_name(src: &str, at: usize) -> bool {
    let before = src.get(..at).unwrap_or("").trim_end();
    let line = before.rsplit('\n').next().unwrap_or("");
    let line = line.trim_start();
    !line.is_empty()
        && before.contains('\n')
        && line.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn statement_hint(tok: &Tok<'_>) -> Option<String> {
    match tok {
        Tok::Return => {
            Some("`return` is only meaningful inside a function body block `=> { ... }`".into())
        }
        _ => None,
    }
}

fn expects_expression(expected: &[String]) -> bool {
    let count = EXPRESSION_STARTS
        .iter()
        .filter(|s| expected.iter().any(|e| e == *s))
        .count();
    count >= EXPRESSION_STARTS.len() - 2
}

fn eof_hint(src: &str, expected: &[String]) -> Option<String> {
    let has = |name: &str| expected.iter().any(|e| e == name);
    if has("\"else\"") {
        return Some("an `if` expression always needs an `else` branch".into());
    }
    let open = unclosed(src);
    open.map(|c| format!("a `{c}` is still open; close it"))
}

/// The innermost bracket left open at the end of the source, ignoring strings and comments.
fn unclosed(src: &str) -> Option<char> {
    let lexed = crate::lexer::lex(src);
    let mut stack = Vec::new();
    for (_, t, _) in &lexed.tokens {
        match t {
            Tok::LParen | Tok::CallParen => stack.push('('),
            Tok::LBracket | Tok::IndexBracket => stack.push('['),
            Tok::LBrace | Tok::BlockOpen => stack.push('{'),
            Tok::RParen | Tok::RBracket | Tok::RBrace => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// Describe the set of expected terminals in words.
fn describe_expected(expected: &[String]) -> String {
    if expected.is_empty() {
        return "the end of the statement".into();
    }
    let mut words: BTreeSet<String> = BTreeSet::new();
    let statement = STATEMENT_STARTS
        .iter()
        .any(|s| expected.iter().any(|e| e == s));
    let expression = statement || expects_expression(expected);
    let operator = OPERATORS
        .iter()
        .filter(|s| expected.iter().any(|e| e == *s))
        .count()
        >= OPERATORS.len() / 2;
    if statement {
        words.insert("a statement".into());
    } else if expression {
        words.insert("an expression".into());
    }
    if operator {
        words.insert("an operator".into());
    }
    for e in expected {
        let e_str = e.as_str();
        if expression && (EXPRESSION_STARTS.contains(&e_str) || is_expression_only(e)) {
            continue;
        }
        if statement && (STATEMENT_STARTS.contains(&e_str) || is_statement_only(e)) {
            continue;
        }
        if operator && OPERATORS.contains(&e_str) {
            continue;
        }
        if let Some(w) = terminal_words(e) {
            words.insert(w);
        }
    }
    let words: Vec<String> = words.into_iter().collect();
    match words.len() {
        0 => "something else".into(),
        1 => words[0].clone(),
        n if n <= 6 => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
        _ => format!("{}, or another token", words[..5].join(", ")),
    }
}

fn is_statement_only(e: &str) -> bool {
    matches!(
        e,
        "\"import\"" | "\"package\"" | "ATTRIBUTE" | "ATTRIBUTE_CALL"
    )
}

fn is_expression_only(e: &str) -> bool {
    matches!(
        e,
        "PREFIX_MINUS"
            | "PREFIX_PLUS"
            | "LABEL_DOT"
            | "\"<-\""
            | "\"not\""
            | "\"exists\""
            | "\"if\""
    )
}

fn terminal_words(e: &str) -> Option<String> {
    Some(match e {
        "IDENT" => "a name".into(),
        "INT" | "FLOAT" => "a number".into(),
        "DURATION" => "a duration".into(),
        "DATETIME" => "a date-time".into(),
        "REGEX" => "a regular expression".into(),
        "STRING_START" => "a string".into(),
        "STRING_TEXT" | "STRING_END" => "the rest of the string".into(),
        "INTERP_CLOSE" => "`}` to close `${`".into(),
        "ATTRIBUTE" | "ATTRIBUTE_CALL" => "an attribute".into(),
        "PREFIX_MINUS" => "`-`".into(),
        "PREFIX_PLUS" => "`+`".into(),
        "CALL_PAREN" => "`(`".into(),
        "INDEX_BRACKET" => "`[`".into(),
        "BLOCK_OPEN" => "`{`".into(),
        "LABEL_DOT" => "`.`".into(),
        quoted if quoted.starts_with('"') && quoted.ends_with('"') && quoted.len() >= 2 => {
            format!("`{}`", &quoted[1..quoted.len() - 1])
        }
        _ => return None,
    })
}
