//! Flux types: monotypes with row-polymorphic records, polytypes, kinds, and printing in
//! Flux syntax with variables named A, B, C.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write};

/// A type variable.
pub type Tvar = u32;

/// The basic (non-composite) types.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum BasicType {
    /// `int`
    Int,
    /// `uint`
    Uint,
    /// `float`
    Float,
    /// `string`
    String,
    /// `bool`
    Bool,
    /// `time`
    Time,
    /// `duration`
    Duration,
    /// `bytes`
    Bytes,
    /// `regexp`
    Regexp,
}

impl BasicType {
    /// The name as written in Flux.
    pub fn name(self) -> &'static str {
        match self {
            BasicType::Int => "int",
            BasicType::Uint => "uint",
            BasicType::Float => "float",
            BasicType::String => "string",
            BasicType::Bool => "bool",
            BasicType::Time => "time",
            BasicType::Duration => "duration",
            BasicType::Bytes => "bytes",
            BasicType::Regexp => "regexp",
        }
    }

    /// The basic type of a name, if it is one.
    pub fn from_name(name: &str) -> Option<BasicType> {
        Some(match name {
            "int" => BasicType::Int,
            "uint" => BasicType::Uint,
            "float" => BasicType::Float,
            "string" => BasicType::String,
            "bool" => BasicType::Bool,
            "time" => BasicType::Time,
            "duration" => BasicType::Duration,
            "bytes" => BasicType::Bytes,
            "regexp" => BasicType::Regexp,
            _ => return None,
        })
    }

    /// Whether values of this type have the kind.
    pub fn has_kind(self, kind: Kind) -> bool {
        use Kind::*;
        match self {
            BasicType::Bool => matches!(kind, Equatable | Nullable | Basic | Stringable),
            BasicType::Int | BasicType::Uint | BasicType::Float => matches!(
                kind,
                Addable
                    | Subtractable
                    | Divisible
                    | Numeric
                    | Comparable
                    | Equatable
                    | Nullable
                    | Basic
                    | Stringable
                    | Negatable
            ),
            BasicType::String => matches!(
                kind,
                Addable | Comparable | Equatable | Nullable | Basic | Stringable | Label
            ),
            BasicType::Duration => matches!(
                kind,
                Comparable | Equatable | Nullable | Basic | Negatable | Stringable | Timeable
            ),
            BasicType::Time => {
                matches!(
                    kind,
                    Comparable | Equatable | Nullable | Basic | Timeable | Stringable
                )
            }
            BasicType::Regexp => matches!(kind, Basic),
            BasicType::Bytes => matches!(kind, Equatable | Basic),
        }
    }
}

/// Kinds: classes of types that support an operation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Kind {
    /// Supports `+`.
    Addable,
    /// Supports `-`.
    Subtractable,
    /// Supports `*`, `/`, `%`, `^`.
    Divisible,
    /// A number.
    Numeric,
    /// Supports `<`, `>`, `<=`, `>=`.
    Comparable,
    /// Supports `==`, `!=`.
    Equatable,
    /// Can be null.
    Nullable,
    /// Supports prefix `-`.
    Negatable,
    /// A record.
    Record,
    /// Can be turned into a string (and interpolated).
    Stringable,
    /// A time or a duration.
    Timeable,
    /// A basic type.
    Basic,
    /// A column label (a string here).
    Label,
}

impl Kind {
    /// The kind of a name, if it is one.
    pub fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "Addable" => Kind::Addable,
            "Subtractable" => Kind::Subtractable,
            "Divisible" => Kind::Divisible,
            "Numeric" => Kind::Numeric,
            "Comparable" => Kind::Comparable,
            "Equatable" => Kind::Equatable,
            "Nullable" => Kind::Nullable,
            "Negatable" => Kind::Negatable,
            "Record" => Kind::Record,
            "Stringable" => Kind::Stringable,
            "Timeable" => Kind::Timeable,
            "Basic" => Kind::Basic,
            "Label" => Kind::Label,
            _ => return None,
        })
    }

    /// The name as written in Flux.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Addable => "Addable",
            Kind::Subtractable => "Subtractable",
            Kind::Divisible => "Divisible",
            Kind::Numeric => "Numeric",
            Kind::Comparable => "Comparable",
            Kind::Equatable => "Equatable",
            Kind::Nullable => "Nullable",
            Kind::Negatable => "Negatable",
            Kind::Record => "Record",
            Kind::Stringable => "Stringable",
            Kind::Timeable => "Timeable",
            Kind::Basic => "Basic",
            Kind::Label => "Label",
        }
    }

    /// What the kind means, in plain words ("can be added with `+`").
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Addable => "can be added with `+`",
            Kind::Subtractable => "can be subtracted with `-`",
            Kind::Divisible => "supports `*`, `/`, `%` and `^`",
            Kind::Numeric => "is a number",
            Kind::Comparable => "can be ordered with `<` and `>`",
            Kind::Equatable => "can be compared with `==`",
            Kind::Nullable => "can be null",
            Kind::Negatable => "can be negated with `-`",
            Kind::Record => "is a record",
            Kind::Stringable => "can be turned into a string",
            Kind::Timeable => "is a time or a duration",
            Kind::Basic => "is a basic value (not a record, array or function)",
            Kind::Label => "is a column name",
        }
    }
}

