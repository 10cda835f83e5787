//! The real client libraries against the real `fluxi serve`: the binary is started on a
//! free loopback port, onboarded with `fluxi setup`, and driven by Python's
//! `influxdb-client` and Node's `@influxdata/influxdb-client` (tests/clients/*).
//!
//! `scripts/test.sh` installs both clients into `.cache/` and tells this test where they
//! are with `FLUXI_TEST_PYTHON` (a Python with influxdb-client) and
//! `FLUXI_TEST_NODE_PATH` (a node_modules holding @influxdata/influxdb-client). Without
//! them the test fails and says to run that script.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::fluxi_bin;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HOW: &str = "the client-library tests need the Python and Node InfluxDB clients: run \
                   scripts/test.sh (it installs them into .cache/ and runs every test)";

struct Served {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fluxi() -> Command {
    Command::new(fluxi_bin())
}

/// `fluxi serve` on 127.0.0.1 port 0; waits (at most 60 s) for its "listening on" line.
fn serve() -> Served {
    serve_with(&[])
}

/// `fluxi serve` with more flags.
fn serve_with(flags: &[&str]) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let mut child = fluxi()
        .args(["serve", "--http-bind-address", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .args(flags)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let url = rest.split_whitespace().next().unwrap_or("").to_string();
                let _ = tx.send(url);
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("fluxi serve printed its address");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    Served {
        child,
        url,
        _dir: dir,
    }
}

fn setup(url: &str) -> String {
    let out = fluxi()
        .args([
            "setup",
            "--host",
            url,
            "--username",
            "ann",
            "--password",
            "password123",
            "--org",
            "acme",
            "--bucket",
            "metrics",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Token\t"))
        .unwrap_or("")
        .to_string();
    assert!(token.len() > 20, "{stdout}");
    // A second setup is refused.
    let again = fluxi()
        .args([
            "setup",
            "--host",
            url,
            "-u",
            "x",
            "-p",
            "password123",
            "-o",
            "x",
            "-b",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    token
}

fn env_path(name: &str) -> PathBuf {
    match std::env::var_os(name) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!("${name} is not set: {HOW}"),
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(name)
}

/// Run a client script with a deadline; its output must end with "N checks passed".
fn run_client(mut cmd: Command, what: &str) {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {what} client: {e}; {HOW}"));
    loop {
        if child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(180) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("checks passed"),
        "the {what} client failed ({:?}):\n{stdout}\n{stderr}",
        out.status
    );
    eprintln!("{}", stdout.trim());
}

#[test]
fn the_python_client_library_works_against_fluxi_serve() {
    let python = env_path("FLUXI_TEST_PYTHON");
    let served = serve();
    let token = setup(&served.url);
    let mut cmd = Command::new(python);
    cmd.arg(script("python_client.py"))
        .env("FLUXI_URL", &served.url)
        .env("FLUXI_TOKEN", &token)
        .env("FLUXI_ORG", "acme")
        .env("FLUXI_BUCKET", "metrics");
    run_client(cmd, "Python");
}

#[test]
fn the_python_client_deletes_points_through_fluxi_serve() {
    let python = env_path("FLUXI_TEST_PYTHON");
    let served = serve();
    let token = setup(&served.url);
    let mut cmd = Command::new(python);
    cmd.arg(script("python_delete.py"))
        .env("FLUXI_URL", &served.url)
        .env("FLUXI_TOKEN", &token)
        .env("FLUXI_ORG", "acme")
        .env("FLUXI_BUCKET", "metrics");
    run_client(cmd, "Python delete_api");
}

#[test]
fn the_python_client_manages_and_runs_tasks_through_fluxi_serve() {
    let python = env_path("FLUXI_TEST_PYTHON");
    let served = serve_with(&["--task-retry-delay", "1s"]);
    let token = setup(&served.url);
    let mut cmd = Command::new(python);
    cmd.arg(script("python_tasks.py"))
        .env("FLUXI_URL", &served.url)
        .env("FLUXI_TOKEN", &token)
        .env("FLUXI_ORG", "acme")
        .env("FLUXI_BUCKET", "metrics");
    run_client(cmd, "Python tasks_api");
}

#[test]
fn the_node_client_library_works_against_fluxi_serve() {
    let node_path = env_path("FLUXI_TEST_NODE_PATH");
    let served = serve();
    let token = setup(&served.url);
    // A token that may read and write only `metrics`, and another bucket, made through
    // the API.
    let call = |method: &str, path: &str, body: &str| {
        let auth = format!("Token {token}");
        let a = fluxi_client::request(
            &served.url,
            method,
            path,
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
        .unwrap();
        serde_json::from_slice::<serde_json::Value>(&a.body).unwrap()
    };
    let orgs = call("GET", "/api/v2/orgs", "");
    let org_id = orgs["orgs"][0]["id"].as_str().unwrap().to_string();
    let buckets = call("GET", "/api/v2/buckets?name=metrics", "");
    let bucket_id = buckets["buckets"][0]["id"].as_str().unwrap().to_string();
    let other = call(
        "POST",
        "/api/v2/buckets",
        &serde_json::json!({"orgID": org_id, "name": "node-other"}).to_string(),
    );
    assert_eq!(other["name"], "node-other", "{other}");
    let scoped = call(
        "POST",
        "/api/v2/authorizations",
        &serde_json::json!({"orgID": org_id, "permissions": [
            {"action": "read", "resource": {"type": "buckets", "id": bucket_id, "orgID": org_id}},
            {"action": "write", "resource": {"type": "buckets", "id": bucket_id, "orgID": org_id}}]})
        .to_string(),
    );
    let scoped = scoped["token"].as_str().unwrap().to_string();
    let mut cmd = Command::new("node");
    cmd.arg(script("node_client.js"))
        .env("NODE_PATH", node_path)
        .env("FLUXI_URL", &served.url)
        .env("FLUXI_TOKEN", &token)
        .env("FLUXI_ORG", "acme")
        .env("FLUXI_BUCKET", "metrics")
        .env("FLUXI_SCOPED_TOKEN", &scoped)
        .env("FLUXI_OTHER_BUCKET", "node-other");
    run_client(cmd, "Node");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_fluxi_serve_after_flushing() {
    let mut served = serve();
    let token = setup(&served.url);
    let auth = format!("Token {token}");
    let w = fluxi_client::request(
        &served.url,
        "POST",
        "/api/v2/write?org=acme&bucket=metrics",
        &[("Authorization", &auth)],
        b"m v=1 1704067200000000000",
    )
    .unwrap();
    assert_eq!(w.status, 204);
    let pid = served.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = served.child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    let out = fluxi()
        .args(["run", "-e", "from(bucket: \"metrics\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> keep(columns: [\"_value\"])", "--format", "csv", "--data"])
        .arg(served._dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(",,0,1\r\n"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
