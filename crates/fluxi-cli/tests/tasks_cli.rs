//! `fluxi task`: the remote commands against a real `fluxi serve` (create, list, run,
//! runs, logs, update, retry, cancel, delete, and their errors), and `fluxi task run FILE
//! --from --to`, the local backfill against a store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_bench::load::server::{onboard, ServerProcess};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn fluxi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fluxi"));
    for v in [
        "FLUXI_HOST",
        "FLUXI_TOKEN",
        "FLUXI_ORG",
        "FLUXI_DATA",
        "FLUXI_CONFIG",
        "FLUXI_CA_CERT",
    ] {
        c.env_remove(v);
    }
    c
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

/// Runs `fluxi task ARGS` against the server; expects `code`; returns stdout.
fn task(url: &str, token: &str, args: &[&str], code: i32) -> String {
    let o = fluxi()
        .arg("task")
        .args(args)
        .env("FLUXI_HOST", url)
        .env("FLUXI_TOKEN", token)
        .env("FLUXI_ORG", "acme")
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "fluxi task {args:?}\n{out}\n{err}"
    );
    if code == 0 {
        out
    } else {
        err
    }
}

/// The first column of the first row under a table's header.
fn first_id(table: &str) -> String {
    table
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no row: {table}"))
        .to_string()
}

