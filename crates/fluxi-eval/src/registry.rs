//! Builtin functions: the registry binding `stdlib` declarations to Rust implementations,
//! and the argument list a builtin receives.

use crate::error::{EvalError, Result};
use crate::interp::Interpreter;
use fluxi_exec::logical::CallKind;
use fluxi_syntax::Span;
use fluxi_value::{Callable, Duration, Record, Stream, Value};
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

/// A builtin's implementation: the standard library's are plain functions; an embedder's
/// may capture state.
pub type NativeFn = Arc<dyn Fn(&mut Interpreter, &mut Args) -> Result<Value> + Send + Sync>;

/// A builtin written as a plain function.
pub type BuiltinFn = fn(&mut Interpreter, &mut Args) -> Result<Value>;

/// A package path or builtin name: borrowed for the standard library's literals (so
/// building the registry allocates no names), owned for an embedder's.
pub type Name = std::borrow::Cow<'static, str>;

/// FNV-1a: the registry's keys are a few hundred short builtin names fixed when it is
/// built, so a simple fast hash serves better than SipHash (nothing an attacker chooses
/// can add keys).
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Map<V> = HashMap<Name, V, std::hash::BuildHasherDefault<Fnv>>;

/// What one package binds.
#[derive(Default, Clone)]
struct Entries {
    fns: Map<NativeFn>,
    takes_pending: Map<()>,
    nodes: Map<CallKind>,
    constants: Map<Value>,
    needs_service: Map<&'static str>,
}

/// Implementations by package path and name.
#[derive(Default, Clone)]
pub struct Registry {
    packages: Map<Entries>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    fn entries(&mut self, package: Name) -> &mut Entries {
        self.packages.entry(package).or_default()
    }

    fn of(&self, package: &str) -> Option<&Entries> {
        self.packages.get(package)
    }

    /// Bind `package.name` to an implementation.
    pub fn register(
        &mut self,
        package: impl Into<Name>,
        name: impl Into<Name>,
        f: impl Fn(&mut Interpreter, &mut Args) -> Result<Value> + Send + Sync + 'static,
    ) {
        self.entries(package.into())
            .fns
            .insert(name.into(), Arc::new(f));
    }

    /// Bind `package.name` to an implementation that takes streams not read yet (a
    /// storage read it can push itself into); other builtins see them materialised.
    pub fn register_pushdown(
        &mut self,
        package: impl Into<Name>,
        name: impl Into<Name>,
        f: impl Fn(&mut Interpreter, &mut Args) -> Result<Value> + Send + Sync + 'static,
    ) {
        let (package, name) = (package.into(), name.into());
        let e = self.entries(package);
        e.fns.insert(name.clone(), Arc::new(f));
        e.takes_pending.insert(name, ());
    }

    /// Bind `package.name` to the implementation of `from_package.from_name` (for a
    /// builtin that upstream defines as another package's function under a narrower
    /// type, such as `experimental.count`); it takes pending streams and joins plans as
    /// that one does. Returns false, binding nothing, when `from` has no implementation.
    pub fn alias(
        &mut self,
        package: impl Into<Name>,
        name: impl Into<Name>,
        from_package: &str,
        from_name: &str,
    ) -> bool {
        let Some(from) = self.of(from_package) else {
            return false;
        };
        let Some(f) = from.fns.get(from_name).cloned() else {
            return false;
        };
        let pending = from.takes_pending.contains_key(from_name);
        let kind = from.nodes.get(from_name).copied();
        let name = name.into();
        let to = self.entries(package.into());
        if pending {
            to.takes_pending.insert(name.clone(), ());
        }
        if let Some(kind) = kind {
            to.nodes.insert(name.clone(), kind);
        }
        to.fns.insert(name, f);
        true
    }

    /// Make calls of `package.name` over a plan not read yet nodes of the plan (instead
    /// of reading the plan first), consuming their input as `kind` says; the builtin
    /// then runs when the plan does. Only for builtins whose implementation behaves as
    /// `kind` promises (see [`CallKind`]).
    pub fn plan_node(&mut self, package: impl Into<Name>, name: impl Into<Name>, kind: CallKind) {
        self.entries(package.into()).nodes.insert(name.into(), kind);
    }

    /// How calls of `package.name` join a plan (see [`Registry::plan_node`]).
    pub fn node_kind(&self, package: &str, name: &str) -> Option<CallKind> {
        self.of(package)?.nodes.get(name).copied()
    }

