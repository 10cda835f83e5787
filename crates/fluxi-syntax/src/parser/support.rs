//! Helpers called by the grammar's actions: node construction with the nesting limit,
//! literal decoding, and the checks that turn near-misses into clear diagnostics.

use crate::ast::*;
use crate::error::{sp, SyntaxError};
use crate::literals::{self, DateTimeError};
use crate::span::Span;
use crate::token::Tok;
use lalrpop_util::ErrorRecovery;
use std::convert::Infallible;

/// How deep an expression, type or block may nest. Deeper input is reported, not parsed,
/// so no later recursive pass (printing, type checking, dropping) can exhaust the stack.
pub const MAX_DEPTH: u32 = 500;

/// Where grammar actions report problems.
pub struct Sink<'s> {
    pub(crate) src: &'s str,
    pub(crate) errors: Vec<SyntaxError>,
    pub(crate) recovered: Vec<ErrorRecovery<usize, Tok<'s>, Infallible>>,
    too_deep_reported: bool,
}

impl<'s> Sink<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        Sink {
            src,
            errors: Vec::new(),
            recovered: Vec::new(),
            too_deep_reported: false,
        }
    }

    pub(crate) fn recovered(&mut self, e: ErrorRecovery<usize, Tok<'s>, Infallible>) {
        self.recovered.push(e);
    }

    fn error(&mut self, e: SyntaxError) {
        self.errors.push(e);
    }

    fn too_deep(&mut self, span: Span) {
        if !self.too_deep_reported {
            self.too_deep_reported = true;
            self.error(SyntaxError::TooDeep {
                limit: MAX_DEPTH,
                span: sp(span),
            });
        }
    }

    fn text(&self, span: Span) -> &'s str {
        self.src.get(span.range()).unwrap_or("")
    }
}

/// A top-level (or block-level) item before ordering checks.
pub enum Item {
    Attr(Attribute),
    Package(Span, Ident),
    Import(Span, Option<Ident>, StringLit),
    Stmt(Statement),
}

/// A call argument or record property as parsed.
pub enum Argument {
    Named(Span, PropertyKey, Expr),
    Quoted(Span, RawString, Expr),
    Bare(Expr),
    Error,
}

/// A string literal before we know whether it must be plain.
pub struct RawString {
    pub span: Span,
    pub parts: Vec<StringPart>,
}

pub fn span(l: usize, r: usize) -> Span {
    Span::new(l, r)
}

pub fn prepend<T>(first: T, mut rest: Vec<T>) -> Vec<T> {
    rest.insert(0, first);
    rest
}

pub fn expr(sink: &mut Sink<'_>, l: usize, r: usize, kind: ExprKind) -> Expr {
    let e = Expr::new(kind, span(l, r));
    if e.depth() > MAX_DEPTH {
        sink.too_deep(e.span);
        return Expr::new(ExprKind::Bad, e.span);
    }
    e
}

pub fn mono(sink: &mut Sink<'_>, l: usize, r: usize, kind: MonoTypeKind) -> MonoType {
    let t = MonoType::new(kind, span(l, r));
    if t.depth() > MAX_DEPTH {
        sink.too_deep(t.span);
        return MonoType::new(MonoTypeKind::Dynamic, t.span);
    }
    t
}

pub fn statement(l: usize, r: usize, kind: StatementKind) -> Statement {
    Statement {
        span: span(l, r),
        attributes: Vec::new(),
        kind,
    }
}

pub fn bad_statement(l: usize, r: usize) -> Statement {
    statement(l, r, StatementKind::Bad)
}

pub fn unary(sink: &mut Sink<'_>, l: usize, r: usize, op: UnaryOp, e: Expr) -> Expr {
    expr(
        sink,
        l,
        r,
        ExprKind::Unary {
            op,
            operand: Box::new(e),
        },
    )
}

pub fn binary(sink: &mut Sink<'_>, l: usize, r: usize, op: BinaryOp, a: Expr, b: Expr) -> Expr {
    let kind = ExprKind::Binary {
        op,
        left: Box::new(a),
        right: Box::new(b),
    };
    expr(sink, l, r, kind)
}

