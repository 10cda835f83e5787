//! The source formatter behind `fluxi fmt`: canonical Flux in the style of upstream's
//! `flux fmt`.
//!
//! Style rules:
//!
//! * 4-space indentation; lines aim at 100 columns. A call, record, array, dictionary or
//!   parameter list that does not fit (or holds a comment, a block-bodied function or a
//!   multi-line pipeline) is broken one item per line with a trailing comma.
//! * `package` and the imports come first, each group followed by one blank line; blank
//!   lines between statements are kept (at most one).
//! * A pipeline of more than one `|>` puts each `|>` on its own line, indented one level; a
//!   variable, option, `return` or `=>` whose value is such a pipeline (or a multi-line
//!   string, or an `if` that does not fit) continues on the next line, indented.
//! * Parentheses: the formatter drops every parenthesis the user wrote and adds exactly the
//!   ones the precedence table requires (plus `(r) => ({...})`, where a body starting with
//!   `{` would read as a block, and `(1).x`). The tree is the same up to `Paren` nodes.
//! * Strings are re-escaped (`\\`, `\"`, and `\$` before `{` only); numbers, durations,
//!   date-times and regexes are written exactly as in the source.
//! * Comments: a comment between statements stays there (with the blank lines around it);
//!   one at the end of a statement's or list item's line stays trailing; one between the
//!   items of a broken list or the stages of a pipeline stays before its item. Any other
//!   comment inside a statement (say, between the operands of `+`) moves to just before that
//!   statement. No comment is ever dropped.

use crate::ast::*;
use crate::error::SyntaxError;

const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Format a Flux source file. Sources with syntax errors are refused with their errors.
pub fn format(src: &str) -> Result<String, Vec<SyntaxError>> {
    let parsed = crate::parse(src);
    if parsed.has_errors() {
        return Err(parsed.errors().cloned().collect());
    }
    let mut f = Formatter {
        src,
        comments: &parsed.file.comments,
        done: vec![false; parsed.file.comments.len()],
    };
    let mut out = f.file(&parsed.file);
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(out)
}

struct Formatter<'a> {
    src: &'a str,
    comments: &'a [Comment],
    done: Vec<bool>,
}

fn pad(ind: usize) -> String {
    INDENT.repeat(ind)
}

/// The column after writing `s` starting at `col`.
fn col_after(col: usize, s: &str) -> usize {
    match s.rfind('\n') {
        Some(i) => s[i + 1..].chars().count(),
        None => col + s.chars().count(),
    }
}

fn fits(col: usize, s: &str) -> bool {
    !s.contains('\n') && col + s.chars().count() <= WIDTH
}

fn unparen(mut e: &Expr) -> &Expr {
    while let ExprKind::Paren(inner) = &e.kind {
        e = inner;
    }
    e
}

/// Binding strength, loosest first (grammar/README.md).
fn level(e: &Expr) -> u8 {
    match &unparen(e).kind {
        ExprKind::Function { .. } | ExprKind::Conditional { .. } => 0,
        ExprKind::Logical {
            op: LogicalOp::Or, ..
        } => 1,
        ExprKind::Logical {
            op: LogicalOp::And, ..
        } => 2,
        ExprKind::Unary {
            op: UnaryOp::Not | UnaryOp::Exists,
            ..
        } => 3,
        ExprKind::Binary { op, .. } => match op {
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 6,
            BinaryOp::Pow => 7,
            _ => 4,
        },
        ExprKind::Pipe { .. } => 8,
        ExprKind::Unary { .. } => 9,
        ExprKind::Call(_) | ExprKind::Member { .. } | ExprKind::Index { .. } => 10,
        _ => 11,
    }
}

/// Parentheses needed to write `e` where binding strength `min` is required; `min` 12
/// means "the object of a member access" (a number there needs parentheses too).
fn needs_parens(e: &Expr, min: u8) -> bool {
    let e = unparen(e);
    if min == 12 {
        return level(e) < 10 || matches!(e.kind, ExprKind::Int(_) | ExprKind::Float(_));
    }
    level(e) < min
}

/// The pipeline `head |> c1 |> c2 ...` as its head and calls.
fn pipeline(e: &Expr) -> (&Expr, Vec<&CallExpr>) {
    let mut calls = Vec::new();
    let mut cur = unparen(e);
    while let ExprKind::Pipe { argument, call } = &cur.kind {
        calls.push(call);
        cur = unparen(argument);
    }
    calls.reverse();
    (cur, calls)
}

fn is_multi_pipe(e: &Expr) -> bool {
    pipeline(e).1.len() > 1
}

fn contains(span: crate::Span, pos: u32) -> bool {
    span.start <= pos && pos < span.end
}

/// Write a string value as a Flux string literal body (without quotes).
fn escape_into(out: &mut String, s: &str) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    escape_into(&mut out, s);
    out.push('"');
    out
}

