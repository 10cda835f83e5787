//! A `Metrics` handle recording into a real `fluxi serve` (started in this process on a
//! free loopback port) through its metrics API: every type arrives and aggregates as
//! computed here, counter increments sent in separate batches add up, a type conflict is
//! refused alone, and the token's batch limit keeps points buffered instead of losing
//! them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi::metrics::{Metric, MetricKind, MetricValue};
use fluxi::writer::{WriteError, WriterOptions};
mod served;

use fluxi_client::{request, MetricsApiSink, RetryPolicy};
use serde_json::Value;
use served::{serve_with, Served};
use std::time::Duration;

/// 2024-01-15T10:00:00Z.
const T0: i64 = 1_705_312_800_000_000_000;
const MINUTE: i64 = 60_000_000_000;

fn serve(batch_per_minute: u32) -> Served {
    serve_with("b", |c| c.metrics.batch_per_minute = batch_per_minute)
}

impl Served {
    fn get(&self, path: &str) -> Value {
        let auth = format!("Bearer {}", self.token);
        let a = request(&self.url, "GET", path, &[("Authorization", &auth)], b"").unwrap();
        assert_eq!(a.status, 200, "{path}: {}", a.text());
        serde_json::from_slice(&a.body).unwrap()
    }
}

fn metric(
    name: &str,
    kind: MetricKind,
    value: MetricValue,
    minute: i64,
    tags: &[(&str, &str)],
) -> Metric {
    Metric::new(
        name,
        kind,
        value,
        T0 + minute * MINUTE,
        tags.iter().copied(),
    )
    .unwrap()
}

const RANGE: &str = "from=2024-01-15T00:00:00Z&to=2024-01-16T00:00:00Z";

#[test]
fn every_type_recorded_through_the_api_aggregates_as_computed_here() {
    let s = serve(100);
    let options = WriterOptions {
        batch_size: 1_000,
        flush_interval: Duration::from_secs(3600),
        ..WriterOptions::default()
    };
    let metrics = MetricsApiSink::new(&s.url, &s.token)
        .unwrap()
        .metrics(options);
    // The sink's limit of 500 a batch lowers the writer's batch size.
    assert_eq!(metrics.writer().options().batch_size, 500);

    let latencies: Vec<f64> = (0..700).map(|i| f64::from((i * 37) % 101) + 0.5).collect();
    for (i, v) in latencies.iter().enumerate() {
        let minute = i64::try_from(i % 60).unwrap();
        metrics
            .record(metric(
                "api.latency",
                MetricKind::Distribution,
                MetricValue::Number(*v),
                minute,
                &[("endpoint", "/users")],
            ))
            .unwrap();
    }
    for (i, user) in ["ann", "bob", "ann", "cy", "bob", "dee"].iter().enumerate() {
        let minute = i64::try_from(i).unwrap();
        metrics
            .record(metric(
                "active.users",
                MetricKind::Set,
                MetricValue::Member((*user).into()),
                minute,
                &[],
            ))
            .unwrap();
    }
    // Increments at the same time and tags, in separate batches: they add up.
    for v in [1.0, 2.0, 4.0] {
        metrics
            .record(metric(
                "jobs",
                MetricKind::Counter,
                MetricValue::Number(v),
                0,
                &[],
            ))
            .unwrap();
        metrics.flush().unwrap();
    }
    metrics
        .record(metric(
            "depth",
            MetricKind::Gauge,
            MetricValue::Number(5.0),
            0,
            &[],
        ))
        .unwrap();
    // A name given another type is refused alone; the rest of its batch is written.
    metrics
        .record(metric(
            "depth",
            MetricKind::Counter,
            MetricValue::Number(1.0),
            1,
            &[],
        ))
        .unwrap();
    metrics
        .record(metric(
            "depth",
            MetricKind::Gauge,
            MetricValue::Number(7.0),
            2,
            &[],
        ))
        .unwrap();
    let err = metrics.flush().unwrap_err();
    assert!(
        matches!(&err, WriteError::Rejected { points: 1, error } if error.to_string().contains("type_conflict")),
        "{err}"
    );
    // The handle's own checks refuse a bad metric before it is buffered.
    let bad = metrics.gauge("_internal", 1.0, &[]).unwrap_err();
    assert!(matches!(bad, WriteError::InvalidPoint { .. }), "{bad}");
    let stats = metrics.close().unwrap();
    assert_eq!(stats.written, 700 + 6 + 3 + 2);
    assert_eq!(stats.rejected, 1);

    let q = s.get(&format!(
        "/api/v1/metrics/api.latency/query?{RANGE}&aggregation=p95,count,max"
    ));
    let series = &q["data"]["series"][0];
    let mut sorted = latencies.clone();
    sorted.sort_by(f64::total_cmp);
    let rank = 0.95 * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    let p95 = sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64);
    assert!(
        (series["p95"].as_f64().unwrap() - p95).abs() < 1e-9,
        "{q} vs {p95}"
    );
    assert_eq!(series["count"].as_f64(), Some(700.0), "{q}");
    assert_eq!(series["max"].as_f64(), sorted.last().copied(), "{q}");
    let q = s.get(&format!(
        "/api/v1/metrics/active.users/query?{RANGE}&aggregation=count"
    ));
    assert_eq!(q["data"]["series"][0]["value"].as_f64(), Some(4.0), "{q}");
    let q = s.get(&format!(
        "/api/v1/metrics/jobs/query?{RANGE}&aggregation=sum"
    ));
    assert_eq!(q["data"]["series"][0]["value"].as_f64(), Some(7.0), "{q}");
    let q = s.get(&format!(
        "/api/v1/metrics/depth/query?{RANGE}&aggregation=last"
    ));
    assert_eq!(q["data"]["series"][0]["value"].as_f64(), Some(7.0), "{q}");
    let list = s.get("/api/v1/metrics");
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["active.users", "api.latency", "depth", "jobs"]);
}

#[test]
fn the_batch_limit_keeps_metrics_buffered_until_the_server_takes_them() {
    let s = serve(1);
    let options = WriterOptions {
        batch_size: 10,
        flush_interval: Duration::from_secs(3600),
        ..WriterOptions::default()
    };
    // Retry-After (up to a minute) is longer than this policy waits: the batch is
    // handed back to the writer, which keeps it.
    let sink = MetricsApiSink::new(&s.url, &s.token)
        .unwrap()
        .retry(RetryPolicy {
            max_retries: 1,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_total: Duration::from_secs(5),
        });
    let metrics = sink.metrics(options);
    metrics.gauge("temp", 20.0, &[("room", "a")]).unwrap();
    assert_eq!(metrics.flush().unwrap(), 1);
    metrics.gauge("temp", 21.0, &[("room", "b")]).unwrap();
    let err = metrics.flush().unwrap_err();
    assert!(
        matches!(&err, WriteError::Storage(e) if e.to_string().contains("rate_limited")),
        "{err}"
    );
    let stats = metrics.stats();
    assert_eq!(
        (stats.written, stats.buffered, stats.failed_flushes),
        (1, 1, 1)
    );
    // A wrong token is reported and keeps the metrics too.
    let wrong = MetricsApiSink::new(&s.url, "not-a-token")
        .unwrap()
        .metrics(WriterOptions::default());
    wrong.gauge("temp", 1.0, &[]).unwrap();
    let err = wrong.flush().unwrap_err();
    assert!(
        matches!(&err, WriteError::Storage(e) if e.to_string().contains("401")),
        "{err}"
    );
    assert_eq!(wrong.stats().buffered, 1);
}
