//! Apply the final substitution to every type in the semantic graph, once, at the end of
//! checking. A node's type is usually part of its parent's (a function's return type is
//! its body's type, shared), and one [`Applier`] remembers what each shared part and each
//! bound variable became: the pass costs the number of distinct type parts, not the sum
//! of every node's type size (which is quadratic for deeply nested functions).

use crate::nodes::{Expr, ExprKind, Package, Statement, StringPart};
use crate::subst::{Applier, Subst};
use std::sync::Arc;

pub fn apply_package(subst: &Subst, p: &mut Package) {
    let mut applier = Applier::new(subst);
    for s in &mut p.body {
        statement(&mut applier, s);
    }
}

fn statement(subst: &mut Applier<'_>, s: &mut Statement) {
    match s {
        Statement::Variable { init, .. } | Statement::Option { init, .. } => expr(subst, init),
        Statement::Expr(e) | Statement::Return(e) => expr(subst, e),
        Statement::Builtin { .. } => {}
        Statement::Testcase { body, .. } => {
            for s in body {
                statement(subst, s);
            }
        }
    }
}

fn expr(subst: &mut Applier<'_>, e: &mut Expr) {
    e.ty = subst.apply(&e.ty);
    match &mut e.kind {
        ExprKind::Ident(_)
        | ExprKind::PackageMember { .. }
        | ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::String(_)
        | ExprKind::Regex(_)
        | ExprKind::Duration(_)
        | ExprKind::DateTime(_)
        | ExprKind::Label(_)
        | ExprKind::PipeLit
        | ExprKind::Bad => {}
        ExprKind::Interpolated(parts) => {
            for p in parts {
                if let StringPart::Expr(e) = p {
                    expr(subst, e);
                }
            }
        }
        ExprKind::Array(items) => items.iter_mut().for_each(|i| expr(subst, i)),
        ExprKind::Dict(items) => {
            for (k, v) in items {
                expr(subst, k);
                expr(subst, v);
            }
        }
        ExprKind::Record { with, properties } => {
            if let Some(w) = with {
                expr(subst, w);
            }
            properties.iter_mut().for_each(|(_, v)| expr(subst, v));
        }
        ExprKind::Function(f) => {
            let func = Arc::make_mut(f);
            for p in &mut func.params {
                if let Some(d) = &mut p.default {
                    expr(subst, d);
                }
            }
            for s in &mut func.body {
                statement(subst, s);
            }
        }
        ExprKind::Call { callee, args, pipe } => {
            expr(subst, callee);
            args.iter_mut().for_each(|(_, v)| expr(subst, v));
            if let Some(p) = pipe {
                expr(subst, p);
            }
        }
        ExprKind::Member { object, .. } => expr(subst, object),
        ExprKind::Index { array, index } => {
            expr(subst, array);
            expr(subst, index);
        }
        ExprKind::Unary { operand, .. } => expr(subst, operand),
        ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
            expr(subst, left);
            expr(subst, right);
        }
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => {
            expr(subst, test);
            expr(subst, consequent);
            expr(subst, alternate);
        }
    }
}
