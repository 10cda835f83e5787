//! Compiling row functions (`fn: (r) => …`) into column expressions that
//! [`fluxi_exec::vector`] evaluates over whole tables.
//!
//! Everything in the body that does not depend on the row is evaluated once, here, by the
//! interpreter (literals, captured variables, `v.timeRangeStart`, calls such as
//! `duration(v: "1h")`), so the compiled expression only has column references, constants
//! and operators. A body with anything else (calls on row values, string interpolation,
//! nested functions, …) does not compile and the caller keeps the row-by-row path.

use fluxi_eval::env::Env;
use fluxi_eval::{Closure, Interpreter};
use fluxi_exec::join::{JoinPlan, JoinSide};
use fluxi_exec::vector::{MapPlan, VExpr, VOp};
use fluxi_semantic::nodes::{BinaryOp, Expr, ExprKind, LogicalOp, Statement, StringPart, UnaryOp};
use fluxi_value::Value;

/// The interpreter counter of tables whose row function ran over whole columns.
pub const VECTORIZED: &str = "vectorized tables";

/// A row parameter and the prefix its properties get as column names: `r.x` of `filter`
/// is column `x`, `l.x` of `join`'s `as` is column `l.x` of the joined rows.
type RowParams = &'static [(&'static str, &'static str)];

/// The row parameter of `filter` and `map` functions: `r.x` is column `x`.
const ROW: RowParams = &[("r", "")];

/// The row parameters of the `join` package's `as`: `l.x` and `r.x` are column `x` of the
/// left and the right row (see [`JoinPlan::column`]).
const JOINED: RowParams = &[("l", JoinPlan::LEFT), ("r", JoinPlan::RIGHT)];

/// The parameters of a `reduce` function: `r.x` is [`Fold::ROW`] + `x`, `accumulator.x`
/// is [`Fold::ACCUMULATOR`] + `x`.
const FOLD: RowParams = &[("r", Fold::ROW), ("accumulator", Fold::ACCUMULATOR)];

/// Compile a `filter` predicate.
pub fn predicate(interp: &mut Interpreter, f: &Value) -> Option<VExpr> {
    if !interp.vectorize() {
        return None;
    }
    let (mut c, body) = Compiler::new(interp, f, ROW)?;
    c.compile(body)
}

/// Compile a `map` function whose body is a record literal, with or without `r with`.
pub fn map_plan(interp: &mut Interpreter, f: &Value) -> Option<MapPlan> {
    if !interp.vectorize() {
        return None;
    }
    let (mut c, body) = Compiler::new(interp, f, ROW)?;
    let (with, properties) = c.record(body)?;
    Some(MapPlan {
        with_row: with.is_some(),
        properties,
    })
}

/// A compiled `reduce` function: the properties of the record it returns, over the row's
/// columns and the accumulator's fields. It is evaluated row after row (each row needs
/// the accumulator the previous one made) by [`crate::fold`].
#[derive(Debug, Clone)]
pub struct Fold {
    /// The properties, each label once (the last one written wins).
    pub properties: Vec<(String, VExpr)>,
}

impl Fold {
    /// The prefix of a row column's name in the compiled expressions.
    pub const ROW: &'static str = "r.";
    /// The prefix of an accumulator field's name in the compiled expressions.
    pub const ACCUMULATOR: &'static str = "a.";
}

/// Compile a `reduce` function `(r, accumulator) => ({…})` whose body is a record literal.
/// (`{accumulator with …}` is not compiled: the type checker rejects it, as the record
/// would have to contain itself.)
pub fn fold(interp: &mut Interpreter, f: &Value) -> Option<Fold> {
    if !interp.vectorize() {
        return None;
    }
    let (mut c, body) = Compiler::new(interp, f, FOLD)?;
    let (with, properties) = c.record(body)?;
    with.is_none().then_some(Fold { properties })
}

