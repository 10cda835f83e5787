//! The `join` package: hash joins of tables with the same group key, with `inner`, `left`,
//! `right` and `full` methods, an `on` predicate of equalities and an `as` function.

use crate::util::ve;
use crate::vectorize;
use fluxi_eval::{Args, Closure, EvalError, Interpreter, Registry};
use fluxi_exec::join::{join_rows, join_table, JoinInput, JoinMethod, JoinPlan, RowPair};
use fluxi_exec::ops::row_record;
use fluxi_exec::TableBuilder;
use fluxi_syntax::Span;
use fluxi_value::{GroupKey, Record, Stream, Table, Value};
use std::collections::HashMap;
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("join", "tables", |i, a| {
        let method = a.string_or("method", "inner")?;
        join(i, a, &method, None)
    });
    for method in ["inner", "left", "right", "full"] {
        let f: fluxi_eval::BuiltinFn = match method {
            "inner" => |i, a| join(i, a, "inner", None),
            "left" => |i, a| join(i, a, "left", None),
            "right" => |i, a| join(i, a, "right", None),
            _ => |i, a| join(i, a, "full", None),
        };
        r.register("join", method, f);
    }
    r.register("join", "time", |i, a| {
        let method = a.string_or("method", "inner")?;
        join(i, a, &method, Some(vec![("_time".into(), "_time".into())]))
    });
}

/// The record a missing row stands for: key columns from the key, everything else null.
fn default_record(columns: &[(String, fluxi_value::ColumnType)], key: &GroupKey) -> Record {
    Record::from_fields(columns.iter().map(|(l, _)| {
        (
            Arc::from(l.as_str()),
            key.get(l).map_or(Value::Null, |k| k.value.clone()),
        )
    }))
}

fn join(
    interp: &mut Interpreter,
    a: &mut Args,
    method: &str,
    fixed_on: Option<Vec<(String, String)>>,
) -> R {
    let left = match a.take_pipe("left") {
        Some(Value::Stream(s)) => s,
        _ => return Err(EvalError::msg("`left` must be a stream of tables")),
    };
    let right = a.stream("right")?;
    let pairs = match fixed_on {
        Some(p) => p,
        None => {
            let on = a.function("on")?;
            let Value::Function(c) = &on else {
                return Err(EvalError::msg("`on` must be a function"));
            };
            c.as_any()
                .downcast_ref::<Closure>()
                .and_then(|c| c.equality_pairs("l", "r"))
                .ok_or_else(|| EvalError::msg("`on` must compare left and right properties with `==`, joined by `and` (e.g. `(l, r) => l.id == r.id`)"))?
        }
    };
    let as_fn = a.function("as")?;
    let Some(method) = JoinMethod::parse(method) else {
        return Err(EvalError::msg(format!(
            "{method} is not a valid join method; use inner, left, right or full"
        )));
    };
    let span = a.span;
    let plan = vectorize::join_plan(interp, &as_fn);
    if plan.is_none() {
        interp.note_row_path("as");
    }
    let first_columns = |s: &Stream| s.tables().first().map(|t| t.columns()).unwrap_or_default();
    let (left_columns, right_columns) = (first_columns(&left), first_columns(&right));
    let mut out = Vec::new();
    let mut right_used = vec![false; right.tables().len()];
    let mut right_by_key: HashMap<&GroupKey, usize> = HashMap::new();
    for (i, t) in right.tables().iter().enumerate() {
        right_by_key.entry(t.key()).or_insert(i);
    }
    let mut shape = Shape {
        interp,
        as_fn: &as_fn,
        plan: plan.as_ref(),
        span,
    };
    for lt in left.tables() {
        let rt_idx = right_by_key.get(lt.key()).copied();
        if let Some(i) = rt_idx {
            right_used[i] = true;
        }
        let rt = rt_idx.and_then(|i| right.tables().get(i));
        if rt.is_none() && !method.keeps_left() {
            continue;
        }
        let rows = join_rows(lt, rt, &pairs, method);
        let lcols = lt.columns();
        let rcols = rt.map(|t| t.columns());
        let left = JoinInput {
            table: Some(lt),
            columns: &lcols,
        };
        let right = JoinInput {
            table: rt,
            columns: rcols.as_deref().unwrap_or(&right_columns),
        };
        out.push(shape.table(lt.key(), left, right, &rows)?);
    }
    if method.keeps_right() {
        for (i, rt) in right.tables().iter().enumerate() {
            if right_used.get(i).copied().unwrap_or(true) {
                continue;
            }
            // No left table has this key: every right row stands alone, in row order.
            let rows: Vec<_> = (0..rt.num_rows()).map(|r| (None, Some(r))).collect();
            let rcols = rt.columns();
            let left = JoinInput {
                table: None,
                columns: &left_columns,
            };
            let right = JoinInput {
                table: Some(rt),
                columns: &rcols,
            };
            out.push(shape.table(rt.key(), left, right, &rows)?);
        }
    }
    Ok(Value::Stream(Stream::new(
        out.into_iter().flatten().collect(),
    )))
}