fn is_ident(l: &str) -> bool {
    l.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && l.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn key(k: &PropertyKey) -> String {
    match k {
        PropertyKey::Ident(i) => i.name.clone(),
        PropertyKey::String(s) => quote(&s.value),
    }
}

/// One item of a list that may be broken one per line.
struct Item<'e> {
    start: u32,
    end: u32,
    kind: ItemKind<'e>,
}

enum ItemKind<'e> {
    Expr(&'e Expr),
    Prop(&'e Property),
    Entry(&'e Expr, &'e Expr),
    Param(&'e Param),
}

impl<'a> Formatter<'a> {
    fn slice(&self, span: crate::Span) -> &'a str {
        self.src.get(span.range()).unwrap_or("")
    }

    /// Whether a comment not yet written lies inside `[start, end)`.
    fn pending(&self, start: u32, end: u32) -> bool {
        let from = self.comments.partition_point(|c| c.span.start < start);
        self.comments[from..]
            .iter()
            .enumerate()
            .take_while(|(_, c)| c.span.start < end)
            .any(|(i, _)| !self.done[from + i])
    }

    /// Take every comment not yet written that starts before `pos`.
    fn take_before(&mut self, pos: u32) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, c) in self.comments.iter().enumerate() {
            if c.span.start >= pos {
                break;
            }
            if !self.done[i] {
                self.done[i] = true;
                out.push(i);
            }
        }
        out
    }

    /// A comment on the same line right after `end` (only whitespace and commas between).
    fn trailing(&mut self, end: u32) -> Option<String> {
        let i = self.comments.partition_point(|c| c.span.start < end);
        let c = self.comments.get(i)?;
        if self.done[i] {
            return None;
        }
        let gap = self.src.get(end as usize..c.span.start as usize)?;
        if gap.chars().all(|ch| ch == ' ' || ch == '\t' || ch == ',') {
            self.done[i] = true;
            Some(c.text.trim_end().to_string())
        } else {
            None
        }
    }

    /// Whether a blank line separates `a` and `b` in the source.
    fn blank_between(&self, a: u32, b: u32) -> bool {
        let Some(gap) = self.src.get(a as usize..b as usize) else {
            return false;
        };
        let parts: Vec<&str> = gap.split('\n').collect();
        parts.len() > 2
            && parts[1..parts.len() - 1]
                .iter()
                .any(|l| l.trim().is_empty())
    }

    // ----- files, blocks and statements -----

    fn file(&mut self, f: &File) -> String {
        let mut lines = Lines::default();
        if let Some(p) = &f.package {
            let start = attr_start(&p.attributes, p.span.start);
            self.leading(&mut lines, start, 0);
            let mut text = self.attributes(&p.attributes, 0);
            text.push_str("package ");
            text.push_str(&p.name.name);
            self.push_stmt(&mut lines, start, p.span.end, text, 0);
            lines.force_blank = true;
        }
        for (n, i) in f.imports.iter().enumerate() {
            let start = attr_start(&i.attributes, i.span.start);
            self.leading(&mut lines, start, 0);
            let mut text = self.attributes(&i.attributes, 0);
            text.push_str("import ");
            if let Some(a) = &i.alias {
                text.push_str(&a.name);
                text.push(' ');
            }
            text.push_str(&quote(&i.path.value));
            if n > 0 {
                lines.no_blank = true;
            }
            self.push_stmt(&mut lines, start, i.span.end, text, 0);
        }
        if !f.imports.is_empty() {
            lines.force_blank = true;
        }
        self.statements(&mut lines, &f.body, 0);
        self.leading(&mut lines, u32::MAX, 0);
        lines.out
    }

    /// Comments not yet written that start before `pos`, one per line.
    fn leading(&mut self, lines: &mut Lines, pos: u32, ind: usize) {
        for i in self.take_before(pos) {
            let c = &self.comments[i];
            let blank = self.blank_between(lines.prev_end, c.span.start);
            lines.push(&format!("{}{}", pad(ind), c.text.trim_end()), blank);
            lines.prev_end = c.span.end;
        }
    }

    fn push_stmt(&mut self, lines: &mut Lines, start: u32, end: u32, text: String, ind: usize) {
        let blank = self.blank_between(lines.prev_end, start);
        let mut line = format!("{}{}", pad(ind), text);
        lines.prev_end = end;
        if let Some(c) = self.trailing(end) {
            line.push(' ');
            line.push_str(&c);
            lines.prev_end = self
                .comments
                .iter()
                .find(|k| k.text.trim_end() == c && k.span.start >= end)
                .map_or(end, |k| k.span.end);
        }
        lines.push(&line, blank);
    }

    fn statements(&mut self, lines: &mut Lines, body: &[Statement], ind: usize) {
        for s in body {
            let start = attr_start(&s.attributes, s.span.start);
            self.leading(lines, start, ind);
            // Comments inside the statement that no layout can keep in place go before it.
            let inside: Vec<usize> = (0..self.comments.len())
                .filter(|&i| {
                    let p = self.comments[i].span.start;
                    !self.done[i] && p >= start && p < s.span.end && !place_stmt(s, p)
                })
                .collect();
            for i in inside {
                self.done[i] = true;
                lines.push(
                    &format!("{}{}", pad(ind), self.comments[i].text.trim_end()),
                    false,
                );
            }
            let text = self.statement(s, ind);
            self.push_stmt(lines, start, s.span.end, text, ind);
        }
    }

    fn block(&mut self, b: &Block, ind: usize) -> String {
        if b.body.is_empty() && !self.pending(b.span.start, b.span.end) {
            return "{}".to_string();
        }
        let mut lines = Lines {
            prev_end: b.span.start + 1,
            ..Lines::default()
        };
        self.statements(&mut lines, &b.body, ind + 1);
        self.leading(&mut lines, b.span.end, ind + 1);
        format!("{{\n{}\n{}}}", lines.out, pad(ind))
    }

    fn attributes(&mut self, attrs: &[Attribute], ind: usize) -> String {
        let mut out = String::new();
        for a in attrs {
            out.push('@');
            out.push_str(&a.name);
            if !a.params.is_empty() {
                let ps: Vec<String> = a.params.iter().map(|p| self.fmt(p, ind, 0, 0)).collect();
                out.push('(');
                out.push_str(&ps.join(", "));
                out.push(')');
            }
            out.push('\n');
            out.push_str(&pad(ind));
        }
        out
    }

    fn statement(&mut self, s: &Statement, ind: usize) -> String {
        let mut out = self.attributes(&s.attributes, ind);
        match &s.kind {
            StatementKind::Variable { id, init } => {
                out.push_str(&id.name);
                out.push_str(" =");
                out.push_str(&self.hanging(init, ind, col_after(ind * 4, &out), false));
            }
            StatementKind::Option { package, id, init } => {
                out.push_str("option ");
                if let Some(p) = package {
                    out.push_str(&p.name);
                    out.push('.');
                }
                out.push_str(&id.name);
                out.push_str(" =");
                out.push_str(&self.hanging(init, ind, col_after(ind * 4, &out), false));
            }
            StatementKind::Return(e) => {
                out.push_str("return");
                out.push_str(&self.hanging(e, ind, col_after(ind * 4, &out), false));
            }
            StatementKind::Expr(e) => {
                let col = col_after(ind * 4, &out);
                out.push_str(&self.fmt(e, ind, col, 0));
            }
            StatementKind::Builtin { id, ty } => {
                out.push_str("builtin ");
                out.push_str(&id.name);
                out.push_str(" : ");
                let col = col_after(ind * 4, &out);
                out.push_str(&type_expr(ty, ind, col));
            }
            StatementKind::Testcase { id, extends, block } => {
                out.push_str("testcase ");
                out.push_str(&id.name);
                if let Some(e) = extends {
                    out.push_str(" extends ");
                    out.push_str(&quote(&e.value));
                }
                out.push(' ');
                out.push_str(&self.block(block, ind));
            }
            StatementKind::Bad => out.push_str(self.slice(s.span)),
        }
        out
    }

    /// ` value` after `=`, `return` or `=>`, or a new indented line for a value that
    /// reads better there (a multi-line pipeline or string, an `if` that does not fit).
    fn hanging(&mut self, e: &Expr, ind: usize, col: usize, body: bool) -> String {
        let inner = unparen(e);
        let hang = is_multi_pipe(inner)
            || match &inner.kind {
                ExprKind::String(s) => s.contains('\n'),
                ExprKind::Interpolated(parts) => parts
                    .iter()
                    .any(|p| matches!(p, StringPart::Text(t) if t.contains('\n'))),
                ExprKind::Conditional { .. } => self.flat(e, 0).is_none_or(|f| !fits(col + 1, &f)),
                _ => false,
            };
        let fix = |s: String| if body { body_parens(s) } else { s };
        if hang {
            let ind = ind + 1;
            format!("\n{}{}", pad(ind), fix(self.fmt(e, ind, ind * 4, 0)))
        } else {
            format!(" {}", fix(self.fmt(e, ind, col + 1, 0)))
        }
    }

    // ----- expressions -----

    /// `e` at binding strength `min`, flat if it fits, else broken.
    fn fmt(&mut self, e: &Expr, ind: usize, col: usize, min: u8) -> String {
        if self.parens(e, min) {
            return format!("({})", self.fmt(e, ind, col + 1, 0));
        }
        let e = unparen(e);
        if let Some(s) = self.flat(e, 0) {
            if fits(col, &s) {
                return s;
            }
        }
        self.broken(e, ind, col)
    }

    /// `e` on one line, or `None` if it must be broken (comments, blocks, pipelines).
    fn flat(&self, e: &Expr, min: u8) -> Option<String> {
        if self.pending(e.span.start, e.span.end) {
            return None;
        }
        self.flat_in(e, min)
    }

    /// [`needs_parens`], except that a float written with digits after its point (`.5`,
    /// `0.5`) is the object of a member access as it is: parentheses there would start a
    /// statement with `(`, which the parser joins to the statement before as a call.
    fn parens(&self, e: &Expr, min: u8) -> bool {
        let inner = unparen(e);
        if min == 12 && matches!(inner.kind, ExprKind::Float(_)) {
            return self.slice(inner.span).ends_with('.');
        }
        needs_parens(e, min)
    }

    fn flat_in(&self, e: &Expr, min: u8) -> Option<String> {
        if self.parens(e, min) {
            return Some(format!("({})", self.flat_in(e, 0)?));
        }
        let e = unparen(e);
        if let Some(s) = self.atom(e) {
            return Some(s);
        }
        let l = level(e);
        Some(match &e.kind {
            ExprKind::Interpolated(parts) => {
                let mut out = String::from("\"");
                for p in parts {
                    match p {
                        StringPart::Text(t) => escape_into(&mut out, t),
                        StringPart::Expr(x) => {
                            out.push_str("${");
                            out.push_str(&self.flat_in(x, 0)?);
                            out.push('}');
                        }
                    }
                }
                out.push('"');
                out
            }
            ExprKind::Array(items) => {
                let v: Option<Vec<String>> = items.iter().map(|x| self.flat_in(x, 0)).collect();
                format!("[{}]", v?.join(", "))
            }
            ExprKind::Dict(items) => {
                if items.is_empty() {
                    return Some("[:]".into());
                }
                let v: Option<Vec<String>> = items
                    .iter()
                    .map(|(k, v)| Some(format!("{}: {}", self.flat_in(k, 0)?, self.flat_in(v, 0)?)))
                    .collect();
                format!("[{}]", v?.join(", "))
            }
            ExprKind::Record { with, properties } => {
                let v: Option<Vec<String>> = properties.iter().map(|p| self.flat_prop(p)).collect();
                match with {
                    Some(w) => format!("{{{} with {}}}", w.name, v?.join(", ")),
                    None => format!("{{{}}}", v?.join(", ")),
                }
            }
            ExprKind::Function { params, body } => {
                let ps: Option<Vec<String>> = params.iter().map(|p| self.flat_param(p)).collect();
                let FunctionBody::Expr(b) = body.as_ref() else {
                    return None;
                };
                if is_multi_pipe(b) {
                    return None;
                }
                format!(
                    "({}) => {}",
                    ps?.join(", "),
                    body_parens(self.flat_in(b, 0)?)
                )
            }
            ExprKind::Call(c) => self.flat_call(c)?,
            ExprKind::Pipe { argument, call } => {
                if is_multi_pipe(e) {
                    return None;
                }
                format!(
                    "{} |> {}",
                    self.flat_in(argument, l)?,
                    self.flat_call(call)?
                )
            }
            ExprKind::Member { object, property } => {
                format!(
                    "{}{}",
                    self.flat_in(object, member_min(property))?,
                    member(property)
                )
            }
            ExprKind::Index { array, index } => {
                format!("{}[{}]", self.flat_in(array, 10)?, self.flat_in(index, 0)?)
            }
            ExprKind::Unary { op, operand } => unary(*op, &self.flat_in(operand, l)?),
            ExprKind::Binary { op, left, right } => format!(
                "{} {} {}",
                self.flat_in(left, l)?,
                op.as_str(),
                self.flat_in(right, l + 1)?
            ),
            ExprKind::Logical { op, left, right } => format!(
                "{} {} {}",
                self.flat_in(left, l)?,
                op.as_str(),
                self.flat_in(right, l + 1)?
            ),
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => format!(
                "if {} then {} else {}",
                self.flat_in(test, 0)?,
                self.flat_in(consequent, 0)?,
                self.flat_in(alternate, 0)?
            ),
            _ => return None,
        })
    }

    /// Leaves: literals written as in the source, identifiers, strings.
    fn atom(&self, e: &Expr) -> Option<String> {
        Some(match &e.kind {
            ExprKind::Ident(n) => n.clone(),
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Regex(_)
            | ExprKind::Duration(_)
            | ExprKind::DateTime(_) => self.slice(e.span).to_string(),
            ExprKind::String(s) => quote(s),
            ExprKind::PipeLit => "<-".into(),
            ExprKind::Label(l) => label(l),
            ExprKind::Bad => self.slice(e.span).to_string(),
            _ => return None,
        })
    }

    fn flat_prop(&self, p: &Property) -> Option<String> {
        Some(match &p.value {
            Some(v) => format!("{}: {}", key(&p.key), self.flat_in(v, 0)?),
            None => key(&p.key),
        })
    }

    fn flat_param(&self, p: &Param) -> Option<String> {
        Some(match &p.default {
            Some(d) => format!("{}={}", p.name.name, self.flat_in(d, 0)?),
            None => p.name.name.clone(),
        })
    }

    fn flat_call(&self, c: &CallExpr) -> Option<String> {
        let args: Option<Vec<String>> = c.args.iter().map(|p| self.flat_prop(p)).collect();
        Some(format!(
            "{}({})",
            self.flat_in(&c.callee, 10)?,
            args?.join(", ")
        ))
    }

    /// `e` laid out over several lines where its kind allows.
    fn broken(&mut self, e: &Expr, ind: usize, col: usize) -> String {
        if let Some(s) = self.atom(e) {
            return s;
        }
        let l = level(e);
        match &e.kind {
            ExprKind::Interpolated(parts) => {
                let mut out = String::from("\"");
                for p in parts {
                    match p {
                        StringPart::Text(t) => escape_into(&mut out, t),
                        StringPart::Expr(x) => {
                            out.push_str("${");
                            let c = col_after(col, &out);
                            out.push_str(&self.fmt(x, ind, c, 0));
                            out.push('}');
                        }
                    }
                }
                out.push('"');
                out
            }
            ExprKind::Array(items) => {
                let items: Vec<Item> = items
                    .iter()
                    .map(|x| Item {
                        start: x.span.start,
                        end: x.span.end,
                        kind: ItemKind::Expr(x),
                    })
                    .collect();
                self.list("[", &items, "]", e.span.end, ind)
            }
            ExprKind::Dict(items) => {
                if items.is_empty() {
                    return "[:]".into();
                }
                let items: Vec<Item> = items
                    .iter()
                    .map(|(k, v)| Item {
                        start: k.span.start,
                        end: v.span.end,
                        kind: ItemKind::Entry(k, v),
                    })
                    .collect();
                self.list("[", &items, "]", e.span.end, ind)
            }
            ExprKind::Record { with, properties } => {
                let open = match with {
                    Some(w) => format!("{{{} with", w.name),
                    None => "{".into(),
                };
                let items = prop_items(properties);
                self.list(&open, &items, "}", e.span.end, ind)
            }
            ExprKind::Function { params, body } => self.function(e, params, body, ind, col),
            ExprKind::Call(c) => self.call(c, ind, col),
            ExprKind::Pipe { .. } => self.pipe(e, ind, col),
            ExprKind::Member { object, property } => {
                format!(
                    "{}{}",
                    self.fmt(object, ind, col, member_min(property)),
                    member(property)
                )
            }
            ExprKind::Index { array, index } => {
                let a = self.fmt(array, ind, col, 10);
                let i = self.fmt(index, ind, col_after(col, &a) + 1, 0);
                format!("{a}[{i}]")
            }
            ExprKind::Unary { op, operand } => {
                let o = self.fmt(operand, ind, col + op.as_str().len() + 1, l);
                unary(*op, &o)
            }
            ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
                let op = match &e.kind {
                    ExprKind::Binary { op, .. } => op.as_str(),
                    ExprKind::Logical { op, .. } => op.as_str(),
                    _ => "",
                };
                let a = self.fmt(left, ind, col, l);
                let c = col_after(col, &a) + op.len() + 2;
                let b = self.fmt(right, ind, c, l + 1);
                format!("{a} {op} {b}")
            }
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => {
                let t = self.fmt(test, ind, col + 3, 0);
                let inner = pad(ind + 1);
                let c = self.fmt(consequent, ind + 1, (ind + 1) * 4, 0);
                let alt = unparen(alternate);
                let a = if matches!(alt.kind, ExprKind::Conditional { .. }) {
                    format!(" {}", self.broken(alt, ind, ind * 4 + 5))
                } else {
                    format!("\n{inner}{}", self.fmt(alt, ind + 1, (ind + 1) * 4, 0))
                };
                format!("if {t} then\n{inner}{c}\n{}else{a}", pad(ind))
            }
            _ => self.slice(e.span).to_string(),
        }
    }

    fn function(
        &mut self,
        e: &Expr,
        params: &[Param],
        body: &FunctionBody,
        ind: usize,
        col: usize,
    ) -> String {
        let body_start = match body {
            FunctionBody::Expr(b) => b.span.start,
            FunctionBody::Block(b) => b.span.start,
        };
        let params_end = params.last().map_or(e.span.start, |p| p.span.end);
        let flat_params = if self.pending(e.span.start, params_end + 1) {
            None
        } else {
            params
                .iter()
                .map(|p| self.flat_param(p))
                .collect::<Option<Vec<String>>>()
                .map(|v| format!("({})", v.join(", ")))
        };
        let head = match flat_params {
            Some(p) if fits(col, &format!("{p} =>")) => p,
            _ => {
                let items: Vec<Item> = params
                    .iter()
                    .map(|p| Item {
                        start: p.span.start,
                        end: p.span.end,
                        kind: ItemKind::Param(p),
                    })
                    .collect();
                self.list("(", &items, ")", body_start, ind)
            }
        };
        let col = col_after(col, &head) + 3;
        match body {
            FunctionBody::Block(b) => format!("{head} => {}", self.block(b, ind)),
            FunctionBody::Expr(b) => {
                if matches!(unparen(b).kind, ExprKind::Record { .. }) {
                    let inner = self.fmt(b, ind, col + 2, 0);
                    return format!("{head} => ({inner})");
                }
                let h = self.hanging(b, ind, col, true);
                format!("{head} =>{h}")
            }
        }
    }

    fn call(&mut self, c: &CallExpr, ind: usize, col: usize) -> String {
        let callee = self.fmt(&c.callee, ind, col, 10);
        let flat = if self.pending(c.span.start, c.span.end) {
            None
        } else {
            c.args
                .iter()
                .map(|p| self.flat_prop(p))
                .collect::<Option<Vec<String>>>()
        };
        if let Some(args) = flat {
            let s = format!("({})", args.join(", "));
            if fits(col_after(col, &callee), &s) {
                return callee + &s;
            }
        }
        let items = prop_items(&c.args);
        let args = self.list("(", &items, ")", c.span.end, ind);
        callee + &args
    }

    fn pipe(&mut self, e: &Expr, ind: usize, col: usize) -> String {
        let (head, calls) = pipeline(e);
        let mut out = self.fmt(head, ind, col, 8);
        let gaps = calls
            .iter()
            .any(|c| self.pending(head.span.end, c.span.start));
        if calls.len() == 1 && !gaps {
            let c = col_after(col, &out) + 4;
            let call = self.call(calls[0], ind, c);
            return format!("{out} |> {call}");
        }
        let inner = pad(ind + 1);
        let mut prev_end = head.span.end;
        for (k, call) in calls.iter().enumerate() {
            if k > 0 {
                if let Some(t) = self.trailing(prev_end) {
                    out.push(' ');
                    out.push_str(&t);
                }
            }
            for i in self.take_before(call.span.start) {
                out.push('\n');
                out.push_str(&inner);
                out.push_str(self.comments[i].text.trim_end());
            }
            out.push('\n');
            out.push_str(&inner);
            out.push_str("|> ");
            out.push_str(&self.call(call, ind + 1, (ind + 1) * 4 + 3));
            prev_end = call.span.end;
        }
        out
    }

    /// A list broken one item per line with trailing commas; comments between items stay.
    fn list(&mut self, open: &str, items: &[Item], close: &str, end: u32, ind: usize) -> String {
        let inner = pad(ind + 1);
        let mut out = open.to_string();
        for it in items {
            for i in self.take_before(it.start) {
                out.push('\n');
                out.push_str(&inner);
                out.push_str(self.comments[i].text.trim_end());
            }
            out.push('\n');
            out.push_str(&inner);
            let col = (ind + 1) * 4;
            let text = match it.kind {
                ItemKind::Expr(x) => self.fmt(x, ind + 1, col, 0),
                ItemKind::Prop(p) => self.prop(p, ind + 1),
                ItemKind::Entry(k, v) => {
                    let k = self.fmt(k, ind + 1, col, 0);
                    let c = col_after(col, &k) + 2;
                    format!("{k}: {}", self.fmt(v, ind + 1, c, 0))
                }
                ItemKind::Param(p) => match &p.default {
                    Some(d) => {
                        let c = col + p.name.name.len() + 1;
                        format!("{}={}", p.name.name, self.fmt(d, ind + 1, c, 0))
                    }
                    None => p.name.name.clone(),
                },
            };
            out.push_str(&text);
            out.push(',');
            if let Some(t) = self.trailing(it.end) {
                out.push(' ');
                out.push_str(&t);
            }
        }
        for i in self.take_before(end) {
            out.push('\n');
            out.push_str(&inner);
            out.push_str(self.comments[i].text.trim_end());
        }
        out.push('\n');
        out.push_str(&pad(ind));
        out.push_str(close);
        out
    }

    fn prop(&mut self, p: &Property, ind: usize) -> String {
        let k = key(&p.key);
        match &p.value {
            Some(v) => {
                let c = ind * 4 + k.chars().count() + 2;
                format!("{k}: {}", self.fmt(v, ind, c, 0))
            }
            None => k,
        }
    }
}