/// A monomorphic type.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub enum MonoType {
    /// The type of an expression that failed to check; unifies with everything, so one
    /// mistake is reported once.
    #[default]
    Error,
    /// `int`, `string`, ...
    Basic(BasicType),
    /// A type variable.
    Var(Tvar),
    /// `[T]`
    Array(Box<MonoType>),
    /// `vector[T]`
    Vector(Box<MonoType>),
    /// `stream[T]`
    Stream(Box<MonoType>),
    /// `[K: V]`
    Dict(Box<MonoType>, Box<MonoType>),
    /// A record row.
    Record(Box<Row>),
    /// A function.
    Fun(Box<Function>),
    /// `dynamic`
    Dynamic,
}

/// A record row: labels in order, ending in the empty row or a row variable. Labels may
/// repeat (the outermost wins), as `{r with a: ...}` extends a row that may have `a`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Row {
    /// `{}`
    Empty,
    /// `{label: ty | tail}`
    Extend {
        /// The label.
        label: String,
        /// Its type.
        ty: MonoType,
        /// The rest: a record (`MonoType::Record`), a variable, or `Error`.
        tail: MonoType,
    },
}

/// A function type.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Function {
    /// Required named parameters.
    pub req: BTreeMap<String, MonoType>,
    /// Optional named parameters.
    pub opt: BTreeMap<String, MonoType>,
    /// The pipe parameter: its name (`<-` when anonymous) and type.
    pub pipe: Option<(String, MonoType)>,
    /// The return type.
    pub ret: MonoType,
}

impl MonoType {
    /// How many nodes the type has, counting at most to `cap` (then `cap + 1`).
    pub fn size_up_to(&self, cap: usize) -> usize {
        fn walk(t: &MonoType, n: &mut usize, cap: usize) {
            *n += 1;
            if *n > cap {
                return;
            }
            match t {
                MonoType::Array(e) | MonoType::Vector(e) | MonoType::Stream(e) => walk(e, n, cap),
                MonoType::Dict(k, v) => {
                    walk(k, n, cap);
                    walk(v, n, cap);
                }
                MonoType::Record(row) => {
                    if let Row::Extend { ty, tail, .. } = &**row {
                        walk(ty, n, cap);
                        walk(tail, n, cap);
                    }
                }
                MonoType::Fun(f) => {
                    for t in f.req.values().chain(f.opt.values()) {
                        walk(t, n, cap);
                    }
                    if let Some((_, t)) = &f.pipe {
                        walk(t, n, cap);
                    }
                    walk(&f.ret, n, cap);
                }
                _ => {}
            }
        }
        let mut n = 0;
        walk(self, &mut n, cap);
        n.min(cap + 1)
    }

    /// `int`
    pub const INT: MonoType = MonoType::Basic(BasicType::Int);
    /// `uint`
    pub const UINT: MonoType = MonoType::Basic(BasicType::Uint);
    /// `float`
    pub const FLOAT: MonoType = MonoType::Basic(BasicType::Float);
    /// `string`
    pub const STRING: MonoType = MonoType::Basic(BasicType::String);
    /// `bool`
    pub const BOOL: MonoType = MonoType::Basic(BasicType::Bool);
    /// `time`
    pub const TIME: MonoType = MonoType::Basic(BasicType::Time);
    /// `duration`
    pub const DURATION: MonoType = MonoType::Basic(BasicType::Duration);
    /// `regexp`
    pub const REGEXP: MonoType = MonoType::Basic(BasicType::Regexp);

    /// The empty record `{}`.
    pub fn empty_record() -> MonoType {
        MonoType::Record(Box::new(Row::Empty))
    }

