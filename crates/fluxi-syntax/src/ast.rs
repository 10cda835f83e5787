//! The abstract syntax tree. Every node carries the byte span it was parsed from; comments
//! are kept in [`File::comments`] in source order so a formatter can put them back.

use crate::span::Span;

/// A parsed source file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The whole file.
    pub span: Span,
    /// `package name`, if present.
    pub package: Option<PackageClause>,
    /// Import declarations, in order.
    pub imports: Vec<Import>,
    /// Top-level statements, in order.
    pub body: Vec<Statement>,
    /// Every comment in the file, in source order.
    pub comments: Vec<Comment>,
}

/// A `// ...` comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment including its `//`.
    pub span: Span,
    /// The text including its `//`.
    pub text: String,
}

/// `@name` or `@name(params)` before a package clause, import or statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// The attribute.
    pub span: Span,
    /// The name without `@`.
    pub name: String,
    /// Parameters, if parenthesised.
    pub params: Vec<Expr>,
}

/// `package name`.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageClause {
    /// The clause.
    pub span: Span,
    /// Attributes written before it.
    pub attributes: Vec<Attribute>,
    /// The package name.
    pub name: Ident,
}

/// `import [alias] "path"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    /// The declaration.
    pub span: Span,
    /// Attributes written before it.
    pub attributes: Vec<Attribute>,
    /// The alias, if given.
    pub alias: Option<Ident>,
    /// The package path.
    pub path: StringLit,
}

impl Import {
    /// The name the import binds: the alias, else the last segment of the path.
    pub fn name(&self) -> &str {
        match &self.alias {
            Some(a) => &a.name,
            None => self
                .path
                .value
                .rsplit('/')
                .next()
                .unwrap_or(&self.path.value),
        }
    }
}

/// An identifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// Where it is written.
    pub span: Span,
    /// The name.
    pub name: String,
}

/// A plain string literal (no interpolation), e.g. an import path or a property name.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLit {
    /// The literal including quotes.
    pub span: Span,
    /// The value, escapes resolved.
    pub value: String,
}

/// A statement with the attributes written before it.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement.
    pub span: Span,
    /// Attributes written before it.
    pub attributes: Vec<Attribute>,
    /// What kind of statement it is.
    pub kind: StatementKind,
}

/// The kinds of statement.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementKind {
    /// `name = expr`
    Variable {
        /// The name bound.
        id: Ident,
        /// Its value.
        init: Expr,
    },
    /// `option name = expr` or `option pkg.name = expr`
    Option {
        /// The package qualifier, for `option pkg.name`.
        package: Option<Ident>,
        /// The option name.
        id: Ident,
        /// Its value.
        init: Expr,
    },
    /// `return expr`
    Return(Expr),
    /// An expression on its own.
    Expr(Expr),
    /// `builtin name : type`
    Builtin {
        /// The name declared.
        id: Ident,
        /// Its type.
        ty: TypeExpr,
    },
    /// `testcase name [extends "path"] { ... }`
    Testcase {
        /// The testcase name.
        id: Ident,
        /// The testcase it extends.
        extends: Option<StringLit>,
        /// Its statements.
        block: Block,
    },
    /// Something that failed to parse; an error was reported for it.
    Bad,
}

/// `{ statements }`: a function body or a testcase body.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// From `{` to `}`.
    pub span: Span,
    /// The statements.
    pub body: Vec<Statement>,
    depth: u32,
}

impl Block {
    /// A new block.
    pub fn new(body: Vec<Statement>, span: Span) -> Block {
        let depth = body
            .iter()
            .map(Statement::depth)
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        Block { span, body, depth }
    }

    /// How deep the tree under this block is.
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

impl Statement {
    /// How deep the tree under this statement is.
    pub fn depth(&self) -> u32 {
        let inner = match &self.kind {
            StatementKind::Variable { init, .. } | StatementKind::Option { init, .. } => {
                init.depth()
            }
            StatementKind::Return(e) | StatementKind::Expr(e) => e.depth(),
            StatementKind::Builtin { ty, .. } => ty.ty.depth(),
            StatementKind::Testcase { block, .. } => block.depth(),
            StatementKind::Bad => 0,
        };
        let attrs = self
            .attributes
            .iter()
            .flat_map(|a| &a.params)
            .map(Expr::depth);
        inner.max(attrs.max().unwrap_or(0)).saturating_add(1)
    }
}

/// An expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Where it is written.
    pub span: Span,
    /// What it is.
    pub kind: ExprKind,
    depth: u32,
}

