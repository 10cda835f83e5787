//! The interpreter: evaluates a checked program (its semantic graph), its imports and the
//! prelude, calls closures and builtins, keeps options and collects the named results.

use crate::env::Env;
use crate::error::{ErrorKind, EvalError, Result};
use crate::execute::{Explained, MemoryBudget, ResultSink};
use crate::ops;
use crate::registry::{Args, Builtin, NativeFn, Registry};
use fluxi_exec::logical::{CallNode, LogicalPlan};
use fluxi_semantic::nodes::{self, Expr, ExprKind, Statement, StringPart};
use fluxi_semantic::{Checker, Library, PRELUDE};
use fluxi_storage::Storage;
use fluxi_syntax::ast::{DurationPart, DurationUnit};
use fluxi_syntax::Span;
use fluxi_value::{Callable, Dict, Duration, PlanNode, Record, Stream, Value};
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A function literal with the environment it was defined in.
pub struct Closure {
    func: Arc<nodes::Function>,
    env: Env,
    /// Written in a package's source rather than the script: spans inside it do not
    /// point into the script.
    in_package: bool,
    /// The literal's checked type (for `display` and messages).
    ty: fluxi_semantic::types::MonoType,
}

impl Closure {
    /// The function literal.
    pub fn function(&self) -> &nodes::Function {
        &self.func
    }

    /// The environment the function closes over.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// For a predicate written `(l, r) => l.a == r.b and l.c == r.d`, the pairs of
    /// (left property, right property) it compares; `None` when the body has another shape.
    pub fn equality_pairs(&self, left: &str, right: &str) -> Option<Vec<(String, String)>> {
        let [Statement::Return(body)] = self.func.body.as_slice() else {
            return None;
        };
        let mut pairs = Vec::new();
        collect_equalities(body, left, right, &mut pairs).then_some(pairs)
    }
}

fn collect_equalities(e: &Expr, left: &str, right: &str, out: &mut Vec<(String, String)>) -> bool {
    use fluxi_semantic::nodes::{BinaryOp, LogicalOp};
    let member = |x: &Expr| match &x.kind {
        ExprKind::Member { object, property } => match &object.kind {
            ExprKind::Ident(n) => Some((n.clone(), property.clone())),
            _ => None,
        },
        _ => None,
    };
    match &e.kind {
        ExprKind::Logical {
            op: LogicalOp::And,
            left: a,
            right: b,
        } => collect_equalities(a, left, right, out) && collect_equalities(b, left, right, out),
        ExprKind::Binary {
            op: BinaryOp::Eq,
            left: a,
            right: b,
        } => match (member(a), member(b)) {
            (Some((na, pa)), Some((nb, pb))) if na == left && nb == right => {
                out.push((pa, pb));
                true
            }
            (Some((na, pa)), Some((nb, pb))) if na == right && nb == left => {
                out.push((pb, pa));
                true
            }
            _ => false,
        },
        _ => false,
    }
}

impl std::fmt::Debug for Closure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("closure")
    }
}

