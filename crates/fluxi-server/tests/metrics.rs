//! The application metrics API (`/api/v1/metrics`): writes, batches, definitions,
//! type-aware aggregations checked against values computed here from the raw points,
//! every error code, and the rate limits.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::{json_of, perm, start, token_with, Running};
use fluxi_client::Answer;
use serde_json::{json, Value};

fn call(s: &Running, method: &str, path: &str, token: &str, body: &Value) -> Answer {
    let auth = format!("Bearer {token}");
    let bytes = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    s.call_with(
        method,
        path,
        None,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &bytes,
    )
}

fn error_code(a: &Answer) -> String {
    json_of(a)["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

/// Deterministic pseudo-random numbers in [0, 1000).
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((x >> 33) % 100_000) as f64 / 100.0
        })
        .collect()
}

/// Linear interpolation at q·(n−1) of the sorted values.
fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pos = q * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// 2024-01-15T10:MM:00Z for minute `m` of the hour (m < 60).
fn minute(m: usize) -> String {
    format!("2024-01-15T10:{m:02}:00Z")
}

#[test]
fn single_metrics_are_written_and_refused_with_codes() {
    let s = start();
    let (token, _, _) = s.setup();
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics",
        &token,
        &json!({"name": "api.response_time", "type": "distribution", "value": 145.2,
                "timestamp": "2024-01-15T10:30:00Z", "tags": {"endpoint": "/users"}}),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    assert_eq!(
        json_of(&a),
        json!({"data": {"name": "api.response_time", "type": "distribution", "value": 145.2,
                        "timestamp": "2024-01-15T10:30:00Z"}})
    );
    // Without a timestamp the time is now.
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics",
        &token,
        &json!({"name": "users.online", "type": "gauge", "value": 3}),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    let ts = json_of(&a)["data"]["timestamp"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ts.starts_with("20") && ts.ends_with('Z'), "{ts}");

    let cases = [
        (json!({"type": "gauge", "value": 1}), "missing_name"),
        (
            json!({"name": "x", "type": "timer", "value": 1}),
            "invalid_type",
        ),
        (json!({"name": "x", "value": 1}), "invalid_type"),
        (
            json!({"name": "x", "type": "counter", "value": "ten"}),
            "invalid_value",
        ),
        (
            json!({"name": "x", "type": "set", "value": [1]}),
            "invalid_value",
        ),
        (
            json!({"name": "x", "type": "gauge", "value": 1, "timestamp": "15/01/2024"}),
            "invalid_timestamp",
        ),
        (
            json!({"name": "api.response_time", "type": "gauge", "value": 1}),
            "type_conflict",
        ),
    ];
    for (body, code) in cases {
        let a = call(&s, "POST", "/api/v1/metrics", &token, &body);
        assert!(a.status == 400 || a.status == 409, "{body}: {}", a.text());
        assert_eq!(error_code(&a), code, "{body}: {}", a.text());
        assert!(json_of(&a)["error"]["message"].as_str().unwrap().len() > 10);
    }
    let a = s.call(
        "POST",
        "/api/v1/metrics",
        None,
        json!({"name": "x", "type": "gauge", "value": 1})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.status, 401);
    assert_eq!(error_code(&a), "unauthorized");

    // The metric went to the `metrics` bucket, made on the first write.
    assert!(s.bucket_names(&token).contains(&"metrics".to_string()));
}