impl Expr {
    /// A new expression node.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        let depth = kind.children_depth().saturating_add(1);
        Expr { span, kind, depth }
    }

    /// How deep the tree under this node is (a leaf has depth 1).
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The identifier name, if this is a bare identifier.
    pub fn as_ident(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Ident(n) => Some(n),
            _ => None,
        }
    }
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A name.
    Ident(String),
    /// `42`
    Int(i64),
    /// `4.2`
    Float(f64),
    /// `"text"` without interpolation.
    String(String),
    /// `"text ${expr} text"`.
    Interpolated(Vec<StringPart>),
    /// `/pattern/` (the pattern with `\/` unescaped).
    Regex(String),
    /// `1h30m`
    Duration(Vec<DurationPart>),
    /// `2020-01-01T00:00:00Z`
    DateTime(DateTimeLit),
    /// `<-`, the pipe literal used as a parameter default.
    PipeLit,
    /// `.name`, a label literal.
    Label(String),
    /// `[a, b]`
    Array(Vec<Expr>),
    /// `["k": v]`, `[:]`
    Dict(Vec<(Expr, Expr)>),
    /// `{a: 1, b}` or `{r with a: 1}`
    Record {
        /// The record extended with `with`.
        with: Option<Ident>,
        /// The properties.
        properties: Vec<Property>,
    },
    /// `(params) => body`
    Function {
        /// The parameters.
        params: Vec<Param>,
        /// The body.
        body: Box<FunctionBody>,
    },
    /// `f(a: 1)`
    Call(CallExpr),
    /// `arg |> call(...)`
    Pipe {
        /// The value piped in.
        argument: Box<Expr>,
        /// The call receiving it.
        call: CallExpr,
    },
    /// `r.name` or `r["name"]`
    Member {
        /// The record.
        object: Box<Expr>,
        /// The property.
        property: PropertyKey,
    },
    /// `a[i]`
    Index {
        /// The array (or dictionary).
        array: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
    /// `-x`, `+x`, `not x`, `exists r.x`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        operand: Box<Expr>,
    },
    /// Arithmetic, comparison and regex matching.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `and`, `or` (short-circuiting).
    Logical {
        /// The operator.
        op: LogicalOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `if test then consequent else alternate`
    Conditional {
        /// The condition.
        test: Box<Expr>,
        /// Value when true.
        consequent: Box<Expr>,
        /// Value when false or null.
        alternate: Box<Expr>,
    },
    /// `(expr)`
    Paren(Box<Expr>),
    /// Something that failed to parse; an error was reported for it.
    Bad,
}

impl ExprKind {
    /// Calls `expr` on each expression directly inside this one and `block` on each
    /// block (a function's `{ ... }` body), in no promised order.
    pub fn for_each_child<'a>(
        &'a self,
        expr: &mut dyn FnMut(&'a Expr),
        block: &mut dyn FnMut(&'a Block),
    ) {
        let call = |c: &'a CallExpr, expr: &mut dyn FnMut(&'a Expr)| {
            expr(&c.callee);
            c.args
                .iter()
                .filter_map(|p| p.value.as_ref())
                .for_each(&mut *expr);
        };
        match self {
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
            ExprKind::Interpolated(parts) => parts
                .iter()
                .filter_map(|p| match p {
                    StringPart::Expr(e) => Some(e),
                    StringPart::Text(_) => None,
                })
                .for_each(expr),
            ExprKind::Array(items) => items.iter().for_each(expr),
            ExprKind::Dict(items) => items.iter().flat_map(|(k, v)| [k, v]).for_each(expr),
            ExprKind::Record { properties, .. } => properties
                .iter()
                .filter_map(|p| p.value.as_ref())
                .for_each(expr),
            ExprKind::Function { params, body } => {
                params
                    .iter()
                    .filter_map(|p| p.default.as_ref())
                    .for_each(&mut *expr);
                match body.as_ref() {
                    FunctionBody::Expr(e) => expr(e),
                    FunctionBody::Block(b) => block(b),
                }
            }
            ExprKind::Call(c) => call(c, expr),
            ExprKind::Pipe { argument, call: c } => {
                expr(argument);
                call(c, expr);
            }
            ExprKind::Member { object, .. } => expr(object),
            ExprKind::Index { array, index } => {
                expr(array);
                expr(index);
            }
            ExprKind::Unary { operand, .. } => expr(operand),
            ExprKind::Binary { left, right, .. } | ExprKind::Logical { left, right, .. } => {
                expr(left);
                expr(right);
            }
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => {
                expr(test);
                expr(consequent);
                expr(alternate);
            }
            ExprKind::Paren(e) => expr(e),
        }
    }

