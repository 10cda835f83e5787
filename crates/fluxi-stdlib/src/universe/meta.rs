//! Builtins about tables themselves and whole-column statistics: `columns`, `keys`,
//! `distinct`, `unique`, `quantile`, `median`, `stddev`, `mode`, the `to*` conversions, and
//! the table-extraction functions (`tableFind`, `getRecord`, `getColumn`, `findRecord`,
//! `findColumn`).

use crate::universe::conv::convert;
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

/// The `exact_mean` quantile of sorted values: linear interpolation at position q·(n−1).
fn exact_quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let pos = (q * (n - 1) as f64).clamp(0.0, (n - 1) as f64);
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn quantile_impl(a: &mut Args, q: f64) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let method = a.string_or("method", "estimate_tdigest")?;
    let compression = match a.opt_float("compression")? {
        Some(c) if c > 0.0 && method != "estimate_tdigest" => {
            return Err(EvalError::msg(
                "compression parameter is only valid for method estimate_tdigest",
            ))
        }
        Some(c) if c < 0.0 || c.is_nan() => {
            return Err(EvalError::msg(format!(
                "compression must be a positive number, got {c}"
            )))
        }
        // Zero (or nothing) picks the default.
        Some(c) if c > 0.0 => c,
        _ => 1000.0,
    };
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
            "estimate_tdigest" => {
                let mut digest = Digest::new(compression);
                for x in numbers(t, c) {
                    digest.add(x);
                }
                let v = digest.quantile(q).map_or(Value::Null, Value::Float);
                out.push(one_value(t, &column, v, ColumnType::Float)?);
            }
            "exact_mean" => {
                let mut nums = numbers(t, c);
                nums.sort_by(|x, y| x.partial_cmp(y).unwrap_or(Ordering::Equal));
                let v = exact_quantile(&nums, q).map_or(Value::Null, Value::Float);
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

/// A merging t-digest with the arcsine scale function, as upstream's `estimate_tdigest`
/// uses it: values collect in a buffer that is merged into the sorted centroids whenever
/// it (or the centroid list) outgrows a size set by the compression, and once more before
/// a quantile is read. Small inputs stay one centroid per value, so the quantile is then
/// interpolation at position q·n − 0.5 between the sorted values.
struct Digest {
    compression: f64,
    max_merged: usize,
    max_buffered: usize,
    /// (mean, weight), sorted by mean.
    merged: Vec<(f64, f64)>,
    buffered: Vec<(f64, f64)>,
    merged_weight: f64,
    buffered_weight: f64,
    min: f64,
    max: f64,
}

impl Digest {
    fn new(compression: f64) -> Digest {
        Digest {
            compression,
            max_merged: (2.0 * compression.ceil()) as usize,
            max_buffered: (8.0 * compression.ceil()) as usize,
            merged: Vec::new(),
            buffered: Vec::new(),
            merged_weight: 0.0,
            buffered_weight: 0.0,
            min: f64::MAX,
            max: -f64::MAX,
        }
    }

    /// Add one value of weight 1 (NaN is ignored).
    fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.buffered.push((x, 1.0));
        self.buffered_weight += 1.0;
        if self.merged.len() > self.max_merged || self.buffered.len() > self.max_buffered {
            self.merge();
        }
    }

    /// The quantile position reached at scale value `k`.
    fn q_at(&self, k: f64) -> f64 {
        let c = self.compression;
        ((k.min(c) * std::f64::consts::PI / c - std::f64::consts::FRAC_PI_2).sin() + 1.0) / 2.0
    }

    /// The scale value at quantile position `q`.
    fn k_at(&self, q: f64) -> f64 {
        self.compression * ((2.0 * q - 1.0).asin() + std::f64::consts::FRAC_PI_2)
            / std::f64::consts::PI
    }

    /// Sort the buffer with the centroids and merge neighbours while the scale allows.
    fn merge(&mut self) {
        if self.buffered.is_empty() && self.merged.len() <= self.max_merged {
            return;
        }
        let mut all = std::mem::take(&mut self.buffered);
        all.append(&mut self.merged);
        all.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap_or(Ordering::Equal));
        self.merged_weight += self.buffered_weight;
        self.buffered_weight = 0.0;
        let total = self.merged_weight;
        let mut out: Vec<(f64, f64)> = Vec::with_capacity(all.len());
        let mut so_far = 0.0;
        let mut limit = 0.0;
        for (i, (mean, weight)) in all.into_iter().enumerate() {
            if i == 0 {
                out.push((mean, weight));
                so_far = weight;
                limit = total * self.q_at(1.0);
                continue;
            }
            let projected = so_far + weight;
            match out.last_mut() {
                Some(last) if projected <= limit => {
                    so_far = projected;
                    // Fold into the last centroid: weighted running mean.
                    last.1 += weight;
                    last.0 += weight * (mean - last.0) / last.1;
                }
                _ => {
                    let k = self.k_at(so_far / total);
                    limit = total * self.q_at(k + 1.0);
                    so_far += weight;
                    out.push((mean, weight));
                }
            }
        }
        if let (Some(first), Some(last)) = (out.first(), out.last()) {
            self.min = go_min(self.min, first.0);
            self.max = go_max(self.max, last.0);
        }
        self.merged = out;
    }

    /// The estimated `q` quantile, or None without values.
    fn quantile(&mut self, q: f64) -> Option<f64> {
        self.merge();
        let c = &self.merged;
        if c.is_empty() || !(0.0..=1.0).contains(&q) {
            return None;
        }
        if c.len() == 1 {
            return Some(c[0].0);
        }
        // Cumulative weight at each centroid's middle, then the total.
        let mut cumulative = Vec::with_capacity(c.len() + 1);
        let mut before = 0.0;
        for (_, w) in c {
            cumulative.push(before + w / 2.0);
            before += w;
        }
        cumulative.push(before);
        let total = self.merged_weight;
        let index = q * total;
        if index <= c[0].1 / 2.0 {
            return Some(self.min + 2.0 * index / c[0].1 * (c[0].0 - self.min));
        }
        let lower = cumulative.partition_point(|x| *x < index);
        if lower + 1 != cumulative.len() {
            let z1 = index - cumulative[lower - 1];
            let z2 = cumulative[lower] - index;
            return Some(weighted_average(c[lower - 1].0, z2, c[lower].0, z1));
        }
        // Past the last centroid's middle: toward the maximum.
        let half = c[lower - 1].1 / 2.0;
        let z1 = index - total - half;
        let z2 = half - z1;
        Some(weighted_average(c[c.len() - 1].0, z1, self.max, z2))
    }
}