    /// Whether `package.name` takes pending streams (see [`Registry::register_pushdown`]).
    pub fn takes_pending(&self, package: &str, name: &str) -> bool {
        self.of(package)
            .is_some_and(|e| e.takes_pending.contains_key(name))
    }

    /// Bind `package.name` to an implementation that always fails with `not supported:
    /// PKG.NAME (needs NEEDS)` ([`crate::ErrorKind::NotSupported`]): a declared function that
    /// needs an outside service (`needs`, such as "an InfluxDB 3 server") fluxi does not
    /// connect to. It type-checks, so scripts that only mention it still run.
    pub fn unsupported(
        &mut self,
        package: impl Into<Name>,
        name: impl Into<Name>,
        needs: &'static str,
    ) {
        let (package, name) = (package.into(), name.into());
        let last = package.rsplit('/').next().unwrap_or(&package);
        let display = format!("{last}.{name}");
        let e = self.entries(package);
        e.fns.insert(
            name.clone(),
            Arc::new(move |_: &mut Interpreter, _: &mut Args| {
                Err(EvalError::not_supported(&display, needs))
            }),
        );
        e.needs_service.insert(name, needs);
    }

    /// What `package.name` needs when it is bound with [`Registry::unsupported`].
    pub fn needs_service(&self, package: &str, name: &str) -> Option<&'static str> {
        self.of(package)?.needs_service.get(name).copied()
    }

    /// Bind a non-function builtin (`true`, `math.pi`) to its value.
    pub fn constant(&mut self, package: impl Into<Name>, name: impl Into<Name>, value: Value) {
        self.entries(package.into())
            .constants
            .insert(name.into(), value);
    }

    /// The value of a constant builtin.
    pub fn get_constant(&self, package: &str, name: &str) -> Option<Value> {
        self.of(package)?.constants.get(name).cloned()
    }

    /// The implementation of `package.name`.
    pub fn get(&self, package: &str, name: &str) -> Option<NativeFn> {
        self.of(package)?.fns.get(name).cloned()
    }

    /// Whether `package.name` is implemented.
    pub fn implements(&self, package: &str, name: &str) -> bool {
        self.of(package)
            .is_some_and(|e| e.fns.contains_key(name) || e.constants.contains_key(name))
    }
}

/// A builtin function value.
#[derive(Clone)]
pub struct Builtin {
    /// Package path.
    pub package: String,
    /// Name in the package.
    pub name: String,
    /// `package.name`, or `name` for universe.
    pub display: String,
    /// The implementation, if fluxi has one.
    pub f: Option<NativeFn>,
}

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "builtin {}", self.display)
    }
}

