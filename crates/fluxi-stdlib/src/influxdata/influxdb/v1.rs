//! `influxdata/influxdb/v1`: `json` (an InfluxDB 1.x query response as tables) and
//! `databases` (the buckets seen as 1.x databases and retention policies). The schema
//! helpers of the package are Flux definitions over `influxdata/influxdb/schema`.

use super::{bucket_id, remote_unsupported};
use crate::util::ve;
use fluxi_eval::{Args, ErrorKind, EvalError, Interpreter, Registry};
use fluxi_storage::SYSTEM_BUCKETS;
use fluxi_value::{ColumnType, Stream, Table, Value};
use serde_json::Value as Json;

type R = Result<Value, EvalError>;

const PACKAGE: &str = "influxdata/influxdb/v1";

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "json", json);
    r.register(PACKAGE, "databases", databases);
}

/// `v1.json(json:)` or `v1.json(file:)`: the first result of an InfluxDB 1.x response
/// (`{"results":[{"statement_id":0,"series":[...]}]}`) as tables, as upstream reads it:
/// one table per series and per column other than `time`, with `_measurement` (the
/// series' name, when it has one), its tags (sorted by key) and `_field` (the column's
/// name) in the group key, `_time` from the `time` column (RFC 3339 text) when there is
/// one, and `_value`. Rows whose value is null are left out, and so are columns that hold
/// only nulls. JSON numbers are floats, as they are upstream.
fn json(interp: &mut Interpreter, a: &mut Args) -> R {
    // An empty string counts as not given, as upstream.
    let json = a.opt_string("json")?.filter(|s| !s.is_empty());
    let file = a.opt_string("file")?.filter(|s| !s.is_empty());
    let text = match (json, file) {
        (Some(_), Some(_)) => {
            return Err(EvalError::msg(
                "give exactly one of `json` and `file`, not both",
            ))
        }
        (Some(j), None) => j,
        (None, Some(f)) => interp.read_file("v1.json", &f)?,
        (None, None) => {
            return Err(EvalError::msg(
                "give the response as `json` or its path as `file`",
            ))
        }
    };
    let tables = response_tables(&text)?;
    Ok(Value::Stream(Stream::new(tables)))
}

fn bad_response(why: impl Into<String>) -> EvalError {
    EvalError::msg(format!(
        "not an InfluxDB 1.x query response: {}",
        why.into()
    ))
}

/// The tables of the first result of a 1.x response.
pub(crate) fn response_tables(text: &str) -> Result<Vec<Table>, EvalError> {
    let doc: Json = serde_json::from_str(text).map_err(|e| bad_response(e.to_string()))?;
    let Json::Object(top) = &doc else {
        return Err(bad_response("the document is not a JSON object"));
    };
    if let Some(Json::String(e)) = top.get("error") {
        return Err(EvalError::msg(format!(
            "the response reports an error: {e}"
        )));
    }
    let results = match top.get("results") {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Array(r)) => r,
        Some(_) => return Err(bad_response("`results` is not an array")),
    };
    // Upstream reads the first result only.
    let Some(first) = results.first() else {
        return Ok(Vec::new());
    };
    let Json::Object(result) = first else {
        return Err(bad_response("a result is not an object"));
    };
    if let Some(Json::String(e)) = result.get("error") {
        return Err(EvalError::msg(format!(
            "the response's first result reports an error: {e}"
        )));
    }
    let series = match result.get("series") {
        None | Some(Json::Null) => return Ok(Vec::new()),
        Some(Json::Array(s)) => s,
        Some(_) => return Err(bad_response("`series` is not an array")),
    };
    let mut tables = Vec::new();
    for (i, s) in series.iter().enumerate() {
        series_tables(s, i, &mut tables)?;
    }
    Ok(tables)
}

