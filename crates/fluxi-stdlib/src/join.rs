//! The `join` package: hash joins of tables with the same group key, with `inner`, `left`,
//! `right` and `full` methods, an `on` predicate of equalities and an `as` function.

use crate::util::ve;
use fluxi_eval::{Args, Closure, EvalError, Interpreter, Registry};
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

/// A hashable form of the join-column values of a row (null never matches).
fn join_key(values: &[Value]) -> Option<String> {
    let mut k = String::new();
    for v in values {
        if v.is_null() {
            return None;
        }
        k.push_str(v.type_name());
        k.push(':');
        k.push_str(&v.to_string());
        k.push('\u{1}');
    }
    Some(k)
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
    if !["inner", "left", "right", "full"].contains(&method) {
        return Err(EvalError::msg(format!(
            "{method} is not a valid join method; use inner, left, right or full"
        )));
    }
    let span = a.span;
    interp.note_row_path("as");
    let mut out = Vec::new();
    let mut right_used = vec![false; right.tables().len()];
    let mut right_by_key: HashMap<&GroupKey, usize> = HashMap::new();
    for (i, t) in right.tables().iter().enumerate() {
        right_by_key.entry(t.key()).or_insert(i);
    }
    for lt in left.tables() {
        let rt_idx = right_by_key.get(lt.key()).copied();
        if let Some(i) = rt_idx {
            right_used[i] = true;
        }
        let rt = rt_idx.map(|i| &right.tables()[i]);
        if rt.is_none() && matches!(method, "inner" | "right") {
            continue;
        }
        out.push(join_tables(
            interp, lt, rt, &right, &pairs, &as_fn, method, span,
        )?);
    }
    if matches!(method, "right" | "full") {
        for (i, rt) in right.tables().iter().enumerate() {
            if !right_used[i] {
                out.push(join_unmatched_right(interp, rt, &left, &as_fn, span)?);
            }
        }
    }
    Ok(Value::Stream(Stream::new(
        out.into_iter().flatten().collect(),
    )))
}

#[allow(clippy::too_many_arguments)]
fn join_tables(
    interp: &mut Interpreter,
    lt: &Table,
    rt: Option<&Table>,
    right: &Stream,
    pairs: &[(String, String)],
    as_fn: &Value,
    method: &str,
    span: Span,
) -> Result<Option<Table>, EvalError> {
    let lcols = lt.columns();
    let rcols = rt
        .map(|t| t.columns())
        .or_else(|| right.tables().first().map(|t| t.columns()))
        .unwrap_or_default();
    let values = |t: &Table, r: usize, side: bool| -> Vec<Value> {
        pairs
            .iter()
            .map(|(l, rr)| {
                t.column_index(if side { l } else { rr })
                    .map_or(Value::Null, |c| t.value(r, c))
            })
            .collect()
    };
    // Hash the right side by its join values; keep row order for output.
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    if let Some(rt) = rt {
        for r in 0..rt.num_rows() {
            if let Some(k) = join_key(&values(rt, r, false)) {
                index.entry(k).or_default().push(r);
            }
        }
    }
    let mut lrows: Vec<usize> = (0..lt.num_rows()).collect();
    lrows.sort_by(|x, y| compare_values(&values(lt, *x, true), &values(lt, *y, true)));
    let mut matched_right = vec![false; rt.map_or(0, |t| t.num_rows())];
    let mut records = Vec::new();
    for lr in lrows {
        let lrec = Value::Record(Arc::new(row_record(lt, lr, &lcols)));
        let hits = join_key(&values(lt, lr, true))
            .and_then(|k| index.get(&k).cloned())
            .unwrap_or_default();
        if hits.is_empty() {
            if matches!(method, "left" | "full") {
                let rrec = Value::Record(Arc::new(default_record(&rcols, lt.key())));
                records.push((
                    values(lt, lr, true),
                    call_as(interp, as_fn, lrec.clone(), rrec, span)?,
                ));
            }
            continue;
        }
        for rr in hits {
            matched_right[rr] = true;
            let rrec = Value::Record(Arc::new(row_record(rt.unwrap_or(lt), rr, &rcols)));
            records.push((
                values(lt, lr, true),
                call_as(interp, as_fn, lrec.clone(), rrec, span)?,
            ));
        }
    }
    if let (Some(rt), true) = (rt, matches!(method, "right" | "full")) {
        for (rr, used) in matched_right.iter().enumerate() {
            if !used {
                let lrec = Value::Record(Arc::new(default_record(&lcols, rt.key())));
                let rrec = Value::Record(Arc::new(row_record(rt, rr, &rcols)));
                records.push((
                    values(rt, rr, false),
                    call_as(interp, as_fn, lrec, rrec, span)?,
                ));
            }
        }
    }
    // Output follows the order of the join values, matched and unmatched rows alike.
    records.sort_by(|x, y| compare_values(&x.0, &y.0));
    build(lt.key(), records.into_iter().map(|(_, r)| r).collect())
}

fn join_unmatched_right(
    interp: &mut Interpreter,
    rt: &Table,
    left: &Stream,
    as_fn: &Value,
    span: Span,
) -> Result<Option<Table>, EvalError> {
    let rcols = rt.columns();
    let lcols = left
        .tables()
        .first()
        .map(|t| t.columns())
        .unwrap_or_default();
    let mut records = Vec::new();
    for rr in 0..rt.num_rows() {
        let lrec = Value::Record(Arc::new(default_record(&lcols, rt.key())));
        let rrec = Value::Record(Arc::new(row_record(rt, rr, &rcols)));
        records.push(call_as(interp, as_fn, lrec, rrec, span)?);
    }
    build(rt.key(), records)
}

fn compare_values(a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            _ => x.compare(y).unwrap_or(std::cmp::Ordering::Equal),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    std::cmp::Ordering::Equal
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
