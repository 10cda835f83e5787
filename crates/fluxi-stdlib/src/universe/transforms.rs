//! Reshaping and running transformations: `pivot`, universe `join`, `reduce`, `top`,
//! `bottom`, `cumulativeSum`, `derivative`, `elapsed`, `timeShift`, and `display`.

use crate::util::{derived, ex, ve};
use arrow_array::{ArrayRef, UInt64Array};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ops::{self, merge_by_key, row_record};
use fluxi_exec::TableBuilder;
use fluxi_value::{
    format_float, ColumnType, Duration, GroupKey, KeyColumn, KeyValues, Stream, Table, Value,
};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("universe", "pivot", pivot);
    r.register("universe", "join", join);
    r.register("universe", "reduce", reduce);
    r.register("universe", "cov", |i, a| cov(i, a, None));
    r.register("universe", "pearsonr", |i, a| cov(i, a, Some(true)));
    r.register("universe", "top", |i, a| top_bottom(i, a, true));
    r.register("universe", "bottom", |i, a| top_bottom(i, a, false));
    r.register("universe", "cumulativeSum", cumulative_sum);
    r.register("universe", "derivative", derivative);
    r.register("universe", "elapsed", elapsed);
    r.register("universe", "timeShift", time_shift);
    r.register("universe", "display", |_, a| {
        Ok(Value::string(display(&a.required("v")?, 0)))
    });
}

/// The text of a pivot column label part.
fn label_part(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Float(f) => go_exponent(*f),
        other => other.to_string(),
    }
}

/// Go's `%E`-like float text upstream uses in pivot labels (`1E+00`).
fn go_exponent(f: f64) -> String {
    let s = format!("{f:E}");
    match s.split_once('E') {
        Some((m, e)) => {
            let (sign, digits) = match e.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', e),
            };
            format!("{m}E{sign}{digits:0>2}")
        }
        None => s,
    }
}

