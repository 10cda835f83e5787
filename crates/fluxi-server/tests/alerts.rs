//! The two tasks of the Flux API guide, unchanged, on a server whose tasks follow a clock
//! the test moves, over 48 simulated hours of generated host metrics: the hourly
//! downsampling task, and a 5-minute high-CPU alert task that writes an alert row and
//! posts it to a webhook (a receiver on 127.0.0.1 started here, the one destination the
//! server's egress allow-list names). Afterwards the downsampled bucket holds exactly the
//! hourly means computed here, the alerts bucket exactly the expected alerts, and the
//! receiver got each alert once. A task posting anywhere else fails with
//! `fluxi::eval::egress_denied` in its log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::*;
use fluxi_server::TaskClock;
use fluxi_tasks::ManualClock;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MINUTE: i64 = 60_000_000_000;
const HOUR: i64 = 60 * MINUTE;
const HOURS: i64 = 48;
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200_000_000_000;
const HOSTS: [&str; 3] = ["web1", "web2", "db1"];

/// CPU use of host `h` at minute `m`: ordinary load, with five-minute spikes over 90 now
/// and then (different per host), and near-misses whose mean stays at 90 or under.
fn usage(h: usize, m: i64) -> f64 {
    let block = m / 5;
    if (block + h as i64 * 3) % 29 == 0 {
        91.0 + (m % 5) as f64
    } else if (block + h as i64) % 31 == 0 {
        88.0 + (m % 5) as f64 // mean 90.0: not over
    } else {
        ((m * 13 + h as i64 * 7) % 60) as f64 + 0.5
    }
}

