//! The `Metrics` handle recording into a local store: every type lands in the layout the
//! server's metrics API reads (a measurement per metric, a field per type), counter
//! increments at one time add up across flushes, values at one time all count, and a
//! name keeps its type — checked with Flux queries over the store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi::metrics::{Metric, MetricKind, MetricValue, Metrics};
use fluxi::{Engine, Value, WriteError, WriterOptions};
use std::time::Duration;

const T0: i64 = 1_705_312_800_000_000_000;

/// The one `_value` of the query's answer, as text.
fn one_value(engine: &Engine, flux: &str) -> String {
    let results = engine.query(flux).unwrap();
    let table = &results.get("_result").unwrap().tables[0];
    let col = table.column_index("_value").unwrap();
    assert_eq!(table.num_rows(), 1, "{flux}");
    match table.value(0, col) {
        Value::Float(f) => format!("float {f}"),
        Value::Int(i) => format!("int {i}"),
        Value::String(s) => format!("string {s}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn metrics_recorded_locally_are_queried_by_type() {
    let engine = Engine::in_memory();
    let store = engine.storage().unwrap();
    store.create_bucket("metrics", None).unwrap();
    let options = WriterOptions {
        batch_size: 100,
        flush_interval: Duration::from_secs(3600),
        ..WriterOptions::default()
    };
    let metrics = Metrics::local(std::sync::Arc::clone(&store), "metrics", options);
    let at = |name: &str, kind, value, tags: &[(&str, &str)]| {
        Metric::new(name, kind, value, T0, tags.iter().copied()).unwrap()
    };
    for v in [2.0, 3.0, 5.0] {
        metrics
            .record(at(
                "jobs",
                MetricKind::Counter,
                MetricValue::Number(v),
                &[("queue", "a")],
            ))
            .unwrap();
        metrics.flush().unwrap();
    }
    for v in [10.0, 20.0, 30.0, 40.0] {
        metrics
            .record(at(
                "latency",
                MetricKind::Distribution,
                MetricValue::Number(v),
                &[],
            ))
            .unwrap();
    }
    for m in ["ann", "bob", "ann"] {
        metrics
            .record(at(
                "users",
                MetricKind::Set,
                MetricValue::Member(m.into()),
                &[],
            ))
            .unwrap();
    }
    metrics.gauge("depth", 4.0, &[("queue", "a")]).unwrap();
    metrics.counter("hits", 1.0, &[]).unwrap();
    metrics.distribution("size", 512.0, &[]).unwrap();
    metrics.set("hosts", "web-1", &[]).unwrap();
    // A name keeps its type: the gauge of a counter's name is refused, the rest written.
    metrics
        .record(at("jobs", MetricKind::Gauge, MetricValue::Number(1.0), &[]))
        .unwrap();
    let err = metrics.flush().unwrap_err();
    assert!(
        matches!(err, WriteError::Rejected { points: 1, .. }),
        "{err}"
    );
    // A metric the layout cannot hold is refused when recorded.
    assert!(matches!(
        metrics.gauge("depth", f64::NAN, &[]).unwrap_err(),
        WriteError::InvalidPoint { .. }
    ));
    let stats = metrics.close().unwrap();
    assert_eq!((stats.written, stats.rejected), (3 + 4 + 3 + 4, 1));

    let base = r#"from(bucket: "metrics") |> range(start: 2024-01-01T00:00:00Z)"#;
    let q = |m: &str, f: &str, tail: &str| {
        format!(
            r#"{base} |> filter(fn: (r) => r._measurement == "{m}" and r._field == "{f}") {tail}"#
        )
    };
    assert_eq!(
        one_value(&engine, &q("jobs", "counter", "|> sum()")),
        "float 10"
    );
    assert_eq!(
        one_value(&engine, &q("jobs", "counter", "|> count()")),
        "int 1"
    );
    assert_eq!(
        one_value(&engine, &q("latency", "distribution", "|> count()")),
        "int 4"
    );
    assert_eq!(
        one_value(&engine, &q("latency", "distribution", "|> mean()")),
        "float 25"
    );
    assert_eq!(
        one_value(&engine, &q("users", "set", "|> distinct() |> count()")),
        "int 2"
    );
    assert_eq!(
        one_value(&engine, &q("depth", "gauge", "|> last()")),
        "float 4"
    );
    assert_eq!(
        one_value(&engine, &q("hosts", "set", "|> last()")),
        "string web-1"
    );
}
