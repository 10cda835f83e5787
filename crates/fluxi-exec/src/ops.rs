//! The core table transformations. Each takes whole tables and returns whole tables; the
//! row functions of `filter` and `map` are callbacks supplied by the interpreter.
//!
//! Transformations that change group keys emit their tables sorted by key and merge
//! tables that end up with the same key, as upstream does.

use crate::builder::TableBuilder;
use crate::error::{ExecError, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::TimestampNanosecondType;
use arrow_array::{ArrayRef, BooleanArray, TimestampNanosecondArray, UInt64Array};
use fluxi_value::{ColumnType, GroupKey, KeyColumn, KeyValues, Record, Table, Value};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// One row of a table as a record (every column, nulls included).
pub fn row_record(t: &Table, row: usize, columns: &[(String, ColumnType)]) -> Record {
    Record::from_fields(
        columns
            .iter()
            .enumerate()
            .map(|(c, (label, _))| (Arc::from(label.as_str()), t.value(row, c))),
    )
}

/// A table with the same key and columns but only the chosen rows.
pub fn take_rows(t: &Table, rows: &[usize]) -> Result<Table> {
    let indices = UInt64Array::from_iter_values(rows.iter().map(|r| *r as u64));
    let batch = arrow_select::take::take_record_batch(t.batch(), &indices)?;
    Ok(t.with_batch(batch)?)
}

/// A table with the same key and columns but only the rows where `mask` is true.
pub fn take_mask(t: &Table, mask: &BooleanArray) -> Result<Table> {
    let batch = arrow_select::filter::filter_record_batch(t.batch(), mask)?;
    Ok(t.with_batch(batch)?)
}

/// Merge tables with equal keys (rows in arrival order, columns united) and sort the result
/// by group key.
pub fn merge_by_key(tables: Vec<Table>) -> Result<Vec<Table>> {
    let mut groups: Vec<(GroupKey, Vec<Table>)> = Vec::new();
    let mut index: HashMap<GroupKey, usize> = HashMap::new();
    for t in tables {
        match index.get(t.key()) {
            Some(i) => groups[*i].1.push(t),
            None => {
                index.insert(t.key().clone(), groups.len());
                groups.push((t.key().clone(), vec![t]));
            }
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::with_capacity(groups.len());
    for (key, ts) in groups {
        if ts.len() == 1 {
            out.extend(ts);
            continue;
        }
        let schema = ts[0].batch().schema();
        if ts.iter().all(|t| t.batch().schema() == schema) {
            let batch =
                arrow_select::concat::concat_batches(&schema, ts.iter().map(|t| t.batch()))?;
            out.push(ts[0].with_batch(batch)?);
            continue;
        }
        let mut b = TableBuilder::new(&key);
        for t in &ts {
            let cols = t.columns();
            for (label, ty) in &cols {
                b.add_column(label, Some(*ty))?;
            }
            for r in 0..t.num_rows() {
                b.push_row(
                    cols.iter()
                        .enumerate()
                        .map(|(c, (l, _))| (l.as_str(), t.value(r, c))),
                )?;
            }
        }
        out.push(b.finish()?);
    }
    Ok(out)
}

/// `range(start, stop)`: keep rows with `start <= _time < stop`, add `_start` and `_stop`
/// (first, in the key; intersected with bounds already there). Empty tables are kept.
pub fn range(tables: &[Table], start: i64, stop: i64) -> Result<Vec<Table>> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let cols = t.columns();
        let time_col = cols
            .iter()
            .position(|(l, ty)| l == "_time" && *ty == ColumnType::Time);
        let bound = |label: &str, default: i64, pick: fn(i64, i64) -> i64| match t
            .key()
            .get(label)
            .map(|k| &k.value)
        {
            Some(Value::Time(v)) => pick(*v, default),
            _ => default,
        };
        let mut s = bound("_start", start, i64::max);
        let mut e = bound("_stop", stop, i64::min);
        if s >= e {
            s = start;
            e = stop;
        }
        let in_range: BooleanArray = match time_col {
            Some(c) => t
                .batch()
                .column(c)
                .as_primitive::<TimestampNanosecondType>()
                .iter()
                .map(|v| Some(v.is_some_and(|v| v >= start && v < stop)))
                .collect(),
            None => BooleanArray::from(vec![false; t.num_rows()]),
        };
        let kept = arrow_select::filter::filter_record_batch(t.batch(), &in_range)?;
        let n = kept.num_rows();
        let mut columns: Vec<(String, ColumnType, ArrayRef)> = vec![
            (
                "_start".to_string(),
                ColumnType::Time,
                Arc::new(TimestampNanosecondArray::from(vec![s; n])),
            ),
            (
                "_stop".to_string(),
                ColumnType::Time,
                Arc::new(TimestampNanosecondArray::from(vec![e; n])),
            ),
        ];
        for (c, (l, ty)) in cols.iter().enumerate() {
            if l != "_start" && l != "_stop" {
                columns.push((l.clone(), *ty, Arc::clone(kept.column(c))));
            }
        }
        let mut key: Vec<KeyColumn> = vec![
            KeyColumn {
                label: "_start".into(),
                ty: ColumnType::Time,
                value: Value::Time(s),
            },
            KeyColumn {
                label: "_stop".into(),
                ty: ColumnType::Time,
                value: Value::Time(e),
            },
        ];
        key.extend(
            t.key()
                .columns()
                .iter()
                .filter(|k| k.label != "_start" && k.label != "_stop")
                .cloned(),
        );
        // The key in column order.
        key.sort_by_key(|k| columns.iter().position(|(l, ..)| *l == k.label));
        out.push(Table::from_arrays(GroupKey::new(key), columns, n)?);
    }
    merge_by_key(out)
}

/// `filter(fn)`: keep rows for which the predicate is true (null counts as false); tables
/// that end up empty are dropped unless `keep_empty`.
pub fn filter(
    tables: &[Table],
    keep_empty: bool,
    pred: &mut dyn FnMut(Record) -> Result<Value>,
) -> Result<Vec<Table>> {
    let mut out = Vec::new();
    for t in tables {
        out.extend(filter_table(t, keep_empty, pred)?);
    }
    Ok(out)
}

/// `filter` of one table, calling the predicate per row; `None` when the table is dropped.
pub fn filter_table(
    t: &Table,
    keep_empty: bool,
    pred: &mut dyn FnMut(Record) -> Result<Value>,
) -> Result<Option<Table>> {
    let cols = t.columns();
    let mut keep = Vec::new();
    for r in 0..t.num_rows() {
        match pred(row_record(t, r, &cols))? {
            Value::Bool(true) => keep.push(r),
            Value::Bool(false) | Value::Null => {}
            other => {
                return Err(ExecError::msg(format!(
                    "the predicate must return a bool, not {}",
                    other.type_name()
                )));
            }
        }
    }
    if keep.is_empty() && !keep_empty {
        return Ok(None);
    }
    Ok(Some(if keep.len() == t.num_rows() {
        t.clone()
    } else {
        take_rows(t, &keep)?
    }))
}

/// `map(fn)`: replace each row by the record the function returns. Output columns are
/// sorted by label; the key keeps the input key columns the records still have, and rows
/// whose key values differ are split into tables of their own.
pub fn map(tables: &[Table], f: &mut dyn FnMut(Record) -> Result<Value>) -> Result<Vec<Table>> {
    let mut out = Vec::new();
    for t in tables {
        out.extend(map_table(t, f)?);
    }
    Ok(out)
}

/// `map` of one table, calling the function per row.
pub fn map_table(t: &Table, f: &mut dyn FnMut(Record) -> Result<Value>) -> Result<Vec<Table>> {
    let mut out = Vec::new();
    let cols = t.columns();
    let mut records = Vec::with_capacity(t.num_rows());
    for r in 0..t.num_rows() {
        match f(row_record(t, r, &cols))? {
            Value::Record(rec) => records.push(rec),
            other => {
                return Err(ExecError::msg(format!(
                    "the function must return a record, not {}",
                    other.type_name()
                )))
            }
        }
    }
    let key_labels: Vec<String> = t
        .key()
        .columns()
        .iter()
        .filter(|k| records.first().is_none_or(|r| r.get(&k.label).is_some()))
        .map(|k| k.label.clone())
        .collect();
    if records.is_empty() {
        let key = GroupKey::new(
            t.key()
                .columns()
                .iter()
                .filter(|k| key_labels.contains(&k.label))
                .cloned()
                .collect(),
        );
        let mut b = TableBuilder::new(&key);
        for (l, ty) in &cols {
            b.add_column(l, Some(*ty))?;
        }
        out.push(b.finish()?);
        return Ok(out);
    }
    // Partition rows by their key values (in order of first appearance).
    let mut parts: Vec<(Vec<Value>, Vec<Arc<Record>>)> = Vec::new();
    for rec in records {
        let kv: Vec<Value> = key_labels
            .iter()
            .map(|l| rec.get(l).cloned().unwrap_or(Value::Null))
            .collect();
        match parts
            .iter_mut()
            .find(|(k, _)| k.iter().zip(&kv).all(|(a, b)| same_key_value(a, b)))
        {
            Some((_, rs)) => rs.push(rec),
            None => parts.push((kv, vec![rec])),
        }
    }
    let mut tables_out = Vec::new();
    for (kv, recs) in parts {
        let key = GroupKey::new(
            key_labels
                .iter()
                .zip(&kv)
                .map(|(l, v)| KeyColumn {
                    label: l.clone(),
                    ty: crate::builder::column_type_of(v).unwrap_or(ColumnType::String),
                    value: v.clone(),
                })
                .collect(),
        );
        let mut labels: Vec<&str> = Vec::new();
        for r in &recs {
            for (l, _) in r.fields() {
                if !labels.contains(&&**l) {
                    labels.push(l);
                }
            }
        }
        labels.sort();
        let mut b = TableBuilder::new(&key);
        for l in &labels {
            b.add_column(l, None)?;
        }
        for r in &recs {
            b.push_row(r.fields().iter().map(|(l, v)| (&**l, v.clone())))?;
        }
        tables_out.push(b.finish()?);
    }
    tables_out.sort_by(|a, b| a.key().cmp(b.key()));
    out.extend(tables_out);
    Ok(out)
}

pub(crate) fn same_key_value(a: &Value, b: &Value) -> bool {
    match (a.is_null(), b.is_null()) {
        (true, true) => true,
        (false, false) => a.equals(b) == Some(true),
        _ => false,
    }
}

/// Keep only the chosen columns (by predicate on the label), in their order; the key loses
/// the columns that go.
pub fn select_columns(tables: &[Table], keep: &dyn Fn(&str) -> bool) -> Result<Vec<Table>> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let cols = t.columns();
        let chosen: Vec<usize> = (0..cols.len()).filter(|c| keep(&cols[*c].0)).collect();
        let new_cols: Vec<(String, ColumnType)> = chosen.iter().map(|c| cols[*c].clone()).collect();
        let rows: Vec<Vec<Value>> = (0..t.num_rows())
            .map(|r| chosen.iter().map(|c| t.value(r, *c)).collect())
            .collect();
        let key: Vec<&KeyColumn> = t
            .key()
            .columns()
            .iter()
            .filter(|k| keep(&k.label))
            .collect();
        let labels: Vec<String> = key.iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = key.iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &new_cols, &rows, Some(&values))?);
    }
    merge_by_key(out)
}

