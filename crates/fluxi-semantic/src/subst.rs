//! The type-variable store and unification: binding variables, kinds, levels for
//! let-polymorphism, row unification with scoped labels, and function unification with
//! required, optional and pipe parameters.

use crate::types::{Function, Kind, Memo, MonoType, PolyType, Row, Tvar, Visited};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone)]
struct VarInfo {
    bound: Option<MonoType>,
    level: u32,
    kinds: BTreeSet<Kind>,
}

/// Where in a type a unification failed, outermost first.
#[derive(Debug, Clone, PartialEq)]
pub enum Context {
    /// The argument (or parameter) of that name.
    Argument(String),
    /// The record property of that name.
    Property(String),
    /// The return type of a function.
    Return,
    /// The elements of an array, stream or vector.
    Element,
    /// Dictionary keys.
    Key,
    /// Dictionary values.
    Value,
}

/// Why two types do not unify.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// Different types.
    Types {
        /// Expected.
        exp: MonoType,
        /// Found.
        act: MonoType,
    },
    /// The expected record has a property the actual one lacks.
    MissingLabel {
        /// The property.
        label: String,
        /// The labels the actual record has.
        has: Vec<String>,
    },
    /// The actual record has a property the expected (closed) one lacks.
    ExtraLabel {
        /// The property.
        label: String,
    },
    /// A type lacks a kind.
    Kind {
        /// The type.
        ty: MonoType,
        /// The kind.
        kind: Kind,
    },
    /// A type would contain itself.
    Occurs {
        /// The variable.
        var: Tvar,
        /// The type.
        ty: MonoType,
    },
    /// A required parameter is not supplied.
    MissingArgument {
        /// The parameter.
        name: String,
    },
    /// An argument that is not a parameter.
    ExtraArgument {
        /// The argument.
        name: String,
        /// The parameters that could have been meant.
        expected: Vec<String>,
    },
    /// A piped value where the function takes none, or none where it needs one.
    MissingPipe {
        /// Whether the function wants a pipe argument the call does not give.
        wanted: bool,
    },
}

/// A failed unification: the reason and where inside the types it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct UnifyError {
    /// What went wrong.
    pub mismatch: Mismatch,
    /// The path to it, outermost first.
    pub context: Vec<Context>,
}

impl UnifyError {
    fn new(mismatch: Mismatch) -> Self {
        UnifyError {
            mismatch,
            context: Vec::new(),
        }
    }

    fn within(mut self, c: Context) -> Self {
        self.context.insert(0, c);
        self
    }
}

type Result<T = ()> = std::result::Result<T, UnifyError>;

/// The most nodes the type of one binding may have written out
/// (`fluxi::types::too_large`).
pub(crate) const MAX_TYPE_SIZE: usize = 100_000;

/// What one [`Subst::settle`] walk has seen: variables, and the sizes of shared parts
/// that hold variables.
#[derive(Default)]
struct Walked {
    vars: HashSet<Tvar>,
    parts: HashMap<(usize, usize), usize>,
}

/// The store of type variables.
#[derive(Debug, Default, Clone)]
pub struct Subst {
    vars: Vec<VarInfo>,
    /// Composite parts of generalised types known to hold no type variable, with their
    /// size written out (at most `MAX_TYPE_SIZE + 1`). Nothing can change inside them, so
    /// substitution, generalisation, instantiation and the occurs check skip them: a let
    /// binding built from earlier ones walks only its own new parts. Each part is held
    /// here, so its address is not reused while it is known.
    ground: HashMap<(usize, usize), (MonoType, usize)>,
}

impl Subst {
    /// An empty store.
    pub fn new() -> Self {
        Subst::default()
    }

    /// A fresh variable at the given let-level.
    pub fn fresh(&mut self, level: u32) -> MonoType {
        MonoType::Var(self.fresh_var(level, BTreeSet::new()))
    }

