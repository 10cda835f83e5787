//! `GET /api/v1/metrics` (definitions), `GET /api/v1/metrics/:name` (one, with its
//! number of points) and `GET /api/v1/metrics/:name/query` (aggregations by type over
//! windows), each answered by a Flux program the engine runs with the token's access.

use super::{
    aggregations as allowed_aggregations, answer, authenticate, bucket_for_read, parse_duration,
    Class, Kind, MetricsError,
};
use crate::{now_nanos, rfc3339, Shared};
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use fluxi::{string_literal, Storage, Value};
use serde_json::{json, Map, Value as Json};
use std::collections::BTreeMap;

/// The widest range a definition is looked for in.
const ALL_TIME: &str = "range(start: 1677-09-22T00:00:00Z, stop: 2262-04-11T00:00:00Z)";

/// The most windows one query may ask for (`too_many_windows` above).
pub const MAX_WINDOWS: i64 = 100_000;

/// A metric's definition as the store knows it.
#[derive(Debug, Clone)]
struct Definition {
    name: String,
    kind: Kind,
    tags: Vec<String>,
    first: i64,
    last: i64,
    points: i64,
}

impl Definition {
    fn to_json(&self, with_points: bool) -> Json {
        let mut j = json!({
            "name": self.name,
            "type": self.kind.name(),
            "tags": self.tags,
            "first_seen": rfc3339(self.first),
            "last_seen": rfc3339(self.last),
        });
        if with_points {
            j["data_points"] = json!(self.points);
        }
        j
    }
}

/// Run `source` with `auth`'s access; the results by name.
async fn run(
    app: &Shared,
    auth: &crate::meta::Auth,
    source: String,
) -> Result<fluxi::Results, MetricsError> {
    let engine = app
        .engine
        .with_access(app.access_of(auth))
        .with_now(now_nanos());
    tokio::task::spawn_blocking(move || {
        let program = engine.compile(&source)?;
        engine.execute(&program)
    })
    .await
    .map_err(|e| MetricsError::internal(format!("the query failed: {e}")))?
    .map_err(|e| MetricsError::internal(format!("the query failed: {e}")))
}

fn column(table: &fluxi::Table, row: usize, label: &str) -> Value {
    table
        .column_index(label)
        .map_or(Value::Null, |c| table.value(row, c))
}

fn key_string(table: &fluxi::Table, label: &str) -> Option<String> {
    match column(table, 0, label) {
        Value::String(s) => Some(s.to_string()),
        _ => None,
    }
}

/// The definitions of the metrics in `bucket` (of the one named `only`, when given).
async fn definitions(
    app: &Shared,
    auth: &crate::meta::Auth,
    bucket: &str,
    only: Option<&str>,
) -> Result<Vec<Definition>, MetricsError> {
    let fields = Kind::ALL
        .iter()
        .map(|k| format!("r._field == {}", string_literal(k.name())))
        .collect::<Vec<_>>()
        .join(" or ");
    let measurement = only.map_or(String::new(), |n| {
        format!("r._measurement == {} and ", string_literal(n))
    });
    let source = format!(
        "data = from(bucket: {b})\n  |> {ALL_TIME}\n  |> filter(fn: (r) => {measurement}({fields}))\n\
         data |> count() |> yield(name: \"count\")\n\
         data |> first() |> yield(name: \"first\")\n\
         data |> last() |> yield(name: \"last\")\n",
        b = string_literal(bucket)
    );
    let results = run(app, auth, source).await?;
    let mut defs: BTreeMap<String, Definition> = BTreeMap::new();
    for name in ["count", "first", "last"] {
        let Some(result) = results.get(name) else {
            continue;
        };
        for table in &result.tables {
            if table.num_rows() == 0 {
                continue;
            }
            let (Some(m), Some(kind)) = (
                key_string(table, "_measurement"),
                key_string(table, "_field").and_then(|f| Kind::parse(&f)),
            ) else {
                continue;
            };
            let tags: Vec<String> = table
                .key()
                .columns()
                .iter()
                .map(|c| c.label.to_string())
                .filter(|l| !l.starts_with('_'))
                .collect();
            let d = defs.entry(m.clone()).or_insert_with(|| Definition {
                name: m,
                kind,
                tags: Vec::new(),
                first: i64::MAX,
                last: i64::MIN,
                points: 0,
            });
            for t in tags {
                if !d.tags.contains(&t) {
                    d.tags.push(t);
                }
            }
            for row in 0..table.num_rows() {
                match (
                    name,
                    column(table, row, "_value"),
                    column(table, row, "_time"),
                ) {
                    ("count", Value::Int(n), _) => d.points += n,
                    ("first", _, Value::Time(t)) => d.first = d.first.min(t),
                    ("last", _, Value::Time(t)) => d.last = d.last.max(t),
                    _ => {}
                }
            }
        }
    }
    Ok(defs
        .into_values()
        .map(|mut d| {
            d.tags.sort();
            d
        })
        .collect())
}

