//! `POST /api/v1/metrics` (one metric), `POST /api/v1/metrics/batch` (up to
//! [`MAX_BATCH`]) and `POST /api/v1/flux/batch` (events and metrics): each metric is
//! checked, then recorded into the token's metrics bucket with `fluxi::metrics::record`
//! (counter increments add up, a name keeps its type).

use super::{answer, authenticate, bucket_for_write, Class, Kind, MetricsError, MAX_BATCH};
use crate::{now_nanos, read_body, rfc3339, Shared};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::metrics::{Event, Metric, MetricError, MetricValue, PropertyValue};
use serde_json::{json, Map, Value as Json};
use std::sync::Arc;

/// Why a metric was refused: its code and message.
type Refusal = (&'static str, String);

/// `fluxi::metrics::record` or `record_events`.
type Recorder<T> = fn(
    &dyn fluxi::Storage,
    &str,
    Vec<T>,
) -> Result<Vec<fluxi::metrics::Refusal>, fluxi::StorageError>;

fn refusal(e: MetricError) -> Refusal {
    (e.code, e.message)
}

/// Check one metric of a request (`now` is its time when it has no `timestamp`).
pub(crate) fn check(metric: &Json, now: i64) -> Result<Metric, Refusal> {
    let Some(obj) = metric.as_object() else {
        return Err((
            "invalid_metric",
            "a metric is a JSON object {name, type, value, timestamp?, tags?}".into(),
        ));
    };
    let name = name_of(obj, "metric")?;
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
        (Kind::Set, Some(Json::String(s))) => MetricValue::Member(s.clone()),
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
        (_, Some(Json::Number(n))) => match n.as_f64() {
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
    let time = time_of(obj, "metric", &name, now)?;
    let tags = tags_of(obj, "metric", &name)?;
    Metric::new(name, kind, value, time, tags).map_err(refusal)
}

/// The `name` of a metric or event: present and a string (checked further by
/// `fluxi::metrics`).
fn name_of(obj: &Map<String, Json>, what: &str) -> Result<String, Refusal> {
    match obj.get("name") {
        None | Some(Json::Null) => Err(("missing_name", format!("the {what} has no name"))),
        Some(Json::String(s)) if s.is_empty() => {
            Err(("missing_name", format!("the {what}'s name is empty")))
        }
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err((
            "invalid_name",
            format!("the {what}'s name must be a string"),
        )),
    }
}

/// The `timestamp` (ISO 8601), `now` without one.
fn time_of(obj: &Map<String, Json>, what: &str, name: &str, now: i64) -> Result<i64, Refusal> {
    match obj.get("timestamp") {
        None | Some(Json::Null) => Ok(now),
        Some(Json::String(t)) => fluxi::parse_time(t).map_err(|_| {
            (
                "invalid_timestamp",
                format!(
                    "{what} {name:?}: timestamp {t:?} is not an ISO 8601 (RFC 3339) time such \
                     as 2024-01-15T10:30:00Z"
                ),
            )
        }),
        Some(other) => Err((
            "invalid_timestamp",
            format!(
                "{what} {name:?}: the timestamp must be an ISO 8601 string such as \
                 2024-01-15T10:30:00Z, not {other}"
            ),
        )),
    }
}

/// The `tags`: an object of strings (numbers and booleans taken as their text).
fn tags_of(
    obj: &Map<String, Json>,
    what: &str,
    name: &str,
) -> Result<Vec<(String, String)>, Refusal> {
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
                                "{what} {name:?}: tag {k:?} has the value {other}; tag values \
                                 are strings"
                            ),
                        ))
                    }
                };
                tags.push((k.clone(), v));
            }
        }
        Some(other) => {
            return Err((
                "invalid_tags",
                format!("{what} {name:?}: tags are an object of strings, not {other}"),
            ))
        }
    }
    Ok(tags)
}