impl Callable for Closure {
    fn name(&self) -> &str {
        "<function>"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn type_text(&self) -> Option<String> {
        match self.ty {
            fluxi_semantic::types::MonoType::Fun(_) => {
                Some(fluxi_semantic::types::TypePrinter::new().mono(&self.ty))
            }
            _ => None,
        }
    }
}

/// A function that ignores its arguments and returns a fixed value (`--now`).
#[derive(Debug)]
pub struct Constant(pub Value);

impl Callable for Constant {
    fn name(&self) -> &str {
        "<constant>"
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// What every interpreter of an engine shares, built once and immutable but for caches:
/// the builtin implementations, the library of checked packages, and the packages'
/// evaluated members (a package's top level is pure, so its members are the same for
/// every query). `Send + Sync`; share it in an `Arc`.
pub struct Runtime {
    pub(crate) registry: Arc<Registry>,
    library: Arc<Library>,
    values: Mutex<HashMap<String, Arc<Members>>>,
    evaluated: AtomicUsize,
}

/// The evaluated members of a package.
#[derive(Debug, Default)]
struct Members {
    values: Arc<HashMap<String, Value>>,
    /// Constants declared with `builtin` that fluxi has no value for.
    missing: HashSet<String>,
}

impl Runtime {
    /// A runtime over these builtins and packages.
    pub fn new(registry: Arc<Registry>, library: Arc<Library>) -> Runtime {
        Runtime {
            registry,
            library,
            values: Mutex::new(HashMap::new()),
            evaluated: AtomicUsize::new(0),
        }
    }

    /// How many times a package's top level has been evaluated (once per package, but
    /// for two interpreters racing to evaluate the same one).
    pub fn packages_evaluated(&self) -> usize {
        self.evaluated.load(Ordering::Relaxed)
    }

    /// The builtin implementations.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The checked packages.
    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    fn cached(&self, path: &str) -> Option<Arc<Members>> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.get(path).cloned()
    }

    fn publish(&self, path: &str, members: Arc<Members>) {
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.entry(path.to_string()).or_insert(members);
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runtime")
    }
}

/// The [`Interpreter::count`] counter of calls whose row function ran row by row
/// ([`Interpreter::note_row_path`]).
pub const ROW_PATH: &str = "row functions run row by row";

/// The interpreter. One instance runs programs against one set of loaded packages.
pub struct Interpreter {
    pub(crate) checker: Checker,
    pub(crate) runtime: Arc<Runtime>,
    registry: Arc<Registry>,
    packages: HashMap<String, Arc<HashMap<String, Value>>>,
    loading: HashSet<String>,
    options: HashMap<(String, String), Value>,
    pub(crate) results: Vec<(String, Stream)>,
    regexes: HashMap<String, Arc<regex::Regex>>,
    missing: HashSet<(String, String)>,
    depth: usize,
    vectorize: bool,
    pub(crate) counters: HashMap<&'static str, u64>,
    /// What the builtin being called said about how it ran (see [`Interpreter::note_call`]).
    call_notes: Vec<String>,
    pub(crate) storage: Option<Arc<dyn Storage>>,
    pub(crate) explain_only: bool,
    pub(crate) pushdown: bool,
    pub(crate) cancel: Option<Arc<AtomicBool>>,
    pub(crate) explained: Vec<Explained>,
    /// The streams yielded so far, as they were given (for telling whether a statement's
    /// stream was yielded already).
    pub(crate) yielded: Vec<Stream>,
    /// Where results go as they are computed, table by table, instead of `results`.
    pub(crate) sink: Option<ResultSink>,
    pub(crate) memory: MemoryBudget,
    pub(crate) files: Arc<crate::files::FileAccess>,
    pub(crate) egress: Arc<crate::net::Egress>,
    pub(crate) secrets: Option<Arc<dyn crate::secrets::SecretStore>>,
    pub(crate) redactor: crate::secrets::Redactor,
    pub(crate) log_sink: Option<crate::runlog::LogSink>,
    pub(crate) log_lines: usize,
    /// Whether the code running now is a package's (its body, or a function it defines).
    package_code: bool,
}

/// What a session entry left behind (see [`Interpreter::run_entry`]).
#[derive(Debug, Default)]
pub struct Entry {
    /// Its results (`yield`s and streams written as statements), in order.
    pub results: Vec<(String, Stream)>,
    /// The names it defined at top level, with their values, in order.
    pub bindings: Vec<(String, Value)>,
    /// The value of its last expression statement, when that is not a stream.
    pub value: Option<Value>,
}

const MAX_CALL_DEPTH: usize = 1_000;

pub(crate) fn internal(msg: impl Into<String>) -> EvalError {
    EvalError::new(ErrorKind::Internal, msg)
}

impl Interpreter {
    /// Whether builtins may run row functions over whole columns (the default). Turning
    /// it off forces the row-at-a-time path, which differential tests compare against.
    pub fn set_vectorize(&mut self, on: bool) {
        self.vectorize = on;
    }

    /// See [`Interpreter::set_vectorize`].
    pub fn vectorize(&self) -> bool {
        self.vectorize
    }

    /// Count an event of execution (for profiles, `explain`, and tests that check which
    /// path ran), such as `"vectorized tables"`.
    pub fn count(&mut self, counter: &'static str, n: u64) {
        *self.counters.entry(counter).or_insert(0) += n;
    }

    /// A line of detail about how the builtin being called runs, shown under its call
    /// in `explain` (such as a row function that runs row by row).
    pub fn note_call(&mut self, detail: impl Into<String>) {
        let detail = detail.into();
        if !self.call_notes.contains(&detail) {
            self.call_notes.push(detail);
        }
    }

    /// A row function of the builtin being called runs in the interpreter, row by row,
    /// because it does not compile to column expressions: counted as
    /// [`ROW_PATH`] and noted under the call in `explain`.
    pub fn note_row_path(&mut self, parameter: &str) {
        self.count(ROW_PATH, 1);
        self.note_call(format!(
            "`{parameter}` runs row by row (it does not compile to column expressions)"
        ));
    }

    /// How often an event of [`Interpreter::count`] happened.
    pub fn counter(&self, counter: &str) -> u64 {
        self.counters.get(counter).copied().unwrap_or(0)
    }

    /// Read and write buckets through this storage (`from`, `to`, `buckets`, schema).
    pub fn set_storage(&mut self, storage: Arc<dyn Storage>) {
        self.storage = Some(storage);
    }

    /// The storage `from(bucket:)` reads, or an error saying there is none.
    pub fn storage(&self) -> Result<Arc<dyn Storage>> {
        self.storage.clone().ok_or_else(|| {
            EvalError::msg("no storage is attached: buckets cannot be read or written here")
                .with_hint("run with `--data DIR` (or set $FLUXI_DATA) to use a store")
        })
    }

    /// Whether `filter`, aggregates and `aggregateWindow` may push themselves into storage
    /// reads (the default). `range` always does: a read needs its bounds. Turning it off
    /// is for tests that compare both ways.
    pub fn set_pushdown(&mut self, on: bool) {
        self.pushdown = on;
    }

    /// See [`Interpreter::set_pushdown`].
    pub fn pushdown(&self) -> bool {
        self.pushdown
    }

    /// Plan without reading: storage reads answer no tables and writes are skipped, so
    /// the results' plans show what would run (`fluxi explain`).
    pub fn set_explain_only(&mut self, on: bool) {
        self.explain_only = on;
    }

    /// See [`Interpreter::set_explain_only`].
    pub fn explain_only(&self) -> bool {
        self.explain_only
    }