fn prop_items(props: &[Property]) -> Vec<Item<'_>> {
    props
        .iter()
        .map(|p| Item {
            start: p.span.start,
            end: p.span.end,
            kind: ItemKind::Prop(p),
        })
        .collect()
}

/// A function body that starts with `{` would read as a block: parenthesise it.
fn body_parens(s: String) -> String {
    if s.starts_with('{') {
        format!("({s})")
    } else {
        s
    }
}

/// `1.x` would lex as the float `1.` then `x`: a number before `.name` needs parentheses.
fn member_min(p: &PropertyKey) -> u8 {
    match p {
        PropertyKey::Ident(_) => 12,
        PropertyKey::String(_) => 10,
    }
}

fn member(p: &PropertyKey) -> String {
    match p {
        PropertyKey::Ident(i) => format!(".{}", i.name),
        PropertyKey::String(s) => format!("[{}]", quote(&s.value)),
    }
}

fn unary(op: UnaryOp, operand: &str) -> String {
    match op {
        UnaryOp::Not | UnaryOp::Exists => format!("{} {operand}", op.as_str()),
        UnaryOp::Neg | UnaryOp::Pos => {
            if operand.starts_with(['-', '+']) {
                format!("{} {operand}", op.as_str())
            } else {
                format!("{}{operand}", op.as_str())
            }
        }
    }
}