impl Callable for Builtin {
    #[allow(clippy::misnamed_getters)] // the name shown to users is the qualified one
    fn name(&self) -> &str {
        &self.display
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The arguments of a call: named values and the piped-in value.
pub struct Args {
    named: Vec<(String, Value)>,
    pipe: Option<Value>,
    /// Where the call is written.
    pub span: Span,
    /// For a builtin that takes plans (see [`Registry::register_pushdown`]): itself and
    /// its arguments but the input, to run again later as a plan node.
    callee: Option<DeferredCall>,
}

/// A builtin call kept by a plan node: run over its input's rows when the node is not
/// pushed into storage (see [`fluxi_exec::logical`]).
pub struct DeferredCall {
    f: NativeFn,
    name: String,
    named: Vec<(String, Value)>,
    span: Span,
    text: String,
}

impl DeferredCall {
    /// Where the call is written.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Run the call with `input` piped in.
    pub fn run(&self, interp: &mut Interpreter, input: Value) -> Result<Value> {
        let mut args = Args::new(self.named.clone(), Some(input), self.span);
        (self.f)(interp, &mut args).map_err(|e| e.at(self.span, Some(&self.name)))
    }
}

impl std::fmt::Debug for DeferredCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl fluxi_exec::logical::Deferred for DeferredCall {
    fn name(&self) -> &str {
        &self.name
    }
    fn display(&self) -> String {
        self.text.clone()
    }
    fn span(&self) -> Option<(usize, usize)> {
        Some((self.span.start as usize, self.span.end as usize))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn wrong(name: &str, want: &str, v: &Value) -> EvalError {
    EvalError::new(
        crate::error::ErrorKind::Type,
        format!("argument `{name}` must be {want}, found {}", v.type_name()),
    )
}

impl Args {
    /// Arguments of a call.
    pub fn new(named: Vec<(String, Value)>, pipe: Option<Value>, span: Span) -> Args {
        Args {
            named,
            pipe,
            span,
            callee: None,
        }
    }

    /// Remember the builtin being called, so that it can make itself a plan node.
    pub(crate) fn set_callee(&mut self, f: NativeFn, name: &str) {
        let named = self
            .named
            .iter()
            .filter(|(n, _)| n != "tables")
            .cloned()
            .collect();
        self.callee = Some(DeferredCall {
            f,
            name: name.to_string(),
            named,
            span: self.span,
            text: String::new(),
        });
    }

    /// This call, kept to run later over its input (as `text` in plans); `None` unless
    /// the builtin was registered to take plans.
    pub fn defer(&self, text: impl Into<String>) -> Option<Arc<dyn fluxi_exec::logical::Deferred>> {
        let c = self.callee.as_ref()?;
        Some(Arc::new(DeferredCall {
            f: Arc::clone(&c.f),
            name: c.name.clone(),
            named: c.named.clone(),
            span: c.span,
            text: text.into(),
        }))
    }

    /// Take a named argument (None if absent).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.named.iter().position(|(n, _)| n == name)?;
        Some(self.named.remove(i).1)
    }

    /// Take the piped value, or the named argument that stands for it.
    pub fn take_pipe(&mut self, name: &str) -> Option<Value> {
        self.pipe.take().or_else(|| self.take(name))
    }

    /// Take a required argument.
    pub fn required(&mut self, name: &str) -> Result<Value> {
        self.take(name)
            .ok_or_else(|| EvalError::msg(format!("missing required argument `{name}`")))
    }

    /// The piped stream of tables (`tables=<-`).
    pub fn tables(&mut self) -> Result<Stream> {
        match self.take_pipe("tables") {
            Some(Value::Stream(s)) => Ok(s),
            Some(v) => Err(wrong("tables", "a stream of tables", &v)),
            None => Err(EvalError::msg("missing piped input (`tables`)")),
        }
    }

    /// A stream argument.
    pub fn stream(&mut self, name: &str) -> Result<Stream> {
        match self.required(name)? {
            Value::Stream(s) => Ok(s),
            v => Err(wrong(name, "a stream of tables", &v)),
        }
    }

    /// An optional string argument.
    pub fn opt_string(&mut self, name: &str) -> Result<Option<String>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.to_string())),
            Some(v) => Err(wrong(name, "a string", &v)),
        }
    }

    /// A string argument with a default.
    pub fn string_or(&mut self, name: &str, default: &str) -> Result<String> {
        Ok(self
            .opt_string(name)?
            .unwrap_or_else(|| default.to_string()))
    }

    /// A required string argument.
    pub fn string(&mut self, name: &str) -> Result<String> {
        self.opt_string(name)?
            .ok_or_else(|| EvalError::msg(format!("missing required argument `{name}`")))
    }

    /// An optional bool argument.
    pub fn opt_bool(&mut self, name: &str) -> Result<Option<bool>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(v) => Err(wrong(name, "a bool", &v)),
        }
    }

    /// An optional int argument.
    pub fn opt_int(&mut self, name: &str) -> Result<Option<i64>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(i)),
            Some(v) => Err(wrong(name, "an int", &v)),
        }
    }

    /// An optional float argument.
    pub fn opt_float(&mut self, name: &str) -> Result<Option<f64>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Float(f)) => Ok(Some(f)),
            Some(v) => Err(wrong(name, "a float", &v)),
        }
    }

    /// An optional duration argument.
    pub fn opt_duration(&mut self, name: &str) -> Result<Option<Duration>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Duration(d)) => Ok(Some(d)),
            Some(v) => Err(wrong(name, "a duration", &v)),
        }
    }

    /// An optional array of strings.
    pub fn opt_strings(&mut self, name: &str) -> Result<Option<Vec<String>>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.to_string()),
                    other => Err(wrong(name, "an array of strings", other)),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(v) => Err(wrong(name, "an array of strings", &v)),
        }
    }

    /// An optional record argument.
    pub fn opt_record(&mut self, name: &str) -> Result<Option<Arc<Record>>> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Record(r)) => Ok(Some(r)),
            Some(v) => Err(wrong(name, "a record", &v)),
        }
    }

    /// A required function argument.
    pub fn function(&mut self, name: &str) -> Result<Value> {
        match self.required(name)? {
            v @ Value::Function(_) => Ok(v),
            v => Err(wrong(name, "a function", &v)),
        }
    }
}