    fn children_depth(&self) -> u32 {
        let depth = std::cell::Cell::new(0);
        self.for_each_child(&mut |e| depth.set(depth.get().max(e.depth)), &mut |b| {
            depth.set(depth.get().max(b.depth()))
        });
        depth.get()
    }
}

/// One piece of an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum StringPart {
    /// Literal text, escapes resolved.
    Text(String),
    /// `${expr}`
    Expr(Expr),
}

/// A call: callee and named arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct CallExpr {
    /// From the callee to `)`.
    pub span: Span,
    /// The function called.
    pub callee: Box<Expr>,
    /// The arguments (`name: value`, or `name` alone for `name: name`).
    pub args: Vec<Property>,
}

/// `key: value` in a record or call, or `key` alone (meaning `key: key`).
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The whole property.
    pub span: Span,
    /// Its name.
    pub key: PropertyKey,
    /// Its value; `None` for the shorthand `key`.
    pub value: Option<Expr>,
}

/// A property name: an identifier or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyKey {
    /// `name`
    Ident(Ident),
    /// `"name with spaces"`
    String(StringLit),
}

impl PropertyKey {
    /// The name.
    pub fn name(&self) -> &str {
        match self {
            PropertyKey::Ident(i) => &i.name,
            PropertyKey::String(s) => &s.value,
        }
    }

    /// Where it is written.
    pub fn span(&self) -> Span {
        match self {
            PropertyKey::Ident(i) => i.span,
            PropertyKey::String(s) => s.span,
        }
    }
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The whole parameter.
    pub span: Span,
    /// Its name.
    pub name: Ident,
    /// Its default value (`<-` for the pipe parameter).
    pub default: Option<Expr>,
}

/// A function body.
#[derive(Debug, Clone, PartialEq)]
pub enum FunctionBody {
    /// `=> expr`
    Expr(Expr),
    /// `=> { statements }`
    Block(Block),
}

/// Prefix operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Pos,
    /// `not`
    Not,
    /// `exists`
    Exists,
}

/// Binary operators (other than `and`/`or`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `^`
    Pow,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`
    RegexMatch,
    /// `!~`
    RegexNotMatch,
}

/// `and` / `or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LogicalOp {
    /// `and`
    And,
    /// `or`
    Or,
}

impl UnaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Pos => "+",
            UnaryOp::Not => "not",
            UnaryOp::Exists => "exists",
        }
    }
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::Eq => "==",
            BinaryOp::NotEq => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::RegexMatch => "=~",
            BinaryOp::RegexNotMatch => "!~",
        }
    }
}

impl LogicalOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalOp::And => "and",
            LogicalOp::Or => "or",
        }
    }
}

/// One `<magnitude><unit>` pair of a duration literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DurationPart {
    /// The number.
    pub magnitude: i64,
    /// The unit.
    pub unit: DurationUnit,
}

/// Duration units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DurationUnit {
    /// `y`
    Year,
    /// `mo`
    Month,
    /// `w`
    Week,
    /// `d`
    Day,
    /// `h`
    Hour,
    /// `m`
    Minute,
    /// `s`
    Second,
    /// `ms`
    Millisecond,
    /// `us` or `µs`
    Microsecond,
    /// `ns`
    Nanosecond,
}