pub fn logical(sink: &mut Sink<'_>, l: usize, r: usize, op: LogicalOp, a: Expr, b: Expr) -> Expr {
    let kind = ExprKind::Logical {
        op,
        left: Box::new(a),
        right: Box::new(b),
    };
    expr(sink, l, r, kind)
}

pub fn int_literal(sink: &mut Sink<'_>, l: usize, r: usize, text: &str) -> Expr {
    match literals::parse_int(text) {
        Ok(v) => expr(sink, l, r, ExprKind::Int(v)),
        Err((message, hint)) => {
            sink.error(SyntaxError::InvalidInteger {
                message,
                span: sp(span(l, r)),
                hint,
            });
            expr(sink, l, r, ExprKind::Bad)
        }
    }
}

pub fn float_literal(sink: &mut Sink<'_>, l: usize, r: usize, text: &str) -> Expr {
    // The lexer only produces digit strings with one dot, which always parse.
    let v = literals::parse_float(text).unwrap_or(f64::NAN);
    expr(sink, l, r, ExprKind::Float(v))
}

pub fn duration_literal(sink: &mut Sink<'_>, l: usize, r: usize, text: &str) -> Expr {
    match literals::parse_duration(text) {
        Ok(parts) => expr(sink, l, r, ExprKind::Duration(parts)),
        Err(message) => {
            sink.error(SyntaxError::InvalidDuration {
                message,
                span: sp(span(l, r)),
            });
            expr(sink, l, r, ExprKind::Bad)
        }
    }
}

pub fn date_time_literal(sink: &mut Sink<'_>, l: usize, r: usize, text: &str) -> Expr {
    match literals::parse_date_time(text) {
        Ok(t) => expr(sink, l, r, ExprKind::DateTime(t)),
        Err(e) => {
            let (message, hint) = match e {
                DateTimeError::MissingOffset => (
                    "the time has no UTC offset".to_string(),
                    Some(format!(
                        "add `Z` for UTC (`{text}Z`) or an offset such as `{text}+02:00`"
                    )),
                ),
                DateTimeError::Invalid(m) => (m, None),
            };
            sink.error(SyntaxError::InvalidDateTime {
                message,
                span: sp(span(l, r)),
                hint,
            });
            expr(sink, l, r, ExprKind::Bad)
        }
    }
}

pub fn string_expr(sink: &mut Sink<'_>, s: RawString) -> Expr {
    let (l, r) = (s.span.start as usize, s.span.end as usize);
    let kind = if s.parts.iter().all(|p| matches!(p, StringPart::Text(_))) {
        ExprKind::String(join_text(&s.parts))
    } else {
        ExprKind::Interpolated(s.parts)
    };
    expr(sink, l, r, kind)
}

fn join_text(parts: &[StringPart]) -> String {
    parts
        .iter()
        .map(|p| match p {
            StringPart::Text(t) => t.as_str(),
            StringPart::Expr(_) => "",
        })
        .collect()
}

pub fn plain_string(sink: &mut Sink<'_>, s: RawString) -> StringLit {
    if s.parts.iter().any(|p| matches!(p, StringPart::Expr(_))) {
        sink.error(SyntaxError::InterpolatedKey { span: sp(s.span) });
    }
    StringLit {
        span: s.span,
        value: join_text(&s.parts),
    }
}

