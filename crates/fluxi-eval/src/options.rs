//! A package's own options, read when its functions run.
//!
//! Flux options are set by the program that runs: `option monitor.write = ...` in a
//! script changes what `monitor.check` calls. A package function that names an option of
//! its own package by its bare name (`write()` inside `monitor`) must therefore read the
//! option's value at the time of the call, not the default the package was loaded with.
//! [`late_options`] rewrites such references inside the package's function literals (bodies
//! and parameter defaults) into `PackageMember` references, which the interpreter
//! resolves through its option table. The prelude's options (`now`, `location`), which
//! every package sees by their bare names, are read the same way, so `now()` inside a
//! package function is the script's `option now`. References at the top level of the
//! package run while it loads and keep the default. A parameter or local variable of the
//! same name shadows the option, as it does in Flux.

use fluxi_semantic::nodes::{visit, Expr, ExprKind, Function, Package, Statement, StringPart};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// `graph` with the references inside functions to its own options (`Statement::Option`
/// without a package, at the top level) and to the `prelude` options (package path,
/// name) made late: `None` when there is nothing to change.
pub(crate) fn late_options(
    path: &str,
    graph: &Package,
    prelude: &[(String, String)],
) -> Option<Package> {
    let mut options: HashMap<String, String> = HashMap::new();
    let mut defined: HashSet<&str> = HashSet::new();
    for s in &graph.body {
        match s {
            Statement::Option {
                package: None,
                name,
                ..
            } => {
                options.insert(name.clone(), path.to_string());
            }
            Statement::Variable { name, .. } | Statement::Builtin { name, .. } => {
                defined.insert(name.as_str());
            }
            _ => {}
        }
    }
    for (package, name) in prelude {
        if !defined.contains(name.as_str()) && !options.contains_key(name) {
            options.insert(name.clone(), package.clone());
        }
    }
    let mentioned = graph.body.iter().any(|s| match s {
        Statement::Variable { init, .. }
        | Statement::Option { init, .. }
        | Statement::Expr(init)
        | Statement::Return(init) => {
            let mut found = false;
            visit(init, &mut |e| {
                found |= matches!(&e.kind, ExprKind::Ident(n) if options.contains_key(n));
            });
            found
        }
        _ => false,
    });
    if !mentioned {
        return None;
    }
    let mut out = graph.clone();
    let mut r = Rewrite { options };
    for s in &mut out.body {
        match s {
            Statement::Variable { init, .. }
            | Statement::Option { init, .. }
            | Statement::Expr(init)
            | Statement::Return(init) => r.expr(init, None),
            _ => {}
        }
    }
    Some(out)
}

struct Rewrite {
    /// Option name -> the package it belongs to.
    options: HashMap<String, String>,
}

impl Rewrite {
    /// `shadowed` is `None` outside any function, else the names bound by the enclosing
    /// functions' parameters and locals.
    fn expr(&mut self, e: &mut Expr, shadowed: Option<&HashSet<String>>) {
        match &mut e.kind {
            ExprKind::Ident(name) => {
                if let (Some(shadowed), Some(package)) = (shadowed, self.options.get(name)) {
                    if !shadowed.contains(name.as_str()) {
                        e.kind = ExprKind::PackageMember {
                            path: package.clone(),
                            name: name.clone(),
                        };
                    }
                }
            }
            ExprKind::Interpolated(parts) => {
                for p in parts {
                    if let StringPart::Expr(x) = p {
                        self.expr(x, shadowed);
                    }
                }
            }
            ExprKind::Array(items) => items.iter_mut().for_each(|i| self.expr(i, shadowed)),
            ExprKind::Dict(items) => {
                for (k, v) in items {
                    self.expr(k, shadowed);
                    self.expr(v, shadowed);
                }
            }
            ExprKind::Record { with, properties } => {
                if let Some(w) = with {
                    self.expr(w, shadowed);
                }
                properties
                    .iter_mut()
                    .for_each(|(_, v)| self.expr(v, shadowed));
            }
            ExprKind::Function(func) => {
                let outer: HashSet<String> = shadowed.cloned().unwrap_or_default();
                let f: &mut Function = Arc::make_mut(func);
                // Defaults are evaluated at the call, in the scope the function was
                // defined in: its own parameters do not shadow an option there, so
                // `(units=units) => ...` reads the option `units`.
                for p in &mut f.params {
                    if let Some(d) = &mut p.default {
                        self.expr(d, Some(&outer));
                    }
                }
                let mut inner = outer;
                for p in &f.params {
                    inner.insert(p.name.clone());
                }
                for s in &mut f.body {
                    match s {
                        Statement::Variable { name, init, .. } => {
                            self.expr(init, Some(&inner));
                            inner.insert(name.clone());
                        }
                        Statement::Return(x) | Statement::Expr(x) => self.expr(x, Some(&inner)),
                        _ => {}
                    }
                }
            }
            ExprKind::Call { callee, args, pipe } => {
                self.expr(callee, shadowed);
                args.iter_mut().for_each(|(_, v)| self.expr(v, shadowed));
                if let Some(p) = pipe {
                    self.expr(p, shadowed);
                }
            }
            ExprKind::Member { object, .. } => self.expr(object, shadowed),
            ExprKind::Index { array, index } => {
                self.expr(array, shadowed);
                self.expr(index, shadowed);
            }
            ExprKind::Unary { operand, .. } => self.expr(operand, shadowed),
            ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
                self.expr(left, shadowed);
                self.expr(right, shadowed);
            }
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => {
                self.expr(test, shadowed);
                self.expr(consequent, shadowed);
                self.expr(alternate, shadowed);
            }
            _ => {}
        }
    }
}
