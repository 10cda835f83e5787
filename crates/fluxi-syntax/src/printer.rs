//! A compact, stable printer of the syntax tree for snapshots and `fluxi parse --ast`.
//!
//! Expressions print as S-expressions (`(+ 1 (* 2 3))`), types in Flux type syntax, one
//! statement per line. With spans on, every node is followed by `@start..end`.

use crate::ast::*;
use std::fmt::Write;

/// Printer options.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrintOptions {
    /// Print `@start..end` after every node.
    pub spans: bool,
}

/// Print a file.
pub fn print_file(file: &File, opts: PrintOptions) -> String {
    let mut p = Printer {
        out: String::new(),
        opts,
    };
    p.file(file);
    p.out
}

/// Print one expression.
pub fn print_expr(e: &Expr, opts: PrintOptions) -> String {
    let mut p = Printer {
        out: String::new(),
        opts,
    };
    p.expr(e);
    p.out
}

/// Print one type expression in Flux syntax.
pub fn print_type(t: &TypeExpr) -> String {
    let mut p = Printer {
        out: String::new(),
        opts: PrintOptions::default(),
    };
    p.type_expr(t);
    p.out
}

struct Printer {
    out: String,
    opts: PrintOptions,
}

impl Printer {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn span(&mut self, span: crate::span::Span) {
        if self.opts.spans {
            let _ = write!(self.out, "@{}..{}", span.start, span.end);
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.w("  ");
        }
    }

    fn file(&mut self, f: &File) {
        if let Some(p) = &f.package {
            self.attributes(&p.attributes, 0);
            self.w("package ");
            self.w(&p.name.name);
            self.span(p.span);
            self.w("\n");
        }
        for i in &f.imports {
            self.attributes(&i.attributes, 0);
            self.w("import ");
            if let Some(a) = &i.alias {
                self.w(&a.name);
                self.w(" ");
            }
            self.string(&i.path.value);
            self.span(i.span);
            self.w("\n");
        }
        for s in &f.body {
            self.statement(s, 0);
        }
        if !f.comments.is_empty() {
            let _ = writeln!(self.out, "; {} comment(s)", f.comments.len());
        }
    }

    fn attributes(&mut self, attrs: &[Attribute], depth: usize) {
        for a in attrs {
            self.indent(depth);
            self.w("@");
            self.w(&a.name);
            if !a.params.is_empty() {
                self.w("(");
                for (i, p) in a.params.iter().enumerate() {
                    if i > 0 {
                        self.w(" ");
                    }
                    self.expr(p);
                }
                self.w(")");
            }
            self.span(a.span);
            self.w("\n");
        }
    }

    fn statement(&mut self, s: &Statement, depth: usize) {
        self.attributes(&s.attributes, depth);
        self.indent(depth);
        match &s.kind {
            StatementKind::Variable { id, init } => {
                self.w("(var ");
                self.w(&id.name);
                self.w(" ");
                self.expr(init);
                self.w(")");
            }
            StatementKind::Option { package, id, init } => {
                self.w("(option ");
                if let Some(p) = package {
                    self.w(&p.name);
                    self.w(".");
                }
                self.w(&id.name);
                self.w(" ");
                self.expr(init);
                self.w(")");
            }
            StatementKind::Return(e) => {
                self.w("(return ");
                self.expr(e);
                self.w(")");
            }
            StatementKind::Expr(e) => self.expr(e),
            StatementKind::Builtin { id, ty } => {
                self.w("(builtin ");
                self.w(&id.name);
                self.w(" : ");
                self.type_expr(ty);
                self.w(")");
            }
            StatementKind::Testcase { id, extends, block } => {
                self.w("(testcase ");
                self.w(&id.name);
                if let Some(e) = extends {
                    self.w(" extends ");
                    self.string(&e.value);
                }
                self.w("\n");
                self.block_body(block, depth + 1);
                self.indent(depth);
                self.w(")");
            }
            StatementKind::Bad => self.w("<bad>"),
        }
        self.span(s.span);
        self.w("\n");
    }

    fn block_body(&mut self, b: &Block, depth: usize) {
        for s in &b.body {
            self.statement(s, depth);
        }
    }

