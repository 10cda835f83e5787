//! Builtins about tables themselves and whole-column statistics: `columns`, `keys`,
//! `distinct`, `unique`, `quantile`, `median`, `stddev`, `mode`, the `to*` conversions, and
//! the table-extraction functions (`tableFind`, `getRecord`, `getColumn`, `findRecord`,
//! `findColumn`).

use crate::conv::convert;
use crate::util::{derived, ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ops::{merge_by_key, row_record, take_rows};
use fluxi_exec::TableBuilder;
use fluxi_value::{ColumnType, Record, Stream, Table, Value};
use std::cmp::Ordering;
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("universe", "columns", columns);
    r.register("universe", "keys", keys);
    r.register("universe", "distinct", distinct);
    r.register("universe", "keyValues", key_values);
    r.register("universe", "unique", unique);
    r.register("universe", "quantile", quantile);
    r.register("universe", "median", median);
    r.register("universe", "stddev", stddev);
    r.register("universe", "mode", mode);
    r.register("universe", "toFloat", |i, a| to_type(i, a, "float"));
    r.register("universe", "toInt", |i, a| to_type(i, a, "int"));
    r.register("universe", "toUInt", |i, a| to_type(i, a, "uint"));
    r.register("universe", "toString", |i, a| to_type(i, a, "string"));
    r.register("universe", "toBool", |i, a| to_type(i, a, "bool"));
    r.register("universe", "toTime", |i, a| to_type(i, a, "time"));
    r.register("universe", "tableFind", table_find);
    r.register("universe", "getRecord", get_record);
    r.register("universe", "getColumn", get_column);
    r.register("universe", "findRecord", find_record);
    r.register("universe", "findColumn", find_column);
}

fn stream(tables: Vec<Table>) -> R {
    Ok(Value::Stream(Stream::new(tables)))
}

/// One output table per input table: the key columns, then one column of values.
fn per_table_values(
    t: &Table,
    label: &str,
    ty: ColumnType,
    values: Vec<Value>,
) -> Result<Table, EvalError> {
    let mut b = TableBuilder::new(t.key());
    for k in t.key().columns() {
        b.add_column(&k.label, Some(k.ty)).map_err(ve)?;
    }
    b.add_column(label, Some(ty)).map_err(ve)?;
    for v in values {
        let mut row: Vec<(&str, Value)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.as_str(), k.value.clone()))
            .collect();
        row.push((label, v));
        b.push_row(row).map_err(ve)?;
    }
    b.finish().map_err(ve)
}

fn columns(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let label = a.string_or("column", "_value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let labels = t
            .columns()
            .into_iter()
            .map(|(l, _)| Value::string(l))
            .collect();
        out.push(per_table_values(t, &label, ColumnType::String, labels)?);
    }
    derived(&tables, out)
}

fn keys(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let label = a.string_or("column", "_value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let labels = t
            .key()
            .columns()
            .iter()
            .map(|k| Value::string(k.label.as_str()))
            .collect();
        out.push(per_table_values(t, &label, ColumnType::String, labels)?);
    }
    derived(&tables, out)
}

fn column_of(t: &Table, column: &str) -> Result<(usize, ColumnType), EvalError> {
    let c = t
        .column_index(column)
        .ok_or_else(|| EvalError::msg(format!("column \"{column}\" does not exist")))?;
    Ok((c, t.columns()[c].1))
}

fn distinct(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        if let Some(k) = t.key().get(&column) {
            out.push(per_table_values(t, "_value", k.ty, vec![k.value.clone()])?);
            continue;
        }
        let (c, ty) = column_of(t, &column)?;
        let mut seen: Vec<Value> = Vec::new();
        for r in 0..t.num_rows() {
            let v = t.value(r, c);
            if !seen
                .iter()
                .any(|s| (s.is_null() && v.is_null()) || s.equals(&v) == Some(true))
            {
                seen.push(v);
            }
        }
        out.push(per_table_values(t, "_value", ty, seen)?);
    }
    derived(&tables, out)
}

