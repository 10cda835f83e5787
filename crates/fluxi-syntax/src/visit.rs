//! Walking a syntax tree's expressions.
//!
//! The walk keeps its own stack instead of recursing, so a file of any depth the parser
//! accepts is walked on a thread of any stack size.

use crate::ast::{Block, CallExpr, Expr, ExprKind, File, FunctionBody, StatementKind, StringPart};

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
            StatementKind::Testcase { block, .. } => push_block(todo, block),
            StatementKind::Builtin { .. } | StatementKind::Bad => {}
        }
    }
}

fn push_block<'a>(todo: &mut Vec<&'a Expr>, block: &'a Block) {
    push_statements(todo, &block.body);
}

fn push_call<'a>(todo: &mut Vec<&'a Expr>, call: &'a CallExpr) {
    todo.push(&call.callee);
    todo.extend(call.args.iter().filter_map(|p| p.value.as_ref()));
}

fn push_children<'a>(todo: &mut Vec<&'a Expr>, e: &'a Expr) {
    match &e.kind {
        ExprKind::Ident(_)
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::String(_)
        | ExprKind::Regex(_)
        | ExprKind::Duration(_)
        | ExprKind::DateTime(_)
        | ExprKind::PipeLit
        | ExprKind::Label(_)
        | ExprKind::Bad => {}
        ExprKind::Interpolated(parts) => todo.extend(parts.iter().filter_map(|p| match p {
            StringPart::Expr(e) => Some(e),
            StringPart::Text(_) => None,
        })),
        ExprKind::Array(items) => todo.extend(items.iter()),
        ExprKind::Dict(items) => todo.extend(items.iter().flat_map(|(k, v)| [k, v])),
        ExprKind::Record { properties, .. } => {
            todo.extend(properties.iter().filter_map(|p| p.value.as_ref()))
        }
        ExprKind::Function { params, body } => {
            todo.extend(params.iter().filter_map(|p| p.default.as_ref()));
            match body.as_ref() {
                FunctionBody::Expr(e) => todo.push(e),
                FunctionBody::Block(b) => push_block(todo, b),
            }
        }
        ExprKind::Call(call) => push_call(todo, call),
        ExprKind::Pipe { argument, call } => {
            todo.push(argument);
            push_call(todo, call);
        }
        ExprKind::Member { object, .. } => todo.push(object),
        ExprKind::Index { array, index } => todo.extend([array.as_ref(), index.as_ref()]),
        ExprKind::Unary { operand, .. } => todo.push(operand),
        ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
            todo.extend([left.as_ref(), right.as_ref()])
        }
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => todo.extend([test.as_ref(), consequent.as_ref(), alternate.as_ref()]),
        ExprKind::Paren(e) => todo.push(e),
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