    /// Materialise the streams in a value (also inside arrays and records).
    fn materialize_value(
        &mut self,
        v: Value,
        plans: &mut Vec<Arc<PlanNode>>,
        holder: &str,
    ) -> Result<Value> {
        Ok(match v {
            Value::Stream(s) => {
                let s = self.materialize_for(s, holder)?;
                if let Some(p) = s.plan() {
                    plans.push(Arc::clone(p));
                }
                Value::Stream(s)
            }
            Value::Array(items) if items.iter().any(|i| matches!(i, Value::Stream(_))) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items.iter() {
                    out.push(self.materialize_value(i.clone(), plans, holder)?);
                }
                Value::Array(Arc::new(out))
            }
            Value::Record(r)
                if r.fields()
                    .iter()
                    .any(|(_, v)| matches!(v, Value::Stream(_))) =>
            {
                let mut out = Vec::with_capacity(r.len());
                for (k, v) in r.fields() {
                    out.push((
                        Arc::clone(k),
                        self.materialize_value(v.clone(), plans, holder)?,
                    ));
                }
                Value::Record(Arc::new(Record::from_fields(out)))
            }
            v => v,
        })
    }

    /// Call a builtin: materialise its stream arguments unless it takes pending streams,
    /// and record the plan of the stream it returns.
    fn call_builtin(
        &mut self,
        b: &Builtin,
        f: NativeFn,
        named: Vec<(String, Value)>,
        pipe: Option<Value>,
        span: Span,
    ) -> Result<Value> {
        if let Some(kind) = self.registry.node_kind(&b.package, &b.name) {
            let input = pipe
                .as_ref()
                .or_else(|| named.iter().find(|(n, _)| n == "tables").map(|(_, v)| v));
            if let Some(Value::Stream(s)) = input {
                if let Some(plan) = self.plan_of(s)? {
                    let text = format!(
                        "{}({})",
                        b.display,
                        named
                            .iter()
                            .filter(|(n, _)| n != "tables")
                            .map(|(n, _)| format!("{n}: ..."))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let mut args = Args::new(named, None, span);
                    args.set_callee(Arc::clone(&f), &b.display);
                    let call = args
                        .defer(text)
                        .ok_or_else(|| internal("a plan node without its call"))?;
                    let bounds = plan.bounds();
                    let node = LogicalPlan::Call(CallNode {
                        input: plan,
                        kind,
                        call,
                    });
                    return Ok(Value::Stream(Stream::pending(Arc::new(node), bounds)));
                }
            }
        }
        let mut plans = Vec::new();
        let takes_plans = self.registry.takes_pending(&b.package, &b.name);
        let (named, pipe) = if takes_plans {
            for v in named.iter().map(|(_, v)| v).chain(pipe.iter()) {
                if let Value::Stream(s) = v {
                    if let Some(p) = s.plan() {
                        plans.push(Arc::clone(p));
                    }
                }
            }
            (named, pipe)
        } else {
            let mut m = Vec::with_capacity(named.len());
            for (k, v) in named {
                m.push((k, self.materialize_value(v, &mut plans, &b.display)?));
            }
            let pipe = match pipe {
                Some(v) => Some(self.materialize_value(v, &mut plans, &b.display)?),
                None => None,
            };
            (m, pipe)
        };
        let mut args = Args::new(named, pipe, span);
        if takes_plans {
            args.set_callee(Arc::clone(&f), &b.display);
        }
        let outer = std::mem::take(&mut self.call_notes);
        let out = f(self, &mut args);
        let notes = std::mem::replace(&mut self.call_notes, outer);
        let out = out?;
        self.check_cancelled()?;
        Ok(match out {
            Value::Stream(s) => {
                let fresh = s
                    .plan()
                    .is_some_and(|p| !plans.iter().any(|q| Arc::ptr_eq(p, q)));
                if fresh {
                    Value::Stream(s)
                } else {
                    let node = PlanNode {
                        op: b.display.clone(),
                        span: Some((span.start as usize, span.end as usize)),
                        detail: notes,
                        inputs: plans,
                    };
                    Value::Stream(s.with_plan(Arc::new(node)))
                }
            }
            v => v,
        })
    }

    /// An interpreter using these builtin implementations.
    pub fn new(registry: Registry) -> Self {
        Interpreter::with_registry(Arc::new(registry))
    }

    /// An interpreter using a shared registry of builtin implementations (and a library
    /// of packages of its own).
    pub fn with_registry(registry: Arc<Registry>) -> Self {
        Interpreter::with_runtime(Arc::new(Runtime::new(registry, Arc::new(Library::new()))))
    }

    /// An interpreter over a shared runtime: packages checked and evaluated by any
    /// interpreter of the runtime are not checked or evaluated again.
    pub fn with_runtime(runtime: Arc<Runtime>) -> Self {
        Interpreter {
            checker: Checker::with_library(Arc::clone(&runtime.library)),
            registry: Arc::clone(&runtime.registry),
            runtime,
            packages: HashMap::new(),
            loading: HashSet::new(),
            options: HashMap::new(),
            results: Vec::new(),
            regexes: HashMap::new(),
            missing: HashSet::new(),
            depth: 0,
            vectorize: true,
            counters: HashMap::new(),
            call_notes: Vec::new(),
            storage: None,
            explain_only: false,
            pushdown: true,
            cancel: None,
            explained: Vec::new(),
            yielded: Vec::new(),
            sink: None,
            memory: MemoryBudget::default(),
            files: Arc::default(),
            egress: Arc::default(),
            secrets: None,
            redactor: crate::secrets::Redactor::default(),
            log_sink: None,
            log_lines: 0,
            package_code: false,
        }
    }

    /// Stop running when this flag is set: the next function call fails with a
    /// `cancelled` error. The flag is not reset by the interpreter.
    pub fn set_cancel(&mut self, flag: Arc<AtomicBool>) {
        self.cancel = Some(flag);
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// Fail if the query was cancelled (builtins with long loops call this now and then).
    pub fn check_cancelled(&self) -> Result<()> {
        match &self.cancel {
            Some(flag) if flag.load(Ordering::Relaxed) => Err(EvalError::new(
                ErrorKind::Cancelled,
                "the query was cancelled",
            )),
            _ => Ok(()),
        }
    }

    /// The type checker whose packages this interpreter evaluates.
    pub fn checker(&mut self) -> &mut Checker {
        &mut self.checker
    }

    /// Set an option of a package before running (e.g. `now` from `--now`).
    pub fn set_option(&mut self, package: &str, name: &str, value: Value) {
        self.options
            .insert((package.to_string(), name.to_string()), value);
    }

    /// Fix `now()` to a time, as `--now` does (a script's own `option now` still wins).
    pub fn set_now(&mut self, unix_nanos: i64) {
        self.set_option(
            "universe",
            "now",
            Value::Function(Arc::new(Constant(Value::Time(unix_nanos)))),
        );
    }

    /// The current value of a package's option (or any member).
    pub fn option(&mut self, package: &str, name: &str) -> Result<Value> {
        if let Some(v) = self.options.get(&(package.to_string(), name.to_string())) {
            return Ok(v.clone());
        }
        let members = self.package_values(package)?;
        if let Some(v) = members.get(name) {
            return Ok(v.clone());
        }
        if self
            .missing
            .contains(&(package.to_string(), name.to_string()))
        {
            let display = if package == "universe" {
                name.to_string()
            } else {
                format!("{}.{name}", last_segment(package))
            };
            return Err(EvalError::not_implemented(&display));
        }
        Err(internal(format!("package {package} has no member {name}")))
    }

    /// The time `now()` returns: the `now` option called.
    pub fn now(&mut self) -> Result<i64> {
        let f = self.option("universe", "now")?;
        match self.call(&f, Vec::new(), None, Span::default())? {
            Value::Time(t) => Ok(t),
            other => Err(EvalError::new(
                ErrorKind::Type,
                format!("option `now` must return a time, not {}", other.type_name()),
            )),
        }
    }

    /// Record a named result (`yield`): computed now, and kept or handed to the result
    /// sink table by table.
    pub fn yield_result(&mut self, name: &str, stream: Stream) -> Result<()> {
        if self.results.iter().any(|(n, _)| n == name) {
            return Err(EvalError::new(
                ErrorKind::Results,
                format!("tried to produce more than one result with the name \"{name}\""),
            )
            .with_hint("give each `yield` its own `name:`"));
        }
        self.yielded.push(stream.clone());
        let Some(mut sink) = self.sink.take() else {
            let materialized = self.materialize_for(stream, "the result")?;
            self.results.push((name.to_string(), materialized));
            return Ok(());
        };
        let sent = match self.plan_of(&stream) {
            Ok(Some(plan)) if !self.explain_only => {
                let optimized = self.optimize(&plan);
                self.run_each(&optimized, &mut |_, t| sink(name, Some(t)))
            }
            Ok(Some(_)) => Ok(()),
            Ok(None) => stream
                .tables()
                .iter()
                .try_for_each(|t| sink(name, Some(t.clone()))),
            Err(e) => Err(e),
        };
        let sent = sent.and_then(|()| sink(name, None));
        self.sink = Some(sink);
        sent?;
        self.results
            .push((name.to_string(), Stream::new(Vec::new())));
        Ok(())
    }

    fn yielded(&self, s: &Stream) -> bool {
        self.yielded.iter().any(|r| r.same(s)) || self.results.iter().any(|(_, r)| r.same(s))
    }

    /// A compiled regex, cached by pattern.
    pub fn regex(&mut self, pattern: &str) -> Result<Arc<regex::Regex>> {
        if let Some(r) = self.regexes.get(pattern) {
            return Ok(Arc::clone(r));
        }
        let r = Arc::new(
            regex::Regex::new(pattern)
                .map_err(|e| EvalError::msg(format!("invalid regular expression: {e}")))?,
        );
        self.regexes.insert(pattern.to_string(), Arc::clone(&r));
        Ok(r)
    }

    // ------------------------------------------------------------------ packages

    /// The members of a package, evaluated once.
    pub fn package_values(&mut self, path: &str) -> Result<Arc<HashMap<String, Value>>> {
        if let Some(p) = self.packages.get(path) {
            return Ok(Arc::clone(p));
        }
        if let Some(shared) = self.runtime.cached(path) {
            return Ok(self.adopt(path, &shared));
        }
        if self.loading.contains(path) {
            return Err(internal(format!("package {path} depends on itself")));
        }
        self.checker
            .package(path)
            .map_err(|e| internal(format!("cannot load package {path}: {e}")))?;
        let graph = self
            .checker
            .package_graph(path)
            .ok_or_else(|| internal(format!("package {path} has no semantic graph")))?;
        // A package's functions read its own options when they run (`option
        // monitor.write = ...` changes what `monitor.check` calls). The prelude's options
        // (`now`, `location`) are read through the option table by their builtins.
        let graph = match PRELUDE.contains(&path) {
            true => graph,
            false => {
                let prelude = self.prelude_options();
                crate::options::late_options(path, &graph, &prelude)
                    .map(Arc::new)
                    .unwrap_or(graph)
            }
        };
        self.loading.insert(path.to_string());
        let globals = self.prelude_globals(Some(path));
        self.runtime.evaluated.fetch_add(1, Ordering::Relaxed);
        let outer = std::mem::replace(&mut self.package_code, true);
        let result = self.eval_package(path, &graph, globals);
        self.package_code = outer;
        self.loading.remove(path);
        let members = Arc::new(result?);
        self.runtime.publish(path, Arc::clone(&members));
        // Another interpreter may have published first: use what the runtime holds.
        let shared = self.runtime.cached(path).unwrap_or(members);
        Ok(self.adopt(path, &shared))
    }

    /// The options the prelude packages declare: (package path, name).
    fn prelude_options(&mut self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for p in PRELUDE {
            if self.checker.package(p).is_err() {
                continue;
            }
            let Some(graph) = self.checker.package_graph(p) else {
                continue;
            };
            for s in &graph.body {
                if let Statement::Option {
                    package: None,
                    name,
                    ..
                } = s
                {
                    out.push((p.to_string(), name.clone()));
                }
            }
        }
        out
    }

    /// Use a package's evaluated members in this interpreter.
    fn adopt(&mut self, path: &str, members: &Members) -> Arc<HashMap<String, Value>> {
        for name in &members.missing {
            self.missing.insert((path.to_string(), name.clone()));
        }
        self.packages
            .insert(path.to_string(), Arc::clone(&members.values));
        Arc::clone(&members.values)
    }

    /// The prelude's members, for a package at `path` (a prelude package sees only the
    /// prelude packages before it) or for a main program (`None`).
    fn prelude_globals(&mut self, path: Option<&str>) -> HashMap<String, Value> {
        let mut globals = HashMap::new();
        for p in PRELUDE {
            if Some(*p) == path {
                break;
            }
            if self.loading.contains(*p) {
                continue;
            }
            if let Ok(members) = self.package_values(p) {
                for (k, v) in members.iter() {
                    globals.insert(k.clone(), v.clone());
                }
            }
        }
        globals
    }

    fn eval_package(
        &mut self,
        path: &str,
        graph: &nodes::Package,
        globals: HashMap<String, Value>,
    ) -> Result<Members> {
        let mut env = Env::new(Arc::new(globals));
        let mut members = HashMap::new();
        let mut missing = HashSet::new();
        for s in &graph.body {
            match s {
                Statement::Builtin { name, ty, .. } => {
                    let display = if path == "universe" {
                        name.clone()
                    } else {
                        format!("{}.{name}", last_segment(path))
                    };
                    let v = match self.registry.get_constant(path, name) {
                        Some(c) => c,
                        None if !matches!(ty.ty, fluxi_semantic::MonoType::Fun(_)) => {
                            // A constant fluxi has no value for: using it fails clearly.
                            missing.insert(name.clone());
                            continue;
                        }
                        None => Value::Function(Arc::new(Builtin {
                            package: path.to_string(),
                            name: name.clone(),
                            display,
                            f: self.registry.get(path, name),
                        })),
                    };
                    env = env.bind(name, v.clone());
                    members.insert(name.clone(), v);
                }
                Statement::Variable { name, init, .. }
                | Statement::Option {
                    package: None,
                    name,
                    init,
                    ..
                } => {
                    let v = self.eval(init, &env)?;
                    env = env.bind(name, v.clone());
                    members.insert(name.clone(), v);
                }
                _ => {}
            }
        }
        Ok(Members {
            values: Arc::new(members),
            missing,
        })
    }

    // ------------------------------------------------------------------ programs

    /// Run a checked main program; returns its results (name and stream) in order.
    pub fn run(&mut self, program: &nodes::Package) -> Result<Vec<(String, Stream)>> {
        Ok(self.run_entry(program, &[])?.results)
    }

    /// Run one entry of a session, checked with [`fluxi_semantic::Checker::check_in`]:
    /// `prior` are the values earlier entries defined (in order; later ones shadow
    /// earlier ones). Options an entry sets stay set for the entries after it.
    ///
    /// A panic inside (a bug in fluxi, such as a builtin indexing past an array) does not
    /// unwind into the caller: the entry fails with a `fluxi::eval::internal` error naming
    /// what went wrong, and the interpreter, the engine and the store carry on.
    pub fn run_entry(
        &mut self,
        program: &nodes::Package,
        prior: &[(String, Value)],
    ) -> Result<Entry> {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.run_entry_unguarded(program, prior)
        }));
        let run = caught.unwrap_or_else(|payload| {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            // A half-made entry's results are dropped; the next entry starts clean.
            self.results.clear();
            self.yielded.clear();
            Err(EvalError::new(
                ErrorKind::Internal,
                format!(
                    "internal error: {what} (a bug in fluxi; please report it with the script)"
                ),
            ))
        });
        // Secret values read by the run never reach a message.
        run.map_err(|e| self.redact_error(e))
    }