fn unique(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let (c, _) = column_of(t, &column)?;
        let mut seen: Vec<Value> = Vec::new();
        let mut rows = Vec::new();
        for r in 0..t.num_rows() {
            let v = t.value(r, c);
            if !seen
                .iter()
                .any(|s| (s.is_null() && v.is_null()) || s.equals(&v) == Some(true))
            {
                seen.push(v);
                rows.push(r);
            }
        }
        out.push(take_rows(t, &rows).map_err(ex)?);
    }
    derived(&tables, out)
}

fn numbers(t: &Table, c: usize) -> Vec<f64> {
    (0..t.num_rows())
        .filter_map(|r| match t.value(r, c) {
            Value::Int(i) => Some(i as f64),
            Value::UInt(u) => Some(u as f64),
            Value::Float(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// An aggregate result table: key columns plus the column with one value.
fn one_value(t: &Table, column: &str, v: Value, ty: ColumnType) -> Result<Table, EvalError> {
    per_table_values(t, column, ty, vec![v])
}

fn quantile_of(sorted: &[f64], q: f64, method: &str) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let interpolate = |pos: f64| {
        let pos = pos.clamp(0.0, (n - 1) as f64);
        let lo = pos.floor() as usize;
        let hi = pos.ceil() as usize;
        sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
    };
    Some(match method {
        // Every point its own centroid (exact for inputs up to the digest's compression):
        // interpolate at position q·n − 0.5.
        "estimate_tdigest" => interpolate(q * n as f64 - 0.5),
        _ => interpolate(q * (n - 1) as f64),
    })
}

fn quantile_impl(a: &mut Args, q: f64) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let method = a.string_or("method", "estimate_tdigest")?;
    let _ = a.opt_float("compression")?;
    if !(0.0..=1.0).contains(&q) {
        return Err(EvalError::msg(format!(
            "quantile must be between 0 and 1, got {q}"
        )));
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        let (c, _) = column_of(t, &column)?;
        match method.as_str() {
            "exact_selector" => {
                let mut rows: Vec<usize> = (0..t.num_rows()).filter(|r| !t.value(*r, c).is_null()).collect();
                rows.sort_by(|x, y| t.value(*x, c).compare(&t.value(*y, c)).unwrap_or(Ordering::Equal));
                let pick = if rows.is_empty() {
                    vec![]
                } else {
                    let idx = ((q * rows.len() as f64).ceil() as usize).saturating_sub(1).min(rows.len() - 1);
                    vec![rows[idx]]
                };
                out.push(take_rows(t, &pick).map_err(ex)?);
            }
            "estimate_tdigest" | "exact_mean" => {
                let mut nums = numbers(t, c);
                nums.sort_by(|x, y| x.partial_cmp(y).unwrap_or(Ordering::Equal));
                let v = quantile_of(&nums, q, &method).map_or(Value::Null, Value::Float);
                out.push(one_value(t, &column, v, ColumnType::Float)?);
            }
            other => return Err(EvalError::msg(format!("unknown quantile method {other:?}; use estimate_tdigest, exact_mean or exact_selector"))),
        }
    }
    derived(&tables, out)
}

fn quantile(_: &mut Interpreter, a: &mut Args) -> R {
    let q = a
        .opt_float("q")?
        .ok_or_else(|| EvalError::msg("missing required argument `q`"))?;
    quantile_impl(a, q)
}

fn median(_: &mut Interpreter, a: &mut Args) -> R {
    quantile_impl(a, 0.5)
}

fn stddev(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let population = match a.opt_string("mode")?.as_deref() {
        None | Some("sample") => false,
        Some("population") => true,
        Some(other) => {
            return Err(EvalError::msg(format!(
                "mode must be \"sample\" or \"population\", not {other:?}"
            )))
        }
    };
    let mut out = Vec::new();
    for t in tables.tables() {
        let (c, _) = column_of(t, &column)?;
        let nums = numbers(t, c);
        let n = nums.len() as f64;
        let v = if nums.is_empty() || (!population && nums.len() < 2) {
            Value::Null
        } else {
            let mean = nums.iter().sum::<f64>() / n;
            let ss: f64 = nums.iter().map(|x| (x - mean) * (x - mean)).sum();
            Value::Float((ss / if population { n } else { n - 1.0 }).sqrt())
        };
        out.push(one_value(t, &column, v, ColumnType::Float)?);
    }
    derived(&tables, out)
}

fn mode(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let (c, ty) = column_of(t, &column)?;
        let mut counts: Vec<(Value, usize)> = Vec::new();
        for r in 0..t.num_rows() {
            let v = t.value(r, c);
            if v.is_null() {
                continue;
            }
            match counts.iter_mut().find(|(x, _)| x.equals(&v) == Some(true)) {
                Some(e) => e.1 += 1,
                None => counts.push((v, 1)),
            }
        }
        // Every value with the highest count, in ascending order.
        let top = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let mut modes: Vec<Value> = counts
            .into_iter()
            .filter(|(_, n)| *n == top)
            .map(|(v, _)| v)
            .collect();
        modes.sort_by(|x, y| x.compare(y).unwrap_or(Ordering::Equal));
        if modes.is_empty() {
            modes.push(Value::Null);
        }
        out.push(per_table_values(t, &column, ty, modes)?);
    }
    derived(&tables, out)
}

/// `toFloat()` and friends: convert `_value`.
fn to_type(interp: &mut Interpreter, a: &mut Args, to: &str) -> R {
    let tables = a.tables()?;
    let ty = match to {
        "float" => ColumnType::Float,
        "int" => ColumnType::Int,
        "uint" => ColumnType::UInt,
        "string" => ColumnType::String,
        "bool" => ColumnType::Bool,
        _ => ColumnType::Time,
    };
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut cols = t.columns();
        let Some(c) = cols.iter().position(|(l, _)| l == "_value") else {
            out.push(t.clone());
            continue;
        };
        cols[c].1 = ty;
        let mut rows = t.rows();
        for r in rows.iter_mut() {
            let v = std::mem::replace(&mut r[c], Value::Null);
            r[c] = convert(interp, to, v)?;
        }
        let key: Vec<_> = t
            .key()
            .columns()
            .iter()
            .filter(|k| k.label != "_value")
            .collect();
        let labels: Vec<String> = key.iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = key.iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &rows, Some(&values)).map_err(ve)?);
    }
    derived(&tables, merge_by_key(out).map_err(ex)?)
}

