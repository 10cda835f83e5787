//! `experimental.join`: rows of two streams paired by group key and `_time`.

use crate::util::ve;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::TableBuilder;
use fluxi_value::{GroupKey, Record, Stream, Table, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub fn register(r: &mut Registry) {
    r.register("experimental", "join", join);
}

/// `join(left:, right:, fn:)`: for each pair of tables with the same group key (a key
/// only one side has gives nothing), each left row and each right row with the same
/// `_time` become `fn(left:, right:)`, a row of the output table with that key. The
/// output's columns are the record's properties in alphabetical order; `fn` must keep
/// the key's values.
fn join(interp: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let left = a.stream("left")?;
    let right = a.stream("right")?;
    let f = a.function("fn")?;
    let span = a.span;
    let mut right_by_key: HashMap<&GroupKey, &Table> = HashMap::new();
    for t in right.tables() {
        if right_by_key.insert(t.key(), t).is_some() {
            return Err(EvalError::msg(format!(
                "`right` has two tables with the group key {}",
                key_text(t.key())
            )));
        }
    }
    let mut seen: HashMap<&GroupKey, ()> = HashMap::new();
    let mut out = Vec::new();
    for lt in left.tables() {
        if seen.insert(lt.key(), ()).is_some() {
            return Err(EvalError::msg(format!(
                "`left` has two tables with the group key {}",
                key_text(lt.key())
            )));
        }
        let Some(rt) = right_by_key.get(lt.key()) else {
            continue;
        };
        if let Some(t) = join_tables(interp, lt, rt, &f, span)? {
            out.push(t);
        }
    }
    Ok(Value::Stream(Stream::new(out)))
}

fn key_text(key: &GroupKey) -> String {
    let parts: Vec<String> = key
        .columns()
        .iter()
        .map(|k| format!("{}={}", k.label, k.value))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn records(t: &Table) -> Result<Vec<(i64, Record)>, EvalError> {
    let Some(ti) = t.column_index("_time") else {
        return Err(EvalError::msg("a table has no `_time` column to join on"));
    };
    let labels: Vec<Arc<str>> = t.columns().into_iter().map(|(l, _)| Arc::from(l)).collect();
    let mut out = Vec::with_capacity(t.num_rows());
    for row in t.rows() {
        // A row without a time matches nothing.
        let Value::Time(time) = row[ti] else { continue };
        out.push((time, Record::from_fields(labels.iter().cloned().zip(row))));
    }
    Ok(out)
}

fn join_tables(
    interp: &mut Interpreter,
    lt: &Table,
    rt: &Table,
    f: &Value,
    span: fluxi_syntax::Span,
) -> Result<Option<Table>, EvalError> {
    if lt.is_empty() || rt.is_empty() {
        return Ok(None);
    }
    let lrows = records(lt)?;
    let rrows = records(rt)?;
    let mut by_time: HashMap<i64, Vec<usize>> = HashMap::new();
    for (j, (time, _)) in rrows.iter().enumerate() {
        by_time.entry(*time).or_default().push(j);
    }
    let key = lt.key();
    let mut b = TableBuilder::new(key);
    let mut first = true;
    for (time, lrec) in &lrows {
        let Some(matches) = by_time.get(time) else {
            continue;
        };
        for &j in matches {
            let v = interp.call(
                f,
                vec![
                    ("left".into(), Value::Record(Arc::new(lrec.clone()))),
                    ("right".into(), Value::Record(Arc::new(rrows[j].1.clone()))),
                ],
                None,
                span,
            )?;
            let Value::Record(rec) = v else {
                return Err(EvalError::msg(format!(
                    "`fn` must return a record, not {}",
                    v.type_name()
                )));
            };
            for k in key.columns() {
                let kept = match rec.get(&k.label) {
                    Some(v) if v.is_null() => k.value.is_null(),
                    Some(v) => v.equals(&k.value) == Some(true),
                    None => false,
                };
                if !kept {
                    return Err(EvalError::msg(format!(
                        "`fn` changed or dropped group key column {:?}; it must keep the key's values",
                        k.label
                    ))
                    .with_hint("start the record with `left with ...` to keep every column"));
                }
            }
            if first {
                let mut labels: Vec<&str> = rec.fields().iter().map(|(l, _)| &**l).collect();
                labels.sort_unstable();
                for l in labels {
                    b.add_column(l, None).map_err(ve)?;
                }
                first = false;
            }
            b.push_row(rec.fields().iter().map(|(l, v)| (&**l, v.clone())))
                .map_err(ve)?;
        }
    }
    if first {
        // No times matched: an empty table with the key, as upstream.
        for k in key.columns() {
            b.add_column(&k.label, Some(k.ty)).map_err(ve)?;
        }
    }
    Ok(Some(b.finish().map_err(ve)?))
}
