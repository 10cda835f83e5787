//! `/api/v2/tasks` over a server whose tasks follow a clock the test moves: scheduled
//! runs at their times across a restart, the token a task runs with, and the answers to
//! requests that are wrong.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::*;
use fluxi_server::TaskClock;
use fluxi_tasks::ManualClock;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HOUR: i64 = 3_600_000_000_000;

fn t(text: &str) -> i64 {
    fluxi::parse_time(text).unwrap()
}

fn with_clock(clock: &Arc<ManualClock>) -> impl FnOnce(&mut fluxi_server::Config) {
    let clock = Arc::clone(clock);
    move |c| {
        c.task_clock = TaskClock::Manual(clock);
        c.tasks.retry_delay = Duration::from_secs(60);
    }
}

fn create_task(s: &Running, token: &str, org: &str, flux: &str) -> Value {
    let a = s.call(
        "POST",
        "/api/v2/tasks",
        Some(token),
        json!({"orgID": org, "flux": flux}).to_string().as_bytes(),
    );
    assert_eq!(a.status, 201, "{}", a.text());
    json_of(&a)
}

/// The task's runs once `done` of them have finished (polls for at most 60 s).
fn finished_runs(s: &Running, token: &str, task: &str, done: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = json_of(&s.call(
            "GET",
            &format!("/api/v2/tasks/{task}/runs"),
            Some(token),
            b"",
        ))["runs"]
            .as_array()
            .unwrap()
            .clone();
        let finished = runs
            .iter()
            .filter(|r| ["success", "failed", "canceled"].contains(&r["status"].as_str().unwrap()))
            .count();
        if finished >= done || Instant::now() > deadline {
            assert_eq!(finished, done, "{runs:#?}");
            return runs;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn write(s: &Running, token: &str, lines: &str) {
    let a = s.call(
        "POST",
        "/api/v2/write?org=o&bucket=b&precision=s",
        Some(token),
        lines.as_bytes(),
    );
    assert_eq!(a.status, 204, "{}", a.text());
}

#[test]
fn scheduled_runs_happen_at_their_times_on_the_servers_clock_across_a_restart() {
    let clock = ManualClock::new(t("2024-01-01T00:30:00Z"));
    let s = start_with(tempfile::tempdir().unwrap(), with_clock(&clock));
    let (token, org, _) = s.setup();
    assert_eq!(s.make_bucket(&token, &org, "hourly").status, 201);
    // One point a minute from 00:00 to 03:59, value = minutes since midnight.
    let start = t("2024-01-01T00:00:00Z") / 1_000_000_000;
    let lines: String = (0..240)
        .map(|m| format!("cpu,host=a v={m} {}\n", start + 60 * m))
        .collect();
    write(&s, &token, &lines);
    let task = create_task(
        &s,
        &token,
        &org,
        "option task = {name: \"hourly-sum\", every: 1h}\n\
         from(bucket: \"b\")\n  |> range(start: -task.every)\n  |> sum()\n  \
         |> map(fn: (r) => ({r with _time: r._stop}))\n  |> to(bucket: \"hourly\")",
    );
    let id = task["id"].as_str().unwrap().to_string();
    assert_eq!(task["every"], "1h");
    assert_eq!(task["status"], "active");

    // Nothing runs before its time.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(finished_runs(&s, &token, &id, 0).len(), 0);
    clock.set(t("2024-01-01T02:00:00Z"));
    let runs = finished_runs(&s, &token, &id, 2);
    let scheduled: Vec<&str> = runs
        .iter()
        .map(|r| r["scheduledFor"].as_str().unwrap())
        .collect();
    assert_eq!(
        scheduled,
        ["2024-01-01T01:00:00Z", "2024-01-01T02:00:00Z"],
        "{runs:#?}"
    );
    assert!(runs.iter().all(|r| r["status"] == "success"), "{runs:#?}");
    assert!(runs.iter().all(|r| r.get("requestedAt").is_none()));

    // A restart: the time that passed while the server was down is caught up, once.
    let s = s.restart(with_clock(&clock));
    clock.set(t("2024-01-01T04:00:00Z"));
    let runs = finished_runs(&s, &token, &id, 4);
    assert!(runs.iter().all(|r| r["status"] == "success"), "{runs:#?}");
    let hours: Vec<i64> = runs
        .iter()
        .map(|r| fluxi::parse_time(r["scheduledFor"].as_str().unwrap()).unwrap())
        .collect();
    let first = t("2024-01-01T01:00:00Z");
    assert_eq!(hours, (0..4).map(|h| first + h * HOUR).collect::<Vec<_>>());

    // Each hour's sum, as computed here, is in "hourly" once.
    let csv = s.flux(
        &token,
        "from(bucket: \"hourly\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> keep(columns: [\"_time\", \"_value\"])",
    );
    assert_eq!(csv.status, 200, "{}", csv.text());
    let text = csv.text();
    let got: Vec<(String, String)> = text
        .lines()
        .filter(|l| l.contains("2024-01-01T0"))
        .map(|l| {
            let f: Vec<&str> = l.trim_end_matches('\r').split(',').collect();
            (f[f.len() - 2].to_string(), f[f.len() - 1].to_string())
        })
        .collect();
    let want: Vec<(String, String)> = (0..4)
        .map(|h: i64| {
            let sum: i64 = (h * 60..h * 60 + 60).sum();
            (format!("2024-01-01T0{}:00:00Z", h + 1), sum.to_string())
        })
        .collect();
    assert_eq!(got, want, "{text}");

    // The task says how its last run went.
    let task = json_of(&s.call("GET", &format!("/api/v2/tasks/{id}"), Some(&token), b""));
    assert_eq!(task["lastRunStatus"], "success");
    assert_eq!(task["latestCompleted"], "2024-01-01T04:00:00Z");
}

#[test]
fn a_task_runs_with_its_token_and_stops_when_the_token_goes() {
    let clock = ManualClock::new(t("2024-01-01T00:30:00Z"));
    let s = start_with(tempfile::tempdir().unwrap(), with_clock(&clock));
    let (operator, org, b) = s.setup();
    assert_eq!(s.make_bucket(&operator, &org, "hourly").status, 201);
    write(&s, &operator, "cpu v=1 1704067200\n");
    // May read b, write nothing, and manage tasks.
    let (token, auth_id) = token_with(
        &s,
        &operator,
        &org,
        vec![
            perm("read", "buckets", Some(&b), Some(&org)),
            perm("read", "tasks", None, Some(&org)),
            perm("write", "tasks", None, Some(&org)),
        ],
    );
    let flux = "option task = {name: \"copy\", every: 1h, retry: 1}\n\
                from(bucket: \"b\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-01T01:00:00Z) |> to(bucket: \"hourly\")";
    let task = create_task(&s, &token, &org, flux);
    let id = task["id"].as_str().unwrap().to_string();
    assert_eq!(task["authorizationID"], auth_id.as_str());
    assert_eq!(task["ownerID"].as_str().map(str::len), Some(16));

    clock.set(t("2024-01-01T01:00:00Z"));
    // The first attempt fails and waits a minute for its retry.
    let deadline = Instant::now() + Duration::from_secs(60);
    let log = loop {
        let log = json_of(&s.call(
            "GET",
            &format!("/api/v2/tasks/{id}/logs"),
            Some(&token),
            b"",
        ));
        let text = log.to_string();
        if text.contains("retrying in 1m") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(log.contains("permission_denied"), "{log}");
    assert!(log.contains("hourly"), "{log}");
    clock.set(t("2024-01-01T01:01:00Z"));
    let runs = finished_runs(&s, &token, &id, 1);
    assert_eq!(runs[0]["status"], "failed", "{runs:#?}");
    let run = runs[0]["id"].as_str().unwrap();
    let events = json_of(&s.call(
        "GET",
        &format!("/api/v2/tasks/{id}/runs/{run}/logs"),
        Some(&token),
        b"",
    ))["events"]
        .as_array()
        .unwrap()
        .clone();
    let messages: Vec<&str> = events
        .iter()
        .map(|e| e["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.contains("fluxi::storage::permission_denied"))
            .count(),
        2,
        "two attempts, each refused: {messages:#?}"
    );
    assert_eq!(messages.last(), Some(&"Completed(failed)"));
    assert!(events.iter().all(|e| e["runID"] == run));
    // Nothing was written.
    let csv = s
        .flux(
            &operator,
            "from(bucket: \"hourly\") |> range(start: 0) |> count()",
        )
        .text();
    assert!(!csv.contains("_value"), "{csv}");

    // With the token deleted, the next run fails saying so.
    let gone = s.call(
        "DELETE",
        &format!("/api/v2/authorizations/{auth_id}"),
        Some(&operator),
        b"",
    );
    assert_eq!(gone.status, 204);
    let a = s.call(
        "POST",
        &format!("/api/v2/tasks/{id}/runs"),
        Some(&operator),
        br#"{"scheduledFor": "2024-01-01T00:00:00Z"}"#,
    );
    assert_eq!(a.status, 201, "{}", a.text());
    let manual = json_of(&a);
    assert_eq!(manual["scheduledFor"], "2024-01-01T00:00:00Z");
    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let r = json_of(&s.call(
            "GET",
            &format!("/api/v2/tasks/{id}/runs/{}", manual["id"].as_str().unwrap()),
            Some(&operator),
            b"",
        ));
        if r["log"].to_string().contains("was deleted") || Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Its first attempt failed; the log says why (and the retry waits on the clock).
    let text = run["log"].to_string();
    assert!(
        text.contains(&format!("the task's authorization {auth_id} was deleted")),
        "{run:#}"
    );
}

#[test]
fn wrong_task_requests_get_clear_errors() {
    let clock = ManualClock::new(t("2024-01-01T00:30:00Z"));
    let s = start_with(tempfile::tempdir().unwrap(), with_clock(&clock));
    let (token, org, _) = s.setup();
    let call = |method: &str, path: &str, body: &str| {
        let a = s.call(method, path, Some(&token), body.as_bytes());
        (a.status, json_of(&a))
    };
    let cases: Vec<(&str, String, String, u16, &str)> = vec![
        ("POST", "/api/v2/tasks".into(), json!({"orgID": org}).to_string(), 400,
         "failed to decode request: missing flux"),
        ("POST", "/api/v2/tasks".into(), "{not json".into(), 400, "failed to decode request body"),
        ("POST", "/api/v2/tasks".into(), json!({"orgID": org, "flux": "1 + 1"}).to_string(), 400,
         "no task options defined"),
        ("POST", "/api/v2/tasks".into(),
         json!({"orgID": org, "flux": "option task = {name: \"x\", every: 1h, cron: \"* * * * *\"}"}).to_string(),
         400, "cannot use both cron and every in task options"),
        ("POST", "/api/v2/tasks".into(),
         json!({"orgID": org, "status": "paused", "flux": "option task = {name: \"x\", every: 1h}"}).to_string(),
         400, "invalid task status \"paused\""),
        ("POST", "/api/v2/tasks".into(),
         json!({"org": "nope", "flux": "option task = {name: \"x\", every: 1h}"}).to_string(),
         404, "organization name \"nope\" not found"),
        ("GET", "/api/v2/tasks?limit=0".into(), String::new(), 400, "limit must be between 1 and 500"),
        ("GET", "/api/v2/tasks?limit=501".into(), String::new(), 400, "limit must be between 1 and 500"),
        ("GET", "/api/v2/tasks?status=paused".into(), String::new(), 400, "invalid task status"),
        ("GET", "/api/v2/tasks/0123456789abcdef".into(), String::new(), 404, "task not found"),
    ];
    for (method, path, body, status, message) in cases {
        let (got, j) = call(method, &path, &body);
        assert_eq!(got, status, "{method} {path} {body}: {j}");
        assert!(
            j["message"].as_str().unwrap_or("").contains(message),
            "{method} {path} {body}: {j}"
        );
    }
    // Without an org the token's own is used.
    let task = create_task(&s, &token, "", "option task = {name: \"x\", every: 1h}\n1");
    assert_eq!(task["orgID"], org.as_str());
    assert_eq!(task["org"], "o");
    let id = task["id"].as_str().unwrap();
    let (status, j) = call(
        "PATCH",
        &format!("/api/v2/tasks/{id}"),
        r#"{"every": "1s", "cron": "* * * * *"}"#,
    );
    assert_eq!(status, 400, "{j}");
    let (status, j) = call(
        "PATCH",
        &format!("/api/v2/tasks/{id}"),
        r#"{"offset": "1.5s"}"#,
    );
    assert_eq!(status, 400, "{j}");
    let (status, j) = call(
        "POST",
        &format!("/api/v2/tasks/{id}/runs"),
        r#"{"scheduledFor": "yesterday"}"#,
    );
    assert_eq!(status, 400, "{j}");
    assert!(
        j["message"].as_str().unwrap().starts_with("scheduledFor: "),
        "{j}"
    );
    let (status, j) = call(
        "GET",
        &format!("/api/v2/tasks/{id}/runs?afterTime=soon"),
        "",
    );
    assert_eq!(status, 400, "{j}");
    // A PATCH that changes the schedule rewrites the script.
    let (status, j) = call(
        "PATCH",
        &format!("/api/v2/tasks/{id}"),
        r#"{"cron": "0 */6 * * *", "name": "six-hourly"}"#,
    );
    assert_eq!(status, 200, "{j}");
    assert_eq!(j["cron"], "0 */6 * * *");
    assert!(j.get("every").is_none(), "{j}");
    assert_eq!(j["name"], "six-hourly");
    assert!(
        j["flux"]
            .as_str()
            .unwrap()
            .contains("option task = {name: \"six-hourly\", cron: \"0 */6 * * *\"}"),
        "{j}"
    );
}

#[test]
fn finished_runs_are_copied_into_the_tasks_bucket() {
    // Near the wall clock: `_tasks` keeps three days.
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let hour = wall - wall.rem_euclid(HOUR);
    let clock = ManualClock::new(hour + 1);
    let s = start_with(tempfile::tempdir().unwrap(), with_clock(&clock));
    let (token, org, _) = s.setup();
    assert!(s.bucket_names(&token).contains(&"_tasks".to_string()));
    let task = create_task(
        &s,
        &token,
        &org,
        "option task = {name: \"noop\", every: 1h}\nbuckets()",
    );
    let id = task["id"].as_str().unwrap().to_string();
    clock.set(hour + 2 * HOUR);
    let runs = finished_runs(&s, &token, &id, 2);
    // The copy into `_tasks` is written as a run finishes, just after the run's record
    // says it finished: wait (boundedly) until both are there.
    let deadline = Instant::now() + Duration::from_secs(20);
    let text = loop {
        let csv = s.flux(
            &token,
            &format!(
                "from(bucket: \"_tasks\") |> range(start: -7d, stop: 7d) \
                 |> filter(fn: (r) => r._measurement == \"runs\" and r.taskID == \"{id}\") \
                 |> pivot(rowKey: [\"_time\"], columnKey: [\"_field\"], valueColumn: \"_value\") \
                 |> keep(columns: [\"_time\", \"status\", \"runID\", \"scheduledFor\", \"logs\"]) \
                 |> group() |> sort(columns: [\"scheduledFor\"])"
            ),
        );
        assert_eq!(csv.status, 200, "{}", csv.text());
        let text = csv.text();
        let all = runs
            .iter()
            .all(|r| text.contains(r["id"].as_str().unwrap()));
        if all || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    for r in &runs {
        let run_id = r["id"].as_str().unwrap();
        let line = text
            .lines()
            .find(|l| l.contains(run_id))
            .unwrap_or_else(|| panic!("run {run_id} is not in _tasks: {text}"));
        assert!(line.contains("success"), "{line}");
        assert!(line.contains(r["scheduledFor"].as_str().unwrap()), "{line}");
        assert!(line.contains("Completed(success)"), "{line}");
    }
    assert_eq!(
        text.lines().filter(|l| l.contains(",success,")).count(),
        2,
        "{text}"
    );
}