/// The weighted mean of two values, kept between them.
fn weighted_average(x1: f64, w1: f64, x2: f64, w2: f64) -> f64 {
    let (x1, w1, x2, w2) = if x1 <= x2 {
        (x1, w1, x2, w2)
    } else {
        (x2, w2, x1, w1)
    };
    let x = (x1 * w1 + x2 * w2) / (w1 + w2);
    go_max(x1, go_min(x, x2))
}

/// The smaller value, NaN if either is NaN (unlike `f64::min`).
fn go_min(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY || b == f64::NEG_INFINITY {
        f64::NEG_INFINITY
    } else if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else if a < b {
        a
    } else {
        b
    }
}

/// The larger value, NaN if either is NaN (unlike `f64::max`).
fn go_max(a: f64, b: f64) -> f64 {
    if a == f64::INFINITY || b == f64::INFINITY {
        f64::INFINITY
    } else if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    } else if a > b {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod digest_tests {
    use super::Digest;

    #[test]
    fn small_inputs_interpolate_between_sorted_values() {
        let mut d = Digest::new(1000.0);
        for x in [4.0, 1.0, 3.0, 2.0] {
            d.add(x);
        }
        // Position q·n − 0.5 = 1.5 between the sorted values 2 and 3.
        assert_eq!(d.quantile(0.5), Some(2.5));
        assert_eq!(d.quantile(0.0), Some(1.0));
        assert_eq!(d.quantile(1.0), Some(4.0));
    }

    #[test]
    fn a_tiny_compression_merges_everything() {
        let mut d = Digest::new(1.0);
        for x in [10.0, 20.0, 60.0] {
            d.add(x);
        }
        assert_eq!(d.quantile(0.5), Some(30.0));
    }

    #[test]
    fn no_values_no_quantile() {
        assert_eq!(Digest::new(100.0).quantile(0.5), None);
    }
}
