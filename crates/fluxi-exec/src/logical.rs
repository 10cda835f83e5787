//! The logical plan: what a pipeline over a storage read asks for, as data.
//!
//! `from(bucket:)` makes a [`LogicalPlan::Read`]; `range`, `filter`, the aggregates and
//! selectors and `aggregateWindow` applied to a plan add their node on top of it instead
//! of running. Nothing is read until a function that needs the rows (or the end of the
//! program) asks; then the [rules](crate::rules) rewrite the plan — pushing what storage
//! can do into the read — and the evaluator runs what is left.
//!
//! Every node but the read also keeps the call that made it ([`Deferred`]): a node the
//! rules leave in place runs as that function over its input's rows, so a plan computes
//! exactly what the functions would have computed one after another.

use crate::plan::{describe, ReadPlan};
use crate::vector::VExpr;
use crate::window::WindowSpec;
use fluxi_storage::{Aggregate, Windowing};
use fluxi_value::{Pending, Value};
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// A function call kept for later: the evaluator runs it over its input's rows when the
/// node it belongs to is not pushed into storage. (The open part of the plan: only the
/// evaluator knows how to call a function.)
pub trait Deferred: fmt::Debug + Send + Sync {
    /// The function's name (`map`, `strings.toUpper`).
    fn name(&self) -> &str;
    /// The call as written, shortened for plans (`filter(fn: ...)`).
    fn display(&self) -> String;
    /// Where the call is written in the source (byte offsets).
    fn span(&self) -> Option<(usize, usize)>;
    /// For the evaluator to recover its own type.
    fn as_any(&self) -> &dyn Any;
}

/// A plan node.
#[derive(Debug, Clone)]
pub enum LogicalPlan {
    /// A read of a bucket with what has been pushed into it.
    Read(Read),
    /// `range(start:, stop:)`.
    Range(Range),
    /// `filter(fn:)`.
    Filter(Filter),
    /// An aggregate (`count`, `sum`, `mean`) or selector (`first`, `last`, `min`, `max`)
    /// of a column.
    Aggregate(AggregateNode),
    /// `aggregateWindow(every:, fn:)` with a universe aggregate or selector as `fn`.
    WindowAggregate(WindowAggregate),
    /// Any other function over the rows (`map`, `keep`, `sort`, ...): the open node.
    Call(CallNode),
}

/// How a [`CallNode`] consumes its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Table by table: its output for a stream is its outputs for each table in turn
    /// (`map`), so tables pass on as they arrive.
    PerTable,
    /// Table by table, but tables whose group key it changes are merged with the others
    /// of the same key (`keep`, `drop`): tables pass on as they arrive when it keeps
    /// every key column the input can have, else it holds its output.
    PerTableMerged,
    /// It needs its whole input at once (`sort`, `group`, `pivot`): it holds the input,
    /// within the query's memory budget.
    Whole,
}

/// A function the rules know nothing of.
#[derive(Debug, Clone)]
pub struct CallNode {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// How it consumes the input.
    pub kind: CallKind,
    /// The call.
    pub call: Arc<dyn Deferred>,
}

/// A storage read: bucket, range and predicates (a [`ReadPlan`]), and an aggregate the
/// storage is asked to compute instead of returning rows.
#[derive(Debug, Clone)]
pub struct Read {
    /// The request without aggregate.
    pub read: ReadPlan,
    /// An aggregate pushed into the read, if any.
    pub aggregate: Option<PushedAggregate>,
}

/// An aggregate pushed into a read.
#[derive(Debug, Clone)]
pub struct PushedAggregate {
    /// Which one.
    pub aggregate: Aggregate,
    /// Per window (`aggregateWindow`), or over the whole range.
    pub window: Option<WindowSpec>,
    /// The plan that computes the same in the engine, run when the storage declines at
    /// read time (an aggregate over a field type it does not aggregate, such as the sum
    /// of strings, whose error the engine reports).
    pub fallback: Arc<LogicalPlan>,
}

/// `range`.
#[derive(Debug, Clone)]
pub struct Range {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// Inclusive start, nanoseconds.
    pub start: i64,
    /// Exclusive stop, nanoseconds.
    pub stop: i64,
    /// The call.
    pub call: Arc<dyn Deferred>,
}

