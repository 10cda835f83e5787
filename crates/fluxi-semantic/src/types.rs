//! Flux types: monotypes with row-polymorphic records, polytypes, kinds, and printing in
//! Flux syntax with variables named A, B, C.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::{self, Write};
use std::sync::Arc;

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
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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
    Array(Arc<MonoType>),
    /// `vector[T]`
    Vector(Arc<MonoType>),
    /// `stream[T]`
    Stream(Arc<MonoType>),
    /// `[K: V]`
    Dict(Arc<MonoType>, Arc<MonoType>),
    /// A record row.
    Record(Arc<Row>),
    /// A function.
    Fun(Arc<Function>),
    /// `dynamic`
    Dynamic,
}

/// A record row: labels in order, ending in the empty row or a row variable. Labels may
/// repeat (the outermost wins), as `{r with a: ...}` extends a row that may have `a`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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
    /// How many nodes the type has written out, counting at most to `cap` (then
    /// `cap + 1`). A part shared by several places counts at each, but is walked once.
    pub fn size_up_to(&self, cap: usize) -> usize {
        fn walk(t: &MonoType, cap: usize, memo: &mut HashMap<(usize, usize), usize>) -> usize {
            let key = t.shared_key();
            if let Some(n) = key.and_then(|k| memo.get(&k)) {
                return *n;
            }
            let mut n: usize = 1;
            t.for_each_child(&mut |c| {
                if n <= cap {
                    n = n.saturating_add(walk(c, cap, memo));
                }
            });
            let n = n.min(cap + 1);
            if let Some(k) = key {
                memo.insert(k, n);
            }
            n
        }
        walk(self, cap, &mut HashMap::new())
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
        MonoType::Record(Arc::new(Row::Empty))
    }

    /// A record with the given properties and tail.
    pub fn record(props: Vec<(String, MonoType)>, tail: MonoType) -> MonoType {
        let mut t = tail;
        for (label, ty) in props.into_iter().rev() {
            t = MonoType::Record(Arc::new(Row::Extend { label, ty, tail: t }));
        }
        t
    }

    /// Free type variables in order of first appearance (those already in `out` are not
    /// added again). A part shared by several places of the type is visited once.
    pub fn free_vars(&self, out: &mut Vec<Tvar>) {
        let mut seen = Visited::default();
        seen.vars.extend(out.iter().copied());
        self.free_vars_into(out, &mut seen);
    }

    fn free_vars_into(&self, out: &mut Vec<Tvar>, seen: &mut Visited) {
        match self {
            MonoType::Var(v) => {
                if seen.vars.insert(*v) {
                    out.push(*v);
                }
            }
            MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => {}
            _ => {
                if seen.first_visit(self) {
                    self.for_each_child(&mut |c| c.free_vars_into(out, seen));
                }
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
        let mut memo = Memo::default();
        self.substitute_memo(map, &mut memo)
    }

    fn substitute_memo(&self, map: &HashMap<Tvar, MonoType>, memo: &mut Memo) -> MonoType {
        match self {
            MonoType::Var(v) => map.get(v).cloned().unwrap_or(MonoType::Var(*v)),
            MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => self.clone(),
            _ => memo.map(self, &mut |c, memo| c.substitute_memo(map, memo)),
        }
    }

    /// Call `f` on each type directly inside this one (in the order printed: pipe,
    /// required, optional parameters, then the return type).
    pub(crate) fn for_each_child(&self, f: &mut dyn FnMut(&MonoType)) {
        match self {
            MonoType::Error | MonoType::Basic(_) | MonoType::Var(_) | MonoType::Dynamic => {}
            MonoType::Array(e) | MonoType::Vector(e) | MonoType::Stream(e) => f(e),
            MonoType::Dict(k, v) => {
                f(k);
                f(v);
            }
            MonoType::Record(row) => {
                if let Row::Extend { ty, tail, .. } = &**row {
                    f(ty);
                    f(tail);
                }
            }
            MonoType::Fun(func) => {
                if let Some((_, t)) = &func.pipe {
                    f(t);
                }
                for t in func.req.values().chain(func.opt.values()) {
                    f(t);
                }
                f(&func.ret);
            }
        }
    }

    /// This type with `f` applied to each type directly inside it. Where `f` gives back
    /// every part unchanged ([`MonoType::same`]), the result is this very type, shared: a
    /// substitution that changes nothing copies nothing.
    pub(crate) fn map_children(&self, f: &mut dyn FnMut(&MonoType) -> MonoType) -> MonoType {
        fn one(t: &Arc<MonoType>, f: &mut dyn FnMut(&MonoType) -> MonoType) -> Option<MonoType> {
            let n = f(t);
            (!n.same(t)).then_some(n)
        }
        match self {
            MonoType::Error | MonoType::Basic(_) | MonoType::Var(_) | MonoType::Dynamic => {
                self.clone()
            }
            MonoType::Array(e) => one(e, f).map_or_else(|| self.clone(), |n| n.array()),
            MonoType::Vector(e) => {
                one(e, f).map_or_else(|| self.clone(), |n| MonoType::Vector(Arc::new(n)))
            }
            MonoType::Stream(e) => {
                one(e, f).map_or_else(|| self.clone(), |n| MonoType::Stream(Arc::new(n)))
            }
            MonoType::Dict(k, v) => match (one(k, f), one(v, f)) {
                (None, None) => self.clone(),
                (nk, nv) => MonoType::Dict(
                    nk.map_or_else(|| Arc::clone(k), Arc::new),
                    nv.map_or_else(|| Arc::clone(v), Arc::new),
                ),
            },
            MonoType::Record(row) => match &**row {
                Row::Empty => self.clone(),
                Row::Extend { label, ty, tail } => {
                    let (nty, ntail) = (f(ty), f(tail));
                    if nty.same(ty) && ntail.same(tail) {
                        self.clone()
                    } else {
                        MonoType::Record(Arc::new(Row::Extend {
                            label: label.clone(),
                            ty: nty,
                            tail: ntail,
                        }))
                    }
                }
            },
            MonoType::Fun(func) => {
                // Map into a list first: the maps are rebuilt only when something changed.
                let parts: Vec<&MonoType> = func
                    .pipe
                    .iter()
                    .map(|(_, t)| t)
                    .chain(func.req.values())
                    .chain(func.opt.values())
                    .chain(std::iter::once(&func.ret))
                    .collect();
                let mapped: Vec<MonoType> = parts.iter().map(|t| f(t)).collect();
                if parts.iter().zip(&mapped).all(|(t, n)| n.same(t)) {
                    return self.clone();
                }
                let mut mapped = mapped.into_iter();
                let mut next = || mapped.next().unwrap_or_default();
                let pipe = func.pipe.as_ref().map(|(k, _)| (k.clone(), next()));
                let req = func.req.keys().map(|k| (k.clone(), next())).collect();
                let opt = func.opt.keys().map(|k| (k.clone(), next())).collect();
                let ret = next();
                MonoType::Fun(Arc::new(Function {
                    req,
                    opt,
                    pipe,
                    ret,
                }))
            }
        }
    }

    /// Whether two types are the same value without looking inside: equal leaves, or
    /// composite types that share their parts. (`false` says nothing: equal types built
    /// apart are not `same`.)
    pub(crate) fn same(&self, other: &MonoType) -> bool {
        match (self, other) {
            (MonoType::Error, MonoType::Error) | (MonoType::Dynamic, MonoType::Dynamic) => true,
            (MonoType::Basic(a), MonoType::Basic(b)) => a == b,
            (MonoType::Var(a), MonoType::Var(b)) => a == b,
            (MonoType::Array(a), MonoType::Array(b))
            | (MonoType::Vector(a), MonoType::Vector(b))
            | (MonoType::Stream(a), MonoType::Stream(b)) => Arc::ptr_eq(a, b),
            (MonoType::Dict(k1, v1), MonoType::Dict(k2, v2)) => {
                Arc::ptr_eq(k1, k2) && Arc::ptr_eq(v1, v2)
            }
            (MonoType::Record(a), MonoType::Record(b)) => Arc::ptr_eq(a, b),
            (MonoType::Fun(a), MonoType::Fun(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The identity of a composite type's shared part, when something besides this value
    /// holds it too (so a walk may reach it again by another path). A part held once can
    /// only be reached through its one holder.
    pub(crate) fn shared_key(&self) -> Option<(usize, usize)> {
        fn shared<T>(a: &Arc<T>) -> bool {
            Arc::strong_count(a) > 1
        }
        let held_elsewhere = match self {
            MonoType::Array(e) | MonoType::Vector(e) | MonoType::Stream(e) => shared(e),
            MonoType::Dict(k, v) => shared(k) || shared(v),
            MonoType::Record(r) => shared(r),
            MonoType::Fun(f) => shared(f),
            MonoType::Error | MonoType::Basic(_) | MonoType::Var(_) | MonoType::Dynamic => false,
        };
        self.node_key().filter(|_| held_elsewhere)
    }

    /// The identity of a composite type's shared part (the addresses behind its `Arc`s),
    /// valid while something holds the part.
    pub(crate) fn node_key(&self) -> Option<(usize, usize)> {
        fn key<T>(a: &Arc<T>) -> usize {
            Arc::as_ptr(a) as *const () as usize
        }
        match self {
            MonoType::Array(e) | MonoType::Vector(e) | MonoType::Stream(e) => Some((key(e), 0)),
            MonoType::Dict(k, v) => Some((key(k), key(v))),
            MonoType::Record(r) => Some((key(r), 0)),
            MonoType::Fun(f) => Some((key(f), 0)),
            MonoType::Error | MonoType::Basic(_) | MonoType::Var(_) | MonoType::Dynamic => None,
        }
    }

    /// `[self]`
    pub fn array(self) -> MonoType {
        MonoType::Array(Arc::new(self))
    }

    /// A function type.
    pub fn fun(f: Function) -> MonoType {
        MonoType::Fun(Arc::new(f))
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
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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

/// The parts of a type a walk has visited: variables, and shared composite parts (so a
/// type whose parts are shared many times over is walked in time linear in the parts it
/// has, not in the size it would have written out).
#[derive(Default)]
pub(crate) struct Visited {
    pub(crate) vars: HashSet<Tvar>,
    nodes: HashSet<(usize, usize)>,
}

impl Visited {
    /// Whether this is the first visit of the composite type `t` (always true for a part
    /// held only once).
    pub(crate) fn first_visit(&mut self, t: &MonoType) -> bool {
        match t.shared_key() {
            Some(k) => self.nodes.insert(k),
            None => true,
        }
    }
}

/// The results of mapping shared composite parts, so each is mapped once. Holds the
/// originals, so an address cannot be freed and reused for another type while the memo
/// lives.
#[derive(Default)]
pub(crate) struct Memo {
    nodes: HashMap<(usize, usize), (MonoType, MonoType)>,
}

impl Memo {
    /// `t` (composite) with `f` applied to its children, remembered for `t`'s shared part.
    pub(crate) fn map(
        &mut self,
        t: &MonoType,
        f: &mut dyn FnMut(&MonoType, &mut Memo) -> MonoType,
    ) -> MonoType {
        let key = t.shared_key();
        if let Some(k) = key {
            if let Some((_, done)) = self.nodes.get(&k) {
                return done.clone();
            }
        }
        let out = t.map_children(&mut |c| f(c, self));
        if let Some(k) = key {
            self.nodes.insert(k, (t.clone(), out.clone()));
        }
        out
    }
}
