//! Tasks survive SIGKILL: the real `fluxi serve`, scheduling by a clock file the test
//! moves (`--task-clock-file`), runs the Flux API guide's hourly downsampling task and a
//! task that records `tasks.lastSuccess` through 48 simulated hours of host metrics. The
//! server is killed with SIGKILL at pseudo-random moments (while runs are claimed,
//! running, writing, or recorded) and started again on the same data, several times.
//! Afterwards each task's run history has every scheduled hour exactly once, all
//! successful; the downsampled bucket holds exactly the hourly means computed here; and
//! each run saw the previous hour as its task's last success.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_bench::load::server::{onboard, ServerProcess};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

const HOUR: i64 = 3_600_000_000_000;
const HOURS: i64 = 48;
const HOSTS: [&str; 3] = ["web1", "web2", "db1"];

/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200_000_000_000;

struct Server {
    process: ServerProcess,
    token: String,
}

impl Server {
    fn call(&self, method: &str, path: &str, body: &[u8]) -> fluxi_client::Answer {
        let auth = format!("Token {}", self.token);
        fluxi_client::request(
            &self.process.url,
            method,
            path,
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .unwrap()
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> Value {
        let a = self.call(method, path, body.to_string().as_bytes());
        assert!(a.status < 300, "{method} {path}: {} {}", a.status, a.text());
        if a.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&a.body).unwrap()
        }
    }