/// Turn parsed arguments into properties, reporting unnamed ones.
fn properties(sink: &mut Sink<'_>, args: Vec<Argument>, callee: Option<&str>) -> Vec<Property> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        match arg {
            Argument::Named(span, key, value) => out.push(Property {
                span,
                key,
                value: Some(value),
            }),
            Argument::Quoted(span, key, value) => {
                let key = PropertyKey::String(plain_string(sink, key));
                out.push(Property {
                    span,
                    key,
                    value: Some(value),
                });
            }
            Argument::Bare(e) => {
                if let ExprKind::Ident(name) = &e.kind {
                    out.push(Property {
                        span: e.span,
                        key: PropertyKey::Ident(Ident {
                            span: e.span,
                            name: name.clone(),
                        }),
                        value: None,
                    });
                } else {
                    let value_text = sink.text(e.span).to_string();
                    let (what, hint) = match callee {
                        Some(f) => {
                            let name = likely_parameter(f).unwrap_or("name");
                            (
                                "this argument".to_string(),
                                format!(
                                    "Flux arguments are always named: write `{f}({name}: {value_text})`"
                                ),
                            )
                        }
                        None => (
                            "this record property".to_string(),
                            format!("record properties are written `name: {value_text}`"),
                        ),
                    };
                    sink.error(SyntaxError::UnnamedArgument {
                        what,
                        span: sp(e.span),
                        hint: Some(hint),
                    });
                }
            }
            Argument::Error => {}
        }
    }
    out
}

/// The parameter most often meant when a well-known function gets one unnamed argument.
fn likely_parameter(function: &str) -> Option<&'static str> {
    Some(match function {
        "range" => "start",
        "filter" | "map" | "reduce" => "fn",
        "from" | "to" => "bucket",
        "limit" | "tail" | "top" | "bottom" | "sample" => "n",
        "yield" => "name",
        "group" | "keep" | "drop" | "sort" | "distinct" | "unique" | "duplicate" => "columns",
        "aggregateWindow" | "window" => "every",
        "float" | "int" | "uint" | "string" | "bool" | "time" | "duration" | "bytes" => "v",
        "count" | "sum" | "mean" | "min" | "max" | "first" | "last" | "median" | "spread" => {
            "column"
        }
        "quantile" => "q",
        "timeShift" => "duration",
        "pivot" => "rowKey",
        "fill" => "value",
        _ => return None,
    })
}

pub fn record(
    sink: &mut Sink<'_>,
    l: usize,
    r: usize,
    with: Option<Ident>,
    args: Vec<Argument>,
) -> Expr {
    let properties = properties(sink, args, None);
    expr(sink, l, r, ExprKind::Record { with, properties })
}

fn callee_name(callee: &Expr) -> String {
    match &callee.kind {
        ExprKind::Ident(n) => n.clone(),
        ExprKind::Member { property, .. } => property.name().to_string(),
        _ => "f".to_string(),
    }
}

pub fn call(sink: &mut Sink<'_>, l: usize, r: usize, callee: Expr, args: Vec<Argument>) -> Expr {
    let name = callee_name(&callee);
    let args = properties(sink, args, Some(&name));
    let call = CallExpr {
        span: span(l, r),
        callee: Box::new(callee),
        args,
    };
    expr(sink, l, r, ExprKind::Call(call))
}

pub fn pipe(sink: &mut Sink<'_>, l: usize, r: usize, argument: Expr, dest: Expr) -> Expr {
    match dest.kind {
        ExprKind::Call(call) => {
            let kind = ExprKind::Pipe {
                argument: Box::new(argument),
                call,
            };
            expr(sink, l, r, kind)
        }
        ExprKind::Bad => expr(sink, l, r, ExprKind::Bad),
        other => {
            let hint = match &other {
                ExprKind::Ident(n) => Some(format!("call the function: `|> {n}()`")),
                ExprKind::Member { .. } => Some(format!(
                    "call the function: `|> {}()`",
                    sink.text(dest.span)
                )),
                _ => None,
            };
            sink.error(SyntaxError::PipeDestination {
                span: sp(dest.span),
                hint,
            });
            expr(sink, l, r, ExprKind::Bad)
        }
    }
}

pub fn index(sink: &mut Sink<'_>, l: usize, r: usize, object: Expr, i: Expr) -> Expr {
    let kind = match i.kind {
        ExprKind::String(value) => ExprKind::Member {
            object: Box::new(object),
            property: PropertyKey::String(StringLit {
                span: i.span,
                value,
            }),
        },
        kind => ExprKind::Index {
            array: Box::new(object),
            index: Box::new(Expr::new(kind, i.span)),
        },
    };
    expr(sink, l, r, kind)
}

