//! `interpolate`: `linear`, rows inserted at regular times between a table's rows.

use crate::util::{derived, ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::window::{WindowSpec, MAX_WINDOWS};
use fluxi_exec::ExecError;
use fluxi_value::{ColumnType, Duration, Table, Value};

pub fn register(r: &mut Registry) {
    r.register("interpolate", "linear", linear);
}

fn fail(msg: String) -> EvalError {
    EvalError::msg(msg)
}

fn too_many() -> EvalError {
    ex(ExecError::Limit(format!(
        "interpolating would insert more than {MAX_WINDOWS} rows; use a larger `every` or a shorter range"
    )))
}

/// `linear(every:)`: between each pair of consecutive rows `(x0, y0)` and `(x1, y1)`, a
/// row at every window boundary of `every` (from the epoch) strictly between `x0` and
/// `x1`, valued `y0 + (y1 - y0) * (t - x0) / (x1 - x0)`. Key columns keep the key's
/// values. More than [`MAX_WINDOWS`] inserted rows in one call is a `fluxi::exec::limit`
/// error.
fn linear(interp: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let mut held = 0usize;
    let result = linear_held(interp, a, &mut held);
    // The rows built are the output's now; the budget guarded their building.
    interp.release(held);
    result
}

/// Rows are built in memory: each block of them is reserved against the query's memory
/// budget first (`held` says how much, for the caller to release).
fn linear_held(
    interp: &mut Interpreter,
    a: &mut Args,
    held: &mut usize,
) -> Result<Value, EvalError> {
    const BLOCK: usize = 4096;
    let tables = a.tables()?;
    let every = a
        .opt_duration("every")?
        .ok_or_else(|| EvalError::msg("missing required argument `every`"))?;
    let spec = WindowSpec {
        every,
        period: every,
        offset: Duration::default(),
        create_empty: false,
        location: fluxi_tz::Location::UTC,
    };
    spec.validate().map_err(ex)?;
    let mut inserted = 0usize;
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        let columns = t.columns();
        for (label, _) in &columns {
            if label != "_time" && label != "_value" && !t.key().contains(label) {
                return Err(fail(format!(
                    "column {label:?} is not in the group key; every column but `_time` and `_value` must be"
                ))
                .with_hint("group by the column or drop it before interpolating"));
            }
        }
        let (Some(ti), Some(vi)) = (t.column_index("_time"), t.column_index("_value")) else {
            if t.is_empty() {
                out.push(t.clone());
                continue;
            }
            return Err(fail(
                "a table has no `_time` or no `_value` column; both are needed".into(),
            ));
        };
        if columns[vi].1 != ColumnType::Float {
            return Err(fail(format!(
                "cannot interpolate {} values; `_value` must be float",
                columns[vi].1.name()
            ))
            .with_hint("convert it with `toFloat()` first"));
        }
        let row_bytes = (columns.len() + 1) * size_of::<Value>();
        let rows = t.rows();
        let mut out_rows: Vec<Vec<Value>> = Vec::with_capacity(rows.len());
        let mut prev: Option<(i64, f64)> = None;
        for (n, row) in rows.iter().enumerate() {
            let (x1, y1) = match (&row[ti], &row[vi]) {
                (Value::Time(x), Value::Float(y)) => (*x, *y),
                (Value::Time(_), _) => {
                    return Err(fail(format!(
                    "row {} has a null `_value`; linear interpolation needs a value at every row",
                    n + 1
                ))
                    .with_hint("fill or filter out null values first"))
                }
                _ => {
                    return Err(fail(format!(
                        "row {} has a null `_time`; linear interpolation needs a time at every row",
                        n + 1
                    )))
                }
            };
            if let Some((x0, y0)) = prev {
                if x1 < x0 {
                    return Err(fail(format!(
                        "row {} is earlier than the row before it; the rows must be in ascending `_time` order",
                        n + 1
                    ))
                    .with_hint("sort by `_time` first: `sort(columns: [\"_time\"])`"));
                }
                // The windows between x0 and x1 start at x0 (clipped) and then at each
                // boundary after it: those boundaries are the inserted times.
                let windows = spec.windows_between(x0, x1).map_err(|e| match e {
                    ExecError::Limit(_) => too_many(),
                    e => ex(e),
                })?;
                for (start, _) in windows.into_iter().skip(1) {
                    if inserted.is_multiple_of(BLOCK) {
                        interp.reserve(BLOCK * row_bytes, "interpolate.linear")?;
                        *held += BLOCK * row_bytes;
                    }
                    inserted += 1;
                    if inserted > MAX_WINDOWS {
                        return Err(too_many());
                    }
                    let slope = (y1 - y0) / (x1 - x0) as f64;
                    let mut r = row.clone();
                    r[ti] = Value::Time(start);
                    r[vi] = Value::Float(y0 + slope * (start - x0) as f64);
                    out_rows.push(r);
                }
            }
            out_rows.push(row.clone());
            prev = Some((x1, y1));
        }
        let key_labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        let built = Table::from_rows(&key_labels, &columns, &out_rows, None).map_err(ve)?;
        out.push(Table::new(t.key().clone(), built.batch().clone()).map_err(ve)?);
    }
    derived(&tables, out)
}
