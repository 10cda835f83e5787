//! `fluxi-bench metrics`: the application metrics API of a release `fluxi serve` under
//! load — how many metrics a second `/api/v1/metrics/batch` accepts from concurrent
//! clients sending 500-metric batches, and the latency of `/query` over a day of
//! per-minute distribution data. Every batch answer is checked (all accepted), and the
//! query answers are checked against the data sent.

use crate::load::http::Connection;
use crate::load::server::{onboard, ServerProcess};
use std::path::Path;
use std::time::{Duration, Instant};

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Concurrent clients sending batches.
    pub clients: usize,
    /// Metrics per batch (at most 500).
    pub batch: usize,
    /// How long the clients send.
    pub seconds: f64,
    /// Queries timed after the data is in.
    pub queries: usize,
}

/// 2024-01-15T00:00:00Z.
const DAY0: i64 = 1_705_276_800_000_000_000;
const MINUTE: i64 = 60_000_000_000;
const ENDPOINTS: [&str; 4] = ["/users", "/orders", "/items", "/search"];

fn rfc3339(nanos: i64) -> String {
    fluxi::format_time(nanos)
}

/// The value of the `i`-th point of a client: deterministic, 10..1010.
fn value(client: usize, i: u64) -> f64 {
    let mut x = (client as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    10.0 + (x % 100_000) as f64 / 100.0
}

/// One batch of client `c`: distributions (a response time per endpoint), counters, a
/// set and a gauge, at distinct times per client.
fn batch_body(c: usize, first: u64, n: usize) -> String {
    let mut metrics = Vec::with_capacity(n);
    for k in 0..n as u64 {
        let i = first + k;
        // One point per 10 µs per client, from DAY0.
        let t = DAY0 + i as i64 * 10_000 + c as i64;
        let endpoint = ENDPOINTS[(i % 4) as usize];
        let m = match i % 10 {
            0..=6 => serde_json::json!({"name": "api.response_time", "type": "distribution",
                "value": value(c, i), "timestamp": rfc3339(t),
                "tags": {"endpoint": endpoint, "client": format!("c{c}")}}),
            7 => serde_json::json!({"name": "api.requests", "type": "counter", "value": 1,
                "timestamp": rfc3339(t), "tags": {"endpoint": endpoint}}),
            8 => serde_json::json!({"name": "active.users", "type": "set",
                "value": format!("user-{}", i % 997), "timestamp": rfc3339(t)}),
            _ => serde_json::json!({"name": "queue.depth", "type": "gauge",
                "value": (i % 50) as f64, "timestamp": rfc3339(t), "tags": {"client": format!("c{c}")}}),
        };
        metrics.push(m);
    }
    serde_json::json!({ "metrics": metrics }).to_string()
}

fn post(
    conn: &mut Connection,
    auth: &str,
    path: &str,
    body: &str,
) -> Result<serde_json::Value, String> {
    let a = conn
        .request(
            "POST",
            path,
            &[
                ("Authorization", auth),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    if a.status != 200 && a.status != 201 {
        return Err(format!("{path} answered {}: {}", a.status, a.text()));
    }
    serde_json::from_slice(&a.body).map_err(|e| format!("{path}: not JSON: {e}"))
}

fn get(conn: &mut Connection, auth: &str, path: &str) -> Result<serde_json::Value, String> {
    let a = conn
        .request("GET", path, &[("Authorization", auth)], b"")
        .map_err(|e| e.to_string())?;
    if a.status != 200 {
        return Err(format!("{path} answered {}: {}", a.status, a.text()));
    }
    serde_json::from_slice(&a.body).map_err(|e| format!("{path}: not JSON: {e}"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Runs the benchmark against the binary `fluxi` with data in `dir`; prints the figures.
pub fn run(fluxi: &Path, dir: &Path, shape: Shape) -> Result<(), String> {
    if shape.batch == 0 || shape.batch > 500 {
        return Err(format!("--batch must be 1..=500, not {}", shape.batch));
    }
    let server = ServerProcess::start_with(
        fluxi,
        dir,
        &[
            "--metrics-batch-per-minute",
            "100000000",
            "--metrics-query-per-minute",
            "100000000",
        ],
    )?;
    let onboarded = onboard(&server.url, "b")?;
    let auth = format!("Bearer {}", onboarded.token);
    println!(
        "fluxi serve ({}) at {}, pid {}",
        fluxi.display(),
        server.url,
        server.id()
    );

    // Throughput: `clients` threads send batches for `seconds`.
    let until = Instant::now() + Duration::from_secs_f64(shape.seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..shape.clients {
        let (url, auth) = (server.url.clone(), auth.clone());
        handles.push(std::thread::spawn(
            move || -> Result<(u64, Vec<Duration>), String> {
                let mut conn = Connection::new(&url).map_err(|e| e.to_string())?;
                let mut sent = 0u64;
                let mut took = Vec::new();
                while Instant::now() < until {
                    let body = batch_body(c, sent, shape.batch);
                    let t = Instant::now();
                    let j = post(&mut conn, &auth, "/api/v1/metrics/batch", &body)?;
                    took.push(t.elapsed());
                    let accepted = j["data"]["accepted"].as_u64().unwrap_or(0);
                    if accepted != shape.batch as u64 {
                        return Err(format!(
                            "a batch had {accepted} of {} accepted: {j}",
                            shape.batch
                        ));
                    }
                    sent += shape.batch as u64;
                }
                Ok((sent, took))
            },
        ));
    }
    let mut total = 0u64;
    let mut took = Vec::new();
    for h in handles {
        let (n, t) = h
            .join()
            .map_err(|_| "a client thread panicked".to_string())??;
        total += n;
        took.extend(t);
    }
    let elapsed = started.elapsed().as_secs_f64();
    took.sort_unstable();
    println!(
        "batch: {} clients × {}-metric batches for {:.1} s: {} metrics accepted, {:.0} metrics/s; batch latency p50 {:.1} ms, p95 {:.1} ms",
        shape.clients,
        shape.batch,
        elapsed,
        total,
        total as f64 / elapsed,
        percentile(&took, 0.5).as_secs_f64() * 1e3,
        percentile(&took, 0.95).as_secs_f64() * 1e3,
    );

    // A day of per-minute distribution data: one value per endpoint per minute.
    let mut conn = Connection::new(&server.url).map_err(|e| e.to_string())?;
    let mut day: Vec<(usize, f64)> = Vec::new();
    let mut metrics = Vec::new();
    for minute in 0..1440i64 {
        for (e, endpoint) in ENDPOINTS.iter().enumerate() {
            let v = value(100 + e, minute as u64);
            day.push((minute as usize, v));
            metrics.push(
                serde_json::json!({"name": "checkout.time", "type": "distribution", "value": v,
                "timestamp": rfc3339(DAY0 + minute * MINUTE), "tags": {"endpoint": endpoint}}),
            );
        }
    }
    for chunk in metrics.chunks(500) {
        post(
            &mut conn,
            &auth,
            "/api/v1/metrics/batch",
            &serde_json::json!({"metrics": chunk}).to_string(),
        )?;
    }
    let range = format!(
        "from={}&to={}",
        rfc3339(DAY0),
        rfc3339(DAY0 + 1440 * MINUTE)
    );
    let queries = [
        format!("/api/v1/metrics/checkout.time/query?{range}&aggregation=p95&interval=1h"),
        format!("/api/v1/metrics/checkout.time/query?{range}&aggregation=p50,p95,p99&interval=5m"),
        format!("/api/v1/metrics/checkout.time/query?{range}&aggregation=p95&interval=1h&group_by=tags.endpoint"),
    ];
    // Check one answer: the hourly maximum of the first hour.
    let check = get(
        &mut conn,
        &auth,
        &format!("/api/v1/metrics/checkout.time/query?{range}&aggregation=max&interval=1h"),
    )?;
    let want = day
        .iter()
        .filter(|(m, _)| *m < 60)
        .map(|(_, v)| *v)
        .fold(f64::MIN, f64::max);
    let got = check["data"]["series"][0]["value"]
        .as_f64()
        .unwrap_or(f64::NAN);
    if (got - want).abs() > 1e-9 {
        return Err(format!(
            "the first hour's max is {got}, the data's is {want}"
        ));
    }
    for q in &queries {
        let mut times = Vec::with_capacity(shape.queries);
        for _ in 0..shape.queries {
            let t = Instant::now();
            let j = get(&mut conn, &auth, q)?;
            times.push(t.elapsed());
            if j["data"].is_null() {
                return Err(format!("{q}: {j}"));
            }
        }
        times.sort_unstable();
        println!(
            "query {}: {} runs, p50 {:.1} ms, p95 {:.1} ms",
            q.split('?')
                .nth(1)
                .unwrap_or("")
                .split('&')
                .skip(2)
                .collect::<Vec<_>>()
                .join("&"),
            times.len(),
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.95).as_secs_f64() * 1e3,
        );
    }
    Ok(())
}