    fn run_entry_unguarded(
        &mut self,
        program: &nodes::Package,
        prior: &[(String, Value)],
    ) -> Result<Entry> {
        self.results.clear();
        self.yielded.clear();
        for import in &program.imports {
            self.package_values(&import.path)?;
        }
        let mut globals = self.prelude_globals(None);
        // Options set from outside (`--now`) replace the prelude's values.
        for ((package, name), v) in &self.options {
            if PRELUDE.contains(&package.as_str()) && globals.contains_key(name) {
                globals.insert(name.clone(), v.clone());
            }
        }
        for (name, v) in prior {
            globals.insert(name.clone(), v.clone());
        }
        let mut env = Env::new(Arc::new(globals));
        // Options are set before anything else runs, as upstream evaluates them first; an
        // option that uses the program's own variables is set where it is written.
        let locals: HashSet<&str> = program
            .body
            .iter()
            .filter_map(|s| match s {
                Statement::Variable { name, .. } => Some(name.as_str()),
                _ => None,
            })
            .chain(prior.iter().map(|(n, _)| n.as_str()))
            .collect();
        let mut hoisted = HashSet::new();
        for (i, s) in program.body.iter().enumerate() {
            if let Statement::Option { init, .. } = s {
                if !mentions(init, &locals) {
                    env = self.statement(s, env)?;
                    hoisted.insert(i);
                }
            }
        }
        let mut entry = Entry::default();
        for (i, s) in program.body.iter().enumerate() {
            if let Statement::Expr(e) = s {
                self.check_cancelled()?;
                let v = self.eval(e, &env)?;
                entry.value = None;
                match v {
                    Value::Stream(st) => {
                        if !self.yielded(&st) {
                            self.yield_result("_result", st)
                                .map_err(|err| err.at(e.span, None))?;
                        }
                    }
                    v => entry.value = Some(v),
                }
                continue;
            }
            if !hoisted.contains(&i) {
                env = self.statement(s, env)?;
            }
            // A prelude option (`now`, `location`) is kept by the option table instead, so
            // that setting it again from outside (`:now`) wins.
            let name = match s {
                Statement::Variable { name, .. } => Some(name),
                Statement::Option {
                    package: None,
                    name,
                    ..
                } if self.option_owner(name).is_none() => Some(name),
                _ => None,
            };
            if let Some(name) = name {
                if let Some(v) = env.get(name) {
                    entry.bindings.push((name.clone(), v.clone()));
                }
            }
        }
        entry.results = std::mem::take(&mut self.results);
        Ok(entry)
    }

