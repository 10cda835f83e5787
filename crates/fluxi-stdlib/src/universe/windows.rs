//! `window`, `aggregateWindow`, and the stream-combining and filling transformations
//! `union`, `fill` and `difference`.

use crate::util::{derived, ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::logical::{LogicalPlan, WindowAggregate};
use fluxi_exec::ops::merge_by_key;
use fluxi_exec::window::{bounds, window as window_op, WindowSpec};
use fluxi_exec::TableBuilder;
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Stream, Table, Value};

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("universe", "window", window);
    r.register_pushdown("universe", "aggregateWindow", aggregate_window);
    r.register("universe", "union", union);
    r.register("universe", "fill", fill);
    r.register("universe", "difference", difference);
}

/// The window spec from `every`, `period`, `offset` and `location`.
fn spec(
    interp: &mut Interpreter,
    a: &mut Args,
    create_empty_default: bool,
) -> Result<WindowSpec, EvalError> {
    // A zero `every` or `period` counts as not given: each defaults to the other.
    let every = a.opt_duration("every")?.filter(|d| !d.is_zero());
    let period = a.opt_duration("period")?.filter(|d| !d.is_zero());
    let offset = a.opt_duration("offset")?.unwrap_or_default();
    let location = crate::date::location(interp, a)?;
    let (every, period) = match (every, period) {
        (Some(e), Some(p)) => (e, p),
        (Some(e), None) => (e, e),
        (None, Some(p)) => (p, p),
        (None, None) => {
            return Err(EvalError::msg(
                "window needs `every` or `period`, set to a non-zero duration",
            ))
        }
    };
    let create_empty = a.opt_bool("createEmpty")?.unwrap_or(create_empty_default);
    let spec = WindowSpec {
        every,
        period,
        offset,
        create_empty,
        location,
    };
    spec.validate().map_err(ex)?;
    Ok(spec)
}

fn window(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let spec = spec(interp, a, false)?;
    let time = a.string_or("timeColumn", "_time")?;
    let start = a.string_or("startColumn", "_start")?;
    let stop = a.string_or("stopColumn", "_stop")?;
    derived(
        &tables,
        window_op(
            tables.tables(),
            &spec,
            &time,
            &start,
            &stop,
            tables.bounds(),
        )
        .map_err(ex)?,
    )
}

fn without_bounds(key: &GroupKey) -> GroupKey {
    GroupKey::new(
        key.columns()
            .iter()
            .filter(|k| k.label != "_start" && k.label != "_stop")
            .cloned()
            .collect(),
    )
}

