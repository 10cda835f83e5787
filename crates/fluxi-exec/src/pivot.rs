//! `pivot` over whole columns.
//!
//! Rows of the tables of one output group are matched by their row-key values through a
//! hash of coded values (no `Value` per cell), each output column is gathered from the
//! input arrays with one `interleave`, and a column-key label is formatted once per table
//! (when the column key is part of the group key) or once per distinct combination.
//!
//! This path reproduces the row path exactly or declines: tables whose columns differ in
//! type within a group, a missing column, a new column that collides with a row-key or
//! key column, or a NaN row-key value (every NaN is a row of its own) answer `None`, and
//! the caller runs the row path, which gives the one true result or error.

use crate::codes::{CodeMap, ColumnCoder, Equality};
use arrow_array::{new_null_array, Array, ArrayRef};
use arrow_schema::DataType;
use fluxi_value::{ColumnType, GroupKey, KeyColumn, KeyValues, Table, Value};
use std::collections::HashMap;
use std::rc::Rc;

/// Which input cell an output cell comes from: (table of the group, row).
type Cell = (u32, u32);

/// The row-key values of every row of one table, coded: for each row-key column a null
/// flag and the value's bits (strings by their number in `strings`), row after row.
fn code_rows<'t>(
    t: &'t Table,
    columns: &[usize],
    strings: &mut [CodeMap<&'t str, u64>],
) -> Option<Vec<u64>> {
    let n = t.num_rows();
    let width = 2 * columns.len();
    let mut codes = vec![0u64; width * n];
    for (k, (&c, strings)) in columns.iter().zip(strings.iter_mut()).enumerate() {
        let a = t.batch().column(c);
        // Row keys are equal as values: 0 and -0 one key, a NaN declines.
        let coder = ColumnCoder::of(a, Equality::Value)?;
        for r in 0..n {
            if a.is_null(r) {
                continue;
            }
            let at = r * width + 2 * k;
            let code = coder.code(r, strings)?;
            let slot = codes.get_mut(at..at + 2)?;
            slot[0] = 1;
            slot[1] = code;
        }
    }
    Some(codes)
}

/// The columns of an output group that come from its first table: the key and row-key
/// columns, in that table's column order.
fn base_columns(t: &Table, key: &GroupKey, row_key: &[String]) -> Vec<(String, ColumnType)> {
    let mut columns: Vec<(String, ColumnType)> = Vec::new();
    for (l, ty) in t.columns() {
        if (key.contains(&l) || row_key.contains(&l)) && !columns.iter().any(|(m, _)| *m == l) {
            columns.push((l, ty));
        }
    }
    columns
}

/// The group key of `t`'s output table: its key without the column-key and value columns.
pub fn output_key(t: &Table, column_key: &[String], value_column: &str) -> GroupKey {
    GroupKey::new(
        t.key()
            .columns()
            .iter()
            .filter(|k| !column_key.contains(&k.label) && k.label != value_column)
            .cloned()
            .collect(),
    )
}

/// One output group being built.
struct Group<'t> {
    key: GroupKey,
    tables: Vec<&'t Table>,
}

/// `pivot` of `tables`, or `None` where only the row path can answer (see the module
/// notes). `label` makes a new column's label from the column-key values of a row. The
/// output is in group order (first appearance), not yet sorted by key.
pub fn pivot_columns(
    tables: &[Table],
    row_key: &[String],
    column_key: &[String],
    value_column: &str,
    label: &dyn Fn(&[Value]) -> String,
) -> Option<Vec<Table>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<GroupKey, usize> = HashMap::new();
    for t in tables {
        let key = output_key(t, column_key, value_column);
        match index.get(&key) {
            Some(&g) => groups.get_mut(g)?.tables.push(t),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push(Group {
                    key,
                    tables: vec![t],
                });
            }
        }
    }
    groups
        .into_iter()
        .map(|g| pivot_group(g, row_key, column_key, value_column, label))
        .collect()
}

fn pivot_group(
    g: Group<'_>,
    row_key: &[String],
    column_key: &[String],
    value_column: &str,
    label: &dyn Fn(&[Value]) -> String,
) -> Option<Table> {
    let first = *g.tables.first()?;
    let base = base_columns(first, &g.key, row_key);
    let value_type = first.columns().get(first.column_index(value_column)?)?.1;
    // The same columns of the same types in every table of the group.
    let find = |t: &Table, l: &str, ty: ColumnType| -> Option<usize> {
        let c = t.column_index(l)?;
        (t.batch().column(c).data_type() == &ty.arrow()).then_some(c)
    };
    let type_of = |l: &str| {
        first
            .columns()
            .into_iter()
            .find(|(m, _)| m == l)
            .map(|c| c.1)
    };
    let row_types: Vec<ColumnType> = row_key.iter().map(|l| type_of(l)).collect::<Option<_>>()?;
    let mut strings: Vec<CodeMap<&str, u64>> = vec![CodeMap::default(); row_key.len()];
    let mut codes: Vec<Vec<u64>> = Vec::with_capacity(g.tables.len());
    let mut sources: Vec<TableColumns> = Vec::with_capacity(g.tables.len());
    for t in &g.tables {
        let rk: Vec<usize> = row_key
            .iter()
            .zip(&row_types)
            .map(|(l, ty)| find(t, l, *ty))
            .collect::<Option<_>>()?;
        let ck: Vec<usize> = column_key
            .iter()
            .map(|l| t.column_index(l))
            .collect::<Option<_>>()?;
        let value = find(t, value_column, value_type)?;
        let base: Vec<usize> = base
            .iter()
            .map(|(l, ty)| find(t, l, *ty))
            .collect::<Option<_>>()?;
        codes.push(code_rows(t, &rk, &mut strings)?);
        sources.push(TableColumns { ck, value, base });
    }
    let width = 2 * row_key.len();
    let mut rows: CodeMap<&[u64], u32> = CodeMap::default();
    let mut origin: Vec<Cell> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<Option<Cell>>> = Vec::new();
    for (ti, (t, src)) in g.tables.iter().zip(&sources).enumerate() {
        let ti = u32::try_from(ti).ok()?;
        let column_of = column_labels(t, &src.ck, column_key, label)?;
        let mut columns: CodeMap<String, usize> = CodeMap::default();
        for r in 0..t.num_rows() {
            let code = codes.get(ti as usize)?.get(r * width..(r + 1) * width)?;
            let row = match rows.get(code) {
                Some(&p) => p,
                None => {
                    let p = u32::try_from(origin.len()).ok()?;
                    rows.insert(code, p);
                    origin.push((ti, u32::try_from(r).ok()?));
                    p
                }
            };
            let name = column_of(r);
            let col = match columns.get(name.as_ref()) {
                Some(&c) => c,
                None => {
                    if base.iter().any(|(l, _)| *l == *name) {
                        return None;
                    }
                    let c = match labels.iter().position(|l| *l == *name) {
                        Some(c) => c,
                        None => {
                            labels.push(name.to_string());
                            cells.push(Vec::new());
                            labels.len() - 1
                        }
                    };
                    columns.insert(name.to_string(), c);
                    c
                }
            };
            let column = cells.get_mut(col)?;
            if column.len() <= row as usize {
                column.resize(row as usize + 1, None);
            }
            *column.get_mut(row as usize)? = Some((ti, u32::try_from(r).ok()?));
        }
    }
    assemble(&g, &base, &sources, &origin, labels, cells, value_type)
}