#[test]
fn a_token_scoped_to_one_bucket_records_there_and_others_are_told_why() {
    let s = start();
    let (token, org, bucket) = s.setup();
    // A token that may write (and read) one bucket: its metrics go there.
    let (app, _) = token_with(
        &s,
        &token,
        &org,
        vec![
            perm("write", "buckets", Some(&bucket), Some(&org)),
            perm("read", "buckets", Some(&bucket), Some(&org)),
        ],
    );
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics",
        &app,
        &json!({"name": "app.jobs", "type": "counter", "value": 4, "timestamp": "2024-01-15T10:00:00Z"}),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    let list = get(&s, &app, "/api/v1/metrics");
    assert_eq!(list["data"][0]["name"], "app.jobs", "{list}");
    let csv = s
        .flux(
            &token,
            r#"from(bucket: "b") |> range(start: 2024-01-01T00:00:00Z) |> filter(fn: (r) => r._measurement == "app.jobs")"#,
        )
        .text();
    assert!(
        csv.contains(",counter,app.jobs") || csv.contains("app.jobs"),
        "{csv}"
    );
    assert!(csv.contains(",4,"), "{csv}");
    // The operator's metrics go to the `metrics` bucket, not to `b`.
    assert!(!s.bucket_names(&token).contains(&"metrics".to_string()));
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics",
        &token,
        &json!({"name": "ops.jobs", "type": "counter", "value": 1}),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    assert!(s.bucket_names(&token).contains(&"metrics".to_string()));
    let list = get(&s, &app, "/api/v1/metrics");
    assert_eq!(list["data"].as_array().unwrap().len(), 1, "{list}");

    // A token that may write two buckets has no bucket of its own; the metrics bucket
    // is not one of them and it may not create it.
    let made = json_of(&s.make_bucket(&token, &org, "other"));
    let other = made["id"].as_str().unwrap().to_string();
    let (two, _) = token_with(
        &s,
        &token,
        &org,
        vec![
            perm("write", "buckets", Some(&bucket), Some(&org)),
            perm("write", "buckets", Some(&other), Some(&org)),
        ],
    );
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics",
        &two,
        &json!({"name": "x", "type": "gauge", "value": 1}),
    );
    assert_eq!(a.status, 403, "{}", a.text());
    assert_eq!(error_code(&a), "forbidden");
}

#[test]
fn a_token_that_may_not_create_the_bucket_is_told_so() {
    let s = start();
    let (token, org, bucket) = s.setup();
    let made = json_of(&s.make_bucket(&token, &org, "other"));
    let other = made["id"].as_str().unwrap().to_string();
    let (writer, _) = token_with(
        &s,
        &token,
        &org,
        vec![
            perm("write", "buckets", Some(&bucket), Some(&org)),
            perm("write", "buckets", Some(&other), Some(&org)),
        ],
    );
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics",
        &writer,
        &json!({"name": "x", "type": "gauge", "value": 1}),
    );
    assert_eq!(a.status, 404, "{}", a.text());
    assert_eq!(error_code(&a), "bucket_not_found");
}

#[test]
fn counter_increments_sent_one_at_a_time_add_up() {
    let s = start();
    let (token, _, _) = s.setup();
    let increments = [3.0, 4.5, 0.25, 10.0];
    for v in increments {
        let a = call(
            &s,
            "POST",
            "/api/v1/metrics",
            &token,
            &json!({"name": "hits", "type": "counter", "value": v,
                    "timestamp": "2024-01-15T10:00:00Z", "tags": {"page": "/"}}),
        );
        assert_eq!(a.status, 201, "{}", a.text());
    }
    // Another page at the same time is its own counter; a gauge is replaced.
    call(
        &s,
        "POST",
        "/api/v1/metrics",
        &token,
        &json!({"name": "hits", "type": "counter", "value": 100,
                "timestamp": "2024-01-15T10:00:00Z", "tags": {"page": "/about"}}),
    );
    for v in [1.0, 2.0] {
        call(
            &s,
            "POST",
            "/api/v1/metrics",
            &token,
            &json!({"name": "depth", "type": "gauge", "value": v, "timestamp": "2024-01-15T10:00:00Z"}),
        );
    }
    let q = get(
        &s,
        &token,
        "/api/v1/metrics/hits/query?from=2024-01-15T00:00:00Z&to=2024-01-16T00:00:00Z&aggregation=sum&group_by=tags.page",
    );
    let groups = &q["data"]["groups"];
    let expected: f64 = increments.iter().sum();
    assert_eq!(groups["/"][0]["value"].as_f64(), Some(expected), "{q}");
    assert_eq!(groups["/about"][0]["value"].as_f64(), Some(100.0), "{q}");
    let one = get(&s, &token, "/api/v1/metrics/hits");
    assert_eq!(one["data"]["data_points"], 2, "{one}");
    let q = get(
        &s,
        &token,
        "/api/v1/metrics/depth/query?from=2024-01-15T00:00:00Z&to=2024-01-16T00:00:00Z&aggregation=last",
    );
    assert_eq!(q["data"]["series"][0]["value"].as_f64(), Some(2.0), "{q}");
}