/// `GET /api/v1/metrics`.
pub(crate) async fn list_metrics(
    State(app): State<Shared>,
    request: Request,
) -> Result<Response, MetricsError> {
    let auth = authenticate(&app, request.headers())?;
    let defs = match bucket_for_read(&app, &auth)? {
        Some(b) => definitions(&app, &auth, &b.name, None).await?,
        None => Vec::new(),
    };
    let list: Vec<Json> = defs.iter().map(|d| d.to_json(false)).collect();
    Ok(answer(StatusCode::OK, &json!({ "data": list }), None))
}

fn no_metric(name: &str) -> MetricsError {
    MetricsError::new(
        StatusCode::NOT_FOUND,
        "metric_not_found",
        format!("no metric named {name:?} was written"),
    )
}

/// `GET /api/v1/metrics/:name`.
pub(crate) async fn get_metric(
    State(app): State<Shared>,
    Path(name): Path<String>,
    request: Request,
) -> Result<Response, MetricsError> {
    let auth = authenticate(&app, request.headers())?;
    let bucket = bucket_for_read(&app, &auth)?.ok_or_else(|| no_metric(&name))?;
    let defs = definitions(&app, &auth, &bucket.name, Some(&name)).await?;
    let d = defs
        .into_iter()
        .find(|d| d.name == name)
        .ok_or_else(|| no_metric(&name))?;
    Ok(answer(
        StatusCode::OK,
        &json!({ "data": d.to_json(true) }),
        None,
    ))
}

/// A query as asked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ask {
    pub(crate) from: i64,
    pub(crate) to: i64,
    pub(crate) aggregations: Vec<String>,
    /// The interval as given, and in nanoseconds.
    pub(crate) interval: Option<(String, i64)>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) group_by: Option<String>,
    pub(crate) explain: bool,
}

/// A time of `from` or `to`: RFC 3339, `now`, or a negative duration before now (`-1h`).
fn time_param(param: &str, text: &str, now: i64) -> Result<i64, MetricsError> {
    if text == "now" {
        return Ok(now);
    }
    if let Some(d) = text.strip_prefix('-').and_then(parse_duration) {
        return Ok(now.saturating_sub(d));
    }
    fluxi::parse_time(text).map_err(|_| {
        MetricsError::bad(
            "invalid_timestamp",
            format!(
                "`{param}` is {text:?}: give an ISO 8601 time such as 2024-01-15T10:00:00Z, \
                 `now`, or a duration before now such as -24h"
            ),
        )
    })
}

