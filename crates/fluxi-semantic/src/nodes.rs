//! The typed semantic graph: the program after name resolution and inference, with pipes
//! turned into calls, shorthand arguments spelled out, parentheses gone, and every
//! expression carrying its (substituted) type. The evaluator walks this.

use crate::types::{MonoType, PolyType};
pub use fluxi_syntax::ast::{BinaryOp, DateTimeLit, DurationPart, LogicalOp, UnaryOp};
use fluxi_syntax::Span;
use std::sync::Arc;

/// A checked file (a package or a main program).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Package {
    /// The package name of the `package` clause, if any.
    pub name: Option<String>,
    /// Imports: the name bound and the package path.
    pub imports: Vec<Import>,
    /// The statements in order.
    pub body: Vec<Statement>,
}

/// `import alias "path"`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// The name the import binds.
    pub name: String,
    /// The package path.
    pub path: String,
    /// Where it is written.
    pub span: Span,
}

/// A statement.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Statement {
    /// `name = init`
    Variable {
        /// The name bound.
        name: String,
        /// Its value.
        init: Expr,
        /// Its generalised type.
        ty: PolyType,
        /// Where it is written.
        span: Span,
    },
    /// `option [package.]name = init`
    Option {
        /// The package path, for `option pkg.name`.
        package: Option<String>,
        /// The option name.
        name: String,
        /// Its value.
        init: Expr,
        /// Where it is written.
        span: Span,
    },
    /// An expression statement.
    Expr(Expr),
    /// `return expr`
    Return(Expr),
    /// `builtin name : type`
    Builtin {
        /// The name declared.
        name: String,
        /// Its declared type.
        ty: PolyType,
        /// Where it is written.
        span: Span,
    },
    /// `testcase name [extends "..."] { ... }`
    Testcase {
        /// The testcase name.
        name: String,
        /// The testcase it extends.
        extends: Option<String>,
        /// Its statements.
        body: Vec<Statement>,
        /// Where it is written.
        span: Span,
    },
}

/// A typed expression.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Expr {
    /// Where it is written.
    pub span: Span,
    /// Its type.
    pub ty: MonoType,
    /// What it is.
    pub kind: ExprKind,
}

/// The kinds of expression.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum ExprKind {
    /// A name in scope.
    Ident(String),
    /// `pkg.name` where `pkg` is an import.
    PackageMember {
        /// The package path.
        path: String,
        /// The member.
        name: String,
    },
    /// `42`
    Int(i64),
    /// `4.2`
    Float(f64),
    /// `"text"`
    String(String),
    /// `"a ${x} b"`
    Interpolated(Vec<StringPart>),
    /// `/re/`
    Regex(String),
    /// `1h30m`
    Duration(Vec<DurationPart>),
    /// `2020-01-01T00:00:00Z`
    DateTime(DateTimeLit),
    /// `.name`
    Label(String),
    /// `<-` as a default value.
    PipeLit,
    /// `[a, b]`
    Array(Vec<Expr>),
    /// `[k: v]`
    Dict(Vec<(Expr, Expr)>),
    /// `{a: 1}` or `{r with a: 1}`
    Record {
        /// The record extended.
        with: Option<Box<Expr>>,
        /// The properties in source order.
        properties: Vec<(String, Expr)>,
    },
    /// A function literal.
    Function(Arc<Function>),
    /// A call (pipes included).
    Call {
        /// The function.
        callee: Box<Expr>,
        /// Named arguments in source order.
        args: Vec<(String, Expr)>,
        /// The piped-in value.
        pipe: Option<Box<Expr>>,
    },
    /// `r.name`
    Member {
        /// The record.
        object: Box<Expr>,
        /// The property.
        property: String,
    },
    /// `a[i]`
    Index {
        /// The array.
        array: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
    /// Prefix operators.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// Binary operators.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left.
        left: Box<Expr>,
        /// Right.
        right: Box<Expr>,
    },
    /// `and` / `or`.
    Logical {
        /// The operator.
        op: LogicalOp,
        /// Left.
        left: Box<Expr>,
        /// Right.
        right: Box<Expr>,
    },
    /// `if .. then .. else ..`
    Conditional {
        /// Condition.
        test: Box<Expr>,
        /// When true.
        consequent: Box<Expr>,
        /// When false or null.
        alternate: Box<Expr>,
    },
    /// An expression that did not check.
    Bad,
}

/// A piece of an interpolated string.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum StringPart {
    /// Literal text.
    Text(String),
    /// `${expr}`
    Expr(Expr),
}

/// A function literal.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Function {
    /// Parameters in source order.
    pub params: Vec<Param>,
    /// The body: statements ending in a return.
    pub body: Vec<Statement>,
}

/// A function parameter.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its default, if any (not for the pipe parameter).
    pub default: Option<Expr>,
    /// Whether it receives piped input (`tables=<-`).
    pub pipe: bool,
}

/// Call `f` on an expression and every expression inside it, function bodies and default
/// values included.
pub fn visit(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Interpolated(parts) => {
            for p in parts {
                if let StringPart::Expr(x) = p {
                    visit(x, f);
                }
            }
        }
        ExprKind::Array(items) => items.iter().for_each(|i| visit(i, f)),
        ExprKind::Dict(items) => items.iter().for_each(|(k, v)| {
            visit(k, f);
            visit(v, f);
        }),
        ExprKind::Record { with, properties } => {
            if let Some(w) = with {
                visit(w, f);
            }
            properties.iter().for_each(|(_, v)| visit(v, f));
        }
        ExprKind::Function(func) => {
            for p in &func.params {
                if let Some(d) = &p.default {
                    visit(d, f);
                }
            }
            for s in &func.body {
                match s {
                    Statement::Return(x)
                    | Statement::Expr(x)
                    | Statement::Variable { init: x, .. } => visit(x, f),
                    _ => {}
                }
            }
        }
        ExprKind::Call { callee, args, pipe } => {
            visit(callee, f);
            args.iter().for_each(|(_, v)| visit(v, f));
            if let Some(p) = pipe {
                visit(p, f);
            }
        }
        ExprKind::Member { object, .. } => visit(object, f),
        ExprKind::Index { array, index } => {
            visit(array, f);
            visit(index, f);
        }
        ExprKind::Unary { operand, .. } => visit(operand, f),
        ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
            visit(left, f);
            visit(right, f);
        }
        ExprKind::Conditional {
            test,
            consequent,
            alternate,
        } => {
            visit(test, f);
            visit(consequent, f);
            visit(alternate, f);
        }
        _ => {}
    }
}