    fn statement(&mut self, s: &Statement, env: Env) -> Result<Env> {
        Ok(match s {
            Statement::Variable { name, init, .. } => {
                let v = self.eval(init, &env)?;
                env.bind(name, v)
            }
            Statement::Option {
                package,
                name,
                init,
                span,
            } => {
                let v = self.eval(init, &env)?;
                match package {
                    Some(p) => {
                        self.set_option(p, name, v);
                        env
                    }
                    None => {
                        if let Some(owner) = self.option_owner(name) {
                            self.set_option(&owner, name, v.clone());
                        }
                        let _ = span;
                        env.bind(name, v)
                    }
                }
            }
            Statement::Expr(e) => {
                let v = self.eval(e, &env)?;
                if let Value::Stream(s) = v {
                    if !self.yielded(&s) {
                        self.yield_result("_result", s)
                            .map_err(|err| err.at(e.span, None))?;
                    }
                }
                env
            }
            Statement::Return(e) => {
                return Err(internal("return outside a function").at(e.span, None));
            }
            Statement::Builtin { name, .. } => {
                let v = Value::Function(Arc::new(Builtin {
                    package: "main".into(),
                    name: name.clone(),
                    display: name.clone(),
                    f: None,
                }));
                env.bind(name, v)
            }
            Statement::Testcase { .. } => env,
        })
    }

