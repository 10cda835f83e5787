//! Running plans: the rewrite rules, then what is left — the read streams its tables,
//! nodes that work table by table pass each one on, nodes that need their whole input
//! hold it within the query's memory budget — and results handed to a sink as they are
//! computed.

use crate::error::{ErrorKind, EvalError, Result};
use crate::interp::{internal, Interpreter};
use crate::registry::DeferredCall;
use fluxi_exec::logical::{CallKind, Deferred, LogicalPlan, StorageRequest};
use fluxi_exec::rules::{self, RuleContext};
use fluxi_value::{PlanNode, Stream, Table, Value};
use std::sync::Arc;

/// Receives each table of each result as it is computed (see
/// [`Interpreter::set_result_sink`]).
/// `(name, Some(table))` for each table of a result, then `(name, None)` when the result
/// is complete.
pub type ResultSink = Box<dyn FnMut(&str, Option<Table>) -> Result<()> + Send>;

/// The memory a query may hold in tables at once, and what it holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryBudget {
    /// The limit in bytes (`None`: none).
    pub limit: Option<usize>,
    used: usize,
}

/// A plan as it was materialised: before and after the rewrite rules, and what it asked
/// of storage.
#[derive(Debug, Clone)]
pub struct Explained {
    /// The logical plan the pipeline built, as an indented tree.
    pub before: String,
    /// The plan after the rules.
    pub after: String,
    /// The rules that fired, in order.
    pub rules: Vec<&'static str>,
    /// The storage request of the rewritten plan.
    pub request: StorageRequest,
}

impl Interpreter {
    /// Compute a stream that is not read yet (a no-op for materialised streams): apply
    /// the rewrite rules to its plan, then run what is left, holding its tables within
    /// the query's memory budget. With `explain_only`, nothing is read (the stream has no
    /// tables) and the plan before and after the rules is recorded instead (see
    /// [`Interpreter::take_explained`]).
    pub fn materialize(&mut self, s: Stream) -> Result<Stream> {
        self.materialize_for(s, "reading a stream whole")
    }

    pub(crate) fn materialize_for(&mut self, s: Stream, holder: &str) -> Result<Stream> {
        let Some(plan) = self.plan_of(&s)? else {
            return Ok(s);
        };
        let optimized = self.optimize(&plan);
        let bounds = plan.bounds();
        let mut tables = Vec::new();
        if !self.explain_only {
            let mut held = 0usize;
            let result = self.run_each(&optimized, &mut |interp, t| {
                let bytes = table_bytes(&t);
                interp.reserve(bytes, holder)?;
                held += bytes;
                tables.push(t);
                Ok(())
            });
            // What the stream holds is the caller's now; the budget guards the reading.
            self.release(held);
            result?;
        }
        Ok(Stream::new(tables)
            .with_bounds(bounds)
            .with_plan(Arc::new(trace(&optimized))))
    }

    /// The plan of a stream not read yet.
    pub(crate) fn plan_of(&self, s: &Stream) -> Result<Option<Arc<LogicalPlan>>> {
        let Some(p) = s.pending_part() else {
            return Ok(None);
        };
        let plan = p
            .as_any()
            .downcast_ref::<LogicalPlan>()
            .ok_or_else(|| internal("a pending stream of an unknown kind"))?;
        Ok(Some(Arc::new(plan.clone())))
    }

    /// The plan after the rewrite rules (recorded when explaining).
    pub(crate) fn optimize(&mut self, plan: &Arc<LogicalPlan>) -> Arc<LogicalPlan> {
        let optimized = rules::optimize(
            plan,
            &RuleContext {
                pushdown: self.pushdown,
            },
        );
        if self.explain_only {
            self.explained.push(Explained {
                before: plan.tree(),
                after: optimized.plan.tree(),
                rules: optimized.applied.clone(),
                request: optimized.plan.request(),
            });
        }
        optimized.plan
    }

    /// The plans materialised so far with `explain_only`, before and after the rules, in
    /// order.
    pub fn take_explained(&mut self) -> Vec<Explained> {
        std::mem::take(&mut self.explained)
    }

    /// Limit the bytes of tables the query may hold at once.
    pub fn set_memory_limit(&mut self, bytes: Option<usize>) {
        self.memory.limit = bytes;
    }

    /// Which files the query may read (none by default; see [`crate::FileAccess`]).
    pub fn set_file_access(&mut self, access: Arc<crate::FileAccess>) {
        self.files = access;
    }

