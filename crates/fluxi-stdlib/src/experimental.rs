//! `experimental`: `group` (mode `"extend"`), `set` and `objectKeys`, the pieces
//! `influxdata/influxdb/monitor` builds its statuses and notifications with; `chain`; and
//! the universe transformations `experimental` shares (see [`register_universe_aliases`]).
//! (`experimental.to` is with `influxdb.wideTo`, the same write.)

use crate::util::{derived, ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::builder::column_type_of;
use fluxi_exec::ops;
use fluxi_value::table::build_array;
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Table, Value};
use std::sync::Arc;

pub mod dynamic;
pub mod iox;
pub mod join;
pub mod json;
pub mod rows;
pub mod table;

type R = Result<Value, EvalError>;

const PACKAGE: &str = "experimental";

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "group", group);
    r.register(PACKAGE, "set", set);
    r.register(PACKAGE, "objectKeys", object_keys);
    r.register_pushdown(PACKAGE, "chain", chain);
}

/// `chain(first:, second:)`: `first` is read to the end (its writes, such as `to`, done)
/// before `second` is read; the result is `second`. `second` is left unread here (a read
/// from storage stays pending), so it sees what `first` wrote.
fn chain(interp: &mut Interpreter, a: &mut Args) -> R {
    let first = a.stream("first")?;
    let second = a.stream("second")?;
    interp.materialize(first)?;
    Ok(Value::Stream(second))
}

/// The aggregates, selectors, `fill`, `histogram*`, `quantile` and `window` of
/// `experimental` are upstream's universe transformations of the same name, declared with
/// a narrower type: they take no column arguments, so each works on `_value` (and `le`),
/// the universe defaults, and keeps, drops and regroups columns exactly as the universe
/// function does. They share the universe implementation (run after the universe
/// builtins and plan nodes are registered, so pushdowns and plan nodes carry over).
pub fn register_universe_aliases(r: &mut Registry) {
    for name in UNIVERSE_ALIASES {
        let bound = r.alias(PACKAGE, name, "universe", name);
        debug_assert!(bound, "universe.{name} has no implementation to share");
    }
}

/// The `experimental` builtins that are universe functions (see [`register_universe_aliases`]).
pub const UNIVERSE_ALIASES: [&str; 18] = [
    "count",
    "distinct",
    "fill",
    "first",
    "histogram",
    "histogramQuantile",
    "last",
    "max",
    "mean",
    "min",
    "mode",
    "quantile",
    "skew",
    "spread",
    "stddev",
    "sum",
    "unique",
    "window",
];

/// `group(mode: "extend", columns:)`: each table's rows regrouped on its own key columns
/// and `columns` (the key keeps the table's column order); tables that end with the same
/// key are merged. A listed column a table does not have is an error, as upstream.
fn group(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let mode = a.string("mode")?;
    if mode != "extend" {
        return Err(EvalError::msg(format!(
            "experimental.group: unknown mode {mode:?}; the only mode is \"extend\""
        ))
        .with_hint("use universe `group(columns:, mode:)` for \"by\" and \"except\""));
    }
    let columns = a
        .opt_strings("columns")?
        .ok_or_else(|| EvalError::msg("missing required argument `columns`"))?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let cols = t.columns();
        if let Some(missing) = columns.iter().find(|c| !cols.iter().any(|(l, _)| l == *c)) {
            return Err(EvalError::msg(format!(
                "experimental.group: unknown column {missing:?} (a table has no such column to add to its group key)"
            )));
        }
        let on: Vec<String> = cols
            .into_iter()
            .map(|(l, _)| l)
            .filter(|l| t.key().contains(l) || columns.contains(l))
            .collect();
        out.extend(ops::group(std::slice::from_ref(t), &on, false).map_err(ex)?);
    }
    derived(&tables, ops::merge_by_key(out).map_err(ex)?)
}

/// `set(o:)`: every property of `o` becomes a column holding that value in every row,
/// replacing a column of the same name (its type too); a replaced key column takes the
/// new value in the key. New columns come after the table's own, in `o`'s order.
fn set(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let o = a
        .opt_record("o")?
        .ok_or_else(|| EvalError::msg("missing required argument `o`"))?;
    let mut props: Vec<(String, ColumnType, Value)> = Vec::with_capacity(o.len());
    for (label, v) in o.fields() {
        let ty = column_type_of(v).ok_or_else(|| {
            EvalError::msg(format!(
                "experimental.set: property {label:?} is {} {}; a column holds a bool, int, uint, float, string or time",
                if v.is_null() { "a" } else { "of type" },
                v.type_name()
            ))
        })?;
        props.push((label.to_string(), ty, v.clone()));
    }
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        let n = t.num_rows();
        let batch = t.batch();
        let mut columns = Vec::new();
        for (i, (label, ty)) in t.columns().into_iter().enumerate() {
            match props.iter().find(|(l, _, _)| *l == label) {
                Some((_, pty, v)) => columns.push((
                    label.clone(),
                    *pty,
                    build_array(&label, *pty, std::iter::repeat_n(v, n)).map_err(ve)?,
                )),
                None => columns.push((label, ty, Arc::clone(batch.column(i)))),
            }
        }
        for (label, ty, v) in &props {
            if t.column_index(label).is_none() {
                columns.push((
                    label.clone(),
                    *ty,
                    build_array(label, *ty, std::iter::repeat_n(v, n)).map_err(ve)?,
                ));
            }
        }
        let key = GroupKey::new(
            t.key()
                .columns()
                .iter()
                .map(|k| match props.iter().find(|(l, _, _)| *l == k.label) {
                    Some((label, ty, v)) => KeyColumn {
                        label: label.clone(),
                        ty: *ty,
                        value: v.clone(),
                    },
                    None => k.clone(),
                })
                .collect(),
        );
        out.push(Table::from_arrays(key, columns, n).map_err(ve)?);
    }
    derived(&tables, ops::merge_by_key(out).map_err(ex)?)
}

/// `objectKeys(o:)`: the property names of `o`, in its order.
fn object_keys(_: &mut Interpreter, a: &mut Args) -> R {
    let o = a
        .opt_record("o")?
        .ok_or_else(|| EvalError::msg("missing required argument `o`"))?;
    Ok(Value::Array(Arc::new(
        o.fields()
            .iter()
            .map(|(label, _)| Value::string(Arc::clone(label)))
            .collect(),
    )))
}