/// Read the query string of a query of a metric of type `kind`.
pub(crate) fn read_ask(
    params: &[(String, String)],
    kind: Kind,
    now: i64,
) -> Result<Ask, MetricsError> {
    let mut from = None;
    let mut to = None;
    let mut aggregations: Vec<String> = Vec::new();
    let mut interval = None;
    let mut tags = Vec::new();
    let mut group_by = None;
    let mut explain = false;
    for (k, v) in params {
        match k.as_str() {
            "from" => from = Some(time_param("from", v, now)?),
            "to" => to = Some(time_param("to", v, now)?),
            "aggregation" => aggregations.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string),
            ),
            "interval" => {
                let n = parse_duration(v).filter(|n| *n > 0).ok_or_else(|| {
                    MetricsError::bad(
                        "invalid_interval",
                        format!(
                            "interval {v:?} is not a duration such as 1m, 5m, 1h or 1d \
                             (units ns, us, ms, s, m, h, d, w)"
                        ),
                    )
                })?;
                interval = Some((v.clone(), n));
            }
            "group_by" => {
                let key = v
                    .strip_prefix("tags.")
                    .filter(|k| !k.is_empty())
                    .ok_or_else(|| {
                        MetricsError::bad(
                            "invalid_group_by",
                            format!("group_by is tags.<key>, such as tags.endpoint, not {v:?}"),
                        )
                    })?;
                group_by = Some(key.to_string());
            }
            "explain" => explain = v == "true" || v == "1",
            other => match other
                .strip_prefix("tags[")
                .and_then(|r| r.strip_suffix(']'))
            {
                Some(key) if !key.is_empty() => tags.push((key.to_string(), v.clone())),
                _ => {
                    return Err(MetricsError::bad(
                        "invalid_parameter",
                        format!(
                            "unknown parameter {other:?}; the parameters are from, to, \
                             aggregation, interval, tags[key], group_by and explain"
                        ),
                    ))
                }
            },
        }
    }
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to.saturating_sub(86_400_000_000_000));
    if from >= to {
        return Err(MetricsError::bad(
            "invalid_time_range",
            format!(
                "`from` ({}) must be before `to` ({})",
                rfc3339(from),
                rfc3339(to)
            ),
        ));
    }
    let allowed = allowed_aggregations(kind);
    if aggregations.is_empty() {
        return Err(MetricsError::bad(
            "invalid_aggregation",
            format!(
                "give an aggregation: a {} takes {}",
                kind.name(),
                allowed.join(", ")
            ),
        ));
    }
    for a in &aggregations {
        if !allowed.contains(&a.as_str()) {
            return Err(MetricsError::bad(
                "invalid_aggregation",
                format!(
                    "aggregation {a:?} does not fit a {}; it takes {}",
                    kind.name(),
                    allowed.join(", ")
                ),
            ));
        }
    }
    let mut seen = Vec::new();
    aggregations.retain(|a| {
        let fresh = !seen.contains(a);
        seen.push(a.clone());
        fresh
    });
    if let Some((text, n)) = &interval {
        let windows = (to - from) / n;
        if windows > MAX_WINDOWS {
            return Err(MetricsError::bad(
                "too_many_windows",
                format!(
                    "interval {text} splits the range into {windows} windows; at most \
                     {MAX_WINDOWS} are answered: widen the interval or narrow the range"
                ),
            ));
        }
    }
    Ok(Ask {
        from,
        to,
        aggregations,
        interval,
        tags,
        group_by,
        explain,
    })
}

/// The Flux function an aggregation applies to each window's rows: a function of the
/// standard library, or the name and definition of one the program defines.
fn aggregate_fn(aggregation: &str, kind: Kind) -> (String, Option<String>) {
    let defined = |name: &str, body: String| {
        (
            name.to_string(),
            Some(format!(
                "{name} = (column, tables=<-) => tables |> {body}\n"
            )),
        )
    };
    let quantile = |name: &str, q: &str| {
        defined(
            name,
            format!("quantile(q: {q}, method: \"exact_mean\", column: column)"),
        )
    };
    match (aggregation, kind) {
        ("avg", _) => ("mean".into(), None),
        ("count", Kind::Set) => defined(
            "count_distinct",
            "distinct(column: column) |> count(column: column)".into(),
        ),
        ("rate", _) => ("sum".into(), None),
        ("p50", _) => quantile("p50", "0.5"),
        ("p90", _) => quantile("p90", "0.9"),
        ("p95", _) => quantile("p95", "0.95"),
        ("p99", _) => quantile("p99", "0.99"),
        (other, _) => (other.into(), None),
    }
}

/// The Flux program of a query of metric `name` of type `kind` in `bucket`: one result
/// per aggregation, named after it, with a row per window (`_time` its start).
pub(crate) fn program(bucket: &str, name: &str, kind: Kind, ask: &Ask) -> String {
    let mut s = String::new();
    for a in &ask.aggregations {
        if let (_, Some(def)) = aggregate_fn(a, kind) {
            s.push_str(&def);
        }
    }
    s.push_str(&format!(
        "data = from(bucket: {})\n  |> range(start: {}, stop: {})\n  |> filter(fn: (r) => r._measurement == {} and r._field == {})\n",
        string_literal(bucket),
        rfc3339(ask.from),
        rfc3339(ask.to),
        string_literal(name),
        string_literal(kind.name()),
    ));
    for (k, v) in &ask.tags {
        s.push_str(&format!(
            "  |> filter(fn: (r) => r[{}] == {})\n",
            string_literal(k),
            string_literal(v)
        ));
    }
    match &ask.group_by {
        Some(k) => s.push_str(&format!("  |> group(columns: [{}])\n", string_literal(k))),
        None => s.push_str("  |> group()\n"),
    }
    let seconds = match &ask.interval {
        Some((_, n)) => *n as f64 / 1e9,
        None => (ask.to - ask.from) as f64 / 1e9,
    };
    for a in &ask.aggregations {
        let (f, _) = aggregate_fn(a, kind);
        s.push_str("data\n");
        match &ask.interval {
            Some((text, _)) => s.push_str(&format!(
                "  |> aggregateWindow(every: {text}, fn: {f}, timeSrc: \"_start\", createEmpty: false)\n"
            )),
            None => s.push_str(&format!(
                "  |> {f}(column: \"_value\")\n  |> map(fn: (r) => ({{r with _time: {}}}))\n",
                rfc3339(ask.from)
            )),
        }
        if a == "rate" {
            s.push_str(&format!(
                "  |> map(fn: (r) => ({{r with _value: float(v: r._value) / {seconds:?}}}))\n"
            ));
        }
        s.push_str(&format!("  |> yield(name: {})\n", string_literal(a)));
    }
    s
}