fn label(l: &str) -> String {
    if is_ident(l) {
        format!(".{l}")
    } else {
        format!(".{}", quote(l))
    }
}

fn attr_start(attrs: &[Attribute], start: u32) -> u32 {
    attrs.first().map_or(start, |a| a.span.start.min(start))
}

/// Output lines with blank-line bookkeeping.
#[derive(Default)]
struct Lines {
    out: String,
    /// End of the last thing written, in the source.
    prev_end: u32,
    /// Put one blank line before the next line whatever the source had.
    force_blank: bool,
    /// No blank line before the next line whatever the source had.
    no_blank: bool,
}

impl Lines {
    fn push(&mut self, line: &str, blank: bool) {
        if !self.out.is_empty() {
            self.out.push('\n');
            if self.force_blank || (blank && !self.no_blank) {
                self.out.push('\n');
            }
        }
        self.force_blank = false;
        self.no_blank = false;
        self.out.push_str(line);
    }
}

// ----- where comments inside a statement can stay -----

/// Whether a comment at `pos` inside `s` sits where a layout keeps it (between the items
/// of a list, the stages of a pipeline or the statements of a block).
fn place_stmt(s: &Statement, pos: u32) -> bool {
    match &s.kind {
        StatementKind::Variable { init: e, .. }
        | StatementKind::Option { init: e, .. }
        | StatementKind::Return(e)
        | StatementKind::Expr(e) => contains(e.span, pos) && place(e, pos),
        StatementKind::Testcase { block, .. } => {
            contains(block.span, pos) && place_block(block, pos)
        }
        _ => false,
    }
}