    /// A fresh variable with kinds.
    pub fn fresh_var(&mut self, level: u32, kinds: BTreeSet<Kind>) -> Tvar {
        let v = u32::try_from(self.vars.len()).unwrap_or(u32::MAX);
        self.vars.push(VarInfo {
            bound: None,
            level,
            kinds,
        });
        v
    }

    fn info(&self, v: Tvar) -> Option<&VarInfo> {
        self.vars.get(v as usize)
    }

    /// Follow variable bindings at the top of the type (a cheap copy: the parts of a
    /// composite type are shared).
    pub fn resolve(&self, t: &MonoType) -> MonoType {
        self.resolve_ref(t).clone()
    }

    /// [`Subst::resolve`] without copying: the type a chain of bound variables ends in.
    /// (Copying the bound type at every step made applying a substitution cost the size
    /// of the type times its depth: cubic time for deeply curried functions.)
    fn resolve_ref<'a>(&'a self, t: &'a MonoType) -> &'a MonoType {
        let mut cur = t;
        while let MonoType::Var(v) = cur {
            match self.info(*v).and_then(|i| i.bound.as_ref()) {
                Some(b) => cur = b,
                None => break,
            }
        }
        cur
    }

    /// [`Subst::resolve`] that also shortens the chain of bound variables it passes: each
    /// then points at the end. (Unification can keep lengthening one chain — a long sum of
    /// parameters binds each to the next — and walking it whole at every use was
    /// quadratic.)
    fn resolve_mut(&mut self, t: &MonoType) -> MonoType {
        let mut chain = Vec::new();
        let mut cur = t;
        while let MonoType::Var(v) = cur {
            match self.info(*v).and_then(|i| i.bound.as_ref()) {
                Some(b) => {
                    chain.push(*v);
                    cur = b;
                }
                None => break,
            }
        }
        let end = cur.clone();
        if chain.len() > 1 {
            for v in chain {
                if let Some(info) = self.vars.get_mut(v as usize) {
                    info.bound = Some(end.clone());
                }
            }
        }
        end
    }

    /// Apply every binding, deeply. Parts that no binding changes are shared with `t`, and
    /// a part shared by several places is applied once.
    pub fn apply(&self, t: &MonoType) -> MonoType {
        Applier::new(self).apply(t)
    }

    /// The kinds required of an unbound variable.
    pub fn kinds(&self, v: Tvar) -> BTreeSet<Kind> {
        self.info(v).map(|i| i.kinds.clone()).unwrap_or_default()
    }

    /// Quantify the variables of `t` created at a deeper level than `level`.
    pub fn generalize(&mut self, t: &MonoType, level: u32) -> PolyType {
        self.generalize_measured(t, level).0
    }

    /// [`Subst::generalize`], and the size of the type written out (at most
    /// `MAX_TYPE_SIZE + 1`). The parts found to hold no variable are remembered.
    pub(crate) fn generalize_measured(&mut self, t: &MonoType, level: u32) -> (PolyType, usize) {
        let ty = self.apply(t);
        let mut vars = Vec::new();
        let (_, size) = self.settle(&ty, &mut vars, &mut Walked::default());
        vars.retain(|v| self.info(*v).is_some_and(|i| i.level > level));
        let kinds = vars
            .iter()
            .filter_map(|v| {
                let k = self.kinds(*v);
                (!k.is_empty()).then_some((*v, k))
            })
            .collect();
        (PolyType { vars, kinds, ty }, size)
    }

    /// Whether `t` is a composite part known to hold no type variable.
    fn is_ground(&self, t: &MonoType) -> bool {
        t.node_key().is_some_and(|k| self.ground.contains_key(&k))
    }

