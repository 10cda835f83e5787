//! The application metrics API (`/api/v1/metrics`): gauges, counters, distributions and
//! sets sent as JSON, stored as points of the server's metrics bucket, and queried by
//! aggregations that fit each type, every query compiled to a Flux program run by the
//! engine. docs/metrics.md describes it.
//!
//! Layout in storage: a metric is a measurement named after it, with one field named
//! after its type (`gauge`, `counter`, `distribution` as floats, `set` as strings) and
//! its tags as tags. A filter on the measurement and field is pushed into storage; the
//! field key records the type, so the definitions are read back from the store's schema.

mod ingest;
mod query;

pub(crate) use ingest::{write_batch, write_flux_batch, write_one};
pub(crate) use query::{get_metric, list_metrics, query_metric};

use crate::meta::{Auth, Bucket, Permission};
use crate::{ApiError, App};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use fluxi::Storage;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most metrics one `POST /api/v1/metrics/batch` may hold (`batch_too_large` above).
pub const MAX_BATCH: usize = 500;

/// How the metrics API is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    /// The bucket of each org that metrics go to, unless a token may write exactly one
    /// bucket (then its metrics go there); made on the first write by a token that may
    /// create buckets in its org.
    pub bucket: String,
    /// Batch requests per token per minute.
    pub batch_per_minute: u32,
    /// Query requests per token per minute.
    pub query_per_minute: u32,
    /// Single-metric writes per token per minute (`None`: not limited).
    pub write_per_minute: Option<u32>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            bucket: "metrics".into(),
            batch_per_minute: 10,
            query_per_minute: 60,
            write_per_minute: None,
        }
    }
}

pub(crate) use fluxi::metrics::MetricKind as Kind;

/// The aggregations a query of a metric of type `kind` may ask for.
pub(crate) fn aggregations(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Gauge => &["last", "avg", "min", "max"],
        Kind::Counter => &["sum", "rate"],
        Kind::Distribution => &[
            "avg", "sum", "min", "max", "p50", "p90", "p95", "p99", "count",
        ],
        Kind::Set => &["count"],
    }
}

/// An error answer of the metrics API: `{"error": {"code", "message"}}` with its status
/// (and, for 429, `Retry-After` and the quota headers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub(crate) struct MetricsError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    headers: Vec<(&'static str, String)>,
}

impl MetricsError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        MetricsError {
            status,
            code,
            message: message.into(),
            headers: Vec::new(),
        }
    }

    /// 400 with `code`.
    pub(crate) fn bad(code: &'static str, message: impl Into<String>) -> Self {
        MetricsError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        MetricsError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
    }
}

impl From<ApiError> for MetricsError {
    fn from(e: ApiError) -> Self {
        let code = match e.code {
            "unauthorized" => "unauthorized",
            "forbidden" => "forbidden",
            "not found" => "not_found",
            "request too large" => "request_too_large",
            "request timeout" => "request_timeout",
            "invalid" => "invalid_request",
            _ => "internal_error",
        };
        MetricsError::new(e.status(), code, e.message)
    }
}

impl IntoResponse for MetricsError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut r = crate::json_response(self.status, &body);
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().insert(name, v);
            }
        }
        r
    }
}

/// What a request is counted as by the rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    Write,
    Batch,
    Query,
}

/// The requests of each token in the last minute, per class (a sliding window).
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    seen: Mutex<HashMap<(String, Class), VecDeque<Instant>>>,
}

/// What is left of a token's quota after a request was counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quota {
    limit: u32,
    remaining: u32,
}

const WINDOW: Duration = Duration::from_secs(60);

