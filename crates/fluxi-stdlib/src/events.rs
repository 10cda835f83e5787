//! `contrib/tomhollingworth/events`: `duration`, how long each event lasts.

use crate::util::{derived, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{ColumnType, Table, Value};

pub fn register(r: &mut Registry) {
    r.register("contrib/tomhollingworth/events", "duration", duration);
}

/// `duration(unit:, timeColumn:, columnName:, stopColumn:, stop:)`: each row's time to
/// the next row's (the last row's to `stop`, or to its own `stopColumn`), divided by
/// `unit` and truncated toward zero, in a new int column. A column already named
/// `columnName` is replaced.
fn duration(_: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let tables = a.tables()?;
    let unit = match a.opt_duration("unit")? {
        None => 1_000_000_000,
        Some(d) => match d.as_nanos() {
            Some(n) if n > 0 => n,
            _ => {
                return Err(EvalError::msg(format!(
                "`unit` must be a positive duration of fixed length (no months or years), got {d}"
            )))
            }
        },
    };
    let time_col = a.string_or("timeColumn", "_time")?;
    let name = a.string_or("columnName", "duration")?;
    let stop_col = a.string_or("stopColumn", "_stop")?;
    let stop = match a.take("stop") {
        None | Some(Value::Null) => None,
        Some(Value::Time(t)) => Some(t),
        Some(v) => {
            return Err(EvalError::msg(format!(
                "`stop` must be a time, not {}",
                v.type_name()
            )))
        }
    };
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        let mut columns = t.columns();
        let ti = time_column(t, &time_col, "timeColumn")?;
        let si = match stop {
            Some(_) => None,
            None => Some(time_column(t, &stop_col, "stopColumn").map_err(|e| {
                e.with_hint("give `stop`, or name the column of each event's end with `stopColumn`")
            })?),
        };
        let mut rows = t.rows();
        let n = rows.len();
        let mut times = Vec::with_capacity(n);
        for (i, row) in rows.iter().enumerate() {
            match row[ti] {
                Value::Time(x) => times.push(x),
                _ => {
                    return Err(EvalError::msg(format!(
                        "row {} has a null {time_col:?}; every event needs a time",
                        i + 1
                    )))
                }
            }
        }
        let end = match (stop, si, rows.last()) {
            (Some(s), _, _) => Some(s),
            (None, Some(si), Some(last)) => match last[si] {
                Value::Time(s) => Some(s),
                _ => {
                    return Err(EvalError::msg(format!(
                        "the last row has a null {stop_col:?}, so the last event has no end; give `stop`"
                    )))
                }
            },
            _ => None,
        };
        let ci = match columns.iter().position(|(l, _)| *l == name) {
            Some(ci) => {
                if t.key().contains(&name) {
                    return Err(EvalError::msg(format!(
                        "column {name:?} is in the group key; choose another `columnName`"
                    )));
                }
                columns[ci].1 = ColumnType::Int;
                ci
            }
            None => {
                columns.push((name.clone(), ColumnType::Int));
                for r in rows.iter_mut() {
                    r.push(Value::Null);
                }
                columns.len() - 1
            }
        };
        for (i, row) in rows.iter_mut().enumerate() {
            let next = match times.get(i + 1) {
                Some(x) => Some(*x),
                None => end,
            };
            // The difference of two i64 times fits an i128; divided by a unit of at
            // least 1ns it may still pass i64 only when unit is 1ns and the times are
            // the extremes, which checked conversion turns into an error.
            row[ci] = match next {
                Some(next) => {
                    let d = (i128::from(next) - i128::from(times[i])) / i128::from(unit);
                    Value::Int(i64::try_from(d).map_err(|_| {
                        EvalError::msg("an event's duration does not fit in an int")
                    })?)
                }
                None => Value::Null,
            };
        }
        let key_labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        let built = Table::from_rows(&key_labels, &columns, &rows, None).map_err(ve)?;
        out.push(Table::new(t.key().clone(), built.batch().clone()).map_err(ve)?);
    }
    derived(&tables, out)
}

/// The index of a time column `label` (given by argument `arg`).
fn time_column(t: &Table, label: &str, arg: &str) -> Result<usize, EvalError> {
    let i = t
        .column_index(label)
        .ok_or_else(|| EvalError::msg(format!("a table has no column {label:?} (`{arg}`)")))?;
    match t.columns().get(i) {
        Some((_, ColumnType::Time)) => Ok(i),
        Some((_, ty)) => Err(EvalError::msg(format!(
            "column {label:?} (`{arg}`) must hold times, not {}",
            ty.name()
        ))),
        None => Err(EvalError::msg(format!("a table has no column {label:?}"))),
    }
}
