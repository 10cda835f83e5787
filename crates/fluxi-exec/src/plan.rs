//! Storage reads: a [`ReadPlan`] is the request a plan's read makes (bucket, range,
//! predicates over `_measurement`, `_field` and tags). The [rules](crate::rules) narrow
//! it: `range` sets its time range, `filter` adds what it can express (see [`pushable`]),
//! and an aggregate or `aggregateWindow` asks the storage to compute it
//! ([`ReadPlan::read_aggregate`], shaped into Flux's tables by [`window_aggregate`]).
//!
//! Pushing down never changes a result: a predicate the storage did not apply exactly is
//! applied again here to each table's group key (the long shape groups by every string
//! column, so a predicate on them holds for a whole table or for none of its rows), and an
//! aggregate the storage cannot compute exactly is computed by the engine from the rows.

use crate::error::{ExecError, Result};
use crate::vector::{VExpr, VOp};
use crate::window::WindowSpec;
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampNanosecondType;
use arrow_array::{Array, ArrayRef, Int64Array, TimestampNanosecondArray, UInt32Array};
use fluxi_storage::{Aggregate, Applied, Predicate, ReadSpec, Storage, Windowing};
use fluxi_value::{ColumnType, PlanNode, Table, Value};
use std::fmt;
use std::sync::Arc;

/// A read of one bucket with what has been pushed into it so far.
#[derive(Clone)]
pub struct ReadPlan {
    storage: Arc<dyn Storage>,
    bucket: String,
    range: Option<(i64, i64)>,
    predicates: Vec<Predicate>,
    /// The functions pushed into the read, for `explain`.
    absorbed: Vec<String>,
}

impl fmt::Debug for ReadPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReadPlan({:?}, {:?})", self.bucket, self.range)
    }
}

impl ReadPlan {
    /// A read of a whole bucket (it must be bounded by `range` before it runs).
    pub fn new(storage: Arc<dyn Storage>, bucket: &str) -> ReadPlan {
        ReadPlan {
            storage,
            bucket: bucket.to_string(),
            range: None,
            predicates: Vec::new(),
            absorbed: vec![format!("from(bucket: {bucket:?})")],
        }
    }

    /// The time range, once `range` has set it.
    pub fn range(&self) -> Option<(i64, i64)> {
        self.range
    }

    /// The bucket read.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The predicates pushed into the read.
    pub fn predicates(&self) -> &[Predicate] {
        &self.predicates
    }

    /// The storage read from.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The lines `explain` shows for the read: range, predicates, the calls pushed in
    /// (and `extra`, an aggregate computed by storage).
    pub fn detail(&self, extra: Option<&str>) -> Vec<String> {
        let mut detail = Vec::new();
        match self.range {
            Some((a, b)) => detail.push(format!("range: [{}, {})", Value::Time(a), Value::Time(b))),
            None => detail.push("range: none (the read fails unless a range follows)".into()),
        }
        for p in &self.predicates {
            detail.push(format!("predicate: {}", describe(p)));
        }
        let mut absorbed = self.absorbed.clone();
        absorbed.extend(extra.map(str::to_string));
        detail.push(format!("pushed into storage: {}", absorbed.join(" |> ")));
        detail
    }

    /// The read restricted to `[start, stop)`.
    pub fn with_range(&self, start: i64, stop: i64, call: &str) -> ReadPlan {
        let mut p = self.clone();
        p.range = Some((start, stop));
        p.absorbed.push(call.to_string());
        p
    }

    /// The read with one more predicate.
    pub fn with_predicate(&self, predicate: Predicate, call: &str) -> ReadPlan {
        let mut p = self.clone();
        p.predicates.push(predicate);
        p.absorbed.push(call.to_string());
        p
    }