pub fn param_from_expr(sink: &mut Sink<'_>, e: Expr) -> Param {
    match e.kind {
        ExprKind::Ident(name) => Param {
            span: e.span,
            name: Ident { span: e.span, name },
            default: None,
        },
        _ => {
            sink.error(SyntaxError::InvalidParameter { span: sp(e.span) });
            Param {
                span: e.span,
                name: Ident {
                    span: e.span,
                    name: String::new(),
                },
                default: None,
            }
        }
    }
}

pub fn function(
    sink: &mut Sink<'_>,
    l: usize,
    r: usize,
    params: Vec<Param>,
    body: FunctionBody,
) -> Expr {
    let kind = ExprKind::Function {
        params,
        body: Box::new(body),
    };
    expr(sink, l, r, kind)
}

pub fn named_type(sink: &mut Sink<'_>, l: usize, r: usize, name: Ident) -> MonoType {
    let kind = if name.name == "dynamic" {
        MonoTypeKind::Dynamic
    } else if name.name.chars().count() == 1 {
        MonoTypeKind::Var(name)
    } else {
        MonoTypeKind::Basic(name)
    };
    mono(sink, l, r, kind)
}

pub fn type_constructor(
    sink: &mut Sink<'_>,
    l: usize,
    r: usize,
    name: Ident,
    t: MonoType,
) -> MonoType {
    let kind = match name.name.as_str() {
        "stream" => MonoTypeKind::Stream(Box::new(t)),
        "vector" => MonoTypeKind::Vector(Box::new(t)),
        _ => {
            sink.error(SyntaxError::UnknownTypeConstructor {
                name: name.name.clone(),
                span: sp(name.span),
            });
            MonoTypeKind::Array(Box::new(t))
        }
    };
    mono(sink, l, r, kind)
}

/// Attach attributes to the items after them and check their order. With `top_level`,
/// the order must be: package clause, imports, statements; inside blocks only statements
/// are allowed.
pub fn assemble(
    sink: &mut Sink<'_>,
    items: Vec<Item>,
    top_level: bool,
) -> (Option<PackageClause>, Vec<Import>, Vec<Statement>) {
    let mut package = None;
    let mut imports = Vec::new();
    let mut body: Vec<Statement> = Vec::new();
    let mut attrs: Vec<Attribute> = Vec::new();
    for item in items {
        match item {
            Item::Attr(a) => attrs.push(a),
            Item::Package(span, name) => {
                if !top_level {
                    sink.error(SyntaxError::MisplacedDeclaration {
                        keyword: "package".into(),
                        span: sp(span),
                    });
                } else if package.is_some() || !imports.is_empty() || !body.is_empty() {
                    sink.error(SyntaxError::MisplacedPackage { span: sp(span) });
                } else {
                    package = Some(PackageClause {
                        span,
                        attributes: std::mem::take(&mut attrs),
                        name,
                    });
                }
                attrs.clear();
            }
            Item::Import(span, alias, path) => {
                if !top_level {
                    sink.error(SyntaxError::MisplacedDeclaration {
                        keyword: "import".into(),
                        span: sp(span),
                    });
                    attrs.clear();
                    continue;
                }
                if body.iter().any(|s| s.kind != StatementKind::Bad) {
                    sink.error(SyntaxError::MisplacedImport { span: sp(span) });
                }
                imports.push(Import {
                    span,
                    attributes: std::mem::take(&mut attrs),
                    alias,
                    path,
                });
            }
            Item::Stmt(mut s) => {
                s.attributes = std::mem::take(&mut attrs);
                body.push(s);
            }
        }
    }
    if let (Some(first), Some(last)) = (attrs.first(), attrs.last()) {
        sink.error(SyntaxError::DanglingAttribute {
            span: sp(first.span.to(last.span)),
        });
    }
    (package, imports, body)
}

pub fn block(sink: &mut Sink<'_>, l: usize, r: usize, items: Vec<Item>) -> Block {
    let (_, _, body) = assemble(sink, items, false);
    let b = Block::new(body, span(l, r));
    if b.depth() > MAX_DEPTH {
        sink.too_deep(b.span);
        return Block::new(Vec::new(), b.span);
    }
    b
}