fn pivot(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let row_key = a.opt_strings("rowKey")?.unwrap_or_default();
    let column_key = a.opt_strings("columnKey")?.unwrap_or_default();
    let value_column = a.string("valueColumn")?;
    let label = |values: &[Value]| values.iter().map(label_part).collect::<Vec<_>>().join("_");
    let columnar = interp.vectorize().then(|| {
        fluxi_exec::pivot::pivot_columns(
            tables.tables(),
            &row_key,
            &column_key,
            &value_column,
            &label,
        )
    });
    if let Some(Some(mut out)) = columnar {
        interp.count(crate::vectorize::VECTORIZED, out.len() as u64);
        out.sort_by(|x, y| x.key().cmp(y.key()));
        return derived(&tables, out);
    }
    struct Acc {
        key: GroupKey,
        columns: Vec<(String, ColumnType)>,
        rows: Vec<Vec<Value>>,
        row_index: HashMap<KeyValues, usize>,
    }
    let mut groups: Vec<Acc> = Vec::new();
    let mut group_index: HashMap<GroupKey, usize> = HashMap::new();
    for t in tables.tables() {
        let cols = t.columns();
        let find = |l: &str| {
            cols.iter()
                .position(|(m, _)| m == l)
                .ok_or_else(|| EvalError::msg(format!("pivot: missing column \"{l}\"")))
        };
        let rk: Vec<usize> = row_key.iter().map(|l| find(l)).collect::<Result<_, _>>()?;
        let ck: Vec<usize> = column_key
            .iter()
            .map(|l| find(l))
            .collect::<Result<_, _>>()?;
        let vc = find(&value_column)?;
        let key = fluxi_exec::pivot::output_key(t, &column_key, &value_column);
        let idx = match group_index.get(&key) {
            Some(i) => *i,
            None => {
                group_index.insert(key.clone(), groups.len());
                let mut columns: Vec<(String, ColumnType)> = Vec::new();
                for (l, ty) in &cols {
                    if (key.contains(l) || row_key.contains(l))
                        && !columns.iter().any(|(m, _)| m == l)
                    {
                        columns.push((l.clone(), *ty));
                    }
                }
                groups.push(Acc {
                    key: key.clone(),
                    columns,
                    rows: Vec::new(),
                    row_index: HashMap::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[idx];
        let base_labels: Vec<String> = g.columns.iter().map(|(l, _)| l.clone()).collect();
        for r in 0..t.num_rows() {
            let label = ck
                .iter()
                .map(|c| label_part(&t.value(r, *c)))
                .collect::<Vec<_>>()
                .join("_");
            let col = match g.columns.iter().position(|(l, _)| *l == label) {
                Some(_) if base_labels.contains(&label) => {
                    return Err(EvalError::msg(format!(
                        "pivot: the new column \"{label}\" collides with an existing column"
                    )));
                }
                Some(i) => i,
                None => {
                    g.columns.push((label, cols[vc].1));
                    g.columns.len() - 1
                }
            };
            let rkv = KeyValues(rk.iter().map(|c| t.value(r, *c)).collect());
            let row = match g.row_index.get(&rkv) {
                Some(p) => &mut g.rows[*p],
                None => {
                    let base: Vec<Value> = base_labels
                        .iter()
                        .map(|l| {
                            cols.iter()
                                .position(|(m, _)| m == l)
                                .map_or(Value::Null, |c| t.value(r, c))
                        })
                        .collect();
                    g.row_index.insert(rkv, g.rows.len());
                    g.rows.push(base);
                    let last = g.rows.len() - 1;
                    &mut g.rows[last]
                }
            };
            if row.len() <= col {
                row.resize(col + 1, Value::Null);
            }
            row[col] = t.value(r, vc);
        }
    }
    let mut out = Vec::new();
    for g in groups {
        let width = g.columns.len();
        let rows: Vec<Vec<Value>> = g
            .rows
            .into_iter()
            .map(|mut r| {
                r.resize(width, Value::Null);
                r
            })
            .collect();
        let labels: Vec<String> = g.key.columns().iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = g.key.columns().iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &g.columns, &rows, Some(&values)).map_err(ve)?);
    }
    out.sort_by(|x, y| x.key().cmp(y.key()));
    derived(&tables, out)
}

fn join(interp: &mut Interpreter, a: &mut Args) -> R {
    let coded = interp.vectorize();
    let inputs = a
        .opt_record("tables")?
        .ok_or_else(|| EvalError::msg("missing required argument `tables`"))?;
    let on = a.opt_strings("on")?.unwrap_or_default();
    let method = a.string_or("method", "inner")?;
    if method != "inner" {
        return Err(EvalError::msg(format!("{method} is not a valid join type")));
    }
    let mut named: Vec<(String, Stream)> = Vec::new();
    for (k, v) in inputs.fields() {
        match v {
            Value::Stream(s) => named.push((k.to_string(), s.clone())),
            other => {
                return Err(EvalError::msg(format!(
                    "`tables.{k}` must be a stream, not {}",
                    other.type_name()
                )))
            }
        }
    }
    if named.len() != 2 {
        return Err(EvalError::msg(format!(
            "join needs exactly two streams, got {}",
            named.len()
        )));
    }
    named.sort_by(|x, y| x.0.cmp(&y.0));
    let (ln, ls) = (&named[0].0, &named[0].1);
    let (rn, rs) = (&named[1].0, &named[1].1);
    // Pair tables whose keys agree on the `on` columns both keys have: right tables are
    // indexed by which `on` columns their key has and the values there.
    let key_on = |t: &Table| -> (Vec<String>, KeyValues) {
        let labels: Vec<String> = on.iter().filter(|c| t.key().contains(c)).cloned().collect();
        let values = labels
            .iter()
            .filter_map(|c| t.key().get(c).map(|k| k.value.clone()))
            .collect();
        (labels, KeyValues(values))
    };
    let mut right_index: HashMap<Vec<String>, HashMap<KeyValues, Vec<usize>>> = HashMap::new();
    for (i, rt) in rs.tables().iter().enumerate() {
        let (labels, values) = key_on(rt);
        right_index
            .entry(labels)
            .or_default()
            .entry(values)
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for lt in ls.tables() {
        let (l_labels, l_values) = key_on(lt);
        let mut partners: Vec<usize> = Vec::new();
        for (r_labels, by_values) in &right_index {
            if r_labels == &l_labels {
                partners.extend(by_values.get(&l_values).into_iter().flatten());
                continue;
            }
            for (r_values, tables) in by_values {
                let agree = r_labels.iter().zip(&r_values.0).all(|(c, rv)| {
                    match l_labels.iter().position(|l| l == c) {
                        Some(p) => {
                            KeyValues(vec![l_values.0[p].clone()]) == KeyValues(vec![rv.clone()])
                        }
                        None => true,
                    }
                });
                if agree {
                    partners.extend(tables);
                }
            }
        }
        partners.sort_unstable();
        for i in partners {
            let Some(rt) = rs.tables().get(i) else {
                continue;
            };
            let (joined, was_coded) = join_pair(lt, ln, rt, rn, &on, coded)?;
            if was_coded {
                interp.count(crate::vectorize::VECTORIZED, 1);
            }
            out.extend(joined);
        }
    }
    Ok(Value::Stream(Stream::new(merge_by_key(out).map_err(ex)?)))
}

/// Join two tables on the `on` columns: a sort-merge join (rows ordered by the `on`
/// columns in label order; rows with a null `on` value never match).
fn join_pair(
    lt: &Table,
    ln: &str,
    rt: &Table,
    rn: &str,
    on: &[String],
    coded: bool,
) -> Result<(Option<Table>, bool), EvalError> {
    let lcols = lt.columns();
    let rcols = rt.columns();
    let shared = |l: &str| {
        !on.iter().any(|c| c == l)
            && lcols.iter().any(|(m, _)| m == l)
            && rcols.iter().any(|(m, _)| m == l)
    };
    let name = |l: &str, side: &str| {
        if shared(l) {
            format!("{l}_{side}")
        } else {
            l.to_string()
        }
    };
    // The `on` columns in label order.
    let mut on_sorted: Vec<&String> = on.iter().collect();
    on_sorted.sort();
    let sorted_rows = |t: &Table| -> Vec<(usize, Vec<Value>)> {
        let idx: Vec<Option<usize>> = on_sorted.iter().map(|c| t.column_index(c)).collect();
        let mut rows: Vec<(usize, Vec<Value>)> = (0..t.num_rows())
            .filter_map(|r| {
                idx.iter()
                    .map(|c| c.map(|c| t.value(r, c)).filter(|v| !v.is_null()))
                    .collect::<Option<Vec<Value>>>()
                    .map(|v| (r, v))
            })
            .collect();
        rows.sort_by(|x, y| compare_values(&x.1, &y.1));
        rows
    };
    let on_labels: Vec<String> = on_sorted.iter().map(|c| c.to_string()).collect();
    let (mut li, mut ri): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    let equal = coded
        .then(|| fluxi_exec::join::equal_rows(lt, rt, &on_labels))
        .flatten();
    let was_coded = equal.is_some();
    match equal {
        // Coded values hashed per row: the same pairs in the same order as the merge.
        Some(rows) => (li, ri) = rows.iter().map(|(l, r)| (*l as u64, *r as u64)).unzip(),
        None => merge_join(&sorted_rows(lt), &sorted_rows(rt), &mut li, &mut ri),
    }
    if li.is_empty() {
        return Ok((None, was_coded));
    }
    // Output columns in label order: left columns, then right columns not already there
    // (the `on` columns come from the left).
    let mut columns: Vec<(String, ColumnType, bool, usize)> = Vec::new();
    for (i, (l, ty)) in lcols.iter().enumerate() {
        columns.push((name(l, ln), *ty, true, i));
    }
    for (i, (l, ty)) in rcols.iter().enumerate() {
        let n = name(l, rn);
        if !columns.iter().any(|(m, ..)| *m == n) {
            columns.push((n, *ty, false, i));
        }
    }
    columns.sort_by(|x, y| x.0.cmp(&y.0));
    let (li, ri) = (UInt64Array::from(li), UInt64Array::from(ri));
    let mut arrays: Vec<(String, ColumnType, ArrayRef)> = Vec::with_capacity(columns.len());
    for (label, ty, left, i) in columns {
        let (t, idx) = if left { (lt, &li) } else { (rt, &ri) };
        let a = arrow_select::take::take(t.batch().column(i), idx, None)
            .map_err(|e| EvalError::from(fluxi_exec::ExecError::from(e)))?;
        arrays.push((label, ty, a));
    }
    let mut key: Vec<KeyColumn> = Vec::new();
    for (k, side) in lt
        .key()
        .columns()
        .iter()
        .map(|k| (k, ln))
        .chain(rt.key().columns().iter().map(|k| (k, rn)))
    {
        let label = name(&k.label, side);
        if !key.iter().any(|c| c.label == label) {
            key.push(KeyColumn {
                label,
                ty: k.ty,
                value: k.value.clone(),
            });
        }
    }
    key.sort_by(|x, y| x.label.cmp(&y.label));
    let rows = li.len();
    Table::from_arrays(GroupKey::new(key), arrays, rows)
        .map(|t| (Some(t), was_coded))
        .map_err(ve)
}

/// Universe `join`'s general matching: both sides sorted by their `on` values, each run
/// of equal left values meets the run of equal right values.
fn merge_join(
    lrows: &[(usize, Vec<Value>)],
    rrows: &[(usize, Vec<Value>)],
    li: &mut Vec<u64>,
    ri: &mut Vec<u64>,
) {
    let (mut a, mut b) = (0, 0);
    while a < lrows.len() && b < rrows.len() {
        match compare_values(&lrows[a].1, &rrows[b].1) {
            Ordering::Less => a += 1,
            Ordering::Greater => b += 1,
            Ordering::Equal => {
                let b_end = (b..rrows.len())
                    .find(|j| compare_values(&lrows[a].1, &rrows[*j].1) != Ordering::Equal)
                    .unwrap_or(rrows.len());
                let a_end = (a..lrows.len())
                    .find(|i| compare_values(&lrows[*i].1, &rrows[b].1) != Ordering::Equal)
                    .unwrap_or(lrows.len());
                for (l, lv) in &lrows[a..a_end] {
                    for (r, rv) in &rrows[b..b_end] {
                        if KeyValues(lv.clone()) == KeyValues(rv.clone()) {
                            li.push(*l as u64);
                            ri.push(*r as u64);
                        }
                    }
                }
                a = a_end;
                b = b_end;
            }
        }
    }
}

fn compare_values(a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.compare(y).unwrap_or(Ordering::Equal))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

fn reduce(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let f = a.function("fn")?;
    let identity = a
        .opt_record("identity")?
        .ok_or_else(|| EvalError::msg("missing required argument `identity`"))?;
    let span = a.span;
    let fold = crate::vectorize::fold(interp, &f);
    if fold.is_none() {
        interp.note_row_path("fn");
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        let compiled = fold
            .as_ref()
            .and_then(|fold| crate::fold::reduce_table(t, fold, &identity));
        let result = match compiled {
            Some(result) => {
                interp.count(crate::vectorize::VECTORIZED, 1);
                Arc::new(result)
            }
            None => {
                let cols = t.columns();
                let mut acc = Value::Record(Arc::clone(&identity));
                for r in 0..t.num_rows() {
                    let rec = Value::Record(Arc::new(row_record(t, r, &cols)));
                    acc = interp.call(
                        &f,
                        vec![("r".into(), rec), ("accumulator".into(), acc)],
                        None,
                        span,
                    )?;
                }
                let Value::Record(result) = acc else {
                    return Err(EvalError::msg("the reduce function must return a record"));
                };
                result
            }
        };
        let mut b = TableBuilder::new(t.key());
        for k in t.key().columns() {
            b.add_column(&k.label, Some(k.ty)).map_err(ve)?;
        }
        let mut fields: Vec<(String, Value)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.value.clone()))
            .collect();
        let mut extra: Vec<(String, Value)> = result
            .fields()
            .iter()
            .filter(|(l, _)| !t.key().contains(l))
            .map(|(l, v)| (l.to_string(), v.clone()))
            .collect();
        extra.sort_by(|x, y| x.0.cmp(&y.0));
        fields.extend(extra);
        b.push_row(fields.iter().map(|(l, v)| (l.as_str(), v.clone())))
            .map_err(ve)?;
        out.push(b.finish().map_err(ve)?);
    }
    derived(&tables, out)
}

fn top_bottom(_: &mut Interpreter, a: &mut Args, top: bool) -> R {
    let tables = a.tables()?;
    let n = a
        .opt_int("n")?
        .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let sorted = ops::sort(tables.tables(), &columns, top).map_err(ex)?;
    derived(&tables, ops::limit(&sorted, n, 0, false).map_err(ex)?)
}

fn map_rows(
    t: &Table,
    cols: &[(String, ColumnType)],
    rows: Vec<Vec<Value>>,
) -> Result<Table, EvalError> {
    let labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
    let values: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
    Table::from_rows(&labels, cols, &rows, Some(&values)).map_err(ve)
}

fn cumulative_sum(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let mut out = Vec::new();
    for t in tables.tables() {
        let cols = t.columns();
        let idx: Vec<usize> = columns.iter().filter_map(|c| t.column_index(c)).collect();
        let mut sums: Vec<Value> = vec![Value::Null; idx.len()];
        let mut rows = t.rows();
        for r in rows.iter_mut() {
            for (j, c) in idx.iter().enumerate() {
                if r[*c].is_null() {
                    continue;
                }
                sums[j] = if sums[j].is_null() {
                    r[*c].clone()
                } else {
                    fluxi_eval::ops::binary(fluxi_syntax::ast::BinaryOp::Add, &sums[j], &r[*c])?
                };
                r[*c] = sums[j].clone();
            }
        }
        out.push(map_rows(t, &cols, rows)?);
    }
    derived(&tables, out)
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn derivative(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let unit = a
        .opt_duration("unit")?
        .unwrap_or(Duration::from_nanos(1_000_000_000));
    let non_negative = a.opt_bool("nonNegative")?.unwrap_or(false);
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let time_col = a.string_or("timeColumn", "_time")?;
    let initial_zero = a.opt_bool("initialZero")?.unwrap_or(false);
    let unit_ns = unit
        .as_nanos()
        .ok_or_else(|| EvalError::msg("derivative: `unit` cannot be a calendar duration"))?
        as f64;
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut cols = t.columns();
        let tc = t.column_index(&time_col).ok_or_else(|| {
            EvalError::msg(format!("derivative: missing time column \"{time_col}\""))
        })?;
        let idx: Vec<usize> = columns.iter().filter_map(|c| t.column_index(c)).collect();
        for c in &idx {
            cols[*c].1 = ColumnType::Float;
        }
        let rows = t.rows();
        let mut prev: Vec<Option<(i64, f64)>> = vec![None; idx.len()];
        let mut out_rows = Vec::new();
        for (n, r) in rows.iter().enumerate() {
            let Value::Time(time) = r[tc] else { continue };
            // A row at the same time as the previous one is skipped altogether.
            if prev.iter().flatten().any(|(pt, _)| *pt == time) {
                continue;
            }
            let mut row = r.clone();
            let mut same_time = false;
            for (j, c) in idx.iter().enumerate() {
                let cur = as_f64(&r[*c]);
                let d = match (cur, prev[j]) {
                    (Some(v), Some((pt, pv))) if time > pt => {
                        let mut d = (v - pv) / ((time - pt) as f64 / unit_ns);
                        if non_negative && d < 0.0 {
                            d = if initial_zero { 0.0 } else { f64::NAN };
                        }
                        if d.is_nan() {
                            Value::Null
                        } else {
                            Value::Float(d)
                        }
                    }
                    (Some(_), Some((pt, _))) if time == pt => {
                        same_time = true;
                        Value::Null
                    }
                    _ => Value::Null,
                };
                row[*c] = d;
                if let Some(v) = cur {
                    prev[j] = Some((time, v));
                }
            }
            if n > 0 && !same_time {
                out_rows.push(row);
            }
        }
        out.push(map_rows(t, &cols, out_rows)?);
    }
    derived(&tables, out)
}

fn elapsed(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let unit = a
        .opt_duration("unit")?
        .unwrap_or(Duration::from_nanos(1_000_000_000));
    let time_col = a.string_or("timeColumn", "_time")?;
    let name = a.string_or("columnName", "elapsed")?;
    let unit_ns = unit
        .as_nanos()
        .filter(|n| *n > 0)
        .ok_or_else(|| EvalError::msg("elapsed: `unit` must be a positive fixed duration"))?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut cols = t.columns();
        let tc = t.column_index(&time_col).ok_or_else(|| {
            EvalError::msg(format!("elapsed: missing time column \"{time_col}\""))
        })?;
        cols.push((name.clone(), ColumnType::Int));
        let mut prev: Option<i64> = None;
        let mut rows = Vec::new();
        for mut r in t.rows() {
            let Value::Time(time) = r[tc] else { continue };
            if let Some(p) = prev {
                r.push(Value::Int((time - p) / unit_ns));
                rows.push(r);
            }
            prev = Some(time);
        }
        out.push(map_rows(t, &cols, rows)?);
    }
    derived(&tables, out)
}