fn json_number(v: &Value) -> Json {
    match v {
        Value::Int(n) => json!(n),
        Value::UInt(n) => json!(n),
        Value::Float(f) if f.is_finite() => json!(f),
        _ => Json::Null,
    }
}

/// `GET /api/v1/metrics/:name/query`.
pub(crate) async fn query_metric(
    State(app): State<Shared>,
    Path(name): Path<String>,
    Query(params): Query<Vec<(String, String)>>,
    request: Request,
) -> Result<Response, MetricsError> {
    let auth = authenticate(&app, request.headers())?;
    let quota = app.metric_limits.admit(
        &auth.id,
        Class::Query,
        Some(app.config.metrics.query_per_minute),
    )?;
    let bucket = bucket_for_read(&app, &auth)?.ok_or_else(|| no_metric(&name))?;
    let kind = {
        let store = std::sync::Arc::clone(&app.store);
        let (b, n) = (bucket.name.clone(), name.clone());
        tokio::task::spawn_blocking(move || store.field_keys(&b, Some(&n)))
            .await
            .map_err(|e| MetricsError::internal(e.to_string()))?
            .map_err(|e| MetricsError::internal(format!("reading the metric failed: {e}")))?
            .iter()
            .find_map(|f| Kind::parse(f))
            .ok_or_else(|| no_metric(&name))?
    };
    let ask = read_ask(&params, kind, now_nanos())?;
    let source = program(&bucket.name, &name, kind, &ask);
    let aggregation = ask.aggregations.join(",");
    let interval = ask.interval.as_ref().map(|(t, _)| t.clone());
    if ask.explain {
        let engine = app
            .engine
            .with_access(app.access_of(&auth))
            .with_now(now_nanos());
        let src = source.clone();
        let plan = tokio::task::spawn_blocking(move || {
            let program = engine.compile(&src)?;
            engine.explain(&program)
        })
        .await
        .map_err(|e| MetricsError::internal(e.to_string()))?
        .map_err(|e| MetricsError::internal(format!("explaining the query failed: {e}")))?;
        return Ok(answer(
            StatusCode::OK,
            &json!({"data": {"name": name, "aggregation": aggregation, "interval": interval,
                    "flux": source, "plan": plan.to_string()}}),
            quota,
        ));
    }
    let results = run(&app, &auth, source).await?;
    // group -> time -> aggregation -> value
    let mut cells: BTreeMap<String, BTreeMap<i64, Map<String, Json>>> = BTreeMap::new();
    for a in &ask.aggregations {
        let Some(result) = results.get(a) else {
            continue;
        };
        for table in &result.tables {
            if table.num_rows() == 0 {
                continue;
            }
            let group = match &ask.group_by {
                Some(k) => key_string(table, k).unwrap_or_default(),
                None => String::new(),
            };
            for row in 0..table.num_rows() {
                let Value::Time(t) = column(table, row, "_time") else {
                    continue;
                };
                cells
                    .entry(group.clone())
                    .or_default()
                    .entry(t)
                    .or_default()
                    .insert(a.clone(), json_number(&column(table, row, "_value")));
            }
        }
    }
    let single = ask.aggregations.len() == 1;
    let series = |times: BTreeMap<i64, Map<String, Json>>| -> Vec<Json> {
        times
            .into_iter()
            .map(|(t, values)| {
                let mut o = Map::new();
                o.insert("timestamp".into(), json!(rfc3339(t)));
                if single {
                    let v = values.into_iter().next().map_or(Json::Null, |(_, v)| v);
                    o.insert("value".into(), v);
                } else {
                    o.extend(values);
                }
                Json::Object(o)
            })
            .collect()
    };
    let mut data = json!({"name": name, "aggregation": aggregation, "interval": interval});
    if ask.group_by.is_some() {
        let groups: Map<String, Json> = cells
            .into_iter()
            .map(|(g, times)| (g, Json::Array(series(times))))
            .collect();
        data["groups"] = Json::Object(groups);
    } else {
        let times = cells.into_values().next().unwrap_or_default();
        data["series"] = Json::Array(series(times));
    }
    Ok(answer(StatusCode::OK, &json!({ "data": data }), quota))
}
