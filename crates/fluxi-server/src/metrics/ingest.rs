//! `POST /api/v1/metrics` (one metric) and `POST /api/v1/metrics/batch` (up to
//! [`MAX_BATCH`]): each metric is checked, then written as a point of the metrics bucket.

use super::{answer, authenticate, bucket_for_write, Class, Kind, MetricsError, MAX_BATCH};
use crate::{now_nanos, read_body, rfc3339, Shared};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::{ParseOptions, Precision, Storage};
use serde_json::{json, Map, Value as Json};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

/// The value of a metric.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MetricValue {
    Number(f64),
    Member(String),
}

/// A checked metric.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Metric {
    pub(crate) name: String,
    pub(crate) kind: Kind,
    pub(crate) value: MetricValue,
    pub(crate) time: i64,
    /// Sorted by key.
    pub(crate) tags: Vec<(String, String)>,
}

/// Why a metric was refused: its code and message.
type Refusal = (&'static str, String);

/// The metrics of a request that are kept, and the refused ones with their index.
type Sorted = (Vec<Metric>, Vec<(usize, Refusal)>);

/// What makes counters the same point: name, time and tags.
type PointKey = (String, i64, Vec<(String, String)>);

fn no_control(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// Check one metric of a request (`now` is its time when it has no `timestamp`).
pub(crate) fn check(metric: &Json, now: i64) -> Result<Metric, Refusal> {
    let Some(obj) = metric.as_object() else {
        return Err((
            "invalid_metric",
            "a metric is a JSON object {name, type, value, timestamp?, tags?}".into(),
        ));
    };
    let name = match obj.get("name") {
        None | Some(Json::Null) => return Err(("missing_name", "the metric has no name".into())),
        Some(Json::String(s)) if s.is_empty() => {
            return Err(("missing_name", "the metric's name is empty".into()))
        }
        Some(Json::String(s)) => s.clone(),
        Some(_) => return Err(("invalid_name", "the metric's name must be a string".into())),
    };
    if !no_control(&name) || name.starts_with('_') || name.len() > 256 {
        return Err((
            "invalid_name",
            format!(
                "metric name {name:?} is not allowed: names have at most 256 bytes, no \
                 control characters, and do not start with `_`"
            ),
        ));
    }
    let kinds = "gauge, counter, distribution or set";
    let kind = match obj.get("type") {
        Some(Json::String(t)) => Kind::parse(t).ok_or_else(|| {
            (
                "invalid_type",
                format!("metric {name:?}: unknown type {t:?}; the type is {kinds}"),
            )
        })?,
        None | Some(Json::Null) => {
            return Err((
                "invalid_type",
                format!("metric {name:?} has no type; the type is {kinds}"),
            ))
        }
        Some(other) => {
            return Err((
                "invalid_type",
                format!("metric {name:?}: the type must be a string ({kinds}), not {other}"),
            ))
        }
    };
    let value = match (kind, obj.get("value")) {
        (Kind::Set, Some(Json::String(s))) if no_control(s) => MetricValue::Member(s.clone()),
        (Kind::Set, Some(Json::String(_))) => {
            return Err((
                "invalid_value",
                format!("metric {name:?}: a set member may not hold control characters"),
            ))
        }
        (Kind::Set, Some(Json::Number(n))) => MetricValue::Member(n.to_string()),
        (Kind::Set, other) => {
            return Err((
                "invalid_value",
                format!(
                    "metric {name:?}: a set's value is the member, a string (or a number), \
                     not {}",
                    other.map_or("nothing".to_string(), Json::to_string)
                ),
            ))
        }
        (_, Some(Json::Number(n))) => match n.as_f64().filter(|f| f.is_finite()) {
            Some(f) => MetricValue::Number(f),
            None => {
                return Err((
                    "invalid_value",
                    format!("metric {name:?}: the value {n} is not a finite number"),
                ))
            }
        },
        (k, other) => {
            return Err((
                "invalid_value",
                format!(
                    "metric {name:?}: a {}'s value is a number, not {}",
                    k.name(),
                    other.map_or("nothing".to_string(), Json::to_string)
                ),
            ))
        }
    };
    let time = match obj.get("timestamp") {
        None | Some(Json::Null) => now,
        Some(Json::String(t)) => fluxi::parse_time(t).map_err(|_| {
            (
                "invalid_timestamp",
                format!(
                    "metric {name:?}: timestamp {t:?} is not an ISO 8601 (RFC 3339) time such \
                     as 2024-01-15T10:30:00Z"
                ),
            )
        })?,
        Some(other) => {
            return Err((
                "invalid_timestamp",
                format!(
                    "metric {name:?}: the timestamp must be an ISO 8601 string such as \
                     2024-01-15T10:30:00Z, not {other}"
                ),
            ))
        }
    };
    let mut tags = Vec::new();
    match obj.get("tags") {
        None | Some(Json::Null) => {}
        Some(Json::Object(map)) => {
            for (k, v) in map {
                let v = match v {
                    Json::String(s) => s.clone(),
                    Json::Number(n) => n.to_string(),
                    Json::Bool(b) => b.to_string(),
                    other => {
                        return Err((
                            "invalid_tags",
                            format!(
                                "metric {name:?}: tag {k:?} has the value {other}; tag values \
                                 are strings"
                            ),
                        ))
                    }
                };
                if k.is_empty() || k.starts_with('_') || !no_control(k) {
                    return Err((
                        "invalid_tags",
                        format!(
                            "metric {name:?}: tag key {k:?} is not allowed (keys are not \
                             empty, do not start with `_` and have no control characters)"
                        ),
                    ));
                }
                if v.is_empty() || !no_control(&v) {
                    return Err((
                        "invalid_tags",
                        format!(
                            "metric {name:?}: tag {k:?} has an empty value or control \
                             characters; leave out a tag that has no value"
                        ),
                    ));
                }
                tags.push((k.clone(), v));
            }
        }
        Some(other) => {
            return Err((
                "invalid_tags",
                format!("metric {name:?}: tags are an object of strings, not {other}"),
            ))
        }
    }
    tags.sort();
    Ok(Metric {
        name,
        kind,
        value,
        time,
        tags,
    })
}

fn escape(out: &mut String, text: &str, special: &[char]) {
    for c in text.chars() {
        if c == '\\' || special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
}

/// The metric as a line of line protocol (measurement = name, one field named after the
/// type, the tags).
pub(crate) fn line(out: &mut String, m: &Metric) {
    escape(out, &m.name, &[',', ' ']);
    for (k, v) in &m.tags {
        out.push(',');
        escape(out, k, &[',', '=', ' ']);
        out.push('=');
        escape(out, v, &[',', '=', ' ']);
    }
    out.push(' ');
    out.push_str(m.kind.name());
    out.push('=');
    match &m.value {
        MetricValue::Number(f) => {
            let _ = write!(out, "{f:?}");
        }
        MetricValue::Member(s) => {
            out.push('"');
            escape(out, s, &['"']);
            out.push('"');
        }
    }
    let _ = writeln!(out, " {}", m.time);
}

impl Metric {
    fn to_json(&self) -> Json {
        json!({
            "name": self.name,
            "type": self.kind.name(),
            "value": match &self.value {
                MetricValue::Number(f) => json!(f),
                MetricValue::Member(s) => json!(s),
            },
            "timestamp": rfc3339(self.time),
        })
    }
}

/// Counters at the same time with the same tags are increments of one point: they are
/// summed (a later gauge at the same time and tags replaces the earlier one, as storage
/// does).
fn merge_counters(metrics: Vec<Metric>) -> Vec<Metric> {
    let mut out: Vec<Metric> = Vec::with_capacity(metrics.len());
    let mut at: HashMap<PointKey, usize> = HashMap::new();
    for m in metrics {
        if m.kind == Kind::Counter {
            let key = (m.name.clone(), m.time, m.tags.clone());
            if let Some(&i) = at.get(&key) {
                if let (MetricValue::Number(sum), MetricValue::Number(v)) =
                    (&mut out[i].value, &m.value)
                {
                    *sum += v;
                }
                continue;
            }
            at.insert(key, out.len());
        }
        out.push(m);
    }
    out
}

/// Drop the metrics whose name was given another type before (in the store, or earlier
/// in `metrics`), with their refusal and index.
fn check_types(
    store: &dyn Storage,
    bucket: &str,
    metrics: Vec<(usize, Metric)>,
) -> Result<Sorted, MetricsError> {
    let mut known: BTreeMap<String, Option<Kind>> = BTreeMap::new();
    let mut ok = Vec::new();
    let mut refused = Vec::new();
    for (i, m) in metrics {
        if !known.contains_key(&m.name) {
            let fields = store.field_keys(bucket, Some(&m.name)).map_err(|e| {
                MetricsError::internal(format!("reading the metric types failed: {e}"))
            })?;
            let kind = fields.iter().find_map(|f| Kind::parse(f));
            known.insert(m.name.clone(), kind);
        }
        match known.get(&m.name).copied().flatten() {
            Some(k) if k != m.kind => refused.push((
                i,
                (
                    "type_conflict",
                    format!(
                        "metric {:?} is a {}; it cannot also be a {}",
                        m.name,
                        k.name(),
                        m.kind.name()
                    ),
                ),
            )),
            Some(_) => ok.push(m),
            None => {
                known.insert(m.name.clone(), Some(m.kind));
                ok.push(m);
            }
        }
    }
    Ok((ok, refused))
}

/// Write checked metrics into `bucket`; returns the refused ones (type conflicts).
async fn store_metrics(
    app: &Shared,
    bucket: String,
    metrics: Vec<(usize, Metric)>,
) -> Result<Vec<(usize, Refusal)>, MetricsError> {
    let store = Arc::clone(&app.store);
    tokio::task::spawn_blocking(move || {
        let (ok, refused) = check_types(store.as_ref(), &bucket, metrics)?;
        let ok = merge_counters(ok);
        if !ok.is_empty() {
            let mut text = String::new();
            for m in &ok {
                line(&mut text, m);
            }
            let options = ParseOptions::new(Precision::Nanoseconds, now_nanos());
            store
                .write_line_protocol(&bucket, text.as_bytes(), &options)
                .map_err(|e| MetricsError::internal(format!("writing the metrics failed: {e}")))?;
        }
        Ok(refused)
    })
    .await
    .map_err(|e| MetricsError::internal(format!("writing the metrics failed: {e}")))?
}

async fn body_json(app: &Shared, request: Request) -> Result<Json, MetricsError> {
    let body = read_body(
        request,
        app.config.max_body_bytes,
        app.config.timeouts.body_idle,
    )
    .await?;
    serde_json::from_slice(&body)
        .map_err(|e| MetricsError::bad("invalid_json", format!("the body is not JSON: {e}")))
}

/// `POST /api/v1/metrics`.
pub(crate) async fn write_one(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, MetricsError> {
    let auth = authenticate(&app, request.headers())?;
    let quota =
        app.metric_limits
            .admit(&auth.id, Class::Write, app.config.metrics.write_per_minute)?;
    let body = body_json(&app, request).await?;
    let metric = check(&body, now_nanos()).map_err(|(code, m)| MetricsError::bad(code, m))?;
    let bucket = bucket_for_write(&app, &auth).await?;
    let shown = metric.to_json();
    let refused = store_metrics(&app, bucket.name, vec![(0, metric)]).await?;
    if let Some((_, (code, message))) = refused.into_iter().next() {
        return Err(MetricsError::new(StatusCode::CONFLICT, code, message));
    }
    Ok(answer(
        StatusCode::CREATED,
        &json!({ "data": shown }),
        quota,
    ))
}

/// `POST /api/v1/metrics/batch` `{"metrics": [...]}`: the good metrics are written, the
/// others are counted and given with their index and reason.
pub(crate) async fn write_batch(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, MetricsError> {
    let auth = authenticate(&app, request.headers())?;
    let quota = app.metric_limits.admit(
        &auth.id,
        Class::Batch,
        Some(app.config.metrics.batch_per_minute),
    )?;
    let body = body_json(&app, request).await?;
    let Some(list) = body.get("metrics").and_then(Json::as_array) else {
        return Err(MetricsError::bad(
            "invalid_request",
            "the body is {\"metrics\": [...]}, an array of metrics",
        ));
    };
    if list.len() > MAX_BATCH {
        return Err(MetricsError::bad(
            "batch_too_large",
            format!(
                "the batch has {} metrics; at most {MAX_BATCH} are taken at once: split it",
                list.len()
            ),
        ));
    }
    let now = now_nanos();
    let mut good = Vec::new();
    let mut refused = Vec::new();
    for (i, m) in list.iter().enumerate() {
        match check(m, now) {
            Ok(m) => good.push((i, m)),
            Err(r) => refused.push((i, r)),
        }
    }
    if !good.is_empty() {
        let bucket = bucket_for_write(&app, &auth).await?;
        refused.extend(store_metrics(&app, bucket.name, good).await?);
    }
    refused.sort_by_key(|(i, _)| *i);
    let reasons: Vec<Json> = refused
        .iter()
        .map(|(i, (code, message))| {
            let mut r = Map::new();
            r.insert("index".into(), json!(i));
            r.insert("code".into(), json!(code));
            r.insert("message".into(), json!(message));
            Json::Object(r)
        })
        .collect();
    Ok(answer(
        StatusCode::OK,
        &json!({"data": {
            "accepted": list.len() - refused.len(),
            "rejected": refused.len(),
            "reasons": reasons,
        }}),
        quota,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_checked_by_type() {
        let ok = check(
            &json!({"name": "api.time", "type": "distribution", "value": 1.5,
                    "timestamp": "2024-01-01T00:00:00Z", "tags": {"b": "x y", "a": 1}}),
            0,
        )
        .unwrap();
        assert_eq!(ok.time, 1_704_067_200_000_000_000);
        assert_eq!(
            ok.tags,
            vec![("a".into(), "1".into()), ("b".into(), "x y".into())]
        );
        let code = |j: Json| check(&j, 0).unwrap_err().0;
        assert_eq!(code(json!({"type": "gauge", "value": 1})), "missing_name");
        assert_eq!(
            code(json!({"name": "", "type": "gauge", "value": 1})),
            "missing_name"
        );
        assert_eq!(
            code(json!({"name": "a", "type": "timer", "value": 1})),
            "invalid_type"
        );
        assert_eq!(
            code(json!({"name": "a", "type": "gauge", "value": "1"})),
            "invalid_value"
        );
        assert_eq!(
            code(json!({"name": "a", "type": "set", "value": null})),
            "invalid_value"
        );
        assert_eq!(
            code(json!({"name": "a", "type": "gauge", "value": 1, "timestamp": "yesterday"})),
            "invalid_timestamp"
        );
        assert_eq!(
            code(json!({"name": "a", "type": "gauge", "value": 1, "tags": {"k": ""}})),
            "invalid_tags"
        );
    }

    #[test]
    fn lines_escape_names_tags_and_members() {
        let m = Metric {
            name: "a b,c".into(),
            kind: Kind::Set,
            value: MetricValue::Member("x\"y\\".into()),
            time: 5,
            tags: vec![("k=1".into(), "v w".into())],
        };
        let mut out = String::new();
        line(&mut out, &m);
        assert_eq!(out, "a\\ b\\,c,k\\=1=v\\ w set=\"x\\\"y\\\\\" 5\n");
        let parsed = fluxi::line_protocol_times(
            out.as_bytes(),
            &ParseOptions::new(Precision::Nanoseconds, 0),
        )
        .unwrap();
        assert_eq!(parsed, vec![5]);
    }
}