/// `aggregateWindow`: window, apply `fn` to each window, fill empty windows with a null row,
/// stamp each row with the window's `timeSrc` bound as `timeDst`, and gather the windows
/// back into one table per series with the range bounds as `_start`/`_stop`.
fn aggregate_window(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let spec = spec(interp, a, true)?;
    let f = a.function("fn")?;
    let column = a.string_or("column", "_value")?;
    let time_src = a.string_or("timeSrc", "_stop")?;
    let time_dst = a.string_or("timeDst", "_time")?;
    let span = a.span;
    if let Some(aggregate) = storage_aggregate(&f) {
        let text = format!(
            "aggregateWindow(every: {}, offset: {}, fn: {}, createEmpty: {})",
            spec.every,
            spec.offset,
            aggregate.name(),
            spec.create_empty
        );
        let default_columns = column == "_value" && time_src == "_stop" && time_dst == "_time";
        if let Some(v) =
            crate::influxdata::influxdb::extend_plan(&tables, a, text, |input, call| {
                LogicalPlan::WindowAggregate(WindowAggregate {
                    input,
                    window: spec,
                    aggregate,
                    default_columns,
                    call,
                })
            })
        {
            return Ok(v);
        }
    }
    let tables = interp.materialize(tables)?;
    let mut ranges: Vec<(GroupKey, (i64, i64))> = Vec::new();
    for t in tables.tables() {
        ranges.push((
            without_bounds(t.key()),
            bounds(t, "_start", "_stop", tables.bounds()).map_err(ex)?,
        ));
    }
    let windowed = window_op(
        tables.tables(),
        &spec,
        "_time",
        "_start",
        "_stop",
        tables.bounds(),
    )
    .map_err(ex)?;
    let aggregated = interp.call(
        &f,
        vec![("column".into(), Value::string(column.as_str()))],
        Some(Value::Stream(Stream::new(windowed))),
        span,
    )?;
    let Value::Stream(aggregated) = aggregated else {
        return Err(EvalError::msg("`fn` must return a stream of tables"));
    };
    let mut out = Vec::new();
    for t in aggregated.tables() {
        let mut cols = t.columns();
        let mut rows = t.rows();
        if rows.is_empty() {
            // An empty window still gets a row: key values, nulls elsewhere.
            rows.push(
                cols.iter()
                    .map(|(l, _)| t.key().get(l).map_or(Value::Null, |k| k.value.clone()))
                    .collect(),
            );
        }
        let src_col = cols.iter().position(|(l, _)| *l == time_src);
        let src_key = t.key().get(&time_src).map(|k| k.value.clone());
        let src_value = |row: &[Value]| match &src_key {
            Some(v) => v.clone(),
            None => src_col.map_or(Value::Null, |c| row[c].clone()),
        };
        let dst = match cols.iter().position(|(l, _)| *l == time_dst) {
            Some(i) => i,
            None => {
                cols.push((time_dst.clone(), ColumnType::Time));
                cols.len() - 1
            }
        };
        for r in rows.iter_mut() {
            let v = src_value(r);
            if r.len() <= dst {
                r.push(v);
            } else {
                r[dst] = v;
            }
        }
        let base = without_bounds(t.key());
        let (lo, hi) = ranges
            .iter()
            .find(|(k, _)| *k == base)
            .map(|(_, b)| *b)
            .or_else(|| regrouped_range(&ranges, &base))
            .or_else(|| match (t.key().get("_start"), t.key().get("_stop")) {
                (
                    Some(KeyColumn {
                        value: Value::Time(s),
                        ..
                    }),
                    Some(KeyColumn {
                        value: Value::Time(e),
                        ..
                    }),
                ) => Some((*s, *e)),
                _ => tables.bounds(),
            })
            .ok_or_else(|| {
                EvalError::msg("nil bounds passed to window; use range to set the window range")
            })?;
        for (label, v) in [("_start", lo), ("_stop", hi)] {
            if let Some(c) = cols.iter().position(|(l, _)| l == label) {
                if label != time_dst {
                    for r in rows.iter_mut() {
                        r[c] = Value::Time(v);
                    }
                }
            }
        }
        let mut key: Vec<KeyColumn> = t.key().columns().to_vec();
        for k in key.iter_mut() {
            if k.label == "_start" {
                k.value = Value::Time(lo);
            } else if k.label == "_stop" {
                k.value = Value::Time(hi);
            }
        }
        key.retain(|k| k.label != time_dst);
        let labels: Vec<String> = key.iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = key.iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &rows, Some(&values)).map_err(ve)?);
    }
    derived(&tables, merge_by_key(out).map_err(ex)?)
}

/// The range of the input series an output table of `aggregateWindow`'s `fn` came from
/// when `fn` regrouped (its key, less `_start` and `_stop`, is no input table's): the
/// range shared by every input table whose key agrees with each of the output key's
/// columns, if they share one.
fn regrouped_range(ranges: &[(GroupKey, (i64, i64))], base: &GroupKey) -> Option<(i64, i64)> {
    let mut found = None;
    for (k, b) in ranges {
        let agrees = base.columns().iter().all(|c| {
            k.get(&c.label).is_some_and(|kc| {
                kc.ty == c.ty
                    && match (kc.value.is_null(), c.value.is_null()) {
                        (true, true) => true,
                        (false, false) => {
                            kc.value.compare(&c.value) == Some(std::cmp::Ordering::Equal)
                        }
                        _ => false,
                    }
            })
        });
        if agrees {
            match found {
                None => found = Some(*b),
                Some(f) if f != *b => return None,
                Some(_) => {}
            }
        }
    }
    found
}

/// The storage aggregate a universe aggregate or selector function value stands for.
fn storage_aggregate(f: &Value) -> Option<fluxi_storage::Aggregate> {
    use fluxi_storage::Aggregate as A;
    let Value::Function(c) = f else {
        return None;
    };
    let b = c.as_any().downcast_ref::<fluxi_eval::Builtin>()?;
    if b.package != "universe" {
        return None;
    }
    Some(match b.name.as_str() {
        "count" => A::Count,
        "sum" => A::Sum,
        "mean" => A::Mean,
        "min" => A::Min,
        "max" => A::Max,
        "first" => A::First,
        "last" => A::Last,
        _ => return None,
    })
}

fn union(_: &mut Interpreter, a: &mut Args) -> R {
    let streams = match a.required("tables")? {
        Value::Array(items) => items,
        v => {
            return Err(EvalError::msg(format!(
                "`tables` must be an array of streams, not {}",
                v.type_name()
            )))
        }
    };
    if streams.len() < 2 {
        return Err(EvalError::msg("union needs at least two streams"));
    }
    let mut all = Vec::new();
    for s in streams.iter() {
        match s {
            Value::Stream(s) => all.extend(s.tables().iter().cloned()),
            v => {
                return Err(EvalError::msg(format!(
                    "`tables` must hold streams, found {}",
                    v.type_name()
                )))
            }
        }
    }
    Ok(Value::Stream(Stream::new(merge_by_key(all).map_err(ex)?)))
}

