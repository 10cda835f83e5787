//! Walking a syntax tree's expressions.
//!
//! The walk keeps its own stack instead of recursing, so a file of any depth the parser
//! accepts is walked on a thread of any stack size.

use crate::ast::{Block, CallExpr, Expr, ExprKind, File, StatementKind};

/// Calls `f` on every expression of `file`, each before those inside it (and otherwise in
/// no promised order), until `f` returns `true`; returns whether it did.
pub fn any_expr<'a>(file: &'a File, mut f: impl FnMut(&'a Expr) -> bool) -> bool {
    let mut todo: Vec<&'a Expr> = Vec::new();
    push_statements(&mut todo, &file.body);
    while let Some(e) = todo.pop() {
        if f(e) {
            return true;
        }
        push_children(&mut todo, e);
    }
    false
}

/// Whether `pred` holds for any call of `file` (a pipe's call included).
pub fn any_call<'a>(file: &'a File, mut pred: impl FnMut(&'a CallExpr) -> bool) -> bool {
    any_expr(file, |e| match &e.kind {
        ExprKind::Call(call) | ExprKind::Pipe { call, .. } => pred(call),
        _ => false,
    })
}

fn push_statements<'a>(todo: &mut Vec<&'a Expr>, body: &'a [crate::ast::Statement]) {
    for s in body {
        match &s.kind {
            StatementKind::Variable { init, .. } | StatementKind::Option { init, .. } => {
                todo.push(init)
            }
            StatementKind::Return(e) | StatementKind::Expr(e) => todo.push(e),
            StatementKind::Testcase { block, .. } => push_statements(todo, &block.body),
            StatementKind::Builtin { .. } | StatementKind::Bad => {}
        }
    }
}

fn push_children<'a>(todo: &mut Vec<&'a Expr>, e: &'a Expr) {
    let mut blocks: Vec<&'a Block> = Vec::new();
    e.kind
        .for_each_child(&mut |child| todo.push(child), &mut |b| blocks.push(b));
    for b in blocks {
        push_statements(todo, &b.body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callees(src: &str) -> Vec<String> {
        let parsed = crate::parse(src);
        assert!(!parsed.has_errors(), "{src}");
        let mut names = Vec::new();
        any_call(&parsed.file, |c| {
            names.push(c.callee.as_ident().unwrap_or("?").to_string());
            false
        });
        names.sort();
        names
    }

    #[test]
    fn every_call_is_reached_wherever_it_is_written() {
        let src = r#"
a = f(x: g())
option o = {v: [h(), 1], d: ["k": i()]}
fun = (p=j()) => { y = k() |> l(n: "${m()}")
    return if n() then o()[p()] else -q().r }
s() == t() and not u()
z = (v())
testcase c { w() }
"#;
        let expected = "f g h i j k l m n o p q s t u v w";
        assert_eq!(callees(src).join(" "), expected);
    }

    #[test]
    fn the_walk_stops_at_the_first_match_and_survives_deep_nesting() {
        let deep = format!("x = {}f(){}", "[".repeat(400), "]".repeat(400));
        let parsed = crate::parse(&deep);
        assert!(!parsed.has_errors());
        let mut seen = 0;
        assert!(any_call(&parsed.file, |_| {
            seen += 1;
            true
        }));
        assert_eq!(seen, 1);
        let parsed = crate::parse("x = 1 + 2");
        assert!(!any_call(&parsed.file, |_| true));
    }
}