/// The tables of one series (the `index`th of the result), one per column but `time`.
fn series_tables(s: &Json, index: usize, out: &mut Vec<Table>) -> Result<(), EvalError> {
    let Json::Object(s) = s else {
        return Err(bad_response(format!("series {index} is not an object")));
    };
    let name = match s.get("name") {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(n)) => n.clone(),
        Some(_) => {
            return Err(bad_response(format!(
                "the name of series {index} is not a string"
            )))
        }
    };
    let shown = if name.is_empty() {
        format!("series {index}")
    } else {
        format!("series {index} ({name:?})")
    };
    let mut tags: Vec<(String, String)> = match s.get("tags") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Object(t)) => t
            .iter()
            .map(|(k, v)| match v {
                Json::String(v) => Ok((k.clone(), v.clone())),
                _ => Err(bad_response(format!(
                    "tag {k:?} of {shown} is not a string"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(bad_response(format!(
                "the tags of {shown} are not an object"
            )))
        }
    };
    tags.sort();
    let columns: Vec<String> = match s.get("columns") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(c)) => c
            .iter()
            .map(|c| match c {
                Json::String(c) => Ok(c.clone()),
                _ => Err(bad_response(format!(
                    "a column name of {shown} is not a string"
                ))),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(bad_response(format!(
                "the columns of {shown} are not an array"
            )))
        }
    };
    let rows: Vec<&Vec<Json>> = match s.get("values") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Array(v)) => v
            .iter()
            .enumerate()
            .map(|(r, row)| match row {
                Json::Array(row) if row.len() == columns.len() => Ok(row),
                Json::Array(row) => Err(bad_response(format!(
                    "row {r} of {shown} has {} values for {} columns",
                    row.len(),
                    columns.len()
                ))),
                _ => Err(bad_response(format!("row {r} of {shown} is not an array"))),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(bad_response(format!(
                "the values of {shown} are not an array"
            )))
        }
    };
    let time_col = columns.iter().position(|c| c == "time");
    let times: Option<Vec<i64>> = match time_col {
        None => None,
        Some(t) => Some(
            rows.iter()
                .enumerate()
                .map(|(r, row)| row_time(&row[t], r, &shown))
                .collect::<Result<_, _>>()?,
        ),
    };
    // The group key: the series' name, its tags, then the field.
    let mut key: Vec<(String, Value)> = Vec::new();
    if !name.is_empty() {
        key.push(("_measurement".into(), Value::string(name.as_str())));
    }
    for (k, v) in &tags {
        key.push((k.clone(), Value::string(v.as_str())));
    }
    for (c, field) in columns.iter().enumerate() {
        if Some(c) == time_col {
            continue;
        }
        let mut ty = None;
        let mut table_rows = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            let Some(v) = cell(&row[c], r, field, &shown)? else {
                continue;
            };
            let t = match v {
                Value::Float(_) => ColumnType::Float,
                Value::Bool(_) => ColumnType::Bool,
                _ => ColumnType::String,
            };
            match ty {
                None => ty = Some(t),
                Some(expected) if expected != t => {
                    return Err(EvalError::new(
                        ErrorKind::Type,
                        format!(
                            "column {field:?} of {shown} mixes types: row {r} holds a {t} where the first value was a {expected}"
                        ),
                    ))
                }
                Some(_) => {}
            }
            let mut out = Vec::with_capacity(key.len() + 3);
            if let Some(times) = &times {
                out.push(Value::Time(times[r]));
            }
            out.extend(key.iter().map(|(_, v)| v.clone()));
            out.push(Value::string(field.as_str()));
            out.push(v);
            table_rows.push(out);
        }
        let Some(ty) = ty else {
            continue; // nothing but nulls
        };
        let mut labels: Vec<(String, ColumnType)> = Vec::new();
        if times.is_some() {
            labels.push(("_time".into(), ColumnType::Time));
        }
        labels.extend(key.iter().map(|(k, _)| (k.clone(), ColumnType::String)));
        labels.push(("_field".into(), ColumnType::String));
        labels.push(("_value".into(), ty));
        let mut key_labels: Vec<String> = key.iter().map(|(k, _)| k.clone()).collect();
        key_labels.push("_field".into());
        if labels
            .iter()
            .enumerate()
            .any(|(i, (l, _))| labels[..i].iter().any(|(m, _)| m == l))
        {
            return Err(bad_response(format!(
                "{shown} has a tag named like a column fluxi makes (_time, _measurement, _field or _value)"
            )));
        }
        out.push(Table::from_rows(&key_labels, &labels, &table_rows, None).map_err(ve)?);
    }
    Ok(())
}

