//! `influxdb.wideTo` and `experimental.to`: write pivoted rows (one column per field) and
//! pass the tables on.
//!
//! A table's group key names its series: `_measurement` (required, a string) and every
//! other key column but `_start` and `_stop` as a tag (strings only; an empty or null tag
//! value is left out, as InfluxDB drops empty tags). `_field` in the key means the rows are
//! not pivoted, which is refused. Every column outside the key other than `_time`,
//! `_start`, `_stop` and `_measurement` is a field; a row's null fields are not written,
//! and a row with no field left, or whose `_time` is null, writes nothing. Rows with a
//! null `_time` are not passed on either, as with `to`.

use super::{bucket_arg, drop_null_times, field_value, write_points, R};
use fluxi_eval::{Args, EvalError, Interpreter};
use fluxi_storage::Point;
use fluxi_value::{ColumnType, Stream, Table, Value};

/// The columns that are neither tags nor fields.
const NOT_FIELDS: [&str; 4] = ["_start", "_stop", "_measurement", "_time"];

pub(super) fn wide_to(interp: &mut Interpreter, a: &mut Args, what: &str) -> R {
    let tables = a.tables()?;
    let bucket = bucket_arg(interp, a, what)?;
    let storage = interp.storage()?;
    let mut points = Vec::new();
    for t in tables.tables() {
        table_points(t, what, &mut points)?;
    }
    if !points.is_empty() && !interp.explain_only() {
        write_points(&*storage, &bucket, &points)?;
        interp.count("points written", points.len() as u64);
    }
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        out.push(drop_null_times(t, "_time")?);
    }
    Ok(Value::Stream(Stream::new(out).with_bounds(tables.bounds())))
}

/// The points of one table's rows, added to `points`.
fn table_points(t: &Table, what: &str, points: &mut Vec<Point>) -> Result<(), EvalError> {
    let key = t.key();
    let mut measurement: Option<String> = None;
    let mut tags: Vec<(String, String)> = Vec::new();
    for k in key.columns() {
        let label = k.label.as_str();
        if label == "_start" || label == "_stop" {
            continue;
        }
        if label == "_field" {
            return Err(EvalError::msg(format!(
                "{what}: column \"_field\" is in the group key; {what} writes pivoted rows, one column per field"
            ))
            .with_hint("pivot the rows first, e.g. `|> schema.fieldsAsCols()`"));
        }
        if k.ty != ColumnType::String {
            return Err(EvalError::msg(format!(
                "{what}: group key column {label:?} has type {}; type string is required (key columns are written as tags)",
                k.ty
            )));
        }
        let Value::String(v) = &k.value else {
            continue;
        };
        if label == "_measurement" {
            measurement = Some(v.to_string());
        } else if !v.is_empty() {
            tags.push((label.to_string(), v.to_string()));
        }
    }
    if !key.contains("_measurement") {
        return Err(EvalError::msg(format!(
            "{what}: required column \"_measurement\" is not in the group key"
        )));
    }
    tags.sort();
    let columns = t.columns();
    let time = match columns.iter().position(|(l, _)| l == "_time") {
        Some(i) if columns[i].1 == ColumnType::Time => i,
        Some(i) => {
            return Err(EvalError::msg(format!(
                "{what}: column \"_time\" has type {}; type time is required",
                columns[i].1
            )))
        }
        None => {
            return Err(EvalError::msg(format!(
                "{what}: input table is missing required column \"_time\""
            )))
        }
    };
    let mut fields: Vec<usize> = Vec::new();
    for (i, (label, ty)) in columns.iter().enumerate() {
        if NOT_FIELDS.contains(&label.as_str()) || key.contains(label) {
            continue;
        }
        if *ty == ColumnType::Time {
            return Err(EvalError::msg(format!(
                "{what}: column {label:?} has type time, which a field cannot hold"
            ))
            .with_hint(format!("convert it first, e.g. `int(v: r.{label})`")));
        }
        fields.push(i);
    }
    // Fields in byte order of their names, as a point keeps them.
    fields.sort_by(|a, b| columns[*a].0.cmp(&columns[*b].0));
    let Some(measurement) = measurement else {
        if t.num_rows() == 0 {
            return Ok(());
        }
        return Err(EvalError::msg(format!(
            "{what}: group key column \"_measurement\" is null; every point needs a measurement"
        )));
    };
    for r in 0..t.num_rows() {
        let Value::Time(at) = t.value(r, time) else {
            continue;
        };
        let mut values = Vec::with_capacity(fields.len());
        for c in &fields {
            if let Some(v) = field_value(&t.value(r, *c))? {
                values.push((columns[*c].0.clone(), v));
            }
        }
        if values.is_empty() {
            continue;
        }
        points.push(Point {
            measurement: measurement.clone(),
            tags: tags.clone(),
            fields: values,
            time: at,
        });
    }
    Ok(())
}