    fn string(&mut self, s: &str) {
        let _ = write!(self.out, "{s:?}");
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Ident(n) => self.w(n),
            ExprKind::Int(v) => {
                let _ = write!(self.out, "{v}");
            }
            ExprKind::Float(v) => {
                let _ = write!(self.out, "{v:?}");
            }
            ExprKind::String(s) => self.string(s),
            ExprKind::Interpolated(parts) => {
                self.w("(interpolate");
                for p in parts {
                    self.w(" ");
                    match p {
                        StringPart::Text(t) => self.string(t),
                        StringPart::Expr(e) => self.expr(e),
                    }
                }
                self.w(")");
            }
            ExprKind::Regex(r) => {
                self.w("/");
                self.w(&r.replace('/', "\\/"));
                self.w("/");
            }
            ExprKind::Duration(parts) => {
                for p in parts {
                    let _ = write!(self.out, "{}{}", p.magnitude, p.unit.as_str());
                }
            }
            ExprKind::DateTime(t) => self.date_time(t),
            ExprKind::PipeLit => self.w("<-"),
            ExprKind::Label(l) => self.label(l),
            ExprKind::Array(items) => {
                self.w("(array");
                for i in items {
                    self.w(" ");
                    self.expr(i);
                }
                self.w(")");
            }
            ExprKind::Dict(items) => {
                self.w("(dict");
                for (k, v) in items {
                    self.w(" [");
                    self.expr(k);
                    self.w(" ");
                    self.expr(v);
                    self.w("]");
                }
                self.w(")");
            }
            ExprKind::Record { with, properties } => {
                self.w("(record");
                if let Some(w) = with {
                    self.w(" ");
                    self.w(&w.name);
                    self.w(" with");
                }
                self.properties(properties);
                self.w(")");
            }
            ExprKind::Function { params, body } => {
                self.w("(fn (");
                for (i, p) in params.iter().enumerate() {
                    if i > 0 {
                        self.w(" ");
                    }
                    self.w(&p.name.name);
                    if let Some(d) = &p.default {
                        self.w("=");
                        self.expr(d);
                    }
                }
                self.w(") ");
                match body.as_ref() {
                    FunctionBody::Expr(e) => self.expr(e),
                    FunctionBody::Block(b) => {
                        self.w("(block");
                        for s in &b.body {
                            self.w(" ");
                            let mut inner = Printer {
                                out: String::new(),
                                opts: self.opts,
                            };
                            inner.statement(s, 0);
                            self.w(inner.out.trim_end());
                        }
                        self.w(")");
                        self.span(b.span);
                    }
                }
                self.w(")");
            }
            ExprKind::Call(c) => self.call(c),
            ExprKind::Pipe { argument, call } => {
                self.w("(|> ");
                self.expr(argument);
                self.w(" ");
                self.call(call);
                self.span(call.span);
                self.w(")");
            }
            ExprKind::Member { object, property } => {
                self.w("(. ");
                self.expr(object);
                self.w(" ");
                self.key(property);
                self.w(")");
            }
            ExprKind::Index { array, index } => {
                self.w("(index ");
                self.expr(array);
                self.w(" ");
                self.expr(index);
                self.w(")");
            }
            ExprKind::Unary { op, operand } => {
                self.w("(");
                self.w(op.as_str());
                self.w(" ");
                self.expr(operand);
                self.w(")");
            }
            ExprKind::Binary { op, left, right } => {
                self.w("(");
                self.w(op.as_str());
                self.w(" ");
                self.expr(left);
                self.w(" ");
                self.expr(right);
                self.w(")");
            }
            ExprKind::Logical { op, left, right } => {
                self.w("(");
                self.w(op.as_str());
                self.w(" ");
                self.expr(left);
                self.w(" ");
                self.expr(right);
                self.w(")");
            }
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => {
                self.w("(if ");
                self.expr(test);
                self.w(" ");
                self.expr(consequent);
                self.w(" ");
                self.expr(alternate);
                self.w(")");
            }
            ExprKind::Paren(e) => {
                self.w("(paren ");
                self.expr(e);
                self.w(")");
            }
            ExprKind::Bad => self.w("<bad>"),
        }
        self.span(e.span);
    }

    fn label(&mut self, l: &str) {
        self.w(".");
        let ident = l
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && l.chars().all(|c| c.is_alphanumeric() || c == '_');
        if ident {
            self.w(l);
        } else {
            self.string(l);
        }
    }

    /// A call; its span is printed by the enclosing node (the expression or the pipe).
    fn call(&mut self, c: &CallExpr) {
        self.w("(call ");
        self.expr(&c.callee);
        self.properties(&c.args);
        self.w(")");
    }

    fn properties(&mut self, props: &[Property]) {
        for p in props {
            self.w(" ");
            self.key(&p.key);
            if let Some(v) = &p.value {
                self.w(":");
                self.expr(v);
            }
        }
    }

    fn key(&mut self, k: &PropertyKey) {
        match k {
            PropertyKey::Ident(i) => self.w(&i.name),
            PropertyKey::String(s) => self.string(&s.value),
        }
        self.span(k.span());
    }

    fn date_time(&mut self, t: &DateTimeLit) {
        let local = t.seconds + i64::from(t.offset_seconds);
        let days = local.div_euclid(86_400);
        let secs = local.rem_euclid(86_400);
        let (y, m, d) = fluxi_time::civil_from_days(days);
        let _ = write!(
            self.out,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        );
        if t.nanos != 0 {
            let frac = format!("{:09}", t.nanos);
            let _ = write!(self.out, ".{}", frac.trim_end_matches('0'));
        }
        if t.offset_seconds == 0 {
            self.w("Z");
        } else {
            let sign = if t.offset_seconds < 0 { '-' } else { '+' };
            let off = t.offset_seconds.unsigned_abs();
            let _ = write!(self.out, "{sign}{:02}:{:02}", off / 3600, off % 3600 / 60);
        }
    }

    fn type_expr(&mut self, t: &TypeExpr) {
        self.mono(&t.ty);
        for (i, c) in t.constraints.iter().enumerate() {
            self.w(if i == 0 { " where " } else { ", " });
            self.w(&c.tvar.name);
            self.w(": ");
            let kinds: Vec<&str> = c.kinds.iter().map(|k| k.name.as_str()).collect();
            self.w(&kinds.join(" + "));
        }
    }

    fn mono(&mut self, t: &MonoType) {
        match &t.kind {
            MonoTypeKind::Var(i) | MonoTypeKind::Basic(i) => self.w(&i.name),
            MonoTypeKind::Dynamic => self.w("dynamic"),
            MonoTypeKind::Array(e) => {
                self.w("[");
                self.mono(e);
                self.w("]");
            }
            MonoTypeKind::Dict { key, value } => {
                self.w("[");
                self.mono(key);
                self.w(": ");
                self.mono(value);
                self.w("]");
            }
            MonoTypeKind::Stream(e) => {
                self.w("stream[");
                self.mono(e);
                self.w("]");
            }
            MonoTypeKind::Vector(e) => {
                self.w("vector[");
                self.mono(e);
                self.w("]");
            }
            MonoTypeKind::Record { tvar, properties } => {
                self.w("{");
                if let Some(v) = tvar {
                    self.w(&v.name);
                    self.w(" with ");
                }
                for (i, p) in properties.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    self.key(&p.name);
                    self.w(": ");
                    self.mono(&p.ty);
                }
                self.w("}");
            }
            MonoTypeKind::Function { params, ret } => {
                self.w("(");
                for (i, p) in params.iter().enumerate() {
                    if i > 0 {
                        self.w(", ");
                    }
                    match p.kind {
                        ParamKind::Required => {}
                        ParamKind::Optional => self.w("?"),
                        ParamKind::Pipe => self.w("<-"),
                    }
                    if let Some(n) = &p.name {
                        self.w(&n.name);
                    }
                    self.w(": ");
                    self.mono(&p.ty);
                    if let Some(d) = &p.default {
                        self.w(" = .");
                        self.w(d);
                    }
                }
                self.w(") => ");
                self.mono(ret);
            }
            MonoTypeKind::Label(l) => self.label(l),
        }
        self.span(t.span);
    }
}
