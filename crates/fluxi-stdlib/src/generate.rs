//! `generate`: `from`, a table of values computed from the row number.

use crate::universe::tables::bound;
use crate::util::{ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ExecError;
use fluxi_value::{ColumnType, Stream, Table, Value};

/// The most rows one `generate.from` makes; more is a `fluxi::exec::limit` error.
pub const MAX_ROWS: i64 = 10_000_000;

pub fn register(r: &mut Registry) {
    r.register("generate", "from", from);
}

/// `from(start:, stop:, count:, fn:)`: rows `n` = 0..count with `_time` stepping evenly
/// from `start` (the step is `(stop - start) / count`, truncated) and `_value` =
/// `fn(n:)`, in one table keyed by `_start` and `_stop`.
fn from(interp: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let mut now = None;
    let start_v = a.required("start")?;
    let start = bound(interp, start_v, &mut now)?;
    let stop_v = a.required("stop")?;
    let stop = bound(interp, stop_v, &mut now)?;
    let count = a
        .opt_int("count")?
        .ok_or_else(|| EvalError::msg("missing required argument `count`"))?;
    let f = a.function("fn")?;
    if count < 0 {
        return Err(EvalError::msg(format!(
            "`count` must not be negative, got {count}"
        )));
    }
    if count > MAX_ROWS {
        return Err(ex(ExecError::Limit(format!(
            "`count` is {count}; generate.from makes at most {MAX_ROWS} rows"
        ))));
    }
    if stop < start {
        return Err(EvalError::msg(format!(
            "`stop` ({}) is before `start` ({})",
            Value::Time(stop),
            Value::Time(start)
        )));
    }
    // `stop - start` fits in an i128 always; the step is at most the span, so every
    // `_time` lies in [start, stop].
    let step = if count == 0 {
        0
    } else {
        ((i128::from(stop) - i128::from(start)) / i128::from(count)) as i64
    };
    let row_bytes = 2 * size_of::<Value>();
    let bytes = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .saturating_mul(row_bytes);
    interp.reserve(bytes, "generate.from")?;
    let result = rows(interp, a, &f, (start, stop), step, count);
    interp.release(bytes);
    let rows = result?;
    let columns = [
        ("_start".to_string(), ColumnType::Time),
        ("_stop".to_string(), ColumnType::Time),
        ("_time".to_string(), ColumnType::Time),
        ("_value".to_string(), ColumnType::Int),
    ];
    let key = ["_start".to_string(), "_stop".to_string()];
    let key_values = [Value::Time(start), Value::Time(stop)];
    let table = Table::from_rows(&key, &columns, &rows, Some(&key_values)).map_err(ve)?;
    Ok(Value::Stream(
        Stream::new(vec![table]).with_bounds(Some((start, stop))),
    ))
}

fn rows(
    interp: &mut Interpreter,
    a: &Args,
    f: &Value,
    (start, stop): (i64, i64),
    step: i64,
    count: i64,
) -> Result<Vec<Vec<Value>>, EvalError> {
    let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut time = start;
    for n in 0..count {
        if n % 4096 == 0 {
            interp.check_cancelled()?;
        }
        let v = interp.call(f, vec![("n".into(), Value::Int(n))], None, a.span)?;
        let v = match v {
            Value::Int(_) | Value::Null => v,
            other => {
                return Err(EvalError::msg(format!(
                    "`fn` must return an int, but for n = {n} it returned {}",
                    other.type_name()
                )))
            }
        };
        out.push(vec![
            Value::Time(start),
            Value::Time(stop),
            Value::Time(time),
            v,
        ]);
        time += step;
    }
    Ok(out)
}
