//! The server watching itself: every request is counted (served as Prometheus text at
//! `/metrics`) and, unless switched off, recorded as a point in the `_monitoring` bucket
//! through the buffered writer — route, method, status, duration, bytes in and out and
//! the token's ID (never the token). Failed authentications are logged on stderr.

use crate::{now_nanos, Shared};
use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use fluxi::writer::{BufferedWriter, Point, WriterOptions};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The bucket request points go to.
pub const MONITORING_BUCKET: &str = "_monitoring";
/// How long `_monitoring` keeps points: 7 days, as InfluxDB's.
pub const MONITORING_RETENTION_NANOS: i64 = 7 * 24 * 3600 * 1_000_000_000;
/// The measurement of request points.
pub const REQUEST_MEASUREMENT: &str = "http_request";

/// Upper bounds (seconds) of the request-duration histogram's buckets.
const DURATION_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Where a connection comes from (the `ConnectInfo` the server is built with).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    method: String,
    path: String,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct Counter {
    count: u64,
    seconds: f64,
    request_bytes: u64,
    response_bytes: u64,
    /// Requests at most each bound of [`DURATION_BUCKETS`] long (not cumulative).
    buckets: [u64; DURATION_BUCKETS.len()],
}

/// The server's counters and its `_monitoring` writer.
pub(crate) struct Monitor {
    counters: Mutex<BTreeMap<Key, Counter>>,
    auth_failures: AtomicU64,
    writer: Option<BufferedWriter>,
}

impl Monitor {
    /// Counters only, or also points into `_monitoring` through `writer`.
    pub(crate) fn new(writer: Option<BufferedWriter>) -> Monitor {
        Monitor {
            counters: Mutex::new(BTreeMap::new()),
            auth_failures: AtomicU64::new(0),
            writer,
        }
    }

    /// Write what the `_monitoring` writer holds and stop it; the first failure is
    /// returned (the request points of the last moments are then lost, which the caller
    /// logs).
    pub(crate) fn close(&self) -> Result<(), fluxi::writer::WriteError> {
        match &self.writer {
            Some(w) => w.flush().map(|_| ()),
            None => Ok(()),
        }
    }

    fn record(&self, done: &Finished) {
        let key = Key {
            method: done.method.clone(),
            path: done.path.clone(),
            status: done.status,
        };
        let seconds = done.nanos as f64 / 1e9;
        {
            let mut counters = match self.counters.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            let c = counters.entry(key).or_default();
            c.count += 1;
            c.seconds += seconds;
            c.request_bytes += done.request_bytes;
            c.response_bytes += done.response_bytes;
            if let Some(i) = DURATION_BUCKETS.iter().position(|b| seconds <= *b) {
                c.buckets[i] += 1;
            }
        }
        if done.status == StatusCode::UNAUTHORIZED.as_u16() {
            self.auth_failures.fetch_add(1, Ordering::Relaxed);
            // Never the token: the route and who asked.
            let from = done
                .peer
                .map_or_else(|| "an unknown address".to_string(), |p| p.to_string());
            let why = match (done.token_given, done.token_id.is_empty()) {
                (false, _) => " (no token)".to_string(),
                (true, true) => " (a token the server does not know)".to_string(),
                (true, false) => format!(" (authorization {} lacks the permission)", done.token_id),
            };
            eprintln!(
                "fluxi serve: authentication failed: {} {} from {from}{why}",
                done.method, done.path,
            );
        }
        if let Some(w) = &self.writer {
            let point = Point::new(REQUEST_MEASUREMENT)
                .tag("method", done.method.as_str())
                .tag("route", done.path.as_str())
                .tag("status", done.status.to_string())
                .tag(
                    "token_id",
                    if done.token_id.is_empty() {
                        "none"
                    } else {
                        done.token_id.as_str()
                    },
                )
                .field("duration_ns", i64::try_from(done.nanos).unwrap_or(i64::MAX))
                .field(
                    "request_bytes",
                    i64::try_from(done.request_bytes).unwrap_or(i64::MAX),
                )
                .field(
                    "response_bytes",
                    i64::try_from(done.response_bytes).unwrap_or(i64::MAX),
                )
                .time(done.started_at);
            // A full buffer or a failing store must not fail the request being served;
            // the writer counts what it could not keep.
            let _ = w.write(point);
        }
    }