    /// The text of a file, as the query's file access allows (`what` names the function
    /// asking, for messages); a file bigger than the memory limit is refused unread.
    pub fn read_file(&self, what: &str, path: &str) -> Result<String> {
        self.files.read_to_string(what, path, self.memory.limit)
    }

    /// Hold `bytes` more for `holder` (a function's name), or fail with
    /// `fluxi::exec::memory_limit` when that passes the query's limit.
    pub fn reserve(&mut self, bytes: usize, holder: &str) -> Result<()> {
        let used = self.memory.used.saturating_add(bytes);
        if let Some(limit) = self.memory.limit {
            if used > limit {
                let mut e = EvalError::new(
                    ErrorKind::MemoryLimit,
                    format!(
                        "holding {} of tables would pass the query's memory limit of {}",
                        human_bytes(used),
                        human_bytes(limit)
                    ),
                );
                e.function = Some(holder.to_string());
                return Err(e.with_hint(
                    "narrow the query (a shorter range, a filter, an aggregate before this \
                     function) or raise the limit with --memory-limit / $FLUXI_MEMORY_LIMIT",
                ));
            }
        }
        self.memory.used = used;
        Ok(())
    }

    /// Give back what [`Interpreter::reserve`] took.
    pub fn release(&mut self, bytes: usize) {
        self.memory.used = self.memory.used.saturating_sub(bytes);
    }

    /// Send each result's tables to `sink` as they are computed instead of keeping them
    /// (the results a run returns then have no tables).
    pub fn set_result_sink(&mut self, sink: ResultSink) {
        self.sink = Some(sink);
    }

    /// Run a (rewritten) plan, handing its tables to `sink` one by one as they are
    /// computed: the read streams its tables, nodes that work table by table pass each
    /// on, and nodes that need their whole input hold it (within the memory budget).
    pub(crate) fn run_each(
        &mut self,
        plan: &LogicalPlan,
        sink: &mut dyn FnMut(&mut Interpreter, Table) -> Result<()>,
    ) -> Result<()> {
        let LogicalPlan::Read(read) = plan else {
            let call = plan
                .call()
                .and_then(|c| c.as_any().downcast_ref::<DeferredCall>())
                .ok_or_else(|| internal("a plan node without its call"))?;
            let input = plan
                .input()
                .ok_or_else(|| internal("a plan node without input"))?;
            let bounds = input.bounds();
            // `aggregateWindow` merges the windows of tables whose keys differ only in
            // their bounds, so it holds its input; aggregates and selectors are one loop
            // over the tables.
            let per_table = match plan {
                LogicalPlan::Range(_) | LogicalPlan::Filter(_) | LogicalPlan::Aggregate(_) => true,
                LogicalPlan::Call(n) => match n.kind {
                    CallKind::PerTable => true,
                    CallKind::PerTableMerged => self.keeps_keys(call, input)?,
                    CallKind::Whole => false,
                },
                _ => false,
            };
            // A failed read is reported at the call that consumes it.
            let at = |e: EvalError| e.at(call.span(), Some(call.name()));
            if per_table {
                return self
                    .run_each(input, &mut |interp, t| {
                        let one = Stream::new(vec![t]).with_bounds(bounds);
                        for t in stream_tables(call.run(interp, Value::Stream(one))?)? {
                            sink(interp, t)?;
                        }
                        Ok(())
                    })
                    .map_err(at);
            }
            let mut held = Vec::new();
            let mut bytes = 0usize;
            let read = self.run_each(input, &mut |interp, t| {
                let n = table_bytes(&t);
                interp.reserve(n, call.name()).map_err(at)?;
                bytes += n;
                held.push(t);
                Ok(())
            });
            let out = read.map_err(at).and_then(|()| {
                call.run(self, Value::Stream(Stream::new(held).with_bounds(bounds)))
            });
            self.release(bytes);
            for t in stream_tables(out?)? {
                sink(self, t)?;
            }
            return Ok(());
        };
        let Some(pushed) = &read.aggregate else {
            self.count("storage reads", 1);
            self.count("filters pushed down", read.read.predicates().len() as u64);
            let request = read.read.clone();
            let mut failure = None;
            request
                .read_each(&mut |t| match sink(self, t) {
                    Ok(()) => !self.cancelled(),
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                })
                .map_err(EvalError::from)?;
            if let Some(e) = failure {
                return Err(e);
            }
            return self.check_cancelled();
        };
        let range = read
            .read
            .range()
            .ok_or_else(|| internal("an aggregate pushed into an unbounded read"))?;
        let windowing = pushed.window.as_ref().and_then(|w| w.fixed());
        let Some(tables) = read
            .read
            .read_aggregate(pushed.aggregate, windowing)
            .map_err(EvalError::from)?
        else {
            // Storage declined (a field type it does not aggregate): the engine computes it.
            return self.run_each(&pushed.fallback, sink);
        };
        self.count("aggregates pushed down", 1);
        self.count("filters pushed down", read.read.predicates().len() as u64);
        let tables = match &pushed.window {
            Some(w) => fluxi_exec::plan::window_aggregate(&tables, pushed.aggregate, w, range),
            None => fluxi_exec::plan::whole_aggregate(tables, pushed.aggregate),
        }
        .map_err(EvalError::from)?;
        for t in tables {
            sink(self, t)?;
        }
        Ok(())
    }