/// Shapes paired rows into output tables: with the compiled `as` over whole columns when
/// it compiled and the vectorised path can reproduce the row path exactly, else by calling
/// `as` once per pair.
struct Shape<'a> {
    interp: &'a mut Interpreter,
    as_fn: &'a Value,
    plan: Option<&'a JoinPlan>,
    span: Span,
}

impl Shape<'_> {
    fn table(
        &mut self,
        key: &GroupKey,
        left: JoinInput<'_>,
        right: JoinInput<'_>,
        rows: &[RowPair],
    ) -> Result<Option<Table>, EvalError> {
        if let Some(plan) = self.plan {
            if let Ok(t) = join_table(key, left, right, rows, plan) {
                self.interp.count(vectorize::VECTORIZED, 1);
                return Ok(t);
            }
        }
        let record = |side: JoinInput<'_>, row: Option<usize>| {
            let rec = match (side.table, row) {
                (Some(t), Some(r)) => row_record(t, r, side.columns),
                _ => default_record(side.columns, key),
            };
            Value::Record(Arc::new(rec))
        };
        let mut records = Vec::with_capacity(rows.len());
        for (l, r) in rows {
            let (lrec, rrec) = (record(left, *l), record(right, *r));
            records.push(call_as(self.interp, self.as_fn, lrec, rrec, self.span)?);
        }
        build(key, records)
    }
}

fn call_as(
    interp: &mut Interpreter,
    as_fn: &Value,
    l: Value,
    r: Value,
    span: Span,
) -> Result<Arc<Record>, EvalError> {
    match interp.call(as_fn, vec![("l".into(), l), ("r".into(), r)], None, span)? {
        Value::Record(rec) => Ok(rec),
        v => Err(EvalError::msg(format!(
            "`as` must return a record, not {}",
            v.type_name()
        ))),
    }
}

/// One output table: columns sorted by label; `as` must keep the group key.
fn build(key: &GroupKey, records: Vec<Arc<Record>>) -> Result<Option<Table>, EvalError> {
    if records.is_empty() {
        return Ok(None);
    }
    let mut labels: Vec<&str> = Vec::new();
    for r in &records {
        for (l, _) in r.fields() {
            if !labels.contains(&&**l) {
                labels.push(l);
            }
        }
    }
    labels.sort();
    for k in key.columns() {
        for r in &records {
            let ok = r.get(&k.label).is_some_and(|v| {
                (v.is_null() && k.value.is_null()) || v.equals(&k.value) == Some(true)
            });
            if !ok {
                return Err(EvalError::msg(format!(
                    "join cannot modify group key: column \"{}\"",
                    k.label
                )));
            }
        }
    }
    let mut b = TableBuilder::new(key);
    for l in &labels {
        b.add_column(l, None).map_err(ve)?;
    }
    for r in &records {
        b.push_row(r.fields().iter().map(|(l, v)| (&**l, v.clone())))
            .map_err(ve)?;
    }
    b.finish().map(Some).map_err(ve)
}