fn row_time(v: &Json, row: usize, shown: &str) -> Result<i64, EvalError> {
    let Json::String(text) = v else {
        return Err(bad_response(format!(
            "the time of row {row} of {shown} is not RFC 3339 text"
        )));
    };
    let bad = |why: String| {
        bad_response(format!(
            "the time {text:?} of row {row} of {shown} is not RFC 3339: {why}"
        ))
    };
    if !text.contains(['T', 't']) {
        return Err(bad("it has no time of day".into()));
    }
    let t = fluxi_time::parse_rfc3339(text).map_err(|e| bad(e.to_string()))?;
    t.unix_nanos()
        .ok_or_else(|| bad("it is outside the years 1677 to 2262".into()))
}

/// A cell as a Flux value: numbers are floats (as Go's JSON decoding makes them), strings
/// and booleans as they are; `None` for null.
fn cell(v: &Json, row: usize, column: &str, shown: &str) -> Result<Option<Value>, EvalError> {
    Ok(Some(match v {
        Json::Null => return Ok(None),
        Json::Bool(b) => Value::Bool(*b),
        Json::String(s) => Value::string(s.as_str()),
        Json::Number(n) => match n.as_f64() {
            Some(f) => Value::Float(f),
            None => {
                return Err(bad_response(format!(
                    "the number {n} in column {column:?} of {shown} does not fit a float"
                )))
            }
        },
        Json::Array(_) | Json::Object(_) => {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!(
                    "row {row} of column {column:?} of {shown} holds an array or object; \
                     a value must be a number, string, boolean or null"
                ),
            ))
        }
    }))
}

/// `v1.databases()`: each bucket as the 1.x database and retention policy that InfluxDB
/// 2's virtual DBRP mappings give it (fluxi has no explicit mappings): a bucket named
/// `db/rp` is database `db`, retention policy `rp`; any other is database NAME with
/// retention policy `autogen`, the default. Columns as upstream: `organizationID` (the
/// group key; empty, as in `buckets()`: fluxi's store has one namespace), `databaseName`,
/// `retentionPolicy`, `retentionPeriod` (nanoseconds, 0 for forever), `default`,
/// `bucketId` (as `buckets()` gives it). System buckets (`_monitoring`, `_tasks`) are left
/// out. No bucket is an error, as upstream's "no 1.x databases found".
fn databases(interp: &mut Interpreter, a: &mut Args) -> R {
    remote_unsupported(a, "databases")?;
    let storage = interp.storage()?;
    let mut all = storage.buckets().map_err(EvalError::from)?;
    all.retain(|b| !SYSTEM_BUCKETS.contains(&b.name.as_str()) && !b.name.starts_with('_'));
    all.sort_by(|x, y| x.name.cmp(&y.name));
    if all.is_empty() {
        return Err(EvalError::new(
            ErrorKind::Storage(fluxi_storage::StorageErrorKind::BucketNotFound),
            "no 1.x databases found: the store has no buckets",
        ));
    }
    let labels: Vec<(String, ColumnType)> = [
        ("organizationID", ColumnType::String),
        ("databaseName", ColumnType::String),
        ("retentionPolicy", ColumnType::String),
        ("retentionPeriod", ColumnType::Int),
        ("default", ColumnType::Bool),
        ("bucketId", ColumnType::String),
    ]
    .into_iter()
    .map(|(l, t)| (l.to_string(), t))
    .collect();
    let rows: Vec<Vec<Value>> = all
        .iter()
        .map(|b| {
            let (db, rp, default) = match b.name.split_once('/') {
                Some((db, rp)) => (db, rp, false),
                None => (b.name.as_str(), "autogen", true),
            };
            vec![
                Value::string(""),
                Value::string(db),
                Value::string(rp),
                Value::Int(b.retention.unwrap_or(0)),
                Value::Bool(default),
                Value::string(bucket_id(&b.name).as_str()),
            ]
        })
        .collect();
    let table =
        Table::from_rows(&["organizationID".to_string()], &labels, &rows, None).map_err(ve)?;
    Ok(Value::Stream(Stream::new(vec![table])))
}