/// Compile the `join` package's `as` function whose body is a record literal, with or
/// without `l with` or `r with`.
pub fn join_plan(interp: &mut Interpreter, f: &Value) -> Option<JoinPlan> {
    if !interp.vectorize() {
        return None;
    }
    let (mut c, body) = Compiler::new(interp, f, JOINED)?;
    let (with, properties) = c.record(body)?;
    let with = match with {
        None => None,
        Some(JoinPlan::LEFT) => Some(JoinSide::Left),
        Some(JoinPlan::RIGHT) => Some(JoinSide::Right),
        Some(_) => return None,
    };
    Some(JoinPlan { with, properties })
}

/// A compiled record: the prefix of the row it extends, if any (as [`Compiler::rows`]
/// names it) and its properties, each label once (the last one written wins).
type RecordParts = (Option<&'static str>, Vec<(String, VExpr)>);

struct Compiler<'a> {
    interp: &'a mut Interpreter,
    env: Env,
    locals: Vec<(String, VExpr)>,
    /// The row parameters, each with the prefix its properties get as column names.
    rows: RowParams,
}

impl<'a> Compiler<'a> {
    /// A compiler for a closure whose parameters are exactly the row parameters `rows`,
    /// with the body's local assignments compiled, and the returned expression.
    fn new(
        interp: &'a mut Interpreter,
        f: &'a Value,
        rows: RowParams,
    ) -> Option<(Compiler<'a>, &'a Expr)> {
        let Value::Function(callable) = f else {
            return None;
        };
        let closure = callable.as_any().downcast_ref::<Closure>()?;
        let func = closure.function();
        if func.params.len() != rows.len()
            || !func
                .params
                .iter()
                .all(|p| rows.iter().any(|(name, _)| p.name == *name))
        {
            return None;
        }
        let mut c = Compiler {
            interp,
            env: closure.env().clone(),
            locals: Vec::new(),
            rows,
        };
        for s in &func.body {
            match s {
                Statement::Variable { name, init, .. } if c.row(name).is_none() => {
                    let v = c.compile(init)?;
                    c.locals.push((name.clone(), v));
                }
                Statement::Return(e) => return Some((c, e)),
                _ => return None,
            }
        }
        None
    }