fn place_block(b: &Block, pos: u32) -> bool {
    match b
        .body
        .iter()
        .find(|s| attr_start(&s.attributes, s.span.start) <= pos && pos < s.span.end)
    {
        Some(s) => place_stmt(s, pos),
        None => true,
    }
}

fn place_in(e: &Expr, pos: u32) -> Option<bool> {
    contains(e.span, pos).then(|| place(e, pos))
}

fn place_call(c: &CallExpr, pos: u32) -> bool {
    if let Some(r) = place_in(&c.callee, pos) {
        return r;
    }
    place_props(&c.args, pos)
}

fn place_props(props: &[Property], pos: u32) -> bool {
    match props.iter().find(|p| contains(p.span, pos)) {
        Some(p) => p
            .value
            .as_ref()
            .and_then(|v| place_in(v, pos))
            .unwrap_or(false),
        None => true,
    }
}

fn place(e: &Expr, pos: u32) -> bool {
    match &e.kind {
        ExprKind::Array(items) => items.iter().find_map(|x| place_in(x, pos)).unwrap_or(true),
        ExprKind::Dict(items) => {
            for (k, v) in items {
                if let Some(r) = place_in(k, pos).or_else(|| place_in(v, pos)) {
                    return r;
                }
                if k.span.start <= pos && pos < v.span.end {
                    return false;
                }
            }
            true
        }
        ExprKind::Record { properties, .. } => place_props(properties, pos),
        ExprKind::Call(c) => place_call(c, pos),
        ExprKind::Pipe { argument, call } => {
            if let Some(r) = place_in(argument, pos) {
                return r;
            }
            if contains(call.span, pos) {
                return place_call(call, pos);
            }
            // Between the stages of a pipeline: only a broken pipeline keeps it, and a
            // pipeline is broken at its outermost `|>` only.
            true
        }
        ExprKind::Function { params, body } => {
            for p in params {
                if contains(p.span, pos) {
                    return p
                        .default
                        .as_ref()
                        .and_then(|d| place_in(d, pos))
                        .unwrap_or(false);
                }
            }
            match body.as_ref() {
                FunctionBody::Expr(b) => {
                    if let Some(r) = place_in(b, pos) {
                        return r;
                    }
                    let params_end = params.last().map_or(e.span.start, |p| p.span.end);
                    pos < params_end
                }
                FunctionBody::Block(b) => {
                    if contains(b.span, pos) {
                        return place_block(b, pos);
                    }
                    let params_end = params.last().map_or(e.span.start, |p| p.span.end);
                    pos < params_end
                }
            }
        }
        ExprKind::Interpolated(parts) => parts
            .iter()
            .find_map(|p| match p {
                StringPart::Expr(x) => place_in(x, pos),
                StringPart::Text(_) => None,
            })
            .unwrap_or(false),
        ExprKind::Member { object, .. } => place_in(object, pos).unwrap_or(false),
        ExprKind::Index { array, index } => place_in(array, pos)
            .or_else(|| place_in(index, pos))
            .unwrap_or(false),
        ExprKind::Unary { operand, .. } => place_in(operand, pos).unwrap_or(false),
        ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
            place_in(left, pos)
                .or_else(|| place_in(right, pos))
                .unwrap_or(false)
        }
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => place_in(test, pos)
            .or_else(|| place_in(consequent, pos))
            .or_else(|| place_in(alternate, pos))
            .unwrap_or(false),
        ExprKind::Paren(x) => place_in(x, pos).unwrap_or(false),
        _ => false,
    }
}