/// `filter`.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The predicate compiled to a column expression, when it compiles.
    pub predicate: Option<VExpr>,
    /// `onEmpty: "keep"`: tables whose rows are all dropped are kept (empty).
    pub keep_empty: bool,
    /// Whether the part of the predicate storage can apply has been pushed into the
    /// read below (the node stays, as storage only narrows the rows).
    pub pushed: bool,
    /// The call.
    pub call: Arc<dyn Deferred>,
}

/// An aggregate or selector.
#[derive(Debug, Clone)]
pub struct AggregateNode {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// Which one.
    pub aggregate: Aggregate,
    /// The column aggregated.
    pub column: String,
    /// The call.
    pub call: Arc<dyn Deferred>,
}

/// `aggregateWindow`.
#[derive(Debug, Clone)]
pub struct WindowAggregate {
    /// The input.
    pub input: Arc<LogicalPlan>,
    /// The windows.
    pub window: WindowSpec,
    /// The aggregate or selector given as `fn`.
    pub aggregate: Aggregate,
    /// `column`, `timeSrc` and `timeDst` are the defaults (`_value`, `_stop`, `_time`).
    pub default_columns: bool,
    /// The call.
    pub call: Arc<dyn Deferred>,
}

impl Pending for LogicalPlan {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl LogicalPlan {
    /// A read of a whole bucket.
    pub fn read(read: ReadPlan) -> LogicalPlan {
        LogicalPlan::Read(Read {
            read,
            aggregate: None,
        })
    }

    /// The node's input (none for a read).
    pub fn input(&self) -> Option<&Arc<LogicalPlan>> {
        match self {
            LogicalPlan::Read(_) => None,
            LogicalPlan::Range(n) => Some(&n.input),
            LogicalPlan::Filter(n) => Some(&n.input),
            LogicalPlan::Aggregate(n) => Some(&n.input),
            LogicalPlan::WindowAggregate(n) => Some(&n.input),
            LogicalPlan::Call(n) => Some(&n.input),
        }
    }

    /// The node with another input (a read is returned as it is).
    pub fn with_input(&self, input: Arc<LogicalPlan>) -> LogicalPlan {
        let mut out = self.clone();
        match &mut out {
            LogicalPlan::Read(_) => {}
            LogicalPlan::Range(n) => n.input = input,
            LogicalPlan::Filter(n) => n.input = input,
            LogicalPlan::Aggregate(n) => n.input = input,
            LogicalPlan::WindowAggregate(n) => n.input = input,
            LogicalPlan::Call(n) => n.input = input,
        }
        out
    }

    /// The call a node runs when it is not pushed down (none for a read).
    pub fn call(&self) -> Option<&Arc<dyn Deferred>> {
        match self {
            LogicalPlan::Read(_) => None,
            LogicalPlan::Range(n) => Some(&n.call),
            LogicalPlan::Filter(n) => Some(&n.call),
            LogicalPlan::Aggregate(n) => Some(&n.call),
            LogicalPlan::WindowAggregate(n) => Some(&n.call),
            LogicalPlan::Call(n) => Some(&n.call),
        }
    }

    /// The read at the bottom of the plan.
    pub fn leaf(&self) -> &Read {
        match self {
            LogicalPlan::Read(r) => r,
            LogicalPlan::Range(n) => n.input.leaf(),
            LogicalPlan::Filter(n) => n.input.leaf(),
            LogicalPlan::Aggregate(n) => n.input.leaf(),
            LogicalPlan::WindowAggregate(n) => n.input.leaf(),
            LogicalPlan::Call(n) => n.input.leaf(),
        }
    }

    /// The time bounds rows of this plan lie in, once a range is known.
    pub fn bounds(&self) -> Option<(i64, i64)> {
        match self {
            LogicalPlan::Read(r) => r.read.range(),
            LogicalPlan::Range(n) => Some((n.start, n.stop)),
            other => other.input().and_then(|i| i.bounds()),
        }
    }

    /// The node's name as plans show it.
    pub fn name(&self) -> &'static str {
        match self {
            LogicalPlan::Read(r) => match &r.aggregate {
                Some(a) if a.window.is_some() => "ReadWindowAggregate",
                Some(_) => "ReadAggregate",
                None => "ReadRange",
            },
            LogicalPlan::Range(_) => "Range",
            LogicalPlan::Filter(_) => "Filter",
            LogicalPlan::Aggregate(a) if a.aggregate.is_selector() => "Selector",
            LogicalPlan::Aggregate(_) => "Aggregate",
            LogicalPlan::WindowAggregate(_) => "WindowAggregate",
            LogicalPlan::Call(n) => match n.kind {
                CallKind::PerTable => "Call",
                CallKind::PerTableMerged => "CallMerged",
                CallKind::Whole => "CallWhole",
            },
        }
    }