/// Check one event `{name, value?, timestamp?, tags?, properties?}`.
pub(crate) fn check_event(event: &Json, now: i64) -> Result<Event, Refusal> {
    let Some(obj) = event.as_object() else {
        return Err((
            "invalid_event",
            "an event is a JSON object {name, value?, timestamp?, tags?, properties?}".into(),
        ));
    };
    let name = name_of(obj, "event")?;
    let value = match obj.get("value") {
        None | Some(Json::Null) => None,
        Some(Json::Number(n)) => Some(n.as_f64().ok_or_else(|| {
            (
                "invalid_value",
                format!("event {name:?}: the value {n} is not a finite number"),
            )
        })?),
        Some(other) => {
            return Err((
                "invalid_value",
                format!("event {name:?}: the value is a number, not {other}"),
            ))
        }
    };
    let time = time_of(obj, "event", &name, now)?;
    let tags = tags_of(obj, "event", &name)?;
    let mut properties = Vec::new();
    match obj.get("properties") {
        None | Some(Json::Null) => {}
        Some(Json::Object(map)) => {
            for (k, v) in map {
                let v = match v {
                    Json::String(s) => PropertyValue::Text(s.clone()),
                    Json::Bool(b) => PropertyValue::Bool(*b),
                    Json::Number(n) => match n.as_f64() {
                        Some(f) => PropertyValue::Number(f),
                        None => {
                            return Err((
                                "invalid_properties",
                                format!(
                                    "event {name:?}: property {k:?} ({n}) is not a finite number"
                                ),
                            ))
                        }
                    },
                    // A property without a value is left out, as a field cannot be null.
                    Json::Null => continue,
                    other => {
                        return Err((
                            "invalid_properties",
                            format!(
                                "event {name:?}: property {k:?} is {other}; properties are \
                                 strings, numbers or booleans"
                            ),
                        ))
                    }
                };
                properties.push((k.clone(), v));
            }
        }
        Some(other) => {
            return Err((
                "invalid_properties",
                format!("event {name:?}: properties are an object, not {other}"),
            ))
        }
    }
    Event::new(name, value, time, tags, properties).map_err(refusal)
}

/// A metric as the API shows it back.
fn metric_json(m: &Metric) -> Json {
    json!({
        "name": m.name(),
        "type": m.kind().name(),
        "value": match m.value() {
            MetricValue::Number(f) => json!(f),
            MetricValue::Member(s) => json!(s),
        },
        "timestamp": rfc3339(m.time()),
    })
}

/// Record checked metrics (`Ok`) or events into `bucket`; returns the refused ones by
/// their index in `items`.
async fn store<T: Send + 'static>(
    app: &Shared,
    bucket: String,
    items: Vec<(usize, T)>,
    record: Recorder<T>,
) -> Result<Vec<(usize, Refusal)>, MetricsError> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let store = Arc::clone(&app.store);
    tokio::task::spawn_blocking(move || {
        let (index, items): (Vec<usize>, Vec<T>) = items.into_iter().unzip();
        let refused = record(store.as_ref(), &bucket, items)
            .map_err(|e| MetricsError::internal(format!("writing the metrics failed: {e}")))?;
        Ok(refused
            .into_iter()
            .filter_map(|(i, e)| index.get(i).map(|at| (*at, refusal(e))))
            .collect())
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
    let shown = metric_json(&metric);
    let refused = store(&app, bucket.name, vec![(0, metric)], fluxi::metrics::record).await?;
    if let Some((_, (code, message))) = refused.into_iter().next() {
        return Err(MetricsError::new(StatusCode::CONFLICT, code, message));
    }
    Ok(answer(
        StatusCode::CREATED,
        &json!({ "data": shown }),
        quota,
    ))
}

/// What became of a list of a batch: how many were taken, and the refused ones with
/// their index and reason.
struct Outcome {
    accepted: usize,
    refused: Vec<(usize, Refusal)>,
}

impl Outcome {
    fn to_json(&self) -> Json {
        let reasons: Vec<Json> = self
            .refused
            .iter()
            .map(|(i, (code, message))| json!({"index": i, "code": code, "message": message}))
            .collect();
        json!({
            "accepted": self.accepted,
            "rejected": self.refused.len(),
            "reasons": reasons,
        })
    }
}

/// The array `key` of a batch body (absent: empty when `optional`), at most
/// [`MAX_BATCH`] long.
fn list_of<'b>(
    body: &'b Json,
    key: &str,
    optional: bool,
    shape: &str,
) -> Result<&'b [Json], MetricsError> {
    let list = match body.get(key) {
        Some(Json::Array(list)) => list.as_slice(),
        None | Some(Json::Null) if optional => &[],
        _ => {
            return Err(MetricsError::bad(
                "invalid_request",
                format!("the body is {shape}; \"{key}\" must be an array"),
            ))
        }
    };
    if list.len() > MAX_BATCH {
        return Err(MetricsError::bad(
            "batch_too_large",
            format!(
                "the batch has {} {key}; at most {MAX_BATCH} are taken at once: split it",
                list.len()
            ),
        ));
    }
    Ok(list)
}