fn fill(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let value = a.take("value");
    let use_previous = a.opt_bool("usePrevious")?.unwrap_or(false);
    match (&value, use_previous) {
        (Some(_), true) | (None, false) => {
            return Err(EvalError::msg(
                "give exactly one of `value` and `usePrevious: true`",
            ))
        }
        _ => {}
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        let Some(c) = t.column_index(&column) else {
            // A missing column is all nulls: with a value it becomes a column of that value.
            match &value {
                Some(v) if !v.is_null() => {
                    let ty = fluxi_exec::builder::column_type_of(v)
                        .ok_or_else(|| EvalError::msg("fill value must be a basic value"))?;
                    let mut b = TableBuilder::new(t.key());
                    for (l, cty) in t.columns() {
                        b.add_column(&l, Some(cty)).map_err(ve)?;
                    }
                    b.add_column(&column, Some(ty)).map_err(ve)?;
                    for row in t.rows() {
                        let mut fields: Vec<(String, Value)> =
                            t.columns().into_iter().map(|(l, _)| l).zip(row).collect();
                        fields.push((column.clone(), v.clone()));
                        b.push_row(fields.iter().map(|(l, v)| (l.as_str(), v.clone())))
                            .map_err(ve)?;
                    }
                    out.push(b.finish().map_err(ve)?);
                }
                _ => out.push(t.clone()),
            }
            continue;
        };
        let ty = t.columns()[c].1;
        if let Some(v) = &value {
            if fluxi_exec::builder::column_type_of(v) != Some(ty) {
                return Err(EvalError::msg(format!(
                    "fill column type mismatch: column \"{column}\" is {ty}, the value is {}",
                    v.type_name()
                )));
            }
        }
        let mut rows = t.rows();
        let mut prev = Value::Null;
        for r in rows.iter_mut() {
            if r[c].is_null() {
                r[c] = match &value {
                    Some(v) => v.clone(),
                    None => prev.clone(),
                };
            } else {
                prev = r[c].clone();
            }
        }
        let labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &t.columns(), &rows, Some(&values)).map_err(ve)?);
    }
    derived(&tables, out)
}

fn subtract(a: &Value, b: &Value) -> Result<Value, EvalError> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x.wrapping_sub(*y)),
        (Value::UInt(x), Value::UInt(y)) => Value::Int((*x as i64).wrapping_sub(*y as i64)),
        (Value::Float(x), Value::Float(y)) => Value::Float(x - y),
        (x, _) => {
            return Err(EvalError::msg(format!(
                "difference needs numbers, found {}",
                x.type_name()
            )))
        }
    })
}

fn is_negative(v: &Value) -> bool {
    matches!(v, Value::Int(i) if *i < 0) || matches!(v, Value::Float(f) if *f < 0.0)
}

/// `difference`: each row's value minus the previous non-null one; the first row is
/// dropped unless `keepFirst`.
fn difference(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let non_negative = a.opt_bool("nonNegative")?.unwrap_or(false);
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let keep_first = a.opt_bool("keepFirst")?.unwrap_or(false);
    let initial_zero = a.opt_bool("initialZero")?.unwrap_or(false);
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut cols = t.columns();
        let idx: Vec<usize> = columns.iter().filter_map(|c| t.column_index(c)).collect();
        for i in &idx {
            if cols[*i].1 == ColumnType::UInt {
                cols[*i].1 = ColumnType::Int;
            }
            if !matches!(cols[*i].1, ColumnType::Int | ColumnType::Float) {
                return Err(EvalError::msg(format!(
                    "difference: column \"{}\" is {}, not a number",
                    cols[*i].0, cols[*i].1
                )));
            }
        }
        let rows = t.rows();
        // The last non-null value seen in each column.
        let mut prev: Vec<Value> = vec![Value::Null; idx.len()];
        let mut out_rows = Vec::new();
        for (n, r) in rows.iter().enumerate() {
            let mut row = r.clone();
            for (j, c) in idx.iter().enumerate() {
                let cur = r[*c].clone();
                let mut d = if cur.is_null() || prev[j].is_null() {
                    Value::Null
                } else {
                    subtract(&cur, &prev[j])?
                };
                if non_negative && is_negative(&d) {
                    // A counter reset: unknown, or counted from zero with `initialZero`.
                    d = if initial_zero {
                        subtract(&cur, &zero_like(&cur))?
                    } else {
                        Value::Null
                    };
                }
                row[*c] = d;
                if !cur.is_null() {
                    prev[j] = cur;
                }
            }
            if n > 0 || keep_first {
                out_rows.push(row);
            }
        }
        let labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &out_rows, Some(&values)).map_err(ve)?);
    }
    derived(&tables, out)
}

fn zero_like(v: &Value) -> Value {
    match v {
        Value::Float(_) => Value::Float(0.0),
        Value::UInt(_) => Value::UInt(0),
        _ => Value::Int(0),
    }
}