fn time_shift(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let d = a
        .opt_duration("duration")?
        .ok_or_else(|| EvalError::msg("missing required argument `duration`"))?;
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_start".into(), "_stop".into(), "_time".into()]);
    let shift = |v: Value| -> Result<Value, EvalError> {
        match v {
            Value::Time(t) => d
                .add_to(t)
                .map(Value::Time)
                .ok_or_else(|| EvalError::msg("timeShift: the time overflows")),
            other => Ok(other),
        }
    };
    let mut out = Vec::new();
    for t in tables.tables() {
        let cols = t.columns();
        let idx: Vec<usize> = columns.iter().filter_map(|c| t.column_index(c)).collect();
        let mut rows = t.rows();
        for r in rows.iter_mut() {
            for c in &idx {
                let v = std::mem::replace(&mut r[*c], Value::Null);
                r[*c] = shift(v)?;
            }
        }
        let mut key: Vec<KeyColumn> = t.key().columns().to_vec();
        for k in key.iter_mut() {
            if columns.contains(&k.label) {
                k.value = shift(k.value.clone())?;
            }
        }
        let labels: Vec<String> = key.iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = key.iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &rows, Some(&values)).map_err(ve)?);
    }
    let bounds = tables
        .bounds()
        .and_then(|(s, e)| Some((d.add_to(s)?, d.add_to(e)?)));
    Ok(Value::Stream(Stream::new(out).with_bounds(bounds)))
}

