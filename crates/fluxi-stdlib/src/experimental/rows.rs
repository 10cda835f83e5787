//! `experimental.alignTime` and `experimental.preview`: transformations that keep every
//! column and rewrite or cut rows.

use crate::util::{derived, ve};
use fluxi_eval::{Args, ErrorKind, EvalError, Interpreter, Registry};
use fluxi_value::table::{array_value, build_array};
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Table, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("experimental", "alignTime", align_time);
    r.register("experimental", "preview", preview);
}

/// `alignTime(alignTo:)`: each table's `_time` values are moved by the same amount so
/// that the table's first time (its first row's, or the first non-null one) becomes
/// `alignTo` (a time, or an int or uint count of nanoseconds since the epoch; default the
/// epoch): a row's new time is `alignTo` plus its distance from that first time. Rows
/// keep their order and every other column; a null `_time` stays null. A `_time` in the
/// group key (one time per table) becomes `alignTo` there too.
fn align_time(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let align_to = match a.take("alignTo") {
        None => 0,
        Some(Value::Time(t)) | Some(Value::Int(t)) => t,
        Some(Value::UInt(u)) => i64::try_from(u).map_err(|_| {
            EvalError::new(
                ErrorKind::Overflow,
                format!("alignTo {u} is past the latest time fluxi can hold"),
            )
        })?,
        Some(v) => {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!(
                    "alignTo must be a time (or nanoseconds since the epoch as an int), not {}",
                    v.type_name()
                ),
            ))
        }
    };
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        let Some(col) = t.column_index("_time") else {
            return Err(EvalError::msg(format!(
                "a table has no `_time` column (columns: {})",
                column_list(t)
            )));
        };
        let times = t.batch().column(col);
        let values: Vec<Value> = (0..t.num_rows()).map(|r| array_value(times, r)).collect();
        if let Some(v) = values
            .iter()
            .find(|v| !matches!(v, Value::Time(_) | Value::Null))
        {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!("`_time` must be a time column, not {}", v.type_name()),
            ));
        }
        let first = values.iter().find_map(|v| match v {
            Value::Time(t) => Some(*t),
            _ => None,
        });
        let mut aligned = Vec::with_capacity(values.len());
        for v in &values {
            aligned.push(match (v, first) {
                (Value::Time(time), Some(first)) => Value::Time(
                    time.checked_sub(first)
                        .and_then(|d| align_to.checked_add(d))
                        .ok_or_else(|| {
                            EvalError::new(
                                ErrorKind::Overflow,
                                "an aligned time falls outside the times fluxi can hold (years 1677 to 2262)",
                            )
                        })?,
                ),
                _ => Value::Null,
            });
        }
        let batch = t.batch();
        let columns = t
            .columns()
            .into_iter()
            .enumerate()
            .map(|(i, (label, ty))| {
                let array = if i == col {
                    build_array(&label, ColumnType::Time, aligned.iter()).map_err(ve)?
                } else {
                    Arc::clone(batch.column(i))
                };
                Ok((label, if i == col { ColumnType::Time } else { ty }, array))
            })
            .collect::<Result<Vec<_>, EvalError>>()?;
        let key = GroupKey::new(
            t.key()
                .columns()
                .iter()
                .map(|k| {
                    if k.label == "_time" && !k.value.is_null() {
                        KeyColumn {
                            value: Value::Time(align_to),
                            ..k.clone()
                        }
                    } else {
                        k.clone()
                    }
                })
                .collect(),
        );
        out.push(Table::from_arrays(key, columns, t.num_rows()).map_err(ve)?);
    }
    derived(&tables, out)
}

fn column_list(t: &Table) -> String {
    t.columns()
        .into_iter()
        .map(|(l, _)| l)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `preview(nrows:, ntables:)`: the first `ntables` tables of the stream (default 5), each
/// cut to its first `nrows` rows (default 5). Cutting is what the function is for, so
/// the rows and tables past those counts are dropped without an error; a negative count
/// is an error.
fn preview(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let count = |a: &mut Args, name: &str| -> Result<usize, EvalError> {
        match a.opt_int(name)? {
            None => Ok(5),
            Some(n) => usize::try_from(n)
                .map_err(|_| EvalError::msg(format!("`{name}` must be zero or more, not {n}"))),
        }
    };
    let nrows = count(a, "nrows")?;
    let ntables = count(a, "ntables")?;
    let mut out = Vec::with_capacity(ntables.min(tables.tables().len()));
    for t in tables.tables().iter().take(ntables) {
        if t.num_rows() <= nrows {
            out.push(t.clone());
        } else {
            out.push(t.with_batch(t.batch().slice(0, nrows)).map_err(ve)?);
        }
    }
    derived(&tables, out)
}