    /// Walk an applied type: collect its variables (in order of first appearance), record
    /// its composite parts that hold none in `self.ground`, and give whether `t` holds
    /// none and its size written out (capped). Known ground parts are not walked again;
    /// `walked` keeps this walk's other shared parts.
    fn settle(&mut self, t: &MonoType, vars: &mut Vec<Tvar>, walked: &mut Walked) -> (bool, usize) {
        let key = match t {
            MonoType::Var(v) => {
                if walked.vars.insert(*v) {
                    vars.push(*v);
                }
                return (false, 1);
            }
            MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => return (true, 1),
            _ => t.node_key(),
        };
        if let Some(k) = key {
            if let Some((_, size)) = self.ground.get(&k) {
                return (true, *size);
            }
            if let Some(size) = walked.parts.get(&k) {
                return (false, *size);
            }
        }
        let (mut ground, mut size) = (true, 1usize);
        t.for_each_child(&mut |c| {
            let (g, n) = self.settle(c, vars, walked);
            ground &= g;
            size = size.saturating_add(n).min(MAX_TYPE_SIZE + 1);
        });
        if let Some(k) = key {
            if ground {
                self.ground.insert(k, (t.clone(), size));
            } else {
                walked.parts.insert(k, size);
            }
        }
        (ground, size)
    }

    /// Generalize every free variable (for package exports and printing).
    pub fn generalize_all(&self, t: &MonoType) -> PolyType {
        let ty = self.apply(t);
        let mut vars = Vec::new();
        ty.free_vars(&mut vars);
        let mut all = Vec::new();
        for v in &vars {
            self.kind_closure(*v, &mut all);
        }
        let kinds = vars
            .iter()
            .filter_map(|v| {
                let k = self.kinds(*v);
                (!k.is_empty()).then_some((*v, k))
            })
            .collect();
        PolyType { vars, kinds, ty }
    }

    fn kind_closure(&self, v: Tvar, out: &mut Vec<Tvar>) {
        if !out.contains(&v) {
            out.push(v);
        }
    }

    /// A fresh copy of a polytype's quantified variables at `level`.
    pub fn instantiate(&mut self, p: &PolyType, level: u32) -> MonoType {
        if p.vars.is_empty() {
            return p.ty.clone();
        }
        let mut map = HashMap::new();
        for v in &p.vars {
            let kinds = p.kinds.get(v).cloned().unwrap_or_default();
            let fresh = self.fresh_var(level, kinds);
            map.insert(*v, MonoType::Var(fresh));
        }
        self.substitute(&p.ty, &map, &mut Memo::default())
    }

    /// [`MonoType::substitute`], skipping the parts known to hold no variable.
    fn substitute(&self, t: &MonoType, map: &HashMap<Tvar, MonoType>, memo: &mut Memo) -> MonoType {
        match t {
            MonoType::Var(v) => map.get(v).cloned().unwrap_or_else(|| t.clone()),
            MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => t.clone(),
            _ if self.is_ground(t) => t.clone(),
            _ => memo.map(t, &mut |c, memo| self.substitute(c, map, memo)),
        }
    }

    /// Require `kind` of `t`.
    pub fn constrain(&mut self, t: &MonoType, kind: Kind) -> Result {
        let t = self.resolve_mut(t);
        let fail = |t: &MonoType| {
            Err(UnifyError::new(Mismatch::Kind {
                ty: t.clone(),
                kind,
            }))
        };
        match &t {
            MonoType::Error => Ok(()),
            MonoType::Var(v) => {
                if let Some(info) = self.vars.get_mut(*v as usize) {
                    info.kinds.insert(kind);
                }
                Ok(())
            }
            MonoType::Basic(b) => {
                if b.has_kind(kind) {
                    Ok(())
                } else {
                    fail(&t)
                }
            }
            MonoType::Record(row) => match kind {
                Kind::Record => Ok(()),
                Kind::Equatable => match row.as_ref() {
                    Row::Empty => Ok(()),
                    Row::Extend { ty, tail, .. } => {
                        let (ty, tail) = (ty.clone(), tail.clone());
                        self.constrain(&ty, kind)?;
                        self.constrain(&tail, kind)
                    }
                },
                _ => fail(&t),
            },
            MonoType::Array(e) | MonoType::Stream(e) if kind == Kind::Equatable => {
                self.constrain(e, kind)
            }
            MonoType::Vector(e) => self.constrain(e, kind),
            MonoType::Dynamic if kind == Kind::Basic => Ok(()),
            _ => fail(&t),
        }
    }

