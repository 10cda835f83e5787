//! `influxdb.cardinality`: how many series of a bucket have points in a time range.

use super::schema::{series_only, universe, Rows};
use super::{bucket_arg, from_bucket};
use crate::util::ve;
use fluxi_eval::{Args, EvalError, Interpreter};
use fluxi_value::{ColumnType, Stream, Table, Value};
use std::collections::HashSet;

/// `cardinality(bucket | bucketID, start, stop = now(), predicate = (r) => true)`: the
/// number of series (distinct measurement, tag set and field) with at least one point
/// in `[start, stop)` that matches `predicate`, as one table with columns `_start`,
/// `_stop` (the group key) and `_value` (an int). Storage answers it from each series'
/// last point in the range when it can, without reading every row.
pub(super) fn cardinality(interp: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let span = a.span;
    let bucket = bucket_arg(interp, a, "cardinality")?;
    let start = a.required("start")?;
    let stop = match a.take("stop") {
        Some(v) if !v.is_null() => v,
        _ => Value::Time(interp.now()?),
    };
    let data = from_bucket(interp, &bucket)?;
    let ranged = universe(
        interp,
        "range",
        vec![("start", start), ("stop", stop)],
        data,
        span,
    )?;
    let Value::Stream(ranged) = ranged else {
        return Err(EvalError::msg("range did not return a stream"));
    };
    let Some((start, stop)) = ranged.bounds() else {
        return Err(EvalError::msg("range gave no bounds"));
    };
    let stream = match a.take("predicate") {
        None => ranged,
        Some(f) => match universe(
            interp,
            "filter",
            vec![("fn", f)],
            Value::Stream(ranged),
            span,
        )? {
            Value::Stream(s) => s,
            _ => return Err(EvalError::msg("filter did not return a stream")),
        },
    };
    let rows = series_only(interp, Rows { stream, span })?;
    let stream = interp.materialize(rows.stream)?;
    let mut series: HashSet<Vec<(String, String)>> = HashSet::new();
    for t in stream.tables() {
        if t.num_rows() == 0 {
            continue;
        }
        // A table read from a bucket is one series: its group key is the measurement,
        // the field and the tags (a tag the series lacks is null there).
        let mut key: Vec<(String, String)> = t
            .key()
            .columns()
            .iter()
            .filter(|c| !matches!(c.label.as_str(), "_start" | "_stop"))
            .filter_map(|c| match &c.value {
                Value::String(s) => Some((c.label.clone(), s.to_string())),
                _ => None,
            })
            .collect();
        key.sort();
        series.insert(key);
    }
    let labels: Vec<(String, ColumnType)> = vec![
        ("_start".into(), ColumnType::Time),
        ("_stop".into(), ColumnType::Time),
        ("_value".into(), ColumnType::Int),
    ];
    let count = i64::try_from(series.len()).unwrap_or(i64::MAX);
    let rows = vec![vec![
        Value::Time(start),
        Value::Time(stop),
        Value::Int(count),
    ]];
    let key = ["_start".to_string(), "_stop".to_string()];
    let table = Table::from_rows(&key, &labels, &rows, None).map_err(ve)?;
    Ok(Value::Stream(
        Stream::new(vec![table]).with_bounds(Some((start, stop))),
    ))
}