/// Rename columns (in the key too). `rename(label)` returns the new label.
pub fn rename(
    tables: &[Table],
    rename: &mut dyn FnMut(&str) -> Result<String>,
) -> Result<Vec<Table>> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let mut cols = t.columns();
        for c in cols.iter_mut() {
            c.0 = rename(&c.0)?;
        }
        for (i, (l, _)) in cols.iter().enumerate() {
            if cols[..i].iter().any(|(m, _)| m == l) {
                return Err(ExecError::msg(format!(
                    "rename would create two columns named \"{l}\""
                )));
            }
        }
        let rows = t.rows();
        let mut labels = Vec::new();
        let mut values = Vec::new();
        for k in t.key().columns() {
            labels.push(rename(&k.label)?);
            values.push(k.value.clone());
        }
        out.push(Table::from_rows(&labels, &cols, &rows, Some(&values))?);
    }
    Ok(out)
}

/// `group(columns, mode)`: regroup every row; `by` keys on the listed columns that exist,
/// `except` on every column not listed.
pub fn group(tables: &[Table], columns: &[String], except: bool) -> Result<Vec<Table>> {
    // Each output key with the rows that go to it.
    let mut groups: Vec<(GroupKey, Vec<Segment>)> = Vec::new();
    let mut index: HashMap<GroupKey, usize> = HashMap::new();
    let mut group_of = |key: GroupKey, groups: &mut Vec<(GroupKey, Vec<Segment>)>| {
        *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        })
    };
    for (ti, t) in tables.iter().enumerate() {
        let cols = t.columns();
        let key_cols: Vec<usize> = if except {
            (0..cols.len())
                .filter(|c| !columns.contains(&cols[*c].0))
                .collect()
        } else {
            columns
                .iter()
                .filter_map(|l| cols.iter().position(|(m, _)| m == l))
                .collect()
        };
        if t.is_empty() {
            let key = GroupKey::new(
                key_cols
                    .iter()
                    .filter_map(|c| t.key().get(&cols[*c].0).cloned())
                    .collect(),
            );
            if key.columns().len() == key_cols.len() {
                let g = group_of(key, &mut groups);
                groups[g].1.push((ti, Vec::new()));
            }
            continue;
        }
        // Rows by their key values within this table, then one global key per value.
        let mut local: HashMap<KeyValues, usize> = HashMap::new();
        let mut segments: Vec<(Vec<Value>, Vec<u64>)> = Vec::new();
        for r in 0..t.num_rows() {
            let values = KeyValues(key_cols.iter().map(|c| t.value(r, *c)).collect());
            let i = match local.get(&values) {
                Some(i) => *i,
                None => {
                    segments.push((values.0.clone(), Vec::new()));
                    local.insert(values, segments.len() - 1);
                    segments.len() - 1
                }
            };
            segments[i].1.push(r as u64);
        }
        for (values, rows) in segments {
            let key = GroupKey::new(
                key_cols
                    .iter()
                    .zip(values)
                    .map(|(c, value)| KeyColumn {
                        label: cols[*c].0.clone(),
                        ty: cols[*c].1,
                        value,
                    })
                    .collect(),
            );
            let g = group_of(key, &mut groups);
            groups[g].1.push((ti, rows));
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for (key, segments) in groups {
        out.push(gather(tables, &key, &segments)?);
    }
    out.sort_by(|a, b| a.key().cmp(b.key()));
    Ok(out)
}

/// Rows of one input table: its index and the row indices.
type Segment = (usize, Vec<u64>);

/// One table of `key` made of row segments of the inputs: Arrow take and concat when the
/// segments share a schema, else built row by row (columns united, types checked).
fn gather(tables: &[Table], key: &GroupKey, segments: &[Segment]) -> Result<Table> {
    let schema = segments.first().map(|(ti, _)| tables[*ti].batch().schema());
    if let Some(schema) = schema.filter(|s| {
        segments
            .iter()
            .all(|(ti, _)| tables[*ti].batch().schema() == *s)
    }) {
        let mut parts = Vec::with_capacity(segments.len());
        for (ti, rows) in segments {
            let indices = UInt64Array::from(rows.clone());
            parts.push(arrow_select::take::take_record_batch(
                tables[*ti].batch(),
                &indices,
            )?);
        }
        let batch = arrow_select::concat::concat_batches(&schema, &parts)?;
        // The key in column order.
        let mut key_cols = key.columns().to_vec();
        key_cols.sort_by_key(|k| schema.index_of(&k.label).unwrap_or(usize::MAX));
        return Ok(Table::new(GroupKey::new(key_cols), batch)?);
    }
    let mut b = TableBuilder::new(key);
    for (ti, rows) in segments {
        let t = &tables[*ti];
        let cols = t.columns();
        for (l, ty) in &cols {
            b.add_column(l, Some(*ty))?;
        }
        for r in rows {
            b.push_row(
                cols.iter()
                    .enumerate()
                    .map(|(c, (l, _))| (l.as_str(), t.value(*r as usize, c))),
            )?;
        }
    }
    Ok(b.finish()?)
}

/// Compare two values for sorting: nulls first in both directions.
/// A sort column read straight from its Arrow array (no `Value` per comparison).
enum SortColumn<'a> {
    Int(&'a arrow_array::Int64Array),
    UInt(&'a UInt64Array),
    Float(&'a arrow_array::Float64Array),
    Str(&'a arrow_array::StringArray),
    Time(&'a TimestampNanosecondArray),
    Bool(&'a BooleanArray),
    /// A column of no fluxi type: all null.
    Null,
}

impl<'a> SortColumn<'a> {
    fn of(a: &'a ArrayRef) -> SortColumn<'a> {
        let any = a.as_any();
        if let Some(x) = any.downcast_ref() {
            SortColumn::Float(x)
        } else if let Some(x) = any.downcast_ref() {
            SortColumn::Str(x)
        } else if let Some(x) = any.downcast_ref() {
            SortColumn::Time(x)
        } else if let Some(x) = any.downcast_ref() {
            SortColumn::Int(x)
        } else if let Some(x) = any.downcast_ref() {
            SortColumn::UInt(x)
        } else if let Some(x) = any.downcast_ref() {
            SortColumn::Bool(x)
        } else {
            SortColumn::Null
        }
    }

    fn is_null(&self, row: usize) -> bool {
        use arrow_array::Array;
        match self {
            SortColumn::Int(a) => a.is_null(row),
            SortColumn::UInt(a) => a.is_null(row),
            SortColumn::Float(a) => a.is_null(row),
            SortColumn::Str(a) => a.is_null(row),
            SortColumn::Time(a) => a.is_null(row),
            SortColumn::Bool(a) => a.is_null(row),
            SortColumn::Null => true,
        }
    }

    /// The order of `n` rows by this one column, when it is numeric: each value mapped to
    /// a `u64` that sorts as [`SortColumn::cmp`] does (0.0 and -0.0 equal, every NaN
    /// equal and last), sorted with the row number as the tie-break (so the sort stays
    /// stable), nulls first in row order. `None` for other columns.
    fn numeric_order(&self, n: usize, desc: bool) -> Option<Vec<usize>> {
        let key: &dyn Fn(usize) -> u64 = match self {
            SortColumn::Float(a) => &|r| {
                let f = a.value(r);
                let bits = if f.is_nan() {
                    f64::NAN.to_bits() & !(1 << 63)
                } else if f == 0.0 {
                    0
                } else {
                    f.to_bits()
                };
                if bits >> 63 == 1 {
                    !bits
                } else {
                    bits | 1 << 63
                }
            },
            SortColumn::Int(a) => &|r| (a.value(r) as u64) ^ (1 << 63),
            SortColumn::Time(a) => &|r| (a.value(r) as u64) ^ (1 << 63),
            SortColumn::UInt(a) => &|r| a.value(r),
            _ => return None,
        };
        let mut order: Vec<usize> = (0..n).filter(|&r| self.is_null(r)).collect();
        let mut keyed: Vec<(u64, usize)> = (0..n)
            .filter(|&r| !self.is_null(r))
            .map(|r| (if desc { !key(r) } else { key(r) }, r))
            .collect();
        keyed.sort_unstable();
        order.extend(keyed.into_iter().map(|(_, r)| r));
        Some(order)
    }

    /// Rows `x` and `y` in sort order: nulls first (also descending), then the values
    /// (reversed when `desc`); NaN after every other float, equal to NaN, so the order
    /// is total.
    fn cmp(&self, x: usize, y: usize, desc: bool) -> Ordering {
        match (self.is_null(x), self.is_null(y)) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let o = match self {
            SortColumn::Int(a) => a.value(x).cmp(&a.value(y)),
            SortColumn::UInt(a) => a.value(x).cmp(&a.value(y)),
            SortColumn::Float(a) => {
                let (p, q) = (a.value(x), a.value(y));
                p.partial_cmp(&q)
                    .unwrap_or_else(|| p.is_nan().cmp(&q.is_nan()))
            }
            SortColumn::Str(a) => a.value(x).cmp(a.value(y)),
            SortColumn::Time(a) => a.value(x).cmp(&a.value(y)),
            SortColumn::Bool(a) => a.value(x).cmp(&a.value(y)),
            SortColumn::Null => Ordering::Equal,
        };
        if desc {
            o.reverse()
        } else {
            o
        }
    }
}

/// `sort(columns, desc)`: a stable sort of each table's rows; key columns and missing
/// columns are skipped.
pub fn sort(tables: &[Table], columns: &[String], desc: bool) -> Result<Vec<Table>> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let order = row_order(t, columns, desc);
        out.push(take_rows(t, &order)?);
    }
    Ok(out)
}

/// The rows of `t` in the stable order of these columns (nulls first, also descending);
/// key columns and missing columns are skipped, as they order nothing.
pub(crate) fn row_order(t: &Table, columns: &[String], desc: bool) -> Vec<usize> {
    let keys: Vec<SortColumn<'_>> = columns
        .iter()
        .filter(|l| !t.key().contains(l))
        .filter_map(|l| t.column_index(l))
        .map(|c| SortColumn::of(t.batch().column(c)))
        .collect();
    let order = match keys.as_slice() {
        [one] => one.numeric_order(t.num_rows(), desc),
        _ => None,
    };
    order.unwrap_or_else(|| {
        let mut order: Vec<usize> = (0..t.num_rows()).collect();
        order.sort_by(|&x, &y| {
            for k in &keys {
                let o = k.cmp(x, y, desc);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        order
    })
}

/// `limit(n, offset)` and `tail(n, offset)` per table.
pub fn limit(tables: &[Table], n: i64, offset: i64, from_end: bool) -> Result<Vec<Table>> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let len = t.num_rows();
        let n = usize::try_from(n.max(0)).unwrap_or(0);
        let offset = usize::try_from(offset.max(0)).unwrap_or(0).min(len);
        let rows: Vec<usize> = if from_end {
            let end = len - offset;
            (end.saturating_sub(n)..end).collect()
        } else {
            (offset..(offset + n).min(len)).collect()
        };
        out.push(take_rows(t, &rows)?);
    }
    Ok(out)
}

/// Which aggregate to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Number of rows (nulls included).
    Count,
    /// Sum of non-null values.
    Sum,
    /// Mean of non-null values (a float).
    Mean,
    /// Largest minus smallest.
    Spread,
}

/// Aggregates: one row per table with the key columns and the aggregated column.
pub fn aggregate(tables: &[Table], column: &str, agg: Aggregate) -> Result<Vec<Table>> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        if t.key().contains(column) {
            return Err(ExecError::msg(format!(
                "cannot aggregate the group key column \"{column}\""
            )));
        }
        let c = t
            .column_index(column)
            .ok_or_else(|| ExecError::msg(format!("column \"{column}\" does not exist")))?;
        let ty = t.columns()[c].1;
        let values: Vec<Value> = (0..t.num_rows()).map(|r| t.value(r, c)).collect();
        let result = match agg {
            Aggregate::Count => Value::Int(values.len() as i64),
            Aggregate::Sum => fold_numbers(
                &values,
                ty,
                column,
                |a, b| a + b,
                |a, b| a.wrapping_add(b),
                |a, b| a.wrapping_add(b),
            )?,
            Aggregate::Mean => {
                let nums: Vec<f64> = values.iter().filter_map(as_f64).collect();
                if !matches!(ty, ColumnType::Int | ColumnType::UInt | ColumnType::Float) {
                    return Err(ExecError::msg(format!(
                        "cannot take the mean of column \"{column}\" of type {ty}"
                    )));
                }
                if nums.is_empty() {
                    Value::Null
                } else {
                    Value::Float(nums.iter().sum::<f64>() / nums.len() as f64)
                }
            }
            Aggregate::Spread => {
                let max = fold_numbers(&values, ty, column, f64::max, i64::max, u64::max)?;
                let min = fold_numbers(&values, ty, column, f64::min, i64::min, u64::min)?;
                match (max, min) {
                    (Value::Int(a), Value::Int(b)) => Value::Int(a.wrapping_sub(b)),
                    (Value::UInt(a), Value::UInt(b)) => Value::UInt(a.wrapping_sub(b)),
                    (Value::Float(a), Value::Float(b)) => Value::Float(a - b),
                    _ => Value::Null,
                }
            }
        };
        let result_ty = match (agg, &result) {
            (Aggregate::Count, _) => ColumnType::Int,
            (Aggregate::Mean, _) => ColumnType::Float,
            _ => ty,
        };
        let mut cols: Vec<(String, ColumnType)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        cols.push((column.to_string(), result_ty));
        let mut row: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        row.push(result);
        let labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &[row], None)?);
    }
    Ok(out)
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn fold_numbers(
    values: &[Value],
    ty: ColumnType,
    column: &str,
    ff: fn(f64, f64) -> f64,
    fi: fn(i64, i64) -> i64,
    fu: fn(u64, u64) -> u64,
) -> Result<Value> {
    let mut acc: Option<Value> = None;
    for v in values {
        if v.is_null() {
            continue;
        }
        acc = Some(match (acc.take(), v) {
            (None, v) => v.clone(),
            (Some(Value::Float(a)), Value::Float(b)) => Value::Float(ff(a, *b)),
            (Some(Value::Int(a)), Value::Int(b)) => Value::Int(fi(a, *b)),
            (Some(Value::UInt(a)), Value::UInt(b)) => Value::UInt(fu(a, *b)),
            _ => {
                return Err(ExecError::msg(format!(
                    "cannot aggregate column \"{column}\" of type {ty}"
                )))
            }
        });
    }
    if !matches!(ty, ColumnType::Int | ColumnType::UInt | ColumnType::Float) {
        return Err(ExecError::msg(format!(
            "cannot aggregate column \"{column}\" of type {ty}"
        )));
    }
    Ok(acc.unwrap_or(Value::Null))
}

/// Which row a selector keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// The first row with a non-null value.
    First,
    /// The last row with a non-null value.
    Last,
    /// The row with the smallest value (the first such).
    Min,
    /// The row with the largest value (the first such).
    Max,
}

/// Selectors keep whole rows; a table without a non-null value yields an empty table.
pub fn select(tables: &[Table], column: &str, sel: Selector) -> Result<Vec<Table>> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let c = t
            .column_index(column)
            .ok_or_else(|| ExecError::msg(format!("column \"{column}\" does not exist")))?;
        let mut best: Option<usize> = None;
        for r in 0..t.num_rows() {
            let v = t.value(r, c);
            if v.is_null() {
                continue;
            }
            best = match (sel, best) {
                (_, None) => Some(r),
                (Selector::First, b) => b,
                (Selector::Last, _) => Some(r),
                (Selector::Min, Some(b)) => {
                    Some(if v.compare(&t.value(b, c)) == Some(Ordering::Less) {
                        r
                    } else {
                        b
                    })
                }
                (Selector::Max, Some(b)) => {
                    Some(if v.compare(&t.value(b, c)) == Some(Ordering::Greater) {
                        r
                    } else {
                        b
                    })
                }
            };
        }
        let rows: Vec<usize> = best.into_iter().collect();
        out.push(take_rows(t, &rows)?);
    }
    Ok(out)
}