    /// The prelude package that declares an option of this name.
    fn option_owner(&mut self, name: &str) -> Option<String> {
        PRELUDE
            .iter()
            .find(|p| self.packages.get(**p).is_some_and(|m| m.contains_key(name)))
            .map(|p| p.to_string())
    }

    // ------------------------------------------------------------------ calls

    /// Call a function value with named arguments and an optional piped value.
    pub fn call(
        &mut self,
        f: &Value,
        named: Vec<(String, Value)>,
        pipe: Option<Value>,
        span: Span,
    ) -> Result<Value> {
        let Value::Function(c) = f else {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!("cannot call a {}", f.type_name()),
            )
            .at(span, None));
        };
        self.check_cancelled().map_err(|e| e.at(span, None))?;
        self.depth += 1;
        if self.depth > MAX_CALL_DEPTH {
            self.depth -= 1;
            return Err(EvalError::msg("calls nested too deeply").at(span, None));
        }
        let result = if let Some(closure) = c.as_any().downcast_ref::<Closure>() {
            self.call_closure(closure, named, pipe, span)
        } else if let Some(k) = c.as_any().downcast_ref::<Constant>() {
            Ok(k.0.clone())
        } else if let Some(b) = c.as_any().downcast_ref::<Builtin>() {
            match &b.f {
                Some(f) => self
                    .call_builtin(b, Arc::clone(f), named, pipe, span)
                    .map_err(|e| e.at(span, Some(&b.display))),
                None => Err(EvalError::not_implemented(&b.display).at(span, Some(&b.display))),
            }
        } else {
            Err(internal("unknown kind of function").at(span, None))
        };
        self.depth -= 1;
        result
    }

    fn call_closure(
        &mut self,
        c: &Closure,
        named: Vec<(String, Value)>,
        pipe: Option<Value>,
        span: Span,
    ) -> Result<Value> {
        let outer = std::mem::replace(&mut self.package_code, c.in_package);
        let result = self.call_closure_body(c, named, pipe, span);
        self.package_code = outer;
        match result {
            // A package's function failed when called from the script: the place inside
            // the package's source means nothing in the script, so the error points at
            // the call.
            Err(mut e) if c.in_package && !outer => {
                e.span = Some(span);
                Err(e)
            }
            r => r,
        }
    }

    fn call_closure_body(
        &mut self,
        c: &Closure,
        mut named: Vec<(String, Value)>,
        mut pipe: Option<Value>,
        span: Span,
    ) -> Result<Value> {
        let mut env = c.env.clone();
        for p in &c.func.params {
            let given = match named.iter().position(|(n, _)| *n == p.name) {
                Some(i) => Some(named.remove(i).1),
                None if p.pipe => pipe.take(),
                None => None,
            };
            let v = match (given, &p.default) {
                (Some(v), _) => v,
                (None, Some(d)) => self.eval(d, &c.env)?,
                (None, None) => {
                    return Err(
                        EvalError::msg(format!("missing required argument `{}`", p.name))
                            .at(span, None),
                    );
                }
            };
            env = env.bind(&p.name, v);
        }
        for s in &c.func.body {
            match s {
                Statement::Return(e) => return self.eval(e, &env),
                Statement::Variable { name, init, .. } => {
                    let v = self.eval(init, &env)?;
                    env = env.bind(name, v);
                }
                Statement::Expr(e) => {
                    self.eval(e, &env)?;
                }
                _ => {}
            }
        }
        Ok(Value::Null)
    }

    // ------------------------------------------------------------------ expressions

    /// Evaluate an expression.
    pub fn eval(&mut self, e: &Expr, env: &Env) -> Result<Value> {
        let err_at = |err: EvalError| err.at(e.span, None);
        Ok(match &e.kind {
            ExprKind::Ident(name) => env.get(name).cloned().ok_or_else(|| {
                internal(format!("`{name}` is not bound at run time")).at(e.span, None)
            })?,
            ExprKind::PackageMember { path, name } => {
                // A package's own option named inside its functions, called while the
                // package is still loading: the value bound so far.
                match (self.loading.contains(path.as_str()), env.get(name)) {
                    (true, Some(v))
                        if !self.options.contains_key(&(path.clone(), name.clone())) =>
                    {
                        v.clone()
                    }
                    _ => self.option(path, name).map_err(err_at)?,
                }
            }
            ExprKind::Int(v) => Value::Int(*v),
            ExprKind::Float(v) => Value::Float(*v),
            ExprKind::String(s) | ExprKind::Label(s) => Value::string(s.as_str()),
            ExprKind::Regex(r) => Value::Regex(self.regex(r).map_err(err_at)?),
            ExprKind::Duration(parts) => Value::Duration(duration_of(parts).map_err(err_at)?),
            ExprKind::DateTime(t) => {
                // In i128: the earliest times have a whole-second part whose nanosecond
                // count alone is below i64's range, the fraction bringing it back in.
                let ns = i64::try_from(
                    i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos),
                )
                .map_err(|_| {
                    EvalError::new(ErrorKind::Overflow, "this time is outside the years 1677 to 2262 that fluxi's nanosecond times cover").at(e.span, None)
                })?;
                Value::Time(ns)
            }
            ExprKind::PipeLit => Value::Null,

            ExprKind::Interpolated(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        StringPart::Text(t) => out.push_str(t),
                        StringPart::Expr(x) => {
                            let v = self.eval(x, env)?;
                            if v.is_null() {
                                return Err(EvalError::msg(
                                    "a null value cannot be interpolated into a string",
                                )
                                .at(x.span, None));
                            }
                            out.push_str(&v.to_string());
                        }
                    }
                }
                Value::string(out)
            }
            ExprKind::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, env)?);
                }
                Value::Array(Arc::new(out))
            }
            ExprKind::Dict(items) => {
                let mut pairs = Vec::with_capacity(items.len());
                for (k, v) in items {
                    pairs.push((self.eval(k, env)?, self.eval(v, env)?));
                }
                Value::Dict(Arc::new(Dict::from_pairs(pairs)))
            }
            ExprKind::Record { with, properties } => {
                let mut r = match with {
                    Some(w) => match self.eval(w, env)? {
                        Value::Record(r) => (*r).clone(),
                        Value::Null => Record::new(),
                        other => {
                            return Err(EvalError::new(
                                ErrorKind::Type,
                                format!("`with` needs a record, found {}", other.type_name()),
                            )
                            .at(w.span, None))
                        }
                    },
                    None => Record::new(),
                };
                for (k, x) in properties {
                    let v = self.eval(x, env)?;
                    r.set(Arc::from(k.as_str()), v);
                }
                Value::Record(Arc::new(r))
            }
            ExprKind::Function(f) => Value::Function(Arc::new(Closure {
                func: Arc::clone(f),
                env: env.clone(),
                in_package: self.package_code,
                ty: e.ty.clone(),
            })),
            ExprKind::Call { callee, args, pipe } => {
                let f = self.eval(callee, env)?;
                let mut named = Vec::with_capacity(args.len());
                for (n, x) in args {
                    named.push((n.clone(), self.eval(x, env)?));
                }
                let piped = match pipe {
                    Some(p) => Some(self.eval(p, env)?),
                    None => None,
                };
                self.call(&f, named, piped, e.span)?
            }
            ExprKind::Member { object, property } => match self.eval(object, env)? {
                Value::Record(r) => r.get(property).cloned().unwrap_or(Value::Null),
                Value::Null => Value::Null,
                Value::Dynamic(inner) => match inner.as_ref() {
                    // A property a dynamic record lacks is a dynamic null.
                    Value::Record(r) => r
                        .get(property)
                        .cloned()
                        .unwrap_or(Value::Null)
                        .into_dynamic(),
                    other => {
                        return Err(EvalError::new(
                            ErrorKind::Type,
                            format!(
                                "cannot access property \"{property}\" of a dynamic {}",
                                dynamic_kind(other)
                            ),
                        )
                        .at(e.span, None)
                        .with_hint(
                            "only a dynamic record has properties; check with `dynamic.isType(v: x, type: \"object\")` first",
                        ));
                    }
                },
                other => {
                    return Err(EvalError::new(
                        ErrorKind::Type,
                        format!(
                            "cannot access property `{property}` of a {}",
                            other.type_name()
                        ),
                    )
                    .at(e.span, None));
                }
            },
            ExprKind::Index { array, index } => {
                let a = self.eval(array, env)?;
                let i = self.eval(index, env)?;
                let (a, wrap) = match a {
                    Value::Dynamic(inner) => match inner.as_ref() {
                        Value::Array(_) => (inner.as_ref().clone(), true),
                        other => {
                            return Err(EvalError::new(
                                ErrorKind::Type,
                                format!("cannot index a dynamic {}", dynamic_kind(other)),
                            )
                            .at(e.span, None)
                            .with_hint("only a dynamic array can be indexed"));
                        }
                    },
                    a => (a, false),
                };
                let got = match (a, i) {
                    (Value::Array(items), Value::Int(i)) => {
                        let idx = usize::try_from(i).ok().filter(|i| *i < items.len());
                        match idx {
                            Some(i) => items[i].clone(),
                            None => {
                                return Err(EvalError::new(
                                    ErrorKind::IndexOutOfBounds,
                                    format!(
                                        "index {i} is out of bounds: the array has {} elements",
                                        items.len()
                                    ),
                                )
                                .at(index.span, None));
                            }
                        }
                    }
                    (Value::Null, _) | (_, Value::Null) => Value::Null,
                    (a, i) => {
                        return Err(EvalError::new(
                            ErrorKind::Type,
                            format!("cannot index a {} with a {}", a.type_name(), i.type_name()),
                        )
                        .at(e.span, None));
                    }
                };
                if wrap {
                    got.into_dynamic()
                } else {
                    got
                }
            }
            ExprKind::Unary { op, operand } => {
                let v = self.eval(operand, env)?;
                ops::unary(*op, v).map_err(err_at)?
            }
            ExprKind::Binary { op, left, right } => {
                let l = self.eval(left, env)?;
                let r = self.eval(right, env)?;
                ops::binary(*op, &l, &r).map_err(err_at)?
            }
            ExprKind::Logical { op, left, right } => {
                let l = self.eval(left, env)?;
                ops::logical(*op, &l, || self.eval(right, env))?
            }
            ExprKind::Conditional {
                test,
                consequent,
                alternate,
            } => match self.eval(test, env)? {
                Value::Bool(true) => self.eval(consequent, env)?,
                _ => self.eval(alternate, env)?,
            },
            ExprKind::Bad => {
                return Err(internal("this expression did not type-check").at(e.span, None))
            }
        })
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether an expression mentions any of the names (not looking inside function bodies'
/// own parameters, which is good enough for deciding whether an option can be hoisted).
fn mentions(e: &Expr, names: &HashSet<&str>) -> bool {
    let mut found = false;
    nodes::visit(e, &mut |x| {
        if let ExprKind::Ident(n) = &x.kind {
            if names.contains(n.as_str()) {
                found = true;
            }
        }
    });
    found
}

/// The duration a literal denotes.
pub fn duration_of(parts: &[DurationPart]) -> Result<Duration> {
    let overflow = || EvalError::new(ErrorKind::Overflow, "this duration is too large");
    let mut months: i64 = 0;
    let mut nanos: i64 = 0;
    for p in parts {
        let (m, n): (i64, i64) = match p.unit {
            DurationUnit::Year => (12, 0),
            DurationUnit::Month => (1, 0),
            DurationUnit::Week => (0, 7 * 86_400_000_000_000),
            DurationUnit::Day => (0, 86_400_000_000_000),
            DurationUnit::Hour => (0, 3_600_000_000_000),
            DurationUnit::Minute => (0, 60_000_000_000),
            DurationUnit::Second => (0, 1_000_000_000),
            DurationUnit::Millisecond => (0, 1_000_000),
            DurationUnit::Microsecond => (0, 1_000),
            DurationUnit::Nanosecond => (0, 1),
        };
        months = months
            .checked_add(p.magnitude.checked_mul(m).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        nanos = nanos
            .checked_add(p.magnitude.checked_mul(n).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
    }
    Ok(Duration {
        months,
        nanos,
        negative: false,
    })
}

/// What a dynamic value holds, for messages (`int`, `null`, ...).
fn dynamic_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        other => other.type_name(),
    }
}