/// Check each item of `list`, then record the good ones in the token's bucket.
async fn ingest<T: Send + 'static>(
    app: &Shared,
    auth: &crate::meta::Auth,
    list: &[Json],
    now: i64,
    check: fn(&Json, i64) -> Result<T, Refusal>,
    record: Recorder<T>,
) -> Result<Outcome, MetricsError> {
    let mut good = Vec::new();
    let mut refused = Vec::new();
    for (i, item) in list.iter().enumerate() {
        match check(item, now) {
            Ok(x) => good.push((i, x)),
            Err(r) => refused.push((i, r)),
        }
    }
    if !good.is_empty() {
        let bucket = bucket_for_write(app, auth).await?;
        refused.extend(store(app, bucket.name, good, record).await?);
    }
    refused.sort_by_key(|(i, _)| *i);
    Ok(Outcome {
        accepted: list.len() - refused.len(),
        refused,
    })
}

/// A batch request's token, its quota (a batch request counted against it) and body.
async fn batch_request(
    app: &Shared,
    request: Request,
) -> Result<(crate::meta::Auth, Option<super::Quota>, Json), MetricsError> {
    let auth = authenticate(app, request.headers())?;
    let quota = app.metric_limits.admit(
        &auth.id,
        Class::Batch,
        Some(app.config.metrics.batch_per_minute),
    )?;
    let body = body_json(app, request).await?;
    Ok((auth, quota, body))
}

/// `POST /api/v1/metrics/batch` `{"metrics": [...]}`: the good metrics are written, the
/// others are counted and given with their index and reason.
pub(crate) async fn write_batch(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, MetricsError> {
    let (auth, quota, body) = batch_request(&app, request).await?;
    let list = list_of(
        &body,
        "metrics",
        false,
        "{\"metrics\": [...]}, an array of metrics",
    )?;
    let outcome = ingest(
        &app,
        &auth,
        list,
        now_nanos(),
        check,
        fluxi::metrics::record,
    )
    .await?;
    Ok(answer(
        StatusCode::OK,
        &json!({"data": outcome.to_json()}),
        quota,
    ))
}

/// `POST /api/v1/flux/batch` `{"events": [...], "metrics": [...]}` (either may be left
/// out; each at most [`MAX_BATCH`]): events are written as points of their own
/// measurement, metrics as `/api/v1/metrics/batch` writes them.
pub(crate) async fn write_flux_batch(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, MetricsError> {
    let (auth, quota, body) = batch_request(&app, request).await?;
    let shape = "{\"events\": [...], \"metrics\": [...]}";
    if !body.is_object() {
        return Err(MetricsError::bad(
            "invalid_request",
            format!("the body is {shape}"),
        ));
    }
    let events = list_of(&body, "events", true, shape)?;
    let metrics = list_of(&body, "metrics", true, shape)?;
    let now = now_nanos();
    let events = ingest(
        &app,
        &auth,
        events,
        now,
        check_event,
        fluxi::metrics::record_events,
    )
    .await?;
    let metrics = ingest(&app, &auth, metrics, now, check, fluxi::metrics::record).await?;
    Ok(answer(
        StatusCode::OK,
        &json!({"data": {"events": events.to_json(), "metrics": metrics.to_json()}}),
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
        assert_eq!(ok.time(), 1_704_067_200_000_000_000);
        assert_eq!(
            ok.tags(),
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
}