    /// The storage request the plan's read makes.
    pub fn request(&self) -> StorageRequest {
        let r = self.leaf();
        let aggregate = r.aggregate.as_ref().map(|a| a.aggregate);
        let window = r
            .aggregate
            .as_ref()
            .and_then(|a| a.window.as_ref())
            .and_then(WindowSpec::fixed);
        StorageRequest {
            native: r.read.native(aggregate.map(|a| (a, window))),
            bucket: r.read.bucket().to_string(),
            range: r.read.range(),
            predicates: r.read.predicates().iter().map(describe).collect(),
            aggregate,
            window,
        }
    }

    /// The plan as an indented tree, one node per line (the input below its consumer).
    pub fn tree(&self) -> String {
        let mut out = String::new();
        self.write_tree(&mut out, 0);
        out
    }

    fn write_tree(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        out.push_str(&pad);
        out.push_str(self.name());
        if let LogicalPlan::Read(r) = self {
            {
                out.push_str(&format!(" bucket={:?}", r.read.bucket()));
                out.push('\n');
                for d in r.read.detail(None) {
                    out.push_str(&format!("{pad}  | {d}\n"));
                }
                if let Some(a) = &r.aggregate {
                    let what = match &a.window {
                        Some(w) => format!(
                            "{} per window (every: {}, offset: {}, createEmpty: {})",
                            a.aggregate.name(),
                            w.every,
                            w.offset,
                            w.create_empty
                        ),
                        None => a.aggregate.name().to_string(),
                    };
                    out.push_str(&format!("{pad}  | aggregate: {what}\n"));
                }
                return;
            }
        }
        if let Some(c) = self.call() {
            out.push_str(&format!("  {}", c.display()));
        }
        match self {
            LogicalPlan::Filter(n) if n.pushed => {
                out.push_str(" (storage narrows the rows; the filter runs on them)")
            }
            LogicalPlan::Filter(n) if n.predicate.is_none() => {
                out.push_str(" (the predicate runs row by row)")
            }
            LogicalPlan::Call(n) if n.kind == CallKind::Whole => {
                out.push_str(" (holds its whole input)")
            }
            _ => {}
        }
        out.push('\n');
        if let Some(i) = self.input() {
            i.write_tree(out, depth + 1);
        }
    }
}

/// What a plan asks of storage, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageRequest {
    /// The bucket read.
    pub bucket: String,
    /// `[start, stop)` in nanoseconds, once a range is known.
    pub range: Option<(i64, i64)>,
    /// The predicates storage applies, as text (`_measurement == "cpu"`).
    pub predicates: Vec<String>,
    /// The aggregate storage computes, if any.
    pub aggregate: Option<Aggregate>,
    /// Its windows, if it computes one per window.
    pub window: Option<Windowing>,
    /// What the storage itself is sent, in its own language (a backend over a SQL
    /// engine: the SQL statements), one per line; empty for fluxi's own stores.
    pub native: Vec<String>,
}

impl fmt::Display for StorageRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "bucket: {:?}", self.bucket)?;
        match self.range {
            Some((a, b)) => writeln!(f, "range: [{}, {})", Value::Time(a), Value::Time(b))?,
            None => writeln!(f, "range: none (the read fails unless a range follows)")?,
        }
        if self.predicates.is_empty() {
            writeln!(f, "predicates: none")?;
        }
        for p in &self.predicates {
            writeln!(f, "predicate: {p}")?;
        }
        match (&self.aggregate, &self.window) {
            (Some(a), Some(w)) => writeln!(
                f,
                "aggregate: {} per window of {}ns (offset {}ns)",
                a.name(),
                w.every,
                w.offset
            ),
            (Some(a), None) => writeln!(f, "aggregate: {}", a.name()),
            (None, _) => writeln!(f, "aggregate: none (rows)"),
        }?;
        for line in &self.native {
            writeln!(f, "{line}")?;
        }
        Ok(())
    }
}