#[test]
fn the_task_commands_manage_a_servers_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_fluxi"));
    let server = ServerProcess::start(bin, &dir.path().join("data")).unwrap();
    let url = server.url.clone();
    let token = onboard(&url, "metrics").unwrap().token;
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let lp = dir.path().join("points.lp");
    std::fs::write(
        &lp,
        format!("cpu v=2 {}\ncpu v=4 {}\n", now_s - 600, now_s - 300),
    )
    .unwrap();
    let write = fluxi()
        .args(["write", "--host", &url, "--token", &token, "--org", "acme"])
        .args(["--bucket", "metrics", "--precision", "s"])
        .arg(&lp)
        .output()
        .unwrap();
    assert!(write.status.success(), "{:?}", text(&write));
    let bucket = fluxi()
        .args([
            "bucket", "create", "hourly", "--host", &url, "--token", &token, "--org", "acme",
        ])
        .output()
        .unwrap();
    assert!(bucket.status.success(), "{:?}", text(&bucket));

    let script = dir.path().join("mean.flux");
    std::fs::write(
        &script,
        "option task = {name: \"cpu-mean\", every: 1h, offset: 5m}\n\
         from(bucket: \"metrics\") |> range(start: -1h) |> mean()\n\
         |> map(fn: (r) => ({r with _time: now()})) |> to(bucket: \"hourly\")\n",
    )
    .unwrap();
    let made = task(&url, &token, &["create", "-f", script.to_str().unwrap()], 0);
    let id = first_id(&made);
    assert_eq!(id.len(), 16, "{made}");
    assert!(made.contains("cpu-mean") && made.contains("every 1h") && made.contains("5m"));
    assert!(made.contains("active"), "{made}");

    let listed = task(&url, &token, &["list"], 0);
    assert!(
        listed.contains(&id) && listed.contains("cpu-mean"),
        "{listed}"
    );
    let one = task(&url, &token, &["list", "--id", &id], 0);
    assert_eq!(first_id(&one), id);
    assert_eq!(
        task(&url, &token, &["list", "--name", "other"], 0)
            .lines()
            .count(),
        1
    );

    // Run it now, and wait for the run to succeed.
    let ran = task(&url, &token, &["run", "--id", &id], 0);
    assert!(
        ran.starts_with("run ") && ran.contains(&format!("of task {id}")),
        "{ran}"
    );
    let run_id = ran.split_whitespace().nth(1).unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = task(&url, &token, &["runs", "--id", &id], 0);
        if runs.contains("success") {
            assert!(runs.contains(&run_id), "{runs}");
            break;
        }
        assert!(Instant::now() < deadline, "the run did not finish: {runs}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let logs = task(&url, &token, &["logs", "--id", &id], 0);
    assert!(
        logs.contains("Completed(success)") && logs.contains(&run_id),
        "{logs}"
    );
    let run_logs = task(&url, &token, &["logs", "--id", &id, "--run-id", &run_id], 0);
    assert!(run_logs.contains("Started task from script"), "{run_logs}");
    let query = fluxi()
        .args(["query", "--host", &url, "--token", &token, "--org", "acme", "--format", "csv"])
        .arg("from(bucket: \"hourly\") |> range(start: -1d, stop: 1d) |> keep(columns: [\"_value\"])")
        .output()
        .unwrap();
    let (out, err) = text(&query);
    assert!(query.status.success(), "{out}{err}");
    assert!(
        out.lines().any(|l| l.ends_with(",3")),
        "the mean of 2 and 4: {out}"
    );

    // Retry a finished run; cancelling one is refused.
    let again = task(
        &url,
        &token,
        &["retry", "--id", &id, "--run-id", &run_id],
        0,
    );
    assert!(again.contains(&format!("of task {id}")), "{again}");
    let refused = task(
        &url,
        &token,
        &["cancel", "--id", &id, "--run-id", &run_id],
        1,
    );
    assert!(refused.contains("has already finished"), "{refused}");

    // Update: status and schedule (written into the script).
    let updated = task(
        &url,
        &token,
        &[
            "update", "--id", &id, "--status", "inactive", "--every", "30m",
        ],
        0,
    );
    assert!(
        updated.contains("every 30m") && updated.contains("inactive"),
        "{updated}"
    );
    let bad = task(
        &url,
        &token,
        &["update", "--id", &id, "--status", "paused"],
        2,
    );
    assert!(bad.contains("--status takes active or inactive"), "{bad}");

    // A script without options is refused with InfluxDB's message.
    let none = task(
        &url,
        &token,
        &["create", "from(bucket: \"x\") |> range(start: -1h)"],
        1,
    );
    assert!(none.contains("no task options defined"), "{none}");

    // Delete.
    let gone = task(&url, &token, &["delete", "--id", &id], 0);
    assert!(gone.contains(&format!("deleted task {id}")), "{gone}");
    let missing = task(&url, &token, &["list", "--id", &id], 1);
    assert!(missing.contains("task not found"), "{missing}");
    assert!(!task(&url, &token, &["list"], 0).contains(&id));
    // Without a server, the remote forms say how to name one.
    let o = fluxi().args(["task", "list"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{:?}", text(&o));
    drop(server);
}

#[test]
fn a_task_script_is_backfilled_locally_run_by_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let d = data.to_str().unwrap();
    for b in ["metrics", "hourly"] {
        let o = fluxi()
            .args(["bucket", "create", b, "--data", d])
            .output()
            .unwrap();
        assert!(o.status.success(), "{:?}", text(&o));
    }
    // Six hours of one point every 10 minutes: value = minutes since midnight.
    let lines: String = (0..36)
        .map(|i| format!("cpu v={} {}\n", i * 10, 1_704_067_200 + i * 600))
        .collect();
    let lp = dir.path().join("points.lp");
    std::fs::write(&lp, lines).unwrap();
    let o = fluxi()
        .args([
            "write",
            "--data",
            d,
            "--bucket",
            "metrics",
            "--precision",
            "s",
        ])
        .arg(&lp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{:?}", text(&o));
    let script = dir.path().join("downsample.flux");
    std::fs::write(
        &script,
        "option task = {name: \"downsample\", every: 1h, offset: 5m}\n\
         from(bucket: \"metrics\")\n  |> range(start: -task.every)\n  \
         |> aggregateWindow(every: 1h, fn: sum)\n  |> to(bucket: \"hourly\")\n",
    )
    .unwrap();
    let s = script.to_str().unwrap();
    let o = fluxi()
        .args(["task", "run", s, "--data", d])
        .args([
            "--from",
            "2024-01-01T01:00:00Z",
            "--to",
            "2024-01-01T04:30:00Z",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "2024-01-01T02:00:00Z\tsuccess",
            "2024-01-01T03:00:00Z\tsuccess",
            "2024-01-01T04:00:00Z\tsuccess"
        ],
        "{err}"
    );
    assert!(
        err.contains("backfilled 3 runs: 3 succeeded, 0 failed"),
        "{err}"
    );
    let q = fluxi()
        .args(["run", "--data", d, "--format", "csv", "-e"])
        .arg("from(bucket: \"hourly\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> keep(columns: [\"_time\", \"_value\"])")
        .output()
        .unwrap();
    let (out, err) = text(&q);
    assert!(q.status.success(), "{out}{err}");
    // Hour h (1-based) sums minutes (h-1)*60 .. h*60 in steps of 10.
    for h in 2..=4 {
        let sum: i64 = (0..6).map(|i| (h - 1) * 60 + i * 10).sum();
        let row = format!("2024-01-01T0{h}:00:00Z,{sum}");
        assert!(out.lines().any(|l| l.ends_with(&row)), "{row}: {out}");
    }
    assert!(!out.contains("2024-01-01T01:00:00Z,"), "{out}");

    // Too many runs is refused before anything runs; so is a script without options.
    let o = fluxi()
        .args(["task", "run", s, "--data", d, "--max-runs", "2"])
        .args([
            "--from",
            "2024-01-01T00:00:00Z",
            "--to",
            "2024-01-02T00:00:00Z",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(
        out.is_empty() && err.contains("more than 2 times"),
        "{out}{err}"
    );
    let bare = dir.path().join("bare.flux");
    std::fs::write(&bare, "1 + 1\n").unwrap();
    let o = fluxi()
        .args(["task", "run", bare.to_str().unwrap(), "--data", d])
        .args([
            "--from",
            "2024-01-01T00:00:00Z",
            "--to",
            "2024-01-02T00:00:00Z",
        ])
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("no task options defined"), "{err}");

    // A run that fails is reported with its error, the others still run; exit 1.
    let failing = dir.path().join("failing.flux");
    std::fs::write(
        &failing,
        "option task = {name: \"f\", every: 1h}\n\
         from(bucket: \"metrics\") |> range(start: -task.every) |> to(bucket: \"nope-missing\")\n",
    )
    .unwrap();
    let o = fluxi()
        .args(["task", "run", failing.to_str().unwrap(), "--data", d])
        .args([
            "--from",
            "2024-01-01T00:00:00Z",
            "--to",
            "2024-01-01T02:00:00Z",
        ])
        .output()
        .unwrap();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().all(|l| l.contains("\tfailed\t")), "{out}");
    assert!(
        err.contains("backfilled 2 runs: 0 succeeded, 2 failed"),
        "{err}"
    );
}