    /// The column-name prefix of a row parameter, unless a local assignment hides it.
    fn row(&self, name: &str) -> Option<&'static str> {
        if self.local(name).is_some() {
            return None;
        }
        self.rows
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, prefix)| *prefix)
    }

    /// A record literal `{a: …}` or `{row with a: …}`, compiled.
    fn record(&mut self, body: &Expr) -> Option<RecordParts> {
        let ExprKind::Record { with, properties } = &body.kind else {
            return None;
        };
        let with = match with.as_deref() {
            None => None,
            Some(Expr {
                kind: ExprKind::Ident(n),
                ..
            }) => Some(self.row(n)?),
            Some(_) => return None,
        };
        let mut compiled: Vec<(String, VExpr)> = Vec::with_capacity(properties.len());
        for (label, e) in properties {
            let v = self.compile(e)?;
            match compiled.iter_mut().find(|(l, _)| l == label) {
                Some(slot) => slot.1 = v,
                None => compiled.push((label.clone(), v)),
            }
        }
        Some((with, compiled))
    }

    fn local(&self, name: &str) -> Option<&VExpr> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Whether the expression depends on the row (mentions a row parameter or a local
    /// computed from one). Nested functions count as dependent: they are not compiled.
    fn depends(&self, e: &Expr) -> bool {
        let dep = |x: &Expr| self.depends(x);
        match &e.kind {
            ExprKind::Ident(n) => self.rows.iter().any(|(r, _)| r == n) || self.local(n).is_some(),
            ExprKind::Function(_) | ExprKind::PipeLit | ExprKind::Bad => true,
            ExprKind::PackageMember { .. }
            | ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::String(_)
            | ExprKind::Regex(_)
            | ExprKind::Duration(_)
            | ExprKind::DateTime(_)
            | ExprKind::Label(_) => false,
            ExprKind::Interpolated(parts) => parts.iter().any(|p| match p {
                StringPart::Text(_) => false,
                StringPart::Expr(x) => dep(x),
            }),
            ExprKind::Array(items) => items.iter().any(dep),
            ExprKind::Dict(items) => items.iter().any(|(k, v)| dep(k) || dep(v)),
            ExprKind::Record { with, properties } => {
                with.as_deref().is_some_and(dep) || properties.iter().any(|(_, v)| dep(v))
            }
            ExprKind::Call { callee, args, pipe } => {
                dep(callee) || args.iter().any(|(_, v)| dep(v)) || pipe.as_deref().is_some_and(dep)
            }
            ExprKind::Member { object, .. } => dep(object),
            ExprKind::Index { array, index } => dep(array) || dep(index),
            ExprKind::Unary { operand, .. } => dep(operand),
            ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
                dep(left) || dep(right)
            }
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => dep(test) || dep(consequent) || dep(alternate),
        }
    }

    fn compile(&mut self, e: &Expr) -> Option<VExpr> {
        if !self.depends(e) {
            // Evaluated once. An error here is left for the row path to report (with its
            // span), and only if a row reaches it.
            let v = self.interp.eval(e, &self.env).ok()?;
            return matches!(
                v,
                Value::Null
                    | Value::Int(_)
                    | Value::UInt(_)
                    | Value::Float(_)
                    | Value::String(_)
                    | Value::Bool(_)
                    | Value::Time(_)
                    | Value::Regex(_)
            )
            .then_some(VExpr::Const(v));
        }
        Some(match &e.kind {
            ExprKind::Ident(n) => self.local(n)?.clone(),
            ExprKind::Member { object, property } => match &object.kind {
                ExprKind::Ident(n) => VExpr::Column(format!("{}{property}", self.row(n)?)),
                _ => return None,
            },
            ExprKind::Binary { op, left, right } => {
                let op = match op {
                    BinaryOp::Add => VOp::Add,
                    BinaryOp::Sub => VOp::Sub,
                    BinaryOp::Mul => VOp::Mul,
                    BinaryOp::Div => VOp::Div,
                    BinaryOp::Mod => VOp::Mod,
                    BinaryOp::Eq => VOp::Eq,
                    BinaryOp::NotEq => VOp::NotEq,
                    BinaryOp::Lt => VOp::Lt,
                    BinaryOp::Le => VOp::Le,
                    BinaryOp::Gt => VOp::Gt,
                    BinaryOp::Ge => VOp::Ge,
                    BinaryOp::RegexMatch => VOp::RegexMatch,
                    BinaryOp::RegexNotMatch => VOp::RegexNotMatch,
                    BinaryOp::Pow => return None,
                };
                VExpr::Binary(
                    op,
                    Box::new(self.compile(left)?),
                    Box::new(self.compile(right)?),
                )
            }
            ExprKind::Logical { op, left, right } => {
                let (l, r) = (
                    Box::new(self.compile(left)?),
                    Box::new(self.compile(right)?),
                );
                match op {
                    LogicalOp::And => VExpr::And(l, r),
                    LogicalOp::Or => VExpr::Or(l, r),
                }
            }
            ExprKind::Unary { op, operand } => {
                let x = Box::new(self.compile(operand)?);
                match op {
                    UnaryOp::Not => VExpr::Not(x),
                    UnaryOp::Neg => VExpr::Neg(x),
                    UnaryOp::Exists => VExpr::Exists(x),
                    UnaryOp::Pos => return None,
                }
            }
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => VExpr::Cond(
                Box::new(self.compile(test)?),
                Box::new(self.compile(consequent)?),
                Box::new(self.compile(alternate)?),
            ),
            _ => return None,
        })
    }
}