/// `display`: values as upstream shows them — strings bare, records with sorted labels,
/// the items of an array, record or dictionary of more than three on indented lines, a
/// dynamic value as `dynamic(...)`.
fn display(v: &Value, indent: usize) -> String {
    let pad = |n: usize| "    ".repeat(n);
    let join = |items: Vec<String>, open: &str, close: &str, multiline: bool| {
        if multiline {
            let inner: Vec<String> = items
                .iter()
                .map(|i| format!("{}{i}", pad(indent + 1)))
                .collect();
            format!("{open}\n{}\n{}{close}", inner.join(",\n"), pad(indent))
        } else {
            format!("{open}{}{close}", items.join(", "))
        }
    };
    match v {
        Value::Record(r) => {
            let mut fields: Vec<&(Arc<str>, Value)> = r.fields().iter().collect();
            fields.sort_by(|x, y| x.0.cmp(&y.0));
            let multi = fields.len() > 3;
            join(
                fields
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", display(v, indent + 1)))
                    .collect(),
                "{",
                "}",
                multi,
            )
        }
        Value::Array(items) => {
            let multi = items.len() > 3;
            join(
                items.iter().map(|i| display(i, indent + 1)).collect(),
                "[",
                "]",
                multi,
            )
        }
        Value::Dict(d) => {
            if d.entries().is_empty() {
                return "[:]".into();
            }
            let multi = d.entries().len() > 3;
            join(
                d.entries()
                    .iter()
                    .map(|(k, v)| format!("{}: {}", display(k, indent + 1), display(v, indent + 1)))
                    .collect(),
                "[",
                "]",
                multi,
            )
        }
        Value::Float(f) => format_float(*f),
        Value::Dynamic(inner) => format!("dynamic({})", display(inner, indent)),
        Value::Regex(r) => r.as_str().to_string(),
        Value::Stream(_) => "<stream>".into(),
        Value::Function(c) => c.type_text().unwrap_or_else(|| v.to_string()),
        other => other.to_string(),
    }
}

/// `cov(x, y, on)`: join the two streams on `on`, then the covariance of their values.
fn cov(interp: &mut Interpreter, a: &mut Args, pearson: Option<bool>) -> R {
    let x = a.required("x")?;
    let y = a.required("y")?;
    let on = a.required("on")?;
    let pearson = match pearson {
        Some(p) => p,
        None => a.opt_bool("pearsonr")?.unwrap_or(false),
    };
    let tables = fluxi_value::Record::from_fields([(Arc::from("x"), x), (Arc::from("y"), y)]);
    let mut join_args = Args::new(
        vec![
            ("tables".into(), Value::Record(Arc::new(tables))),
            ("on".into(), on),
        ],
        None,
        a.span,
    );
    let joined = join(interp, &mut join_args)?;
    let columns = Value::Array(Arc::new(vec![
        Value::string("_value_x"),
        Value::string("_value_y"),
    ]));
    let mut cov_args = Args::new(
        vec![
            ("columns".into(), columns),
            ("pearsonr".into(), Value::Bool(pearson)),
        ],
        Some(joined),
        a.span,
    );
    crate::universe::series::covariance(interp, &mut cov_args)
}