impl DurationUnit {
    /// The unit as written (`us` for microseconds).
    pub fn as_str(self) -> &'static str {
        match self {
            DurationUnit::Year => "y",
            DurationUnit::Month => "mo",
            DurationUnit::Week => "w",
            DurationUnit::Day => "d",
            DurationUnit::Hour => "h",
            DurationUnit::Minute => "m",
            DurationUnit::Second => "s",
            DurationUnit::Millisecond => "ms",
            DurationUnit::Microsecond => "us",
            DurationUnit::Nanosecond => "ns",
        }
    }
}

/// A date-time literal, resolved to an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DateTimeLit {
    /// Seconds since the Unix epoch (UTC).
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// The UTC offset the literal was written with, in seconds.
    pub offset_seconds: i32,
}

/// A type expression: a monotype and the constraints on its variables.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    /// The whole type expression.
    pub span: Span,
    /// The type.
    pub ty: MonoType,
    /// `where A: Record, B: Addable + Comparable`
    pub constraints: Vec<TypeConstraint>,
}

/// `A: Kind + Kind`
#[derive(Debug, Clone, PartialEq)]
pub struct TypeConstraint {
    /// The constraint.
    pub span: Span,
    /// The type variable.
    pub tvar: Ident,
    /// The kinds it must have.
    pub kinds: Vec<Ident>,
}

/// A type.
#[derive(Debug, Clone, PartialEq)]
pub struct MonoType {
    /// Where it is written.
    pub span: Span,
    /// What it is.
    pub kind: MonoTypeKind,
    depth: u32,
}

impl MonoType {
    /// A new type node.
    pub fn new(kind: MonoTypeKind, span: Span) -> MonoType {
        let depth = match &kind {
            MonoTypeKind::Var(_)
            | MonoTypeKind::Basic(_)
            | MonoTypeKind::Dynamic
            | MonoTypeKind::Label(_) => 0,
            MonoTypeKind::Array(t) | MonoTypeKind::Stream(t) | MonoTypeKind::Vector(t) => t.depth,
            MonoTypeKind::Dict { key, value } => key.depth.max(value.depth),
            MonoTypeKind::Record { properties, .. } => {
                properties.iter().map(|p| p.ty.depth).max().unwrap_or(0)
            }
            MonoTypeKind::Function { params, ret } => params
                .iter()
                .map(|p| p.ty.depth)
                .max()
                .unwrap_or(0)
                .max(ret.depth),
        };
        MonoType {
            span,
            kind,
            depth: depth.saturating_add(1),
        }
    }

    /// How deep the tree under this type is.
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

/// The kinds of type.
#[derive(Debug, Clone, PartialEq)]
pub enum MonoTypeKind {
    /// A one-letter type variable, e.g. `A`.
    Var(Ident),
    /// A named type such as `int`, `string`, `time`.
    Basic(Ident),
    /// `dynamic`
    Dynamic,
    /// `[T]`
    Array(Box<MonoType>),
    /// `[K: V]`
    Dict {
        /// Key type.
        key: Box<MonoType>,
        /// Value type.
        value: Box<MonoType>,
    },
    /// `stream[T]`
    Stream(Box<MonoType>),
    /// `vector[T]`
    Vector(Box<MonoType>),
    /// `{a: T, ...}` or `{A with a: T}`
    Record {
        /// The row variable extended.
        tvar: Option<Ident>,
        /// The properties.
        properties: Vec<PropertyType>,
    },
    /// `(a: T, ?b: U, <-tables: V) => R`
    Function {
        /// The parameters.
        params: Vec<ParamType>,
        /// The return type.
        ret: Box<MonoType>,
    },
    /// `.name`, a label type.
    Label(String),
}

/// `name: T` in a record type.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyType {
    /// The whole property.
    pub span: Span,
    /// Its name.
    pub name: PropertyKey,
    /// Its type.
    pub ty: MonoType,
}

/// A parameter of a function type.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamType {
    /// The whole parameter.
    pub span: Span,
    /// Required, optional or pipe.
    pub kind: ParamKind,
    /// Its name (a pipe parameter may be unnamed: `<-: T`).
    pub name: Option<Ident>,
    /// Its type.
    pub ty: MonoType,
    /// For optional parameters, a default label: `?column: A = .foo`.
    pub default: Option<String>,
}

/// How a function-type parameter is passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// `name: T`
    Required,
    /// `?name: T`
    Optional,
    /// `<-name: T`
    Pipe,
}