fn key_record(t: &Table) -> Value {
    Value::Record(Arc::new(Record::from_fields(
        t.key()
            .columns()
            .iter()
            .map(|k| (Arc::from(k.label.as_str()), k.value.clone())),
    )))
}

/// The first table whose key satisfies `fn`.
fn find_table(interp: &mut Interpreter, a: &mut Args) -> Result<Option<Table>, EvalError> {
    let tables = a.tables()?;
    let f = a.function("fn")?;
    let span = a.span;
    for t in tables.tables() {
        if let Value::Bool(true) =
            interp.call(&f, vec![("key".into(), key_record(t))], None, span)?
        {
            return Ok(Some(t.clone()));
        }
    }
    Ok(None)
}

fn table_find(interp: &mut Interpreter, a: &mut Args) -> R {
    match find_table(interp, a)? {
        Some(t) => stream(vec![t]),
        None => Err(EvalError::msg("no table found")),
    }
}

fn single_table(a: &mut Args, name: &str) -> Result<Table, EvalError> {
    let s = a
        .take_pipe("table")
        .ok_or_else(|| EvalError::msg("missing piped table"))?;
    match s {
        Value::Stream(s) => s.tables().first().cloned().ok_or_else(|| {
            EvalError::msg(format!("{name} needs a table, but the stream is empty"))
        }),
        v => Err(EvalError::msg(format!(
            "{name} needs a table, not {}",
            v.type_name()
        ))),
    }
}