    /// Whether a call that merges tables whose group key it changes (`keep`, `drop`)
    /// keeps every key column its input can have, so that no two of its output tables
    /// share a key and each can pass on as it comes: asked by running the call over an
    /// empty table whose key has every column the read below can put in a key (the
    /// nodes in between never add key columns).
    fn keeps_keys(&mut self, call: &DeferredCall, input: &LogicalPlan) -> Result<bool> {
        let adds_no_key_columns = |p: &LogicalPlan| match p {
            LogicalPlan::Read(r) => r.aggregate.is_none(),
            LogicalPlan::Range(_) | LogicalPlan::Filter(_) => true,
            LogicalPlan::Call(n) => n.kind != CallKind::Whole,
            _ => false,
        };
        let mut node = input;
        loop {
            if !adds_no_key_columns(node) {
                return Ok(false);
            }
            match node.input() {
                Some(i) => node = i,
                None => break,
            }
        }
        let read = &node.leaf().read;
        let Ok(tags) = read.storage().tag_keys(read.bucket(), None) else {
            return Ok(false);
        };
        let mut labels: Vec<String> = ["_start", "_stop", "_field", "_measurement"]
            .iter()
            .map(|l| l.to_string())
            .collect();
        labels.extend(tags);
        let columns: Vec<(String, fluxi_value::ColumnType)> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let ty = if i < 2 {
                    fluxi_value::ColumnType::Time
                } else {
                    fluxi_value::ColumnType::String
                };
                (l.clone(), ty)
            })
            .collect();
        let values: Vec<Value> = columns
            .iter()
            .map(|(_, ty)| match ty {
                fluxi_value::ColumnType::Time => Value::Time(0),
                _ => Value::string(""),
            })
            .collect();
        let Ok(probe) = Table::from_rows(&labels, &columns, &[], Some(&values)) else {
            return Ok(false);
        };
        let out = match call.run(self, Value::Stream(Stream::new(vec![probe]))) {
            Ok(Value::Stream(s)) => s,
            _ => return Ok(false),
        };
        Ok(match out.tables().first() {
            Some(t) => {
                let mut kept: Vec<&str> =
                    t.key().columns().iter().map(|k| k.label.as_str()).collect();
                kept.sort_unstable();
                let mut all: Vec<&str> = labels.iter().map(String::as_str).collect();
                all.sort_unstable();
                kept == all
            }
            None => false,
        })
    }
}

/// The trace node `explain` shows for a materialised plan: the calls left in the engine
/// above the read, and the read with what was pushed into it.
fn trace(plan: &LogicalPlan) -> PlanNode {
    match plan {
        LogicalPlan::Read(r) => {
            let extra = r.aggregate.as_ref().map(|a| match &a.window {
                Some(w) => format!(
                    "aggregateWindow(every: {}, offset: {}, fn: {}, createEmpty: {})",
                    w.every,
                    w.offset,
                    a.aggregate.name(),
                    w.create_empty
                ),
                None => format!("{}()", a.aggregate.name()),
            });
            r.read.node(extra)
        }
        other => PlanNode {
            op: other
                .call()
                .map_or_else(|| other.name().to_string(), |c| c.name().to_string()),
            span: other.call().and_then(|c| c.span()),
            detail: Vec::new(),
            inputs: other
                .input()
                .map(|i| vec![Arc::new(trace(i))])
                .unwrap_or_default(),
        },
    }
}

/// The tables of a stream a call returned.
fn stream_tables(v: Value) -> Result<Vec<Table>> {
    match v {
        Value::Stream(s) => Ok(s.into_tables()),
        v => Err(internal(format!(
            "a plan node's call returned {}, not a stream",
            v.type_name()
        ))),
    }
}

/// The memory a table's columns take.
fn table_bytes(t: &Table) -> usize {
    t.memory_size()
}

/// Bytes in binary units, as limits are written (`512 MiB`).
fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
