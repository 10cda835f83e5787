//! Embedding fluxi in an application: record request latencies with a buffered writer into
//! the embedded store, add a Flux function written in Rust, query the data with Flux and
//! read the results as Arrow record batches.
//!
//! Run it with `cargo run -p fluxi --example embed` (it uses a temporary store and removes
//! it afterwards). The tests run it too (`crates/fluxi/tests/embed_example.rs`).

use fluxi::arrow_array::{Array, Float64Array, StringArray, TimestampNanosecondArray};
use fluxi::{DiskStorage, Engine, Package, Point, Value, WriterOptions};
use std::path::Path;
use std::sync::Arc;

/// 2026-01-01T00:00:00Z in Unix nanoseconds: when the recorded requests start.
pub const START: i64 = 1_767_225_600_000_000_000;

/// The latency of request `i` (one per second) of an endpoint, in milliseconds.
pub fn latency(endpoint: &str, i: i64) -> f64 {
    match endpoint {
        "/api" => 20.0 + (i % 7) as f64 * 3.0,
        _ => 80.0 + (i % 5) as f64 * 10.0,
    }
}

/// One row of the per-minute report.
#[derive(Debug, Clone, PartialEq)]
pub struct Minute {
    /// The endpoint.
    pub endpoint: String,
    /// The end of the minute (aggregateWindow stamps windows with their stop).
    pub time: i64,
    /// The mean latency in milliseconds.
    pub mean_ms: f64,
    /// The grade the Rust function gave it.
    pub grade: String,
}

/// What the example found.
#[derive(Debug)]
pub struct Report {
    /// Points the writer wrote.
    pub written: u64,
    /// Mean latency per endpoint and minute.
    pub minutes: Vec<Minute>,
    /// The annotated CSV of the "slow_minutes" result.
    pub slow_csv: String,
}

/// Requests above this mean latency (ms) make a minute "slow".
const SLOW_MS: f64 = 95.0;

/// Record ten minutes of requests of two endpoints into a store in `dir`, then query them.
pub fn run(dir: &Path) -> Result<Report, Box<dyn std::error::Error>> {
    // A package of Rust functions that scripts import as "app/slo"; the threshold lives
    // in the application, not in the script.
    let slo = Package::new("app/slo").function("grade", "(ms: float) => string", |args| {
        let ms = args.opt_float("ms")?.unwrap_or(f64::NAN);
        Ok(Value::string(if ms > SLOW_MS { "slow" } else { "ok" }))
    });
    let engine = Engine::builder()
        .storage(Arc::new(DiskStorage::open(dir)?))
        .package(slo)
        .build()?;
    let store = engine.storage().ok_or("the engine has a store")?;
    store.create_bucket("app", None)?;

    // The application records one point per request; the writer sends them in batches of
    // 100 and writes whatever is left when it is closed.
    let writer = engine.writer(
        "app",
        WriterOptions {
            batch_size: 100,
            ..WriterOptions::default()
        },
    )?;
    for i in 0..600 {
        for endpoint in ["/api", "/search"] {
            writer.write(
                Point::new("http")
                    .tag("endpoint", endpoint)
                    .field("latency_ms", latency(endpoint, i))
                    .field("status", 200i64)
                    .time(START + i * 1_000_000_000),
            )?;
        }
    }
    let written = writer.close()?.written;

    let results = engine.query(
        r#"
        import "app/slo"

        latency = from(bucket: "app")
            |> range(start: 2026-01-01T00:00:00Z, stop: 2026-01-01T00:10:00Z)
            |> filter(fn: (r) => r._measurement == "http" and r._field == "latency_ms")
            |> aggregateWindow(every: 1m, fn: mean, createEmpty: false)
            |> map(fn: (r) => ({r with grade: slo.grade(ms: r._value)}))

        latency |> yield(name: "per_minute")
        latency
            |> filter(fn: (r) => r.grade == "slow")
            |> keep(columns: ["_time", "endpoint", "_value"])
            |> yield(name: "slow_minutes")
        "#,
    )?;

    // Every table carries its group key and an Arrow record batch.
    let mut minutes = Vec::new();
    let per_minute = results.get("per_minute").ok_or("no per_minute result")?;
    for table in &per_minute.tables {
        let batch = table.batch();
        let column = |name: &str| -> Result<Arc<dyn Array>, Box<dyn std::error::Error>> {
            Ok(Arc::clone(batch.column(batch.schema().index_of(name)?)))
        };
        let (time, value, endpoint, grade) = (
            column("_time")?,
            column("_value")?,
            column("endpoint")?,
            column("grade")?,
        );
        let time = time
            .as_any()
            .downcast_ref::<TimestampNanosecondArray>()
            .ok_or("_time is a time column")?;
        let value = value
            .as_any()
            .downcast_ref::<Float64Array>()
            .ok_or("_value is a float column")?;
        let endpoint = endpoint
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or("endpoint is a string column")?;
        let grade = grade
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or("grade is a string column")?;
        for row in 0..batch.num_rows() {
            minutes.push(Minute {
                endpoint: endpoint.value(row).to_string(),
                time: time.value(row),
                mean_ms: value.value(row),
                grade: grade.value(row).to_string(),
            });
        }
    }
    let slow = results
        .get("slow_minutes")
        .ok_or("no slow_minutes result")?;
    let slow_csv = fluxi::Results::from_results(vec![slow.clone()]).to_csv();
    Ok(Report {
        written,
        minutes,
        slow_csv,
    })
}

#[allow(dead_code)] // the tests call `run` and not `main`
fn main() {
    let dir = std::env::temp_dir().join(format!("fluxi-embed-{}", std::process::id()));
    let outcome = run(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    match outcome {
        Ok(report) => {
            println!("wrote {} points", report.written);
            for m in &report.minutes {
                println!(
                    "{:<8} minute ending {}  mean {:>6.2} ms  {}",
                    m.endpoint,
                    (m.time - START) / 60_000_000_000,
                    m.mean_ms,
                    m.grade
                );
            }
            print!("slow minutes as annotated CSV:\n{}", report.slow_csv);
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