    /// The unbound variables of `t` under the current bindings, without building the
    /// applied type: each bound variable and each shared part is walked once.
    fn unbound_vars(&self, t: &MonoType, out: &mut Vec<Tvar>, seen: &mut Visited) {
        match self.resolve_ref(t) {
            MonoType::Var(v) => {
                if seen.vars.insert(*v) {
                    out.push(*v);
                }
            }
            MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => {}
            r => {
                // The variables passed on the way to `r` are bound: mark them walked, so
                // another path through them stops here.
                let mut cur = t;
                while let MonoType::Var(v) = cur {
                    if !seen.vars.insert(*v) {
                        return;
                    }
                    match self.info(*v).and_then(|i| i.bound.as_ref()) {
                        Some(b) => cur = b,
                        None => break,
                    }
                }
                if !self.is_ground(r) && seen.first_visit(r) {
                    r.for_each_child(&mut |c| self.unbound_vars(c, out, seen));
                }
            }
        }
    }

    fn bind(&mut self, v: Tvar, t: &MonoType) -> Result {
        if let MonoType::Var(w) = t {
            if *w == v {
                return Ok(());
            }
        }
        // One walk for the occurs check and the levels: no copy of `t` is made.
        let mut free = Vec::new();
        self.unbound_vars(t, &mut free, &mut Visited::default());
        if free.contains(&v) {
            return Err(UnifyError::new(Mismatch::Occurs {
                var: v,
                ty: self.apply(t),
            }));
        }
        let (level, kinds) = match self.info(v) {
            Some(i) => (i.level, i.kinds.clone()),
            None => return Ok(()),
        };
        // Free variables of the bound type now live at least as long as `v`.
        for w in free {
            if let Some(info) = self.vars.get_mut(w as usize) {
                info.level = info.level.min(level);
            }
        }
        if let Some(info) = self.vars.get_mut(v as usize) {
            info.bound = Some(t.clone());
        }
        for k in kinds {
            self.constrain(t, k)?;
        }
        Ok(())
    }

    /// Unify the expected type `exp` with the actual type `act`. The direction matters for
    /// functions (the expected one says what will be passed) and for error messages.
    pub fn unify(&mut self, exp: &MonoType, act: &MonoType) -> Result {
        let e = self.resolve_mut(exp);
        let a = self.resolve_mut(act);
        match (&e, &a) {
            (MonoType::Error, _) | (_, MonoType::Error) => Ok(()),
            // One type, shared: nothing to do (and nothing to walk).
            _ if e.same(&a) => Ok(()),
            (MonoType::Var(x), MonoType::Var(y)) if x == y => Ok(()),
            (MonoType::Var(x), _) => self.bind(*x, &a),
            (_, MonoType::Var(y)) => self.bind(*y, &e),
            (MonoType::Basic(x), MonoType::Basic(y)) if x == y => Ok(()),
            (MonoType::Dynamic, MonoType::Dynamic) => Ok(()),
            // A parameter used as a record (`(x) => x.name`) may be passed a dynamic value:
            // its properties are then looked up when it runs.
            (MonoType::Dynamic, MonoType::Record(_)) | (MonoType::Record(_), MonoType::Dynamic) => {
                Ok(())
            }
            (MonoType::Array(x), MonoType::Array(y))
            | (MonoType::Vector(x), MonoType::Vector(y))
            | (MonoType::Stream(x), MonoType::Stream(y)) => {
                self.unify(x, y).map_err(|err| err.within(Context::Element))
            }
            (MonoType::Dict(k1, v1), MonoType::Dict(k2, v2)) => {
                self.unify(k1, k2).map_err(|err| err.within(Context::Key))?;
                self.unify(v1, v2).map_err(|err| err.within(Context::Value))
            }
            (MonoType::Record(_), MonoType::Record(_)) => self.unify_rows(&e, &a),
            (MonoType::Fun(f), MonoType::Fun(g)) => self.unify_functions(f, g),
            _ => Err(UnifyError::new(Mismatch::Types {
                exp: self.apply(&e),
                act: self.apply(&a),
            })),
        }
    }