    fn query(&self, flux: &str) -> String {
        let a = self.call(
            "POST",
            "/api/v2/query?org=acme",
            json!({"query": flux, "dialect": {"annotations": []}})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(a.status, 200, "{}", a.text());
        a.text()
    }
}

/// The server over `data`, scheduling by the clock file. The time limit is off: the
/// clock jumps hours at once, which would pass any limit on it.
fn start(bin: &Path, data: &Path, clock: &Path, token: &str) -> Server {
    let process = ServerProcess::start_with(
        bin,
        data,
        &[
            "--task-clock-file",
            clock.to_str().unwrap(),
            "--task-time-limit",
            "none",
            "--monitoring",
            "false",
        ],
    )
    .unwrap();
    Server {
        process,
        token: token.to_string(),
    }
}

fn set_clock(clock: &Path, t: i64) {
    // Written whole and renamed, so the server never reads half a time.
    let tmp = clock.with_extension("tmp");
    std::fs::write(&tmp, t.to_string()).unwrap();
    std::fs::rename(&tmp, clock).unwrap();
}

/// A host's CPU use at minute `m` since T0 (deterministic, varied).
fn usage(host: usize, m: i64) -> f64 {
    let x = (host as i64 * 7919 + m * 104_729 + m * m * 31) % 1000;
    x as f64 / 10.0
}

/// A small deterministic generator (xorshift), seeded from the wall clock so each run of
/// the test kills at other moments; the seed is printed for reproducing.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

const DOWNSAMPLE: &str = r#"option task = {name: "downsample-cpu", every: 1h, offset: 5m}

from(bucket: "metrics")
    |> range(start: -task.every)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user")
    |> aggregateWindow(every: 1h, fn: mean)
    |> to(bucket: "downsampled", org: "acme")
"#;

const PROBE: &str = r#"import "array"
import "influxdata/influxdb/tasks"

option task = {name: "last-success", every: 1h}

array.from(rows: [{_time: now(), _measurement: "probe", _field: "last",
    _value: int(v: tasks.lastSuccess(orTime: 2000-01-01T00:00:00Z))}])
    |> to(bucket: "probe")
"#;

/// Each task's runs once every one of them is finished and `want` are there (polls; at
/// most 180 s).
fn settled_runs(s: &Server, tasks: &[String], want: usize) -> Vec<Vec<Value>> {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let all: Vec<Vec<Value>> = tasks
            .iter()
            .map(|id| {
                s.json(
                    "GET",
                    &format!("/api/v2/tasks/{id}/runs?limit=500"),
                    &Value::Null,
                )["runs"]
                    .as_array()
                    .unwrap()
                    .clone()
            })
            .collect();
        let done = all.iter().all(|runs| {
            runs.len() >= want
                && runs.iter().all(|r| {
                    ["success", "failed", "canceled"].contains(&r["status"].as_str().unwrap())
                })
        });
        if done || Instant::now() > deadline {
            return all;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn tasks_run_every_scheduled_hour_exactly_once_across_sigkills() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clock = dir.path().join("clock");
    let bin = Path::new(env!("CARGO_BIN_EXE_fluxi"));
    set_clock(&clock, T0);

    let mut s = start(bin, &data, &clock, "");
    let onboarded = onboard(&s.process.url, "metrics").unwrap();
    s.token = onboarded.token.clone();
    let org = s.json("GET", "/api/v2/orgs?org=acme", &Value::Null)["orgs"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for b in ["downsampled", "probe"] {
        s.json("POST", "/api/v2/buckets", &json!({"orgID": org, "name": b}));
    }
    // 48 hours of one point a minute per host, and a field the task filters out.
    for chunk in 0..HOURS {
        let mut lines = String::new();
        for m in chunk * 60..chunk * 60 + 60 {
            let t = T0 + m * 60_000_000_000;
            for (h, host) in HOSTS.iter().enumerate() {
                lines.push_str(&format!(
                    "cpu,host={host} usage_user={},usage_system=1 {t}\n",
                    usage(h, m)
                ));
            }
        }
        let a = s.call(
            "POST",
            "/api/v2/write?org=acme&bucket=metrics",
            lines.as_bytes(),
        );
        assert_eq!(a.status, 204, "{}", a.text());
    }
    let ids: Vec<String> = [DOWNSAMPLE, PROBE]
        .iter()
        .map(|flux| {
            s.json(
                "POST",
                "/api/v2/tasks",
                &json!({"orgID": org, "flux": flux}),
            )["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("task_crash: seed {seed}");
    let mut rng = Rng(seed);
    let mut now = T0;
    let mut kills = 0;
    let end = T0 + HOURS * HOUR + 10 * 60_000_000_000;
    while now < end {
        // Move 1–4 hours on (past the runs' 5-minute offset), then wait 0–150 ms: the
        // scheduler is somewhere in those runs when the kill lands.
        now = (now + (1 + rng.next(4) as i64) * HOUR + 6 * 60_000_000_000).min(end);
        set_clock(&clock, now);
        std::thread::sleep(Duration::from_millis(rng.next(150)));
        if kills < 10 && now < end {
            s.process.kill().unwrap();
            kills += 1;
            s = start(bin, &data, &clock, &onboarded.token);
        }
    }
    assert!(kills >= 8, "only {kills} kills (seed {seed})");

    let all = settled_runs(&s, &ids, HOURS as usize);
    // How many runs a kill interrupted (they say so in their logs): varies with the seed.
    let interrupted = all
        .iter()
        .flatten()
        .filter(|r| r["log"].to_string().contains("running it again"))
        .count();
    eprintln!("task_crash: {kills} kills interrupted {interrupted} runs in progress");
    let want: Vec<i64> = (1..=HOURS).map(|h| T0 + h * HOUR).collect();
    for (id, runs) in ids.iter().zip(&all) {
        let mut times: Vec<i64> = runs
            .iter()
            .map(|r| fluxi::parse_time(r["scheduledFor"].as_str().unwrap()).unwrap())
            .collect();
        times.sort_unstable();
        assert_eq!(
            times, want,
            "task {id}: every hour once (seed {seed}): {runs:#?}"
        );
        let failed: Vec<&Value> = runs.iter().filter(|r| r["status"] != "success").collect();
        assert!(failed.is_empty(), "task {id} (seed {seed}): {failed:#?}");
        let task = s.json("GET", &format!("/api/v2/tasks/{id}"), &Value::Null);
        assert_eq!(task["lastRunStatus"], "success");
        assert_eq!(
            fluxi::parse_time(task["latestCompleted"].as_str().unwrap()).unwrap(),
            T0 + HOURS * HOUR
        );
    }

    // The downsampled bucket: each host's mean of each hour, stamped with the hour's end.
    let csv = s.query(
        "from(bucket: \"downsampled\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-04T00:00:00Z) \
         |> keep(columns: [\"host\", \"_time\", \"_value\", \"_field\"])",
    );
    let mut got: BTreeMap<(String, i64), f64> = BTreeMap::new();
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
        let col = |name: &str| cells[header.iter().position(|h| h == name).unwrap()];
        assert_eq!(col("_field"), "usage_user");
        let key = (
            col("host").to_string(),
            fluxi::parse_time(col("_time")).unwrap(),
        );
        assert!(
            got.insert(key.clone(), col("_value").parse().unwrap())
                .is_none(),
            "{key:?} twice"
        );
    }
    let mut expected: BTreeMap<(String, i64), f64> = BTreeMap::new();
    for (h, host) in HOSTS.iter().enumerate() {
        for hour in 0..HOURS {
            let sum: f64 = (hour * 60..hour * 60 + 60).map(|m| usage(h, m)).sum();
            expected.insert((host.to_string(), T0 + (hour + 1) * HOUR), sum / 60.0);
        }
    }
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "seed {seed}"
    );
    for (k, want) in &expected {
        let g = got[k];
        assert!(
            (g - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{k:?}: {g} != {want}"
        );
    }

    // Each probe run saw the previous hour as the last success (the first: none yet).
    let csv = s.query(
        "from(bucket: \"probe\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-04T00:00:00Z) \
         |> keep(columns: [\"_time\", \"_value\"])",
    );
    let mut probes: Vec<(i64, i64)> = Vec::new();
    for line in csv.lines().map(|l| l.trim_end_matches('\r')) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() < 2 {
            continue;
        }
        if let Ok(t) = fluxi::parse_time(cells[cells.len() - 2]) {
            probes.push((t, cells[cells.len() - 1].parse().unwrap()));
        }
    }
    let expected: Vec<(i64, i64)> = (1..=HOURS)
        .map(|h| {
            let last = if h == 1 {
                946_684_800_000_000_000
            } else {
                T0 + (h - 1) * HOUR
            };
            (T0 + h * HOUR, last)
        })
        .collect();
    assert_eq!(probes, expected, "seed {seed}");
}