/// A webhook receiver on 127.0.0.1: keeps each POST's path and body, answers 200.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<(String, String)>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (g, s) = (Arc::clone(&got), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            // Bounded: ends when told, or after 10 minutes whatever happens.
            let deadline = Instant::now() + Duration::from_secs(600);
            while !s.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        stream
                            .set_read_timeout(Some(Duration::from_secs(10)))
                            .unwrap();
                        let mut r = BufReader::new(stream);
                        let mut line = String::new();
                        r.read_line(&mut line).unwrap();
                        let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
                        let mut length = 0;
                        loop {
                            let mut h = String::new();
                            r.read_line(&mut h).unwrap();
                            if h.trim().is_empty() {
                                break;
                            }
                            if let Some((k, v)) = h.split_once(':') {
                                if k.eq_ignore_ascii_case("content-length") {
                                    length = v.trim().parse().unwrap();
                                }
                            }
                        }
                        let mut body = vec![0; length];
                        r.read_exact(&mut body).unwrap();
                        g.lock()
                            .unwrap()
                            .push((path, String::from_utf8(body).unwrap()));
                        let mut stream = r.into_inner();
                        stream
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                            .unwrap();
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Receiver {
            port,
            got,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const DOWNSAMPLE: &str = r#"option task = {name: "downsample-cpu", every: 1h, offset: 5m}

from(bucket: "metrics")
    |> range(start: -task.every)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user")
    |> aggregateWindow(every: 1h, fn: mean)
    |> to(bucket: "downsampled", org: "o")
"#;

/// The alert task; `URL` is replaced by the receiver's address.
const ALERT: &str = r#"import "http"
import "json"

option task = {name: "high-cpu", every: 5m}

from(bucket: "metrics")
    |> range(start: -task.every)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user")
    |> mean()
    |> filter(fn: (r) => r._value > 90.0)
    |> map(
        fn: (r) =>
            ({
                _time: r._stop,
                _measurement: "alerts",
                _field: "usage_user",
                _value: r._value,
                host: r.host,
                sent:
                    http.post(
                        url: "URL",
                        headers: {"Content-Type": "application/json"},
                        data: json.encode(v: {host: r.host, value: r._value, time: r._stop}),
                    ),
            }),
    )
    |> to(bucket: "alerts", org: "o")
"#;

fn runs(s: &Running, token: &str, task: &str, after: i64) -> Vec<Value> {
    let path = format!(
        "/api/v2/tasks/{task}/runs?limit=500&afterTime={}",
        fluxi_tasks::rfc3339(after)
    );
    json_of(&s.call("GET", &path, Some(token), b""))["runs"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits (at most 120 s) until `task` has `want` finished runs scheduled after `after`.
fn wait_runs(s: &Running, token: &str, task: &str, after: i64, want: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = runs(s, token, task, after);
        let done = r
            .iter()
            .filter(|r| ["success", "failed", "canceled"].contains(&r["status"].as_str().unwrap()))
            .count();
        if done >= want || Instant::now() > deadline {
            assert_eq!(done, want, "task {task}: {r:#?}");
            return r;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The rows of annotated CSV, as maps from column name to cell.
fn rows(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut header: Vec<String> = Vec::new();
    for line in csv.lines().map(|l| l.trim_end_matches('\r')) {
        if line.is_empty() {
            header.clear();
            continue;
        }
        let cells: Vec<&str> = line.split(',').collect();
        if header.is_empty() {
            header = cells.iter().map(|c| c.to_string()).collect();
            continue;
        }
        out.push(
            header
                .iter()
                .cloned()
                .zip(cells.iter().map(|c| c.to_string()))
                .collect(),
        );
    }
    out
}

#[test]
fn the_guides_downsampling_and_alert_tasks_run_48_hours_on_a_test_clock() {
    let receiver = Receiver::start();
    let clock = ManualClock::new(T0);
    let allowed = format!("127.0.0.1:{}", receiver.port);
    let s = start_with(tempfile::tempdir().unwrap(), {
        let clock = Arc::clone(&clock);
        move |c| {
            c.task_clock = TaskClock::Manual(clock);
            c.egress = vec![allowed];
            c.tasks.retry_delay = Duration::from_secs(3600);
        }
    });
    let (token, org, _) = s.setup();
    for b in ["metrics", "downsampled", "alerts"] {
        assert_eq!(s.make_bucket(&token, &org, b).status, 201);
    }
    // 48 hours, one point a minute per host.
    for hour in 0..HOURS {
        let mut lines = String::new();
        for m in hour * 60..hour * 60 + 60 {
            for (h, host) in HOSTS.iter().enumerate() {
                lines.push_str(&format!(
                    "cpu,host={host} usage_user={},usage_system=1 {}\n",
                    usage(h, m),
                    T0 + m * MINUTE
                ));
            }
        }
        let a = s.call(
            "POST",
            "/api/v2/write?org=o&bucket=metrics",
            Some(&token),
            lines.as_bytes(),
        );
        assert_eq!(a.status, 204, "{}", a.text());
    }
    let url = format!("http://127.0.0.1:{}/alert", receiver.port);
    let mut ids = Vec::new();
    for flux in [DOWNSAMPLE.to_string(), ALERT.replace("URL", &url)] {
        let a = s.call(
            "POST",
            "/api/v2/tasks",
            Some(&token),
            json!({"orgID": org, "flux": flux}).to_string().as_bytes(),
        );
        assert_eq!(a.status, 201, "{}", a.text());
        ids.push(json_of(&a)["id"].as_str().unwrap().to_string());
    }
    // A task that posts somewhere the allow-list does not name.
    let elsewhere = ALERT
        .replace(
            "URL",
            &format!("http://127.0.0.1:{}/alert", receiver.port + 1),
        )
        .replace("> 90.0", "> 0.0")
        .replace("high-cpu", "elsewhere");
    let a = s.call(
        "POST",
        "/api/v2/tasks",
        Some(&token),
        json!({"orgID": org, "flux": elsewhere, "status": "inactive"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    let denied_task = json_of(&a)["id"].as_str().unwrap().to_string();

    // Six hours at a time (72 alert runs, under the catch-up limit), each step waited
    // for: the clock stops 5 minutes past the hour, when the hourly run (offset 5m) is
    // due.
    for step in 1..=HOURS / 6 {
        let now = T0 + step * 6 * HOUR + 5 * MINUTE;
        clock.set(now);
        wait_runs(&s, &token, &ids[0], now - 6 * HOUR - 5 * MINUTE, 6);
        wait_runs(&s, &token, &ids[1], now - 6 * HOUR, 72);
    }
    // Every scheduled time once, each a success: hours 1..=48, and every 5 minutes from
    // 00:05 to 48:05 (listed in two halves: a listing holds at most 500).
    let scheduled = |id: &str, from: i64, to: i64| -> Vec<i64> {
        let path = format!(
            "/api/v2/tasks/{id}/runs?limit=500&afterTime={}&beforeTime={}",
            fluxi_tasks::rfc3339(from),
            fluxi_tasks::rfc3339(to)
        );
        let list = json_of(&s.call("GET", &path, Some(&token), b""))["runs"]
            .as_array()
            .unwrap()
            .clone();
        assert!(list.iter().all(|r| r["status"] == "success"), "{list:#?}");
        list.iter()
            .map(|r| fluxi::parse_time(r["scheduledFor"].as_str().unwrap()).unwrap())
            .collect()
    };
    let end = T0 + HOURS * HOUR + 6 * MINUTE;
    let mut hourly = scheduled(&ids[0], T0 - 1, end);
    hourly.sort_unstable();
    assert_eq!(
        hourly,
        (1..=HOURS).map(|h| T0 + h * HOUR).collect::<Vec<_>>()
    );
    let mut fives = scheduled(&ids[1], T0 - 1, T0 + 24 * HOUR);
    fives.extend(scheduled(&ids[1], T0 + 24 * HOUR - 1, end));
    fives.sort_unstable();
    assert_eq!(
        fives,
        (1..=HOURS * 12 + 1)
            .map(|w| T0 + w * 5 * MINUTE)
            .collect::<Vec<_>>()
    );

    // Downsampled: each host's mean of each hour at the hour's end.
    let got = rows(
        &s.flux(
            &token,
            "from(bucket: \"downsampled\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-04T00:00:00Z) |> keep(columns: [\"host\", \"_time\", \"_value\"])",
        )
        .text(),
    );
    assert_eq!(got.len(), HOSTS.len() * HOURS as usize);
    for r in &got {
        let h = HOSTS.iter().position(|x| *x == r["host"]).unwrap();
        let end = (fluxi::parse_time(&r["_time"]).unwrap() - T0) / MINUTE;
        let mean: f64 = (end - 60..end).map(|m| usage(h, m)).sum::<f64>() / 60.0;
        let v: f64 = r["_value"].parse().unwrap();
        assert!((v - mean).abs() < 1e-9, "{r:?}: {mean}");
    }

    // Alerts: exactly the five-minute windows whose mean is over 90.
    let mut expected: Vec<(String, i64, f64)> = Vec::new();
    for (h, host) in HOSTS.iter().enumerate() {
        for w in 1..=HOURS * 12 {
            let end = w * 5;
            let mean: f64 = (end - 5..end).map(|m| usage(h, m)).sum::<f64>() / 5.0;
            if mean > 90.0 {
                expected.push((host.to_string(), T0 + end * MINUTE, mean));
            }
        }
    }
    expected.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert!(
        expected.len() > 20,
        "the data has alerts: {}",
        expected.len()
    );
    let mut stored: Vec<(String, i64, f64)> = rows(
        &s.flux(
            &token,
            "from(bucket: \"alerts\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-04T00:00:00Z)",
        )
        .text(),
    )
    .into_iter()
    .map(|r| {
        assert_eq!(r["_measurement"], "alerts");
        assert_eq!(r["_field"], "usage_user");
        (
            r["host"].clone(),
            fluxi::parse_time(&r["_time"]).unwrap(),
            r["_value"].parse().unwrap(),
        )
    })
    .collect();
    stored.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert_eq!(stored, expected);

    // The webhook got each alert once, as JSON.
    let mut posted: Vec<(String, i64, f64)> = receiver
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(path, body)| {
            assert_eq!(path, "/alert");
            let j: Value = serde_json::from_str(body).unwrap();
            (
                j["host"].as_str().unwrap().to_string(),
                fluxi::parse_time(j["time"].as_str().unwrap()).unwrap(),
                j["value"].as_f64().unwrap(),
            )
        })
        .collect();
    posted.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert_eq!(posted, expected);

    // The task whose destination is not allowed fails saying so; nothing reached the
    // receiver from it.
    let before = receiver.got.lock().unwrap().len();
    let a = s.call(
        "POST",
        &format!("/api/v2/tasks/{denied_task}/runs"),
        Some(&token),
        br#"{"scheduledFor": "2024-01-01T12:00:00Z"}"#,
    );
    assert_eq!(a.status, 201, "{}", a.text());
    let run = json_of(&a)["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let log = loop {
        let log = s
            .call(
                "GET",
                &format!("/api/v2/tasks/{denied_task}/runs/{run}/logs"),
                Some(&token),
                b"",
            )
            .text();
        if log.contains("egress_denied") || Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(log.contains("fluxi::eval::egress_denied"), "{log}");
    assert!(
        log.contains(&format!("127.0.0.1:{}", receiver.port + 1)),
        "{log}"
    );
    assert_eq!(receiver.got.lock().unwrap().len(), before);
}