    /// A record with the given properties and tail.
    pub fn record(props: Vec<(String, MonoType)>, tail: MonoType) -> MonoType {
        let mut t = tail;
        for (label, ty) in props.into_iter().rev() {
            t = MonoType::Record(Box::new(Row::Extend { label, ty, tail: t }));
        }
        t
    }

    /// Free type variables in order of first appearance.
    pub fn free_vars(&self, out: &mut Vec<Tvar>) {
        match self {
            MonoType::Var(v) => {
                if !out.contains(v) {
                    out.push(*v);
                }
            }
            MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => {}
            MonoType::Array(t) | MonoType::Vector(t) | MonoType::Stream(t) => t.free_vars(out),
            MonoType::Dict(k, v) => {
                k.free_vars(out);
                v.free_vars(out);
            }
            MonoType::Record(row) => {
                if let Row::Extend { ty, tail, .. } = row.as_ref() {
                    ty.free_vars(out);
                    tail.free_vars(out);
                }
            }
            MonoType::Fun(f) => {
                if let Some((_, t)) = &f.pipe {
                    t.free_vars(out);
                }
                for t in f.req.values().chain(f.opt.values()) {
                    t.free_vars(out);
                }
                f.ret.free_vars(out);
            }
        }
    }

    /// Whether the variable occurs in the type.
    pub fn contains(&self, v: Tvar) -> bool {
        let mut vars = Vec::new();
        self.free_vars(&mut vars);
        vars.contains(&v)
    }

    /// Replace variables by the map.
    pub fn substitute(&self, map: &HashMap<Tvar, MonoType>) -> MonoType {
        match self {
            MonoType::Var(v) => map.get(v).cloned().unwrap_or(MonoType::Var(*v)),
            MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => self.clone(),
            MonoType::Array(t) => MonoType::Array(Box::new(t.substitute(map))),
            MonoType::Vector(t) => MonoType::Vector(Box::new(t.substitute(map))),
            MonoType::Stream(t) => MonoType::Stream(Box::new(t.substitute(map))),
            MonoType::Dict(k, v) => {
                MonoType::Dict(Box::new(k.substitute(map)), Box::new(v.substitute(map)))
            }
            MonoType::Record(row) => MonoType::Record(Box::new(match row.as_ref() {
                Row::Empty => Row::Empty,
                Row::Extend { label, ty, tail } => Row::Extend {
                    label: label.clone(),
                    ty: ty.substitute(map),
                    tail: tail.substitute(map),
                },
            })),
            MonoType::Fun(f) => MonoType::Fun(Box::new(Function {
                req: f
                    .req
                    .iter()
                    .map(|(k, t)| (k.clone(), t.substitute(map)))
                    .collect(),
                opt: f
                    .opt
                    .iter()
                    .map(|(k, t)| (k.clone(), t.substitute(map)))
                    .collect(),
                pipe: f.pipe.as_ref().map(|(k, t)| (k.clone(), t.substitute(map))),
                ret: f.ret.substitute(map),
            })),
        }
    }

    /// A short name of the type's form, for messages ("a record", "a function").
    pub fn form(&self) -> &'static str {
        match self {
            MonoType::Error | MonoType::Var(_) => "a value",
            MonoType::Basic(_) => "a basic value",
            MonoType::Array(_) => "an array",
            MonoType::Vector(_) => "a vector",
            MonoType::Stream(_) => "a stream of tables",
            MonoType::Dict(..) => "a dictionary",
            MonoType::Record(_) => "a record",
            MonoType::Fun(_) => "a function",
            MonoType::Dynamic => "a dynamic value",
        }
    }
}

/// A polymorphic type: quantified variables with their kinds, and a monotype.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct PolyType {
    /// The quantified variables.
    pub vars: Vec<Tvar>,
    /// Kinds required of the variables.
    pub kinds: BTreeMap<Tvar, BTreeSet<Kind>>,
    /// The type.
    pub ty: MonoType,
}

impl PolyType {
    /// A monotype with nothing quantified.
    pub fn mono(ty: MonoType) -> PolyType {
        PolyType {
            vars: Vec::new(),
            kinds: BTreeMap::new(),
            ty,
        }
    }
}

impl fmt::Display for PolyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&TypePrinter::new().poly(self))
    }
}

/// Prints types in Flux syntax, naming variables A, B, C, ... in order of appearance.
/// Names are kept across calls, so two types printed with one printer agree on names.
#[derive(Default)]
pub struct TypePrinter {
    names: HashMap<Tvar, String>,
}

impl TypePrinter {
    /// A printer with no names assigned yet.
    pub fn new() -> Self {
        TypePrinter::default()
    }