/// Where a table's column-key, value and base columns are.
struct TableColumns {
    ck: Vec<usize>,
    value: usize,
    base: Vec<usize>,
}

/// The label of each row's new column: formatted once when the column key is part of the
/// table's group key, else once per distinct combination of values.
fn column_labels<'t>(
    t: &'t Table,
    ck: &[usize],
    column_key: &[String],
    label: &dyn Fn(&[Value]) -> String,
) -> Option<Box<dyn Fn(usize) -> Rc<str> + 't>> {
    if t.num_rows() == 0 {
        return Some(Box::new(|_| Rc::from("")));
    }
    if column_key.iter().all(|l| t.key().contains(l)) {
        let values: Vec<Value> = ck.iter().map(|c| t.value(0, *c)).collect();
        let one: Rc<str> = label(&values).into();
        return Some(Box::new(move |_| Rc::clone(&one)));
    }
    let mut names: Vec<Rc<str>> = Vec::with_capacity(t.num_rows());
    // One column has one type, so values equal as key values print alike; but for
    // floats, where 0 and -0 are equal and print apart, every row is formatted.
    let floats = ck
        .iter()
        .any(|c| t.batch().column(*c).data_type() == &DataType::Float64);
    let mut seen: HashMap<KeyValues, Rc<str>> = HashMap::new();
    for r in 0..t.num_rows() {
        let values = KeyValues(ck.iter().map(|c| t.value(r, *c)).collect());
        if floats {
            names.push(label(&values.0).into());
            continue;
        }
        let name = match seen.get(&values) {
            Some(n) => Rc::clone(n),
            None => {
                let n: Rc<str> = label(&values.0).into();
                seen.insert(values, Rc::clone(&n));
                n
            }
        };
        names.push(name);
    }
    Some(Box::new(move |r| {
        names.get(r).map_or_else(|| Rc::from(""), Rc::clone)
    }))
}

/// The output table of one group from the cells each column takes.
fn assemble(
    g: &Group<'_>,
    base: &[(String, ColumnType)],
    sources: &[TableColumns],
    origin: &[Cell],
    labels: Vec<String>,
    cells: Vec<Vec<Option<Cell>>>,
    value_type: ColumnType,
) -> Option<Table> {
    let n = origin.len();
    let mut columns: Vec<(String, ColumnType, ArrayRef)> = Vec::new();
    for (i, (l, ty)) in base.iter().enumerate() {
        let arrays: Vec<&dyn Array> = g
            .tables
            .iter()
            .zip(sources)
            .map(|(t, s)| s.base.get(i).map(|c| t.batch().column(*c).as_ref()))
            .collect::<Option<_>>()?;
        let indices: Vec<(usize, usize)> = origin
            .iter()
            .map(|(t, r)| (*t as usize, *r as usize))
            .collect();
        let a = arrow_select::interleave::interleave(&arrays, &indices).ok()?;
        columns.push((l.clone(), *ty, a));
    }
    let null = new_null_array(&value_type.arrow(), 1);
    let mut values: Vec<&dyn Array> = g
        .tables
        .iter()
        .zip(sources)
        .map(|(t, s)| t.batch().column(s.value).as_ref())
        .collect();
    let null_source = values.len();
    values.push(null.as_ref());
    for (l, col) in labels.into_iter().zip(cells) {
        let indices: Vec<(usize, usize)> = (0..n)
            .map(|row| match col.get(row).copied().flatten() {
                Some((t, r)) => (t as usize, r as usize),
                None => (null_source, 0),
            })
            .collect();
        let a = arrow_select::interleave::interleave(&values, &indices).ok()?;
        columns.push((l, value_type, a));
    }
    let key: Vec<KeyColumn> = columns
        .iter()
        .filter_map(|(l, ty, _)| {
            g.key.get(l).map(|k| KeyColumn {
                label: l.clone(),
                ty: *ty,
                value: k.value.clone(),
            })
        })
        .collect();
    Table::from_arrays(GroupKey::new(key), columns, n).ok()
}