    /// The variable at the end of a row, if it ends in one.
    fn row_tail_var(&self, t: &MonoType) -> Option<Tvar> {
        let mut cur = self.resolve_ref(t);
        loop {
            match cur {
                MonoType::Var(v) => return Some(*v),
                MonoType::Record(row) => match &**row {
                    Row::Empty => return None,
                    Row::Extend { tail, .. } => cur = self.resolve_ref(tail),
                },
                _ => return None,
            }
        }
    }

    fn row_labels(&self, t: &MonoType) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = self.resolve_ref(t);
        while let MonoType::Record(row) = cur {
            match &**row {
                Row::Empty => break,
                Row::Extend { label, tail, .. } => {
                    if !out.contains(label) {
                        out.push(label.clone());
                    }
                    cur = self.resolve_ref(tail);
                }
            }
        }
        out
    }

    /// Find `label` in the row `t`; returns its type and the row without it. A row that ends
    /// in a variable is extended with the label; `avoid` is the variable that must not be
    /// extended (it would make the rewrite loop forever).
    fn take_label(
        &mut self,
        t: &MonoType,
        label: &str,
        avoid: Option<Tvar>,
    ) -> Result<Option<(MonoType, MonoType)>> {
        let cur = self.resolve_mut(t);
        match cur {
            MonoType::Record(row) => match &*row {
                Row::Empty => Ok(None),
                Row::Extend { label: l, ty, tail } => {
                    if l == label {
                        return Ok(Some((ty.clone(), tail.clone())));
                    }
                    Ok(self.take_label(tail, label, avoid)?.map(|(found, rest)| {
                        let rebuilt = MonoType::Record(Arc::new(Row::Extend {
                            label: l.clone(),
                            ty: ty.clone(),
                            tail: rest,
                        }));
                        (found, rebuilt)
                    }))
                }
            },
            MonoType::Var(v) => {
                if Some(v) == avoid {
                    return Ok(None);
                }
                let level = self.info(v).map_or(0, |i| i.level);
                let field = self.fresh(level);
                let rest = MonoType::Var(self.fresh_var(level, BTreeSet::new()));
                let ext = MonoType::Record(Arc::new(Row::Extend {
                    label: label.to_string(),
                    ty: field.clone(),
                    tail: rest.clone(),
                }));
                self.bind(v, &ext)?;
                Ok(Some((field, rest)))
            }
            MonoType::Error => Ok(Some((MonoType::Error, MonoType::Error))),
            other => Err(UnifyError::new(Mismatch::Types {
                exp: MonoType::empty_record(),
                act: other,
            })),
        }
    }

    fn unify_rows(&mut self, exp: &MonoType, act: &MonoType) -> Result {
        let e = self.resolve_mut(exp);
        let a = self.resolve_mut(act);
        match (&e, &a) {
            (MonoType::Error, _) | (_, MonoType::Error) => Ok(()),
            (MonoType::Var(x), MonoType::Var(y)) if x == y => Ok(()),
            (MonoType::Var(x), _) => self.bind(*x, &a),
            (_, MonoType::Var(y)) => self.bind(*y, &e),
            (MonoType::Record(er), MonoType::Record(ar)) => match (er.as_ref(), ar.as_ref()) {
                (Row::Empty, Row::Empty) => Ok(()),
                (Row::Empty, Row::Extend { label, .. }) => {
                    Err(UnifyError::new(Mismatch::ExtraLabel {
                        label: label.clone(),
                    }))
                }
                (Row::Extend { label, ty, tail }, _) => {
                    let avoid = self.row_tail_var(tail);
                    match self.take_label(&a, label, avoid)? {
                        Some((aty, arest)) => {
                            self.unify(ty, &aty)
                                .map_err(|err| err.within(Context::Property(label.clone())))?;
                            self.unify_rows(tail, &arest)
                        }
                        None => Err(UnifyError::new(Mismatch::MissingLabel {
                            label: label.clone(),
                            has: self.row_labels(&a),
                        })),
                    }
                }
            },
            _ => self.unify(&e, &a),
        }
    }

    fn unify_functions(&mut self, f: &Function, g: &Function) -> Result {
        let mut f = f.clone();
        let mut g = g.clone();
        match (f.pipe.take(), g.pipe.take()) {
            (Some((fk, ft)), Some((gk, gt))) => {
                if fk != "<-" && gk != "<-" && fk != gk {
                    return Err(UnifyError::new(Mismatch::ExtraArgument {
                        name: gk,
                        expected: vec![fk],
                    }));
                }
                let name = if fk == "<-" { gk } else { fk };
                f.req.insert(name.clone(), ft);
                g.req.insert(name, gt);
            }
            (Some((fk, ft)), None) => {
                if fk == "<-" {
                    return Err(UnifyError::new(Mismatch::MissingPipe { wanted: false }));
                }
                f.req.insert(fk, ft);
            }
            (None, Some((gk, gt))) => {
                if gk == "<-" {
                    return Err(UnifyError::new(Mismatch::MissingPipe { wanted: false }));
                }
                g.req.insert(gk, gt);
            }
            (None, None) => {}
        }
        let param = |g: &Function, name: &str| g.req.get(name).or_else(|| g.opt.get(name)).cloned();
        for name in g.req.keys() {
            if !f.req.contains_key(name) && !f.opt.contains_key(name) {
                let expected = f
                    .req
                    .keys()
                    .chain(f.opt.keys())
                    .filter(|k| param(&g, k).is_none())
                    .cloned()
                    .collect();
                return Err(UnifyError::new(Mismatch::ExtraArgument {
                    name: name.clone(),
                    expected,
                }));
            }
        }
        for (name, exp) in &f.req {
            match param(&g, name) {
                Some(act) => self
                    .unify(exp, &act)
                    .map_err(|err| err.within(Context::Argument(name.clone())))?,
                None => {
                    return Err(UnifyError::new(Mismatch::MissingArgument {
                        name: name.clone(),
                    }));
                }
            }
        }
        for (name, exp) in &f.opt {
            if let Some(act) = param(&g, name) {
                self.unify(exp, &act)
                    .map_err(|err| err.within(Context::Argument(name.clone())))?;
            }
        }
        self.unify(&f.ret, &g.ret)
            .map_err(|err| err.within(Context::Return))
    }
}