// ----- types -----

fn type_expr(t: &TypeExpr, ind: usize, col: usize) -> String {
    let mut flat = mono(&t.ty, None);
    let cons: Vec<String> = t
        .constraints
        .iter()
        .map(|c| {
            let kinds: Vec<&str> = c.kinds.iter().map(|k| k.name.as_str()).collect();
            format!("{}: {}", c.tvar.name, kinds.join(" + "))
        })
        .collect();
    let where_flat = if cons.is_empty() {
        String::new()
    } else {
        format!(" where {}", cons.join(", "))
    };
    if fits(col, &format!("{flat}{where_flat}")) {
        return flat + &where_flat;
    }
    if !fits(col, &flat) {
        if let MonoTypeKind::Function { .. } = t.ty.kind {
            flat = mono(&t.ty, Some(ind + 1));
        }
    }
    if cons.is_empty() {
        return flat;
    }
    let inner = pad(ind + 1);
    format!(
        "{flat}\n{inner}where\n{inner}{}",
        cons.join(&format!(",\n{inner}"))
    )
}

/// A type; with `Some(ind)`, a function type's parameters one per line at `ind + 1`.
fn mono(t: &MonoType, broken: Option<usize>) -> String {
    match &t.kind {
        MonoTypeKind::Var(i) | MonoTypeKind::Basic(i) => i.name.clone(),
        MonoTypeKind::Dynamic => "dynamic".into(),
        MonoTypeKind::Array(e) => format!("[{}]", mono(e, None)),
        MonoTypeKind::Dict { key, value } => {
            format!("[{}: {}]", mono(key, None), mono(value, None))
        }
        MonoTypeKind::Stream(e) => format!("stream[{}]", mono(e, None)),
        MonoTypeKind::Vector(e) => format!("vector[{}]", mono(e, None)),
        MonoTypeKind::Record { tvar, properties } => {
            let ps: Vec<String> = properties
                .iter()
                .map(|p| format!("{}: {}", key(&p.name), mono(&p.ty, None)))
                .collect();
            match tvar {
                Some(v) => format!("{{{} with {}}}", v.name, ps.join(", ")),
                None => format!("{{{}}}", ps.join(", ")),
            }
        }
        MonoTypeKind::Function { params, ret } => {
            let ps: Vec<String> = params
                .iter()
                .map(|p| {
                    let mut s = String::from(match p.kind {
                        ParamKind::Required => "",
                        ParamKind::Optional => "?",
                        ParamKind::Pipe => "<-",
                    });
                    if let Some(n) = &p.name {
                        s.push_str(&n.name);
                    }
                    s.push_str(": ");
                    s.push_str(&mono(&p.ty, None));
                    if let Some(d) = &p.default {
                        s.push_str(" = ");
                        s.push_str(&label(d));
                    }
                    s
                })
                .collect();
            match broken {
                Some(ind) if !ps.is_empty() => {
                    let inner = pad(ind + 1);
                    let mut out = String::from("(");
                    for p in &ps {
                        out.push('\n');
                        out.push_str(&inner);
                        out.push_str(p);
                        out.push(',');
                    }
                    format!("{out}\n{}) => {}", pad(ind), mono(ret, None))
                }
                _ => format!("({}) => {}", ps.join(", "), mono(ret, None)),
            }
        }
        MonoTypeKind::Label(l) => label(l),
    }
}