    /// What the storage itself would be sent for this read (with an aggregate it
    /// computes), in its own language ([`Storage::describe_read`]); empty when it shows
    /// nothing or the read has no range yet.
    pub fn native(&self, aggregate: Option<(Aggregate, Option<Windowing>)>) -> Vec<String> {
        match self.spec() {
            Ok(spec) => self
                .storage
                .describe_read(&spec, aggregate)
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    fn spec(&self) -> Result<ReadSpec> {
        let (start, stop) = self
            .range
            .ok_or_else(|| ExecError::UnboundedRead(self.bucket.clone()))?;
        Ok(ReadSpec {
            bucket: self.bucket.clone(),
            start,
            stop,
            predicates: self.predicates.clone(),
        })
    }

    /// A storage error, keeping its kind; a missing bucket comes with the names of those
    /// there are.
    fn explain_error(&self, error: fluxi_storage::StorageError) -> ExecError {
        let mut note = None;
        if let fluxi_storage::StorageError::BucketNotFound(_) = error {
            if let Ok(all) = self.storage.buckets() {
                let names: Vec<String> = all.iter().map(|b| format!("{:?}", b.name)).collect();
                note = Some(if names.is_empty() {
                    "the store has no buckets".to_string()
                } else {
                    format!("the store has {}", names.join(", "))
                });
            }
        }
        ExecError::Storage { error, note }
    }

    /// Read the rows.
    pub fn read(&self) -> Result<Vec<Table>> {
        let spec = self.spec()?;
        let result = self
            .storage
            .read(&spec)
            .map_err(|e| self.explain_error(e))?;
        let again: Vec<&Predicate> = spec
            .predicates
            .iter()
            .zip(
                result
                    .applied
                    .iter()
                    .chain(std::iter::repeat(&Applied::Unsupported)),
            )
            .filter(|(_, a)| **a != Applied::Exact)
            .map(|(p, _)| p)
            .collect();
        if again.is_empty() {
            return Ok(result.tables);
        }
        Ok(result
            .tables
            .into_iter()
            .filter(|t| holds_for(t, &again))
            .collect())
    }

    /// Read the rows, handing each table to `sink` as storage gives it (see
    /// [`Storage::read_each`]); stops when `sink` returns `false`. A predicate storage
    /// does not say it applies exactly is applied again to each table's group key.
    pub fn read_each(&self, sink: &mut dyn FnMut(Table) -> bool) -> Result<()> {
        let spec = self.spec()?;
        let again: Vec<&Predicate> = spec
            .predicates
            .iter()
            .filter(|p| self.storage.predicate_pushdown(p) != Applied::Exact)
            .collect();
        self.storage
            .read_each(&spec, &mut |t| {
                if again.is_empty() || holds_for(&t, &again) {
                    sink(t)
                } else {
                    true
                }
            })
            .map_err(|e| self.explain_error(e))
    }

    /// Ask the storage to compute an aggregate; `None` when it does not (the caller reads
    /// the rows and computes it).
    pub fn read_aggregate(
        &self,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<Vec<Table>>> {
        let spec = self.spec()?;
        Ok(self
            .storage
            .read_aggregate(&spec, aggregate, window)
            .map_err(|e| self.explain_error(e))?
            .map(|r| r.tables))
    }

    /// The plan node `explain` prints for this read, with `extra` pushed on top of it.
    pub fn node(&self, extra: Option<String>) -> PlanNode {
        let op = if extra.is_some() {
            "ReadAggregate"
        } else {
            "ReadRange"
        };
        PlanNode {
            op: format!("{op} bucket={:?}", self.bucket),
            span: None,
            detail: self.detail(extra.as_deref()),
            inputs: Vec::new(),
        }
    }
}

/// Whether every predicate holds for a table's group key (the long shape groups by every
/// string column, so a predicate on them holds for a whole table or for none of its rows).
fn holds_for(t: &Table, predicates: &[&Predicate]) -> bool {
    let value_of = |c: &str| match t.key().get(c).map(|k| &k.value) {
        Some(Value::String(s)) => Some(s.to_string()),
        _ => None,
    };
    predicates.iter().all(|p| p.holds(&value_of))
}

/// A predicate as Flux-like text (`_measurement == "cpu" and host != "a"`).
pub fn describe(p: &Predicate) -> String {
    match p {
        Predicate::Eq(c, v) => format!("{c} == {v:?}"),
        Predicate::NotEq(c, v) => format!("{c} != {v:?}"),
        Predicate::Matches(c, r) => format!("{c} =~ /{}/", r.as_str()),
        Predicate::NotMatches(c, r) => format!("{c} !~ /{}/", r.as_str()),
        Predicate::And(ps) => ps.iter().map(describe).collect::<Vec<_>>().join(" and "),
        Predicate::Or(ps) => format!(
            "({})",
            ps.iter().map(describe).collect::<Vec<_>>().join(" or ")
        ),
    }
}

/// What of a `filter` predicate storage can apply: `predicate` holds for every row the
/// filter keeps, and when `complete` it holds for exactly those rows.
#[derive(Debug, Clone)]
pub struct Pushable {
    /// The part storage can apply.
    pub predicate: Option<Predicate>,
    /// Whether it is the whole filter.
    pub complete: bool,
}

/// Split a compiled `filter` predicate into what storage can apply. Only comparisons of
/// string columns other than the time bounds with string constants (`==`, `!=`, `=~`,
/// `!~`), joined by `and`/`or`, go to storage; a comparison with a column a series does
/// not have is false there, as `filter` treats null.
pub fn pushable(e: &VExpr) -> Pushable {
    let none = Pushable {
        predicate: None,
        complete: false,
    };
    match e {
        VExpr::And(a, b) => {
            let (a, b) = (pushable(a), pushable(b));
            let complete = a.complete && b.complete;
            let predicate = match (a.predicate, b.predicate) {
                (Some(x), Some(y)) => Some(Predicate::And(vec![x, y])),
                (x, y) => x.or(y),
            };
            Pushable {
                predicate,
                complete,
            }
        }
        VExpr::Or(a, b) => {
            let (a, b) = (pushable(a), pushable(b));
            match (a.predicate, b.predicate) {
                (Some(x), Some(y)) if a.complete && b.complete => Pushable {
                    predicate: Some(Predicate::Or(vec![x, y])),
                    complete: true,
                },
                _ => none,
            }
        }
        VExpr::Binary(op, l, r) => {
            let (column, constant) = match (&**l, &**r) {
                (VExpr::Column(c), VExpr::Const(v)) => (c, v),
                (VExpr::Const(v), VExpr::Column(c)) if matches!(op, VOp::Eq | VOp::NotEq) => (c, v),
                _ => return none,
            };
            if matches!(column.as_str(), "_time" | "_value" | "_start" | "_stop") {
                return none;
            }
            let predicate = match (op, constant) {
                (VOp::Eq, Value::String(s)) => Predicate::Eq(column.clone(), s.to_string()),
                (VOp::NotEq, Value::String(s)) => Predicate::NotEq(column.clone(), s.to_string()),
                (VOp::RegexMatch, Value::Regex(re)) => {
                    Predicate::Matches(column.clone(), Arc::clone(re))
                }
                (VOp::RegexNotMatch, Value::Regex(re)) => {
                    Predicate::NotMatches(column.clone(), Arc::clone(re))
                }
                _ => return none,
            };
            Pushable {
                predicate: Some(predicate),
                complete: true,
            }
        }
        _ => none,
    }
}

impl WindowSpec {
    /// The spec as storage windows, when it is one: fixed `every` equal to `period`, no
    /// months, in UTC.
    pub fn fixed(&self) -> Option<Windowing> {
        let every = self.every;
        if every.months != 0 || every.negative || every.nanos <= 0 || every.nanos == i64::MAX {
            return None;
        }
        if self.period != every || self.offset.months != 0 || !self.location.is_utc() {
            return None;
        }
        Some(Windowing {
            every: every.nanos,
            offset: self.offset.signed_nanos().rem_euclid(every.nanos),
        })
    }
}

/// Shape per-window aggregates from storage ([`ReadPlan::read_aggregate`] with windows)
/// into what `aggregateWindow` returns: per series, one row per window (every window of
/// the range with `create_empty`, else the non-empty ones), `_time` the window's stop
/// clipped to the range, `_value` null in empty windows (0 for `count`). Aggregates keep
/// the group key columns then `_value` and `_time`; selectors keep their row's columns.
pub fn window_aggregate(
    tables: &[Table],
    aggregate: Aggregate,
    spec: &WindowSpec,
    range: (i64, i64),
) -> Result<Vec<Table>> {
    let (lo, hi) = range;
    let all = if spec.create_empty {
        spec.windows_between(lo, hi)?
    } else {
        Vec::new()
    };
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        // (Through `Table::array`: a key column the storage left unbuilt stays so.)
        let time_index = t
            .column_index("_time")
            .ok_or_else(|| ExecError::msg("storage answered without a _time column"))?;
        let times = t
            .array(time_index)
            .and_then(|a| a.as_primitive_opt::<TimestampNanosecondType>())
            .ok_or_else(|| ExecError::msg("storage answered a _time column of another type"))?;
        let windows = if spec.create_empty {
            all.clone()
        } else {
            let fixed = spec
                .fixed()
                .ok_or_else(|| ExecError::msg("storage windows need a fixed `every` in UTC"))?;
            let mut w: Vec<(i64, i64)> = Vec::new();
            for i in 0..times.len() {
                if let Some(win) = window_of(&fixed, times.value(i), lo, hi) {
                    if w.last() != Some(&win) {
                        w.push(win);
                    }
                }
            }
            w
        };
        // The row of each window (rows are sorted by time, one per window at most).
        let mut take: Vec<Option<u32>> = vec![None; windows.len()];
        let mut wi = 0;
        for i in 0..times.len() {
            let t = times.value(i);
            while wi < windows.len() && windows[wi].1 <= t {
                wi += 1;
            }
            if wi < windows.len() && windows[wi].0 <= t {
                take[wi] = Some(i as u32);
            }
        }
        let n = windows.len();
        // Mostly each row is its own window, in order: the values are used as they are.
        let every_row = n == times.len()
            && take
                .iter()
                .enumerate()
                .all(|(i, k)| k.is_some_and(|k| k as usize == i));
        let idx = UInt32Array::from(take);
        let stamps: ArrayRef = Arc::new(TimestampNanosecondArray::from(
            windows.iter().map(|w| w.1).collect::<Vec<_>>(),
        ));
        let mut columns: Vec<(String, ColumnType, Option<ArrayRef>)> = Vec::new();
        let mut value: Option<(String, ColumnType, Option<ArrayRef>)> = None;
        for (i, (label, ty)) in t.columns().into_iter().enumerate() {
            if label == "_time" {
                if aggregate.is_selector() {
                    columns.push((label, ty, Some(Arc::clone(&stamps))));
                }
                continue;
            }
            // A group-key column is its key value on every row: left for the output
            // table to build if something needs it.
            if left_unbuilt(t, &label) {
                columns.push((label, ty, None));
                continue;
            }
            let col = t
                .array(i)
                .ok_or_else(|| ExecError::msg(format!("storage answered no column {label}")))?;
            if label == "_value" {
                let v = if every_row {
                    Arc::clone(col)
                } else {
                    arrow_select::take::take(col, &idx, None)?
                };
                let v: ArrayRef = if aggregate == Aggregate::Count {
                    let ints = v.as_primitive::<arrow_array::types::Int64Type>();
                    Arc::new(Int64Array::from_iter_values((0..n).map(|i| {
                        if ints.is_null(i) {
                            0
                        } else {
                            ints.value(i)
                        }
                    })))
                } else {
                    v
                };
                if aggregate.is_selector() {
                    columns.push((label, ty, Some(v)));
                } else {
                    value = Some((label, ty, Some(v)));
                }
                continue;
            }
            // Any other column: its first value, repeated.
            columns.push((
                label,
                ty,
                Some(fluxi_value::table::repeat_value(col, 0, n)?),
            ));
        }
        if let Some(v) = value {
            columns.push(v);
            columns.push(("_time".into(), ColumnType::Time, Some(stamps)));
        }
        out.push(Table::with_key_columns(t.key().clone(), columns, n)?);
    }
    Ok(out)
}

/// Whether an output column `label` of an aggregate of `t` is one of `t`'s group-key
/// columns, left for the output table to build from its key (as the storage leaves them).
fn left_unbuilt(t: &Table, label: &str) -> bool {
    label != "_value" && t.key().contains(label)
}

fn window_of(w: &Windowing, t: i64, lo: i64, hi: i64) -> Option<(i64, i64)> {
    let start = w.start_of(t);
    let stop = start.checked_add(w.every)?;
    Some((start.max(lo), stop.min(hi)))
}

/// Shape aggregates from storage without windows ([`ReadPlan::read_aggregate`] with
/// `None`) as the aggregate functions return them: selectors keep their row; `count`,
/// `sum` and `mean` keep the group key columns then `_value`.
pub fn whole_aggregate(tables: Vec<Table>, aggregate: Aggregate) -> Result<Vec<Table>> {
    if aggregate.is_selector() {
        return Ok(tables);
    }
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let mut columns: Vec<(String, ColumnType, Option<ArrayRef>)> = Vec::new();
        let mut value = None;
        for (i, (label, ty)) in t.columns().into_iter().enumerate() {
            let col = if left_unbuilt(&t, &label) {
                None
            } else {
                t.array(i).map(Arc::clone)
            };
            match label.as_str() {
                "_time" => {}
                "_value" => value = Some((label, ty, col)),
                _ => columns.push((label, ty, col)),
            }
        }
        columns.extend(value);
        let n = t.num_rows();
        out.push(Table::with_key_columns(t.key().clone(), columns, n)?);
    }
    Ok(out)
}