#[test]
fn flux_batches_take_events_and_metrics() {
    let s = start();
    let (token, _, _) = s.setup();
    let a = call(
        &s,
        "POST",
        "/api/v1/flux/batch",
        &token,
        &json!({
            "events": [
                {"name": "user.signup", "timestamp": "2024-01-15T10:00:00Z",
                 "tags": {"plan": "pro"}, "properties": {"source": "ad", "age": 31, "trial": true}},
                {"name": "deploy", "value": 2.5, "timestamp": "2024-01-15T10:05:00Z"},
                {"name": "deploy", "timestamp": "2024-01-15T10:06:00Z"},
                {"value": 1},
                {"name": "bad", "properties": {"value": 1}},
                {"name": "api.latency"}
            ],
            "metrics": [
                {"name": "api.latency", "type": "distribution", "value": 12.5, "timestamp": "2024-01-15T10:00:00Z"},
                {"name": "deploy", "type": "gauge", "value": 1},
                {"name": "x", "type": "gauge"}
            ]
        }),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let j = json_of(&a);
    let events = &j["data"]["events"];
    assert_eq!(
        (events["accepted"].as_u64(), events["rejected"].as_u64()),
        (Some(4), Some(2)),
        "{j}"
    );
    let codes: Vec<(u64, &str)> = events["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["index"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [(3, "missing_name"), (4, "invalid_properties")],
        "{j}"
    );
    // `api.latency` was an event first (index 5), so the metric of that name is refused,
    // and `deploy` is an event, so the gauge is refused too.
    let metrics = &j["data"]["metrics"];
    assert_eq!(
        (metrics["accepted"].as_u64(), metrics["rejected"].as_u64()),
        (Some(0), Some(3)),
        "{j}"
    );
    let codes: Vec<&str> = metrics["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["type_conflict", "type_conflict", "invalid_value"],
        "{j}"
    );

    // Each event is a point of its own measurement: value, properties as fields.
    let csv = s
        .flux(
            &token,
            r#"from(bucket: "metrics") |> range(start: 2024-01-15T00:00:00Z, stop: 2024-01-16T00:00:00Z)
                |> filter(fn: (r) => r._measurement == "user.signup" or r._measurement == "deploy")
                |> keep(columns: ["_time", "_measurement", "_field", "_value", "plan"])
                |> toString() |> group() |> sort(columns: ["_measurement", "_field", "_time"])"#,
        )
        .text();
    let rows: Vec<String> = csv
        .lines()
        .filter(|l| l.starts_with(",,0,") || l.starts_with(",_result,0,"))
        .map(|l| l.split(',').skip(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        rows,
        [
            "2024-01-15T10:05:00Z,2.5,value,deploy,",
            "2024-01-15T10:06:00Z,1,value,deploy,",
            "2024-01-15T10:00:00Z,31,age,user.signup,pro",
            "2024-01-15T10:00:00Z,ad,source,user.signup,pro",
            "2024-01-15T10:00:00Z,true,trial,user.signup,pro",
        ],
        "{csv}"
    );
    // Events are not metrics: the definitions list none of them.
    let list = get(&s, &token, "/api/v1/metrics");
    assert_eq!(list["data"].as_array().unwrap().len(), 0, "{list}");

    // Shapes and sizes.
    let too_many: Vec<Value> = (0..501).map(|i| json!({"name": format!("e{i}")})).collect();
    let a = call(
        &s,
        "POST",
        "/api/v1/flux/batch",
        &token,
        &json!({"events": too_many}),
    );
    assert_eq!(
        (a.status, error_code(&a)),
        (400, "batch_too_large".to_string())
    );
    let a = call(
        &s,
        "POST",
        "/api/v1/flux/batch",
        &token,
        &json!({"events": {}}),
    );
    assert_eq!(
        (a.status, error_code(&a)),
        (400, "invalid_request".to_string())
    );
    let a = call(&s, "POST", "/api/v1/flux/batch", &token, &json!({}));
    assert_eq!(a.status, 200, "{}", a.text());
}

#[test]
fn batches_accept_the_good_and_give_reasons_for_the_rest() {
    let s = start();
    let (token, _, _) = s.setup();
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics/batch",
        &token,
        &json!({"metrics": [
            {"name": "jobs.done", "type": "counter", "value": 2, "timestamp": "2024-01-15T10:00:00Z"},
            {"name": "jobs.done", "type": "counter", "value": 3, "timestamp": "2024-01-15T10:00:00Z"},
            {"type": "counter", "value": 1},
            {"name": "visitors", "type": "set", "value": "ann", "timestamp": "2024-01-15T10:00:00Z"},
            {"name": "jobs.done", "type": "gauge", "value": 1},
        ]}),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    let j = json_of(&a);
    assert_eq!(j["data"]["accepted"], 3);
    assert_eq!(j["data"]["rejected"], 2);
    let reasons = j["data"]["reasons"].as_array().unwrap();
    assert_eq!(reasons[0]["index"], 2);
    assert_eq!(reasons[0]["code"], "missing_name");
    assert_eq!(reasons[1]["index"], 4);
    assert_eq!(reasons[1]["code"], "type_conflict");
    // Two increments at the same time and tags are summed, not replaced.
    let a = call(
        &s,
        "GET",
        "/api/v1/metrics/jobs.done/query?from=2024-01-15T00:00:00Z&to=2024-01-16T00:00:00Z&aggregation=sum",
        &token,
        &Value::Null,
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(
        json_of(&a)["data"]["series"][0]["value"],
        5.0,
        "{}",
        a.text()
    );

    let many: Vec<Value> = (0..501)
        .map(|i| json!({"name": "n", "type": "gauge", "value": i}))
        .collect();
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics/batch",
        &token,
        &json!({ "metrics": many }),
    );
    assert_eq!(a.status, 400, "{}", a.text());
    assert_eq!(error_code(&a), "batch_too_large");
    let five_hundred: Vec<Value> = (0..500)
        .map(|i| json!({"name": "n", "type": "gauge", "value": i}))
        .collect();
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics/batch",
        &token,
        &json!({ "metrics": five_hundred }),
    );
    assert_eq!(json_of(&a)["data"]["accepted"], 500, "{}", a.text());
}

/// A distribution of per-minute points for an hour over two endpoints, a counter, a set
/// and a gauge; returns the token and the raw distribution points (minute, endpoint, value).
fn seeded() -> (Running, String, Vec<(usize, &'static str, f64)>) {
    let s = start();
    let (token, _, _) = s.setup();
    let mut raw = Vec::new();
    let users = values(60, 7);
    let orders = values(60, 11);
    for m in 0..60 {
        raw.push((m, "/users", users[m]));
        raw.push((m, "/orders", orders[m]));
    }
    let mut metrics: Vec<Value> = raw
        .iter()
        .map(|(m, e, v)| {
            json!({"name": "api.response_time", "type": "distribution", "value": v,
                   "timestamp": minute(*m), "tags": {"endpoint": e}})
        })
        .collect();
    for m in 0..60 {
        metrics.push(
            json!({"name": "requests", "type": "counter", "value": m % 7,
                            "timestamp": minute(m)}),
        );
        metrics.push(json!({"name": "visitors", "type": "set",
                            "value": format!("user{}", m % 13), "timestamp": minute(m)}));
        metrics.push(
            json!({"name": "queue.depth", "type": "gauge", "value": (m * 37) % 50,
                            "timestamp": minute(m)}),
        );
    }
    for chunk in metrics.chunks(500) {
        let a = call(
            &s,
            "POST",
            "/api/v1/metrics/batch",
            &token,
            &json!({ "metrics": chunk }),
        );
        assert_eq!(json_of(&a)["data"]["rejected"], 0, "{}", a.text());
    }
    (s, token, raw)
}

const HOUR: &str = "from=2024-01-15T10:00:00Z&to=2024-01-15T11:00:00Z";

fn get(s: &Running, token: &str, path: &str) -> Value {
    let a = call(s, "GET", path, token, &Value::Null);
    assert_eq!(a.status, 200, "{path}: {}", a.text());
    json_of(&a)
}

#[test]
fn definitions_list_every_metric_with_its_type_tags_and_times() {
    let (s, token, raw) = seeded();
    let list = get(&s, &token, "/api/v1/metrics");
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["api.response_time", "queue.depth", "requests", "visitors"]
    );
    assert_eq!(
        list["data"][0],
        json!({"name": "api.response_time", "type": "distribution", "tags": ["endpoint"],
               "first_seen": "2024-01-15T10:00:00Z", "last_seen": "2024-01-15T10:59:00Z"})
    );
    let one = get(&s, &token, "/api/v1/metrics/api.response_time");
    assert_eq!(one["data"]["data_points"], raw.len());
    assert_eq!(one["data"]["type"], "distribution");
    let a = call(&s, "GET", "/api/v1/metrics/nothing", &token, &Value::Null);
    assert_eq!(a.status, 404);
    assert_eq!(error_code(&a), "metric_not_found");
}

#[test]
fn percentiles_per_window_match_the_raw_points() {
    let (s, token, raw) = seeded();
    let j = get(
        &s,
        &token,
        &format!(
            "/api/v1/metrics/api.response_time/query?{HOUR}&aggregation=p50,p95,p99&interval=15m"
        ),
    );
    assert_eq!(j["data"]["aggregation"], "p50,p95,p99");
    assert_eq!(j["data"]["interval"], "15m");
    let series = j["data"]["series"].as_array().unwrap();
    assert_eq!(series.len(), 4);
    for (w, bucket) in series.iter().enumerate() {
        assert_eq!(bucket["timestamp"], minute(w * 15));
        let window: Vec<f64> = raw
            .iter()
            .filter(|(m, _, _)| m / 15 == w)
            .map(|r| r.2)
            .collect();
        for (key, q) in [("p50", 0.5), ("p95", 0.95), ("p99", 0.99)] {
            let got = bucket[key].as_f64().unwrap();
            let want = quantile(window.clone(), q);
            assert!(close(got, want), "{key} of window {w}: {got} != {want}");
        }
    }
    // Filtered by a tag, one aggregation: {timestamp, value}.
    let j = get(
        &s,
        &token,
        &format!(
            "/api/v1/metrics/api.response_time/query?{HOUR}&aggregation=avg&interval=1h&tags[endpoint]=/users"
        ),
    );
    let users: Vec<f64> = raw
        .iter()
        .filter(|r| r.1 == "/users")
        .map(|r| r.2)
        .collect();
    let mean = users.iter().sum::<f64>() / users.len() as f64;
    let series = j["data"]["series"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["timestamp"], "2024-01-15T10:00:00Z");
    assert!(close(series[0]["value"].as_f64().unwrap(), mean));
}

/// What `aggregation` gives over `values` (the raw points of one window, in time order).
fn expected(aggregation: &str, values: &[f64], interval_seconds: f64) -> f64 {
    let sum: f64 = values.iter().sum();
    let n = values.len() as f64;
    let fold = |init: f64, f: fn(f64, f64) -> f64| values.iter().copied().fold(init, f);
    match aggregation {
        "avg" => sum / n,
        "sum" => sum,
        "min" => fold(f64::INFINITY, f64::min),
        "max" => fold(f64::NEG_INFINITY, f64::max),
        "last" => *values.last().unwrap(),
        "count" => n,
        "rate" => sum / interval_seconds,
        "p50" => quantile(values.to_vec(), 0.5),
        "p90" => quantile(values.to_vec(), 0.9),
        "p95" => quantile(values.to_vec(), 0.95),
        "p99" => quantile(values.to_vec(), 0.99),
        other => panic!("no expectation for {other}"),
    }
}

#[test]
fn every_aggregation_of_every_type_at_each_interval_matches_the_raw_points() {
    let (s, token, raw) = seeded();
    // The raw points of each metric as (minute, value); sets as distinct members.
    let distribution: Vec<(usize, f64)> = raw.iter().map(|(m, _, v)| (*m, *v)).collect();
    let counter: Vec<(usize, f64)> = (0..60).map(|m| (m, (m % 7) as f64)).collect();
    let gauge: Vec<(usize, f64)> = (0..60).map(|m| (m, ((m * 37) % 50) as f64)).collect();
    let members: Vec<(usize, usize)> = (0..60).map(|m| (m, m % 13)).collect();
    let cases: [(&str, &[&str]); 4] = [
        (
            "api.response_time",
            &[
                "avg", "sum", "min", "max", "p50", "p90", "p95", "p99", "count",
            ],
        ),
        ("requests", &["sum", "rate"]),
        ("queue.depth", &["last", "avg", "min", "max"]),
        ("visitors", &["count"]),
    ];
    for (interval, minutes) in [("1m", 1usize), ("5m", 5), ("1h", 60), ("1d", 1440)] {
        for (name, aggregations) in cases {
            let all = aggregations.join(",");
            let j = get(
                &s,
                &token,
                &format!(
                    "/api/v1/metrics/{name}/query?{HOUR}&aggregation={all}&interval={interval}"
                ),
            );
            let series = j["data"]["series"]
                .as_array()
                .unwrap_or_else(|| panic!("{j}"));
            // Windows start at multiples of the interval since the epoch (10:00 is one of
            // each but 1d's, whose window is cut at the range's start).
            let windows = 60usize.div_ceil(minutes);
            assert_eq!(series.len(), windows, "{name} {interval}: {j}");
            for (w, bucket) in series.iter().enumerate() {
                let start = w * minutes;
                assert_eq!(bucket["timestamp"], minute(start), "{name} {interval} {j}");
                let within = |m: usize| m >= start && m < start + minutes;
                for a in aggregations {
                    // One aggregation answers `value`, several a key each.
                    let key = if aggregations.len() == 1 { "value" } else { a };
                    let got = bucket[key]
                        .as_f64()
                        .unwrap_or_else(|| panic!("{a}: {bucket}"));
                    let want = if name == "visitors" {
                        let mut seen: Vec<usize> = members
                            .iter()
                            .filter(|(m, _)| within(*m))
                            .map(|p| p.1)
                            .collect();
                        seen.sort_unstable();
                        seen.dedup();
                        seen.len() as f64
                    } else {
                        let points = match name {
                            "api.response_time" => &distribution,
                            "requests" => &counter,
                            _ => &gauge,
                        };
                        let values: Vec<f64> = points
                            .iter()
                            .filter(|(m, _)| within(*m))
                            .map(|p| p.1)
                            .collect();
                        expected(a, &values, (minutes * 60) as f64)
                    };
                    assert!(
                        close(got, want),
                        "{name} {a} {interval} window {w}: {got} != {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn group_by_a_tag_gives_a_series_per_value() {
    let (s, token, raw) = seeded();
    let j = get(
        &s,
        &token,
        &format!(
            "/api/v1/metrics/api.response_time/query?{HOUR}&aggregation=max&interval=30m&group_by=tags.endpoint"
        ),
    );
    let groups = j["data"]["groups"].as_object().unwrap();
    assert_eq!(groups.len(), 2);
    for (endpoint, series) in groups {
        let series = series.as_array().unwrap();
        assert_eq!(series.len(), 2);
        for (w, b) in series.iter().enumerate() {
            let want = raw
                .iter()
                .filter(|r| r.1 == endpoint && r.0 / 30 == w)
                .map(|r| r.2)
                .fold(f64::MIN, f64::max);
            assert!(close(b["value"].as_f64().unwrap(), want), "{endpoint} {w}");
        }
    }
}

#[test]
fn counters_rates_sets_and_gauges_aggregate_by_type() {
    let (s, token, _) = seeded();
    // Counter rate: the sum of a window's increments per second of the window.
    let j = get(
        &s,
        &token,
        &format!("/api/v1/metrics/requests/query?{HOUR}&aggregation=sum,rate&interval=10m"),
    );
    let series = j["data"]["series"].as_array().unwrap();
    assert_eq!(series.len(), 6);
    for (w, b) in series.iter().enumerate() {
        let sum: usize = (w * 10..w * 10 + 10).map(|m| m % 7).sum();
        assert!(close(b["sum"].as_f64().unwrap(), sum as f64));
        assert!(close(b["rate"].as_f64().unwrap(), sum as f64 / 600.0));
    }
    // Set count: distinct members per window.
    let j = get(
        &s,
        &token,
        &format!("/api/v1/metrics/visitors/query?{HOUR}&aggregation=count&interval=20m"),
    );
    let series = j["data"]["series"].as_array().unwrap();
    for (w, b) in series.iter().enumerate() {
        let mut members: Vec<usize> = (w * 20..w * 20 + 20).map(|m| m % 13).collect();
        members.sort();
        members.dedup();
        assert_eq!(b["value"], members.len(), "window {w}");
    }
    // Gauge without an interval: one value over the range, at its start.
    let j = get(
        &s,
        &token,
        &format!("/api/v1/metrics/queue.depth/query?{HOUR}&aggregation=last,min"),
    );
    let series = j["data"]["series"].as_array().unwrap();
    assert_eq!(series.len(), 1);
    assert_eq!(series[0]["timestamp"], "2024-01-15T10:00:00Z");
    assert!(close(
        series[0]["last"].as_f64().unwrap(),
        ((59 * 37) % 50) as f64
    ));
    let min = (0..60).map(|m| (m * 37) % 50).min().unwrap();
    assert!(close(series[0]["min"].as_f64().unwrap(), min as f64));
}

#[test]
fn queries_are_checked_and_explained() {
    let (s, token, _) = seeded();
    let bad = [
        ("aggregation=p95", "invalid_aggregation", "queue.depth"),
        (
            "aggregation=avg&interval=fortnight",
            "invalid_interval",
            "queue.depth",
        ),
        (
            "aggregation=avg&from=yesterday",
            "invalid_timestamp",
            "queue.depth",
        ),
        (
            "aggregation=avg&from=2024-01-16T00:00:00Z&to=2024-01-15T00:00:00Z",
            "invalid_time_range",
            "queue.depth",
        ),
        (
            "aggregation=avg&group_by=endpoint",
            "invalid_group_by",
            "queue.depth",
        ),
        (
            "aggregation=avg&interval=1ns",
            "too_many_windows",
            "queue.depth",
        ),
    ];
    for (q, code, metric) in bad {
        let a = call(
            &s,
            "GET",
            &format!("/api/v1/metrics/{metric}/query?{q}"),
            &token,
            &Value::Null,
        );
        assert_eq!(a.status, 400, "{q}: {}", a.text());
        assert_eq!(error_code(&a), code, "{q}");
    }
    let a = call(
        &s,
        "GET",
        "/api/v1/metrics/queue.depth/query?aggregation=p95",
        &token,
        &Value::Null,
    );
    let message = json_of(&a)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("last, avg, min, max"), "{message}");

    let j = get(
        &s,
        &token,
        &format!("/api/v1/metrics/api.response_time/query?{HOUR}&aggregation=p95&interval=5m&explain=true"),
    );
    let flux = j["data"]["flux"].as_str().unwrap();
    assert!(flux.contains("quantile(q: 0.95"), "{flux}");
    assert!(flux.contains("aggregateWindow(every: 5m"), "{flux}");
    assert!(!j["data"]["plan"].as_str().unwrap().is_empty());
    // The program explained is the one that runs: it gives the same answer over /api/v2/query.
    let csv = s.flux(&token, flux);
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert_eq!(csv.text().matches("p95").count(), 12, "{}", csv.text());
}

#[test]
fn the_eleventh_batch_within_a_minute_is_refused_with_retry_after() {
    let s = start();
    let (token, _, _) = s.setup();
    let body = json!({"metrics": [{"name": "x", "type": "gauge", "value": 1}]});
    for i in 0..10 {
        let a = call(&s, "POST", "/api/v1/metrics/batch", &token, &body);
        assert_eq!(a.status, 200, "{i}: {}", a.text());
        assert_eq!(
            a.header("x-ratelimit-remaining"),
            Some((9 - i).to_string().as_str())
        );
    }
    let a = call(&s, "POST", "/api/v1/metrics/batch", &token, &body);
    assert_eq!(a.status, 429, "{}", a.text());
    assert_eq!(error_code(&a), "rate_limited");
    let retry: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(a.header("x-ratelimit-remaining"), Some("0"));
    // Single writes are not limited by default and queries have their own quota.
    let a = call(
        &s,
        "POST",
        "/api/v1/metrics",
        &token,
        &json!({"name": "x", "type": "gauge", "value": 2}),
    );
    assert_eq!(a.status, 201, "{}", a.text());
}
