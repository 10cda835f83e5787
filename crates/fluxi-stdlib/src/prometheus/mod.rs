//! `experimental/prometheus.scrape(url:)`: a GET of a Prometheus endpoint, through the
//! interpreter's egress policy (denied unless the destination is allowed), read from the
//! text exposition format ([`text`]) into tables as upstream makes them.

mod text;

use crate::util::ve;
use fluxi_eval::net::Request;
use fluxi_eval::{Args, ErrorKind, EvalError, Interpreter, Registry};
use fluxi_value::{ColumnType, Stream, Table, Value};
use std::collections::BTreeMap;

pub fn register(r: &mut Registry) {
    r.register("experimental/prometheus", "scrape", scrape);
}

/// One table per metric (merged when two share a group key), with columns `_time`,
/// `_value` (float), `_measurement` (`prometheus`), `_field` (the metric's name), `url`
/// (as given) and one string column per label, sorted; every column but `_time`,
/// `_value` and `url` is in the group key. `_time` is the sample's own timestamp when it
/// has a positive one, else `now()`.
///
/// Where upstream differs: it also reads Prometheus' protocol-buffer format, which fluxi
/// refuses with an error; it reads the body of any answer, where fluxi fails on a status
/// other than 2xx; and its histogram `_sum` rows carry 0 (a summary's sum is read for a
/// histogram), where fluxi gives the histogram's sum.
fn scrape(interp: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let url = a.string("url")?;
    let answer = interp.send(&Request {
        method: "GET".into(),
        url: url.clone(),
        headers: vec![(
            "Accept".into(),
            "text/plain;version=0.0.4;q=1,*/*;q=0.1".into(),
        )],
        body: Vec::new(),
        timeout: None,
    })?;
    if interp.explain_only() {
        return Ok(Value::Stream(Stream::new(Vec::new())));
    }
    if !(200..300).contains(&answer.status) {
        return Err(EvalError::new(
            ErrorKind::Egress,
            format!("{} answered with status {}", shown(&url), answer.status),
        ));
    }
    let content_type = answer
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    if content_type.starts_with("application/vnd.google.protobuf") {
        return Err(EvalError::new(
            ErrorKind::NotSupported,
            format!(
                "{} answered in Prometheus' protocol-buffer format, which fluxi does not read",
                shown(&url)
            ),
        )
        .with_hint("serve the text format (Content-Type: text/plain; version=0.0.4)"));
    }
    let body = std::str::from_utf8(&answer.body).map_err(|e| {
        EvalError::msg(format!(
            "the answer of {} is not UTF-8 text: {e}",
            shown(&url)
        ))
    })?;
    let metrics = text::parse(body).map_err(|e| {
        EvalError::msg(format!(
            "the answer of {} is not Prometheus' text format: {e}",
            shown(&url)
        ))
    })?;
    let now = interp.now()?;
    tables(metrics, &url, now)
}

/// The URL without its query (which may hold a credential).
fn shown(url: &str) -> String {
    url.split(['?', '#']).next().unwrap_or_default().to_string()
}

/// A table's group key apart from `_measurement`: the field and the labels.
type Key = (String, BTreeMap<String, String>);

fn tables(metrics: Vec<text::Metric>, url: &str, now: i64) -> Result<Value, EvalError> {
    // Rows by group key (field and labels), in the order first seen.
    let mut groups: Vec<(Key, Vec<Vec<Value>>)> = Vec::new();
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    for m in metrics {
        let time = match m.timestamp_ms {
            Some(ms) if ms > 0 => ms.checked_mul(1_000_000).ok_or_else(|| {
                EvalError::new(
                    ErrorKind::Overflow,
                    format!("the timestamp {ms} ms of {} is past the year 2262", m.field),
                )
            })?,
            _ => now,
        };
        if let Some(reserved) = m.labels.keys().find(|k| {
            matches!(
                k.as_str(),
                "_time" | "_value" | "_measurement" | "_field" | "url"
            )
        }) {
            return Err(EvalError::msg(format!(
                "metric {} has a label named {reserved:?}, a column scrape makes itself",
                m.field
            )));
        }
        let mut row = vec![
            Value::Time(time),
            Value::Float(m.value),
            Value::string("prometheus"),
            Value::string(m.field.as_str()),
            Value::string(url),
        ];
        row.extend(m.labels.values().map(|v| Value::string(v.as_str())));
        let key = (m.field, m.labels);
        match index.get(&key) {
            Some(&i) => groups[i].1.push(row),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push((key, vec![row]));
            }
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for ((_, labels), rows) in groups {
        let mut columns: Vec<(String, ColumnType)> = vec![
            ("_time".into(), ColumnType::Time),
            ("_value".into(), ColumnType::Float),
            ("_measurement".into(), ColumnType::String),
            ("_field".into(), ColumnType::String),
            ("url".into(), ColumnType::String),
        ];
        columns.extend(labels.keys().map(|k| (k.clone(), ColumnType::String)));
        let mut key: Vec<String> = vec!["_measurement".into(), "_field".into()];
        key.extend(labels.keys().cloned());
        out.push(Table::from_rows(&key, &columns, &rows, None).map_err(ve)?);
    }
    Ok(Value::Stream(Stream::new(out)))
}
