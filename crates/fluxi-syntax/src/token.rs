//! Tokens: the raw logos scanner for code and the tokens handed to the parser.
//!
//! The raw scanner ([`Raw`]) knows nothing about context. The lexer (`lexer.rs`) turns its
//! output into parser tokens ([`Tok`]) and makes the context-dependent decisions there:
//! regex versus division, call parenthesis versus grouping parenthesis, block versus record
//! brace, and the contextual words `with`, `where` and `extends`.

use logos::Logos;
use std::fmt;

/// What the raw scanner recognises in code (outside string literals).
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
pub(crate) enum Raw {
    #[regex(r"//[^\n]*")]
    Comment,

    #[token("and")]
    And,
    #[token("or")]
    Or,
    #[token("not")]
    Not,
    #[token("exists")]
    Exists,
    #[token("if")]
    If,
    #[token("then")]
    Then,
    #[token("else")]
    Else,
    #[token("import")]
    Import,
    #[token("package")]
    Package,
    #[token("return")]
    Return,
    #[token("option")]
    Option,
    #[token("builtin")]
    Builtin,
    #[token("testcase")]
    Testcase,

    #[regex(r"[\p{L}_][\p{L}\p{Nd}_]*")]
    Ident,
    #[regex(r"[0-9]+")]
    Int,
    #[regex(r"[0-9]+\.[0-9]*|\.[0-9]+")]
    Float,
    #[regex(r"([0-9]+(y|mo|w|d|h|m|s|ms|us|µs|ns))+")]
    Duration,
    #[regex(r"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9](T[0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9]*)?(Z|[+-][0-9][0-9]:[0-9][0-9])?)?")]
    DateTime,
    #[regex(r"@[\p{L}_][\p{L}\p{Nd}_]*")]
    Attribute,

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("^")]
    Caret,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    Le,
    #[token(">")]
    Gt,
    #[token(">=")]
    Ge,
    #[token("=~")]
    RegexEq,
    #[token("!~")]
    RegexNe,
    #[token("=")]
    Assign,
    #[token("=>")]
    Arrow,
    #[token("<-")]
    PipeRecv,
    #[token("|>")]
    PipeFwd,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token(".")]
    Dot,
    #[token("?")]
    Question,
    #[token("\"")]
    Quote,
}

/// A token as the parser sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok<'s> {
    /// An identifier (also `with`, `where`, `extends` outside their special positions).
    Ident(&'s str),
    /// An integer literal, as written.
    Int(&'s str),
    /// A float literal, as written.
    Float(&'s str),
    /// A duration literal, as written.
    Duration(&'s str),
    /// A date or date-time literal, as written.
    DateTime(&'s str),
    /// A regex literal: the pattern with `\/` already unescaped.
    Regex(String),
    /// The opening `"` of a string.
    StrStart,
    /// A run of text inside a string, escapes resolved.
    StrText(String),
    /// The closing `"` of a string.
    StrEnd,
    /// `${` inside a string.
    InterpOpen,
    /// The `}` that closes `${`.
    InterpClose,
    /// `@name` not followed by `(`.
    Attr(&'s str),
    /// `@name` followed by `(`.
    AttrCall(&'s str),

    And,
    Or,
    Not,
    Exists,
    If,
    Then,
    Else,
    Import,
    Package,
    Return,
    Option,
    Builtin,
    Testcase,
    /// `with` after `{ name`.
    With,
    /// `where` followed by `A:` in a type expression.
    Where,
    /// `extends` after `testcase name`.
    Extends,

    /// Binary `+` (after an operand).
    Plus,
    /// Prefix `+` (where an operand is expected).
    UPlus,
    /// Binary `-`.
    Minus,
    /// Prefix `-`.
    UMinus,
    Star,
    Slash,
    Percent,
    Caret,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    RegexEq,
    RegexNe,
    Assign,
    Arrow,
    PipeRecv,
    PipeFwd,
    /// `(` that groups or opens a parameter list.
    LParen,
    /// `(` right after an operand: a call.
    CallParen,
    RParen,
    /// `[` that opens an array, dictionary or type.
    LBracket,
    /// `[` right after an operand: indexing (or `stream[`).
    IndexBracket,
    RBracket,
    /// `{` that opens a record.
    LBrace,
    /// `{` right after `=>`: a function body block.
    BlockOpen,
    RBrace,
    Comma,
    Colon,
    /// `.` after an operand: member access.
    Dot,
    /// `.` where an operand is expected: a label literal.
    LabelDot,
    Question,
}

impl Tok<'_> {
    /// How the token is named in messages ("`)`", "an identifier", ...).
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("identifier `{s}`"),
            Tok::Int(s) | Tok::Float(s) | Tok::Duration(s) | Tok::DateTime(s) => {
                format!("literal `{s}`")
            }
            Tok::Regex(_) => "a regular expression".into(),
            Tok::StrStart => "a string".into(),
            Tok::StrText(_) => "string text".into(),
            Tok::StrEnd => "the end of a string".into(),
            Tok::InterpOpen => "`${`".into(),
            Tok::InterpClose => "`}`".into(),
            Tok::Attr(s) | Tok::AttrCall(s) => format!("attribute `@{s}`"),
            other => format!("`{}`", other.text()),
        }
    }

    /// The fixed text of a punctuation or keyword token.
    pub fn text(&self) -> &str {
        match self {
            Tok::Ident(s)
            | Tok::Int(s)
            | Tok::Float(s)
            | Tok::Duration(s)
            | Tok::DateTime(s)
            | Tok::Attr(s)
            | Tok::AttrCall(s) => s,
            Tok::Regex(s) | Tok::StrText(s) => s,
            Tok::StrStart | Tok::StrEnd => "\"",
            Tok::InterpOpen => "${",
            Tok::InterpClose => "}",
            Tok::And => "and",
            Tok::Or => "or",
            Tok::Not => "not",
            Tok::Exists => "exists",
            Tok::If => "if",
            Tok::Then => "then",
            Tok::Else => "else",
            Tok::Import => "import",
            Tok::Package => "package",
            Tok::Return => "return",
            Tok::Option => "option",
            Tok::Builtin => "builtin",
            Tok::Testcase => "testcase",
            Tok::With => "with",
            Tok::Where => "where",
            Tok::Extends => "extends",
            Tok::Plus | Tok::UPlus => "+",
            Tok::Minus | Tok::UMinus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::Caret => "^",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::RegexEq => "=~",
            Tok::RegexNe => "!~",
            Tok::Assign => "=",
            Tok::Arrow => "=>",
            Tok::PipeRecv => "<-",
            Tok::PipeFwd => "|>",
            Tok::LParen | Tok::CallParen => "(",
            Tok::RParen => ")",
            Tok::LBracket | Tok::IndexBracket => "[",
            Tok::RBracket => "]",
            Tok::LBrace | Tok::BlockOpen => "{",
            Tok::RBrace => "}",
            Tok::Comma => ",",
            Tok::Colon => ":",
            Tok::Dot | Tok::LabelDot => ".",
            Tok::Question => "?",
        }
    }
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}