    /// The counters as Prometheus text (exposition format 0.0.4).
    pub(crate) fn prometheus(&self, uptime_seconds: f64, buckets: usize) -> String {
        let counters = match self.counters.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let mut out = String::new();
        let labels = |k: &Key| {
            format!(
                "method=\"{}\",path=\"{}\",status=\"{}\"",
                escape_label(&k.method),
                escape_label(&k.path),
                k.status
            )
        };
        let _ = writeln!(
            out,
            "# HELP http_api_requests_total Requests answered, by method, route and status."
        );
        let _ = writeln!(out, "# TYPE http_api_requests_total counter");
        for (k, c) in &counters {
            let _ = writeln!(out, "http_api_requests_total{{{}}} {}", labels(k), c.count);
        }
        let _ = writeln!(
            out,
            "# HELP http_api_request_duration_seconds Time from a request's arrival to the end of its answer."
        );
        let _ = writeln!(out, "# TYPE http_api_request_duration_seconds histogram");
        for (k, c) in &counters {
            let l = labels(k);
            let mut cumulative = 0;
            for (bound, n) in DURATION_BUCKETS.iter().zip(c.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "http_api_request_duration_seconds_bucket{{{l},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "http_api_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                c.count
            );
            let _ = writeln!(
                out,
                "http_api_request_duration_seconds_sum{{{l}}} {}",
                c.seconds
            );
            let _ = writeln!(
                out,
                "http_api_request_duration_seconds_count{{{l}}} {}",
                c.count
            );
        }
        for (name, help, get) in [
            (
                "http_api_request_bytes_total",
                "Bytes of request bodies received (before decompression).",
                (|c: &Counter| c.request_bytes) as fn(&Counter) -> u64,
            ),
            (
                "http_api_response_bytes_total",
                "Bytes of response bodies sent.",
                |c: &Counter| c.response_bytes,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (k, c) in &counters {
                let _ = writeln!(out, "{name}{{{}}} {}", labels(k), get(c));
            }
        }
        let _ = writeln!(
            out,
            "# HELP fluxi_auth_failures_total Requests refused for a missing or unknown token."
        );
        let _ = writeln!(out, "# TYPE fluxi_auth_failures_total counter");
        let _ = writeln!(
            out,
            "fluxi_auth_failures_total {}",
            self.auth_failures.load(Ordering::Relaxed)
        );
        if let Some(w) = &self.writer {
            let s = w.stats();
            let _ = writeln!(
                out,
                "# HELP fluxi_monitoring_points_total Request points written to _monitoring, or dropped.\n# TYPE fluxi_monitoring_points_total counter"
            );
            let _ = writeln!(
                out,
                "fluxi_monitoring_points_total{{outcome=\"written\"}} {}",
                s.written
            );
            let _ = writeln!(
                out,
                "fluxi_monitoring_points_total{{outcome=\"dropped\"}} {}",
                s.dropped + s.rejected
            );
        }
        let _ = writeln!(
            out,
            "# HELP fluxi_uptime_seconds Seconds since the server started.\n# TYPE fluxi_uptime_seconds gauge\nfluxi_uptime_seconds {uptime_seconds}"
        );
        let _ = writeln!(
            out,
            "# HELP fluxi_buckets Buckets in the store.\n# TYPE fluxi_buckets gauge\nfluxi_buckets {buckets}"
        );
        out
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// One answered request.
struct Finished {
    method: String,
    path: String,
    status: u16,
    started_at: i64,
    nanos: u128,
    request_bytes: u64,
    response_bytes: u64,
    token_id: String,
    token_given: bool,
    peer: Option<SocketAddr>,
}

/// Records a request when dropped: with a streamed answer, once the stream ends (or the
/// client goes away).
struct Recorder {
    app: Shared,
    started: Instant,
    done: Finished,
    request_bytes: Arc<AtomicU64>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.done.nanos = self.started.elapsed().as_nanos();
        self.done.request_bytes = self.request_bytes.load(Ordering::Relaxed);
        self.app.monitor.record(&self.done);
    }
}

/// The middleware that counts and records every request.
pub(crate) async fn instrument(
    State(app): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let started_at = now_nanos();
    let method = request.method().to_string();
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<Peer>>()
        .map(|c| c.0 .0);
    let token_given = request
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION);
    let token_id = if token_given {
        app.authenticate(request.headers())
            .map(|a| a.id)
            .unwrap_or_default()
    } else {
        String::new()
    };
    let request_bytes = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&request_bytes);
    let request = request.map(|body| {
        Body::from_stream(body.into_data_stream().inspect(move |chunk| {
            if let Ok(c) = chunk {
                counted.fetch_add(c.len() as u64, Ordering::Relaxed);
            }
        }))
    });
    let response = next.run(request).await;
    let mut recorder = Recorder {
        app: Arc::clone(&app),
        started,
        done: Finished {
            method,
            path,
            status: response.status().as_u16(),
            started_at,
            nanos: 0,
            request_bytes: 0,
            response_bytes: 0,
            token_id,
            token_given,
            peer,
        },
        request_bytes,
    };
    if let Some(n) = response.body().size_hint().exact() {
        // A whole answer: recorded now, the body left as it is (with its length).
        recorder.done.response_bytes = n;
        drop(recorder);
        return response;
    }
    // A streamed answer: counted as it goes, recorded when it ends.
    response.map(|body| {
        Body::from_stream(body.into_data_stream().inspect(move |chunk| {
            // The whole recorder moves into the stream (and is dropped with it).
            let recorder = &mut recorder;
            if let Ok(c) = chunk {
                recorder.done.response_bytes += c.len() as u64;
            }
        }))
    })
}

/// `GET /metrics`: the counters as Prometheus text (no token, as InfluxDB).
pub(crate) async fn metrics(State(app): State<Shared>) -> Response {
    let uptime = app.started_at.elapsed().as_secs_f64();
    let buckets = app.meta().records.buckets.len();
    let text = app.monitor.prometheus(uptime, buckets);
    let mut r = Response::new(Body::from(text));
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// The `_monitoring` writer: a system bucket made when missing, points batched every
/// second (or 1,000 at a time), at most 100,000 waiting (the oldest dropped beyond).
pub(crate) fn monitoring_writer(
    store: &Arc<fluxi::DiskStorage>,
) -> Result<BufferedWriter, fluxi::StorageError> {
    use fluxi::Storage;
    if !store.buckets()?.iter().any(|b| b.name == MONITORING_BUCKET) {
        store.create_system_bucket(MONITORING_BUCKET, Some(MONITORING_RETENTION_NANOS))?;
    }
    Ok(BufferedWriter::new(
        Arc::clone(store) as Arc<dyn Storage>,
        MONITORING_BUCKET,
        WriterOptions {
            batch_size: 1_000,
            flush_interval: std::time::Duration::from_secs(1),
            max_buffered: 100_000,
            overflow: fluxi::writer::Overflow::DropOldest,
        },
    ))
}