impl Limiter {
    /// Count a request of `token` (an authorization ID) in `class`, limited to `limit` a
    /// minute (`None`: no limit): the quota left, or 429 with `Retry-After` (whole
    /// seconds until the oldest counted request leaves the window).
    pub(crate) fn admit(
        &self,
        token: &str,
        class: Class,
        limit: Option<u32>,
    ) -> Result<Option<Quota>, MetricsError> {
        let Some(limit) = limit else {
            return Ok(None);
        };
        let now = Instant::now();
        let mut seen = match self.seen.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Forget tokens whose requests all left the window, so the map stays as large
        // as the tokens active in the last minute.
        seen.retain(|_, times| {
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= WINDOW)
            {
                times.pop_front();
            }
            !times.is_empty()
        });
        let times = seen.entry((token.to_string(), class)).or_default();
        let cap = usize::try_from(limit).unwrap_or(usize::MAX);
        if times.len() >= cap {
            let wait = times
                .front()
                .map_or(WINDOW, |t| WINDOW.saturating_sub(now.duration_since(*t)));
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let mut e = MetricsError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "this token made {limit} {} requests in the last minute, its limit; \
                     retry in {secs} s",
                    match class {
                        Class::Write => "metric write",
                        Class::Batch => "batch",
                        Class::Query => "query",
                    }
                ),
            );
            e.headers = vec![
                ("retry-after", secs.max(1).to_string()),
                ("x-ratelimit-limit", limit.to_string()),
                ("x-ratelimit-remaining", "0".to_string()),
            ];
            return Err(e);
        }
        times.push_back(now);
        let used = u32::try_from(times.len()).unwrap_or(u32::MAX);
        Ok(Some(Quota {
            limit,
            remaining: limit.saturating_sub(used),
        }))
    }
}

/// A JSON answer with the quota headers of `quota`.
pub(crate) fn answer(
    status: StatusCode,
    body: &serde_json::Value,
    quota: Option<Quota>,
) -> Response {
    let mut r = crate::json_response(status, body);
    if let Some(q) = quota {
        let h = r.headers_mut();
        h.insert("x-ratelimit-limit", HeaderValue::from(q.limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(q.remaining));
    }
    r
}

/// The token of the request (`Authorization: Bearer <token>`, or `Token <token>`).
pub(crate) fn authenticate(app: &App, headers: &HeaderMap) -> Result<Auth, MetricsError> {
    app.authenticate(headers).map_err(|e| {
        let mut m = MetricsError::from(e);
        if m.code == "unauthorized" {
            m.message =
                "a valid token is required: send the header `Authorization: Bearer <token>`".into();
        }
        m
    })
}

/// The bucket a token's metrics go to: the one bucket its write permissions name, when
/// they name exactly one (a token scoped to an application's bucket); otherwise the
/// configured metrics bucket of the token's org. `Ok(None)`: that bucket does not exist
/// yet.
fn token_bucket(app: &App, auth: &Auth) -> Result<(String, Option<Bucket>), MetricsError> {
    let meta = app.meta();
    let buckets = &meta.records.buckets;
    let mut named: Vec<&Bucket> = Vec::new();
    for p in &auth.permissions {
        if p.action != "write" || p.resource.kind != "buckets" {
            continue;
        }
        let Some(id) = &p.resource.id else {
            // A token that may write every bucket (of an org) has no bucket of its own.
            named.clear();
            break;
        };
        if let Some(b) = buckets.iter().find(|b| &b.id == id) {
            if !named.iter().any(|n| n.id == b.id) {
                named.push(b);
            }
        }
    }
    if let [only] = named.as_slice() {
        if !only.name.starts_with('_') {
            return Ok((only.name.clone(), Some((*only).clone())));
        }
    }
    let name = app.config.metrics.bucket.clone();
    let found = buckets
        .iter()
        .find(|b| b.name == name && b.org_id == auth.org_id)
        .cloned();
    Ok((name, found))
}

/// The metrics bucket for a write by `auth` (see `token_bucket`): it must be writable by
/// the token; when it does not exist yet it is made (in the token's org) if the token may
/// create buckets there.
pub(crate) async fn bucket_for_write(app: &Arc<App>, auth: &Auth) -> Result<Bucket, MetricsError> {
    let (name, existing) = token_bucket(app, auth)?;
    if let Some(b) = existing {
        return if auth.allows(&Permission::on(
            "write",
            "buckets",
            Some(&b.id),
            Some(&b.org_id),
        )) {
            Ok(b)
        } else {
            Err(MetricsError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this token may not write the metrics bucket \"{name}\""),
            ))
        };
    }
    if !auth.allows(&Permission::on(
        "write",
        "buckets",
        None,
        Some(&auth.org_id),
    )) {
        return Err(MetricsError::new(
            StatusCode::NOT_FOUND,
            "bucket_not_found",
            format!(
                "the metrics bucket \"{name}\" does not exist, and this token may not create \
                 buckets in its organization: create the bucket, write with a token that \
                 may write every bucket of the organization, or with a token that may write \
                 one bucket (its metrics go there)"
            ),
        ));
    }
    let org = auth.org_id.clone();
    let exists_in_store = app.meta().records.buckets.iter().any(|b| b.name == name);
    if !exists_in_store {
        let store = Arc::clone(&app.store);
        let n = name.clone();
        let made = tokio::task::spawn_blocking(move || store.create_bucket(&n, None))
            .await
            .map_err(|e| {
                MetricsError::internal(format!("creating the metrics bucket failed: {e}"))
            })?;
        match made {
            Ok(()) => {}
            // Made by a concurrent first write: its record is made below if still missing.
            Err(e) if e.kind() == fluxi::StorageErrorKind::BucketExists => {}
            Err(e) => {
                return Err(MetricsError::internal(format!(
                    "creating the metrics bucket \"{name}\" failed: {e}"
                )))
            }
        }
    } else {
        // Bucket names are unique across the server's store: another org holds it.
        return Err(MetricsError::new(
            StatusCode::CONFLICT,
            "bucket_conflict",
            format!(
                "the metrics bucket \"{name}\" belongs to another organization; give this \
                 token write permission on a bucket of its own organization"
            ),
        ));
    }
    app.change(|m| {
        if let Some(b) = m
            .records
            .buckets
            .iter()
            .find(|b| b.name == name && b.org_id == org)
        {
            return Ok(b.clone());
        }
        let b = Bucket {
            id: m.new_id().map_err(|e| ApiError::internal(e.to_string()))?,
            org_id: org.clone(),
            name: name.clone(),
            description: "application metrics (/api/v1/metrics)".into(),
            created_at: crate::now_nanos(),
            updated_at: 0,
            kind: "user".into(),
        };
        m.records.buckets.push(b.clone());
        Ok(b)
    })
    .map_err(MetricsError::from)
}