    fn name(&mut self, v: Tvar) -> String {
        let n = self.names.len();
        self.names
            .entry(v)
            .or_insert_with(|| {
                let letter = char::from(b'A' + (n % 26) as u8);
                if n < 26 {
                    letter.to_string()
                } else {
                    format!("{letter}{}", n / 26)
                }
            })
            .clone()
    }

    /// Print a polytype with its `where` clause.
    pub fn poly(&mut self, p: &PolyType) -> String {
        let mut out = self.mono(&p.ty);
        let mut vars = Vec::new();
        p.ty.free_vars(&mut vars);
        let mut clauses = Vec::new();
        for v in vars {
            if let Some(kinds) = p.kinds.get(&v) {
                if !kinds.is_empty() {
                    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                    clauses.push(format!("{}: {}", self.name(v), names.join(" + ")));
                }
            }
        }
        if !clauses.is_empty() {
            let _ = write!(out, " where {}", clauses.join(", "));
        }
        out
    }

    /// Print a monotype.
    pub fn mono(&mut self, t: &MonoType) -> String {
        let mut out = String::new();
        self.write(&mut out, t);
        out
    }

    fn write(&mut self, out: &mut String, t: &MonoType) {
        match t {
            MonoType::Error => out.push('?'),
            MonoType::Basic(b) => out.push_str(b.name()),
            MonoType::Var(v) => {
                let n = self.name(*v);
                out.push_str(&n);
            }
            MonoType::Array(e) => {
                out.push('[');
                self.write(out, e);
                out.push(']');
            }
            MonoType::Vector(e) => {
                out.push_str("vector[");
                self.write(out, e);
                out.push(']');
            }
            MonoType::Stream(e) => {
                out.push_str("stream[");
                self.write(out, e);
                out.push(']');
            }
            MonoType::Dict(k, v) => {
                out.push('[');
                self.write(out, k);
                out.push_str(": ");
                self.write(out, v);
                out.push(']');
            }
            MonoType::Dynamic => out.push_str("dynamic"),
            MonoType::Record(_) => self.record(out, t),
            MonoType::Fun(f) => {
                out.push('(');
                let mut first = true;
                let mut sep = |out: &mut String| {
                    if !first {
                        out.push_str(", ");
                    }
                    first = false;
                };
                if let Some((name, ty)) = &f.pipe {
                    sep(out);
                    out.push_str("<-");
                    if name != "<-" {
                        out.push_str(name);
                    }
                    out.push_str(": ");
                    self.write(out, ty);
                }
                for (name, ty) in &f.req {
                    sep(out);
                    write_label(out, name);
                    out.push_str(": ");
                    self.write(out, ty);
                }
                for (name, ty) in &f.opt {
                    sep(out);
                    out.push('?');
                    write_label(out, name);
                    out.push_str(": ");
                    self.write(out, ty);
                }
                out.push_str(") => ");
                self.write(out, &f.ret);
            }
        }
    }

    fn record(&mut self, out: &mut String, t: &MonoType) {
        // Collect the labels (outermost first) and the tail.
        let mut fields: Vec<(&str, &MonoType)> = Vec::new();
        let mut cur = t;
        let tail = loop {
            match cur {
                MonoType::Record(row) => match row.as_ref() {
                    Row::Empty => break None,
                    Row::Extend { label, ty, tail } => {
                        fields.push((label, ty));
                        cur = tail;
                    }
                },
                other => break Some(other),
            }
        };
        // Labels print sorted; a label that repeats prints innermost first, so the last one
        // written is the one that counts (as in type syntax).
        let mut order: Vec<usize> = (0..fields.len()).collect();
        order.sort_by(|a, b| fields[*a].0.cmp(fields[*b].0).then(b.cmp(a)));
        out.push('{');
        if let Some(tail) = tail {
            self.write(out, tail);
            out.push_str(" with ");
        }
        for (i, idx) in order.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let (label, ty) = fields[*idx];
            write_label(out, label);
            out.push_str(": ");
            self.write(out, ty);
        }
        if tail.is_some() && fields.is_empty() {
            // `{A with }` reads oddly; print just the variable's record.
            out.truncate(out.len() - " with ".len());
        }
        out.push('}');
    }
}

fn write_label(out: &mut String, label: &str) {
    let ident = label
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && label.chars().all(|c| c.is_alphanumeric() || c == '_');
    if ident {
        out.push_str(label);
    } else {
        let _ = write!(out, "{label:?}");
    }
}