fn record_at(t: &Table, idx: i64) -> R {
    let i = usize::try_from(idx)
        .ok()
        .filter(|i| *i < t.num_rows())
        .ok_or_else(|| {
            EvalError::new(
                fluxi_eval::ErrorKind::IndexOutOfBounds,
                format!(
                    "index out of bounds: {idx} (the table has {} rows)",
                    t.num_rows()
                ),
            )
        })?;
    Ok(Value::Record(Arc::new(row_record(t, i, &t.columns()))))
}

fn column_at(t: &Table, column: &str) -> R {
    let c = t
        .column_index(column)
        .ok_or_else(|| EvalError::msg(format!("cannot find column \"{column}\"")))?;
    Ok(Value::Array(Arc::new(
        (0..t.num_rows()).map(|r| t.value(r, c)).collect(),
    )))
}

fn get_record(_: &mut Interpreter, a: &mut Args) -> R {
    let t = single_table(a, "getRecord")?;
    let idx = a
        .opt_int("idx")?
        .ok_or_else(|| EvalError::msg("missing required argument `idx`"))?;
    record_at(&t, idx)
}

fn get_column(_: &mut Interpreter, a: &mut Args) -> R {
    let t = single_table(a, "getColumn")?;
    let column = a.string("column")?;
    column_at(&t, &column)
}

fn find_record(interp: &mut Interpreter, a: &mut Args) -> R {
    let idx = a
        .opt_int("idx")?
        .ok_or_else(|| EvalError::msg("missing required argument `idx`"))?;
    match find_table(interp, a)? {
        Some(t) => record_at(&t, idx),
        None => Ok(Value::Record(Arc::new(Record::new()))),
    }
}

fn find_column(interp: &mut Interpreter, a: &mut Args) -> R {
    let column = a.string("column")?;
    match find_table(interp, a)? {
        Some(t) => match t.column_index(&column) {
            Some(_) => column_at(&t, &column),
            None => Ok(Value::Array(Arc::new(Vec::new()))),
        },
        None => Ok(Value::Array(Arc::new(Vec::new()))),
    }
}

/// `keyValues(keyColumns)`: per table, the key columns plus `_key` (a column label) and
/// `_value` (each distinct value of that column, in row order).
fn key_values(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let key_columns = a.opt_strings("keyColumns")?.ok_or_else(|| {
        EvalError::not_implemented("keyValues(fn:)").with_hint("pass `keyColumns` instead")
    })?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut b = TableBuilder::new(t.key());
        for k in t.key().columns() {
            b.add_column(&k.label, Some(k.ty)).map_err(ve)?;
        }
        b.add_column("_key", Some(ColumnType::String)).map_err(ve)?;
        // Row by row, then column by column: each new (column, value) pair once.
        let cols: Vec<(&String, usize)> = key_columns
            .iter()
            .filter_map(|l| t.column_index(l).map(|c| (l, c)))
            .collect();
        let mut seen: Vec<Vec<Value>> = vec![Vec::new(); cols.len()];
        for r in 0..t.num_rows() {
            for (j, (label, c)) in cols.iter().enumerate() {
                let v = t.value(r, *c);
                if v.is_null() || seen[j].iter().any(|s| s.equals(&v) == Some(true)) {
                    continue;
                }
                seen[j].push(v.clone());
                let mut row: Vec<(&str, Value)> = t
                    .key()
                    .columns()
                    .iter()
                    .map(|k| (k.label.as_str(), k.value.clone()))
                    .collect();
                row.push(("_key", Value::string(label.as_str())));
                row.push(("_value", v));
                b.push_row(row).map_err(ve)?;
            }
        }
        out.push(b.finish().map_err(ve)?);
    }
    derived(&tables, out)
}