/// Applies a store's bindings to many types, remembering what each bound variable and
/// each shared part became: applying it to every node of a typed graph (where a node's
/// type is part of its parent's) costs the number of distinct parts, not the sum of the
/// types' sizes.
pub(crate) struct Applier<'s> {
    subst: &'s Subst,
    vars: HashMap<Tvar, MonoType>,
    memo: Memo,
}

impl<'s> Applier<'s> {
    pub(crate) fn new(subst: &'s Subst) -> Self {
        Applier {
            subst,
            vars: HashMap::new(),
            memo: Memo::default(),
        }
    }

    pub(crate) fn apply(&mut self, t: &MonoType) -> MonoType {
        let mut vars = std::mem::take(&mut self.vars);
        let out = apply_with(self.subst, t, &mut vars, &mut self.memo);
        self.vars = vars;
        out
    }
}

fn apply_with(
    subst: &Subst,
    t: &MonoType,
    vars: &mut HashMap<Tvar, MonoType>,
    memo: &mut Memo,
) -> MonoType {
    match t {
        MonoType::Var(v) => {
            if let Some(done) = vars.get(v) {
                return done.clone();
            }
            match subst.info(*v).and_then(|i| i.bound.as_ref()) {
                Some(b) => {
                    let out = apply_with(subst, b, vars, memo);
                    vars.insert(*v, out.clone());
                    out
                }
                None => t.clone(),
            }
        }
        MonoType::Error | MonoType::Basic(_) | MonoType::Dynamic => t.clone(),
        _ if subst.is_ground(t) => t.clone(),
        _ => memo.map(t, &mut |c, memo| apply_with(subst, c, vars, memo)),
    }
}