#[cfg(test)]
mod sort_tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array, StringArray};

    fn table(values: Vec<Option<f64>>, names: Vec<Option<&str>>) -> Table {
        let n = values.len();
        let pos: ArrayRef = Arc::new(Int64Array::from_iter_values(0..n as i64));
        let v: ArrayRef = Arc::new(Float64Array::from(values));
        let s: ArrayRef = Arc::new(StringArray::from(names));
        Table::from_arrays(
            GroupKey::default(),
            vec![
                ("pos".into(), ColumnType::Int, pos),
                ("_value".into(), ColumnType::Float, v),
                ("name".into(), ColumnType::String, s),
            ],
            n,
        )
        .unwrap()
    }

    /// A xorshift generator of test data from `seed`.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// The input positions of the rows, in their order.
    fn positions(t: &Table) -> Vec<i64> {
        (0..t.num_rows())
            .map(|r| match t.value(r, 0) {
                Value::Int(i) => i,
                _ => -1,
            })
            .collect()
    }

    #[test]
    fn nulls_first_nan_last_and_equal_rows_keep_their_order() {
        let t = table(
            vec![
                Some(2.0),
                None,
                Some(f64::NAN),
                Some(1.0),
                Some(2.0),
                None,
                Some(-0.0),
            ],
            vec![
                Some("b"),
                Some("a"),
                None,
                Some("c"),
                Some("a"),
                Some("z"),
                Some("a"),
            ],
        );
        let asc = sort(std::slice::from_ref(&t), &["_value".into()], false).unwrap();
        assert_eq!(
            positions(&asc[0]),
            [1, 5, 6, 3, 0, 4, 2],
            "nulls first (in input order), -0, 1, the two 2s in input order, NaN"
        );
        let desc = sort(std::slice::from_ref(&t), &["_value".into()], true).unwrap();
        assert_eq!(positions(&desc[0]), [1, 5, 2, 0, 4, 3, 6]);
        // Two columns: name, then value.
        let two = sort(&[t], &["name".into(), "_value".into()], false).unwrap();
        assert_eq!(positions(&two[0]), [2, 1, 6, 4, 0, 3, 5]);
    }

    /// One numeric column is sorted by keys; the order is the comparator's.
    #[test]
    fn one_numeric_column_sorts_as_the_comparator_does() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let n = 4_000;
        let specials = [
            f64::NAN,
            -f64::NAN,
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let floats: Vec<Option<f64>> = (0..n)
            .map(|_| match next() % 10 {
                0 => None,
                1 => Some(specials[(next() % 6) as usize]),
                _ => Some((next() % 40) as f64 - 20.5),
            })
            .collect();
        let ints: Vec<Option<i64>> = (0..n)
            .map(|_| (!next().is_multiple_of(9)).then(|| (next() % 60) as i64 - 30))
            .collect();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from(floats)),
            Arc::new(Int64Array::from(ints.clone())),
            Arc::new(TimestampNanosecondArray::from(ints)),
        ];
        for a in &arrays {
            let col = SortColumn::of(a);
            for desc in [false, true] {
                let mut want: Vec<usize> = (0..n).collect();
                want.sort_by(|&p, &q| col.cmp(p, q, desc));
                assert_eq!(col.numeric_order(n, desc), Some(want), "desc {desc}");
            }
        }
    }

    /// Without NaN, the order is the one `Value::compare` gives (nulls first, stable).
    #[test]
    fn the_order_is_that_of_the_values() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let n = 5_000;
        let values: Vec<Option<f64>> = (0..n)
            .map(|_| {
                let r = next();
                (!r.is_multiple_of(11)).then_some((r % 50) as f64 / 4.0)
            })
            .collect();
        let names_owned: Vec<String> = (0..n).map(|_| format!("n{}", next() % 30)).collect();
        let names: Vec<Option<&str>> = names_owned.iter().map(|s| Some(s.as_str())).collect();
        let t = table(values, names);
        for desc in [false, true] {
            let got = sort(
                std::slice::from_ref(&t),
                &["name".into(), "_value".into()],
                desc,
            )
            .unwrap();
            let mut want: Vec<usize> = (0..n).collect();
            want.sort_by(|&a, &b| {
                for c in [2, 1] {
                    let (p, q) = (t.value(a, c), t.value(b, c));
                    let o = match (p.is_null(), q.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) => Ordering::Less,
                        (false, true) => Ordering::Greater,
                        _ => {
                            let o = p.compare(&q).unwrap();
                            if desc {
                                o.reverse()
                            } else {
                                o
                            }
                        }
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
            let want: Vec<i64> = want.into_iter().map(|i| i as i64).collect();
            assert_eq!(positions(&got[0]), want, "desc {desc}");
        }
    }
}