/// The metrics bucket for a read by `auth` (see `token_bucket`): `None` when it does not
/// exist yet (no metric was written), 403 when the token may not read it.
pub(crate) fn bucket_for_read(app: &App, auth: &Auth) -> Result<Option<Bucket>, MetricsError> {
    let (name, found) = token_bucket(app, auth)?;
    let Some(b) = found else {
        return Ok(None);
    };
    if auth.allows(&Permission::on(
        "read",
        "buckets",
        Some(&b.id),
        Some(&b.org_id),
    )) {
        Ok(Some(b))
    } else {
        Err(MetricsError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this token may not read the metrics bucket \"{name}\""),
        ))
    }
}

/// A duration of whole units (`90s`, `5m`, `1h30m`, `1d`, `2w`; `ns`, `us`, `ms` too) in
/// nanoseconds; `None` for anything else (months and years, whose length varies, too).
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let n: i64 = text.get(start..i)?.parse().ok()?;
        let ustart = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit: i64 = match text.get(ustart..i)? {
            "ns" => 1,
            "us" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 604_800_000_000_000,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_whole_units() {
        assert_eq!(parse_duration("1m"), Some(60_000_000_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
        assert_eq!(parse_duration("1d"), Some(86_400_000_000_000));
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration("1mo"), None);
        assert_eq!(parse_duration("-1h"), None);
        assert_eq!(parse_duration("99999999999999999w"), None);
    }

    #[test]
    fn the_limiter_refuses_past_the_limit_with_retry_after() {
        let l = Limiter::default();
        for i in 0..3u32 {
            let q = l.admit("t", Class::Batch, Some(3)).unwrap().unwrap();
            assert_eq!(q.remaining, 2 - i);
        }
        let e = l.admit("t", Class::Batch, Some(3)).unwrap_err();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = e
            .headers
            .iter()
            .find(|(n, _)| *n == "retry-after")
            .unwrap()
            .1
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry));
        // Another token and another class have their own quota; no limit is no limit.
        assert!(l.admit("u", Class::Batch, Some(3)).is_ok());
        assert!(l.admit("t", Class::Query, Some(3)).is_ok());
        assert!(l.admit("t", Class::Write, None).unwrap().is_none());
    }
}
