//! [`MetricsApiSink`]: a [`fluxi::metrics::Metrics`] handle's batches posted as JSON to
//! `/api/v1/metrics/batch` of `fluxi serve`'s metrics API.

use crate::error::{ApiError, ClientError};
use crate::http::{Answer, Client, Request};
use crate::sink::{send_with_retries, RetryPolicy, Verdict};
use fluxi::metrics::{Metric, MetricValue, Metrics};
use fluxi::writer::{CheckedPoint, DeliveryError, PointSink, WriterOptions};
use fluxi::StorageError;
use serde_json::{json, Value as Json};
use std::fmt;
use std::time::Duration;

/// The most metrics the server takes in one batch.
const MAX_BATCH: usize = 500;

/// A [`PointSink`] that posts metrics to `/api/v1/metrics/batch` of a `fluxi serve`
/// (at most 500 per request), with `Authorization: Bearer <token>`; the server records
/// them in the token's metrics bucket (see docs/metrics.md). Build a [`Metrics`] handle
/// over it with [`MetricsApiSink::metrics`].
///
/// ```no_run
/// use fluxi::writer::WriterOptions;
/// use fluxi_client::MetricsApiSink;
/// use std::time::Duration;
///
/// let sink = MetricsApiSink::new("http://127.0.0.1:8086", "TOKEN")?;
/// // The server takes 10 batches a minute per token by default: send at most every 6 s.
/// let options = WriterOptions { flush_interval: Duration::from_secs(10), ..WriterOptions::default() };
/// let metrics = sink.metrics(options);
/// metrics.distribution("api.response_time", 145.2, &[("endpoint", "/users")])?;
/// metrics.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// What the server answers decides what the writer does with a batch:
///
/// * 200: written, except the metrics the answer's `reasons` list (a name given another
///   type before): those are dropped and reported as `WriteError::Rejected`.
/// * 429 (the token's batch limit; `Retry-After` honoured), 5xx, or no answer: retried as
///   [`RetryPolicy`] says, then kept buffered.
/// * Any other status (a wrong token, a bucket it may not write): kept buffered, the
///   error reported.
///
/// Each metric is checked when it is recorded ([`Metric::from_point`] and the checks of
/// [`Metric::new`]), so the server refuses none for its shape.
pub struct MetricsApiSink {
    client: Client,
    auth: String,
    retry: RetryPolicy,
}

impl fmt::Debug for MetricsApiSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsApiSink")
            .field("url", &self.client.url().base())
            .field("token", &"(hidden)")
            .field("retry", &self.retry)
            .finish()
    }
}

impl MetricsApiSink {
    /// A sink to the metrics API of the server at `url`, with `token`. Nothing is sent
    /// yet.
    pub fn new(url: &str, token: &str) -> Result<MetricsApiSink, ClientError> {
        if token.is_empty() {
            return Err(ClientError::Invalid(
                "the MetricsApiSink needs a token".into(),
            ));
        }
        Ok(MetricsApiSink {
            client: Client::new(url)?,
            auth: format!("Bearer {token}"),
            retry: RetryPolicy::default(),
        })
    }

    /// How batches the server cannot take now are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> MetricsApiSink {
        self.retry = policy;
        self
    }

    /// How long sending a batch or waiting for the answer may take (default 60 s), and
    /// connecting (default 10 s).
    pub fn timeouts(mut self, io: Duration, connect: Duration) -> MetricsApiSink {
        self.client = self.client.timeout(Some(io)).connect_timeout(connect);
        self
    }

    /// A [`Metrics`] handle over this sink (batches of at most 500).
    pub fn metrics(self, options: WriterOptions) -> Metrics {
        Metrics::with_sink(self, options)
    }

    fn classify(&self, answer: &Answer) -> Verdict {
        let api = ApiError::from_body(answer.status, &answer.body);
        let base = self.client.url().base();
        let error =
            StorageError::Backend(format!("{base} metrics API: {}", error_text(answer, &api)));
        match answer.status {
            429 | 500..=599 => Verdict::Transient(
                error,
                answer
                    .header("retry-after")
                    .and_then(crate::sink::retry_after),
            ),
            401 | 403 => Verdict::Unavailable(StorageError::PermissionDenied(format!(
                "{base} refused the token: {}",
                error_text(answer, &api)
            ))),
            _ => Verdict::Unavailable(error),
        }
    }
}

/// The metrics API's `{"error": {"code", "message"}}` as `code: message`.
fn error_text(answer: &Answer, api: &ApiError) -> String {
    let json: Option<Json> = serde_json::from_slice(&answer.body).ok();
    match json.as_ref().and_then(|j| j.get("error")) {
        Some(e) => format!(
            "{} {}: {}",
            answer.status,
            e.get("code").and_then(Json::as_str).unwrap_or("error"),
            e.get("message").and_then(Json::as_str).unwrap_or("")
        ),
        None => api.to_string(),
    }
}

fn metric_json(m: &Metric) -> Json {
    let value = match m.value() {
        MetricValue::Number(f) => json!(f),
        MetricValue::Member(s) => json!(s),
    };
    let tags: serde_json::Map<String, Json> = m
        .tags()
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    json!({
        "name": m.name(),
        "type": m.kind().name(),
        "value": value,
        "timestamp": fluxi::format_time(m.time()),
        "tags": tags,
    })
}

impl PointSink for MetricsApiSink {
    fn bucket(&self) -> &str {
        "(the token's metrics bucket)"
    }

    fn check(&self, point: &CheckedPoint) -> Result<(), String> {
        Metric::from_point(point).map(|_| ()).map_err(|e| e.message)
    }

    fn write_in_caller(&self) -> bool {
        false
    }

    fn max_batch(&self) -> Option<usize> {
        Some(MAX_BATCH)
    }

    fn write(&self, points: &[CheckedPoint]) -> Result<(), DeliveryError> {
        let mut list = Vec::with_capacity(points.len());
        for (i, p) in points.iter().enumerate() {
            match Metric::from_point(p) {
                Ok(m) => list.push(metric_json(&m)),
                Err(e) => {
                    return Err(DeliveryError::Refused {
                        error: StorageError::Backend(e.to_string()),
                        points: vec![i],
                    })
                }
            }
        }
        let body = json!({ "metrics": list }).to_string();
        let headers = [
            ("Authorization", self.auth.as_str()),
            ("Content-Type", "application/json"),
        ];
        let answer = send_with_retries(
            &self.retry,
            || {
                self.client.send(&Request {
                    method: "POST",
                    path: "/api/v1/metrics/batch",
                    headers: &headers,
                    body: body.as_bytes(),
                })
            },
            |a| self.classify(a),
        )?;
        let json: Json =
            serde_json::from_slice(&answer.body).map_err(|e| DeliveryError::Unavailable {
                error: StorageError::Backend(format!(
                    "the metrics API's answer is not JSON ({e}); was the batch taken?"
                )),
                retry_after: None,
            })?;
        let reasons = json["data"]["reasons"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if reasons.is_empty() {
            return Ok(());
        }
        let refused: Vec<usize> = reasons
            .iter()
            .filter_map(|r| r["index"].as_u64().and_then(|i| usize::try_from(i).ok()))
            .collect();
        let first = &reasons[0];
        Err(DeliveryError::PartlyRefused {
            error: StorageError::Backend(format!(
                "{}: {}",
                first["code"].as_str().unwrap_or("refused"),
                first["message"].as_str().unwrap_or("")
            )),
            points: refused,
        })
    }
}
