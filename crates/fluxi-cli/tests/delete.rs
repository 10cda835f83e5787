//! Deleting points through the `fluxi` binary: `fluxi delete` on the local store (what it
//! deletes, its errors and exit codes), and a real `fluxi serve` killed with SIGKILL the
//! moment it acknowledged a delete: the reopened store must not show the deleted points,
//! and must show a write acknowledged after the delete.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn fluxi(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxi"))
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null())
        .env_remove("FLUXI_DATA")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The points of bucket `b` on 2024-01-01 as `measurement:host field=value@second`,
/// sorted.
fn points(data: &Path) -> Vec<String> {
    let out = fluxi(
        &[
            "run",
            "--format",
            "csv",
            "-e",
            r#"from(bucket: "b") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)
  |> map(fn: (r) => ({_value: r._measurement + ":" + r.host + " " + r._field + "=" + string(v: r._value) + "@" + string(v: (uint(v: r._time) - uint(v: 2024-01-01T00:00:00Z)) / uint(v: 1000000000))}))
  |> keep(columns: ["_value"]) |> group()"#,
        ],
        data,
    );
    let csv = ok(&out);
    let mut v: Vec<String> = csv
        .lines()
        .filter(|l| l.starts_with(",,"))
        .filter_map(|l| l.splitn(4, ',').nth(3))
        .map(|s| s.trim_end_matches('\r').to_string())
        .collect();
    v.sort();
    v
}

const DATA: &str = "cpu,host=a usage=1 1704067200
cpu,host=a usage=2 1704067210
cpu,host=a usage=3 1704067220
cpu,host=b usage=4 1704067210
mem,host=a used=5 1704067210
";

#[test]
fn fluxi_delete_deletes_what_its_predicate_and_range_say() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(&fluxi(&["bucket", "create", "b"], data));
    let file = data.join("in.lp");
    std::fs::write(&file, DATA).unwrap();
    ok(&fluxi(
        &[
            "write",
            "--bucket",
            "b",
            "--precision",
            "s",
            file.to_str().unwrap(),
        ],
        data,
    ));
    let out = ok(&fluxi(
        &[
            "delete",
            "--bucket",
            "b",
            "--start",
            "2024-01-01T00:00:10Z",
            "--stop",
            "2024-01-01T00:00:20Z",
            "--predicate",
            r#"_measurement="cpu" AND host="a""#,
        ],
        data,
    ));
    assert!(
        out.contains("deleted the points of bucket \"b\" from 2024-01-01T00:00:10")
            && out.contains(r#"series where _measurement="cpu" AND host="a""#),
        "{out}"
    );
    assert_eq!(
        points(data),
        vec!["cpu:a usage=1@0", "cpu:b usage=4@10", "mem:a used=5@10"]
    );
    // Without a predicate: every series in the range (one instant here).
    ok(&fluxi(
        &[
            "delete",
            "-b",
            "b",
            "--start",
            "2024-01-01T00:00:10Z",
            "--stop",
            "2024-01-01T00:00:10Z",
        ],
        data,
    ));
    assert_eq!(points(data), vec!["cpu:a usage=1@0"]);
    // The store says nothing is pending: the close's compaction made the deletes
    // permanent in the data files.
    let check = ok(&fluxi(&["store", "check"], data));
    assert!(!check.contains("deletes:"), "{check}");
}

#[test]
fn fluxi_delete_refuses_bad_arguments_before_touching_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let run = |args: &[&str]| {
        let out = fluxi(args, data);
        (out.status.code(), text(&out.stderr))
    };
    let base = ["delete", "--bucket", "b", "--start", "2024-01-01T00:00:00Z"];
    let (code, err) = run(&[&base[..], &["--stop", "tomorrow"]].concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--stop needs an RFC 3339 time"), "{err}");
    let (code, err) = run(&[&base[..], &["--stop", "2023-01-01T00:00:00Z"]].concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("is after --stop"), "{err}");
    let (code, err) = run(&[
        &base[..],
        &[
            "--stop",
            "2024-01-02T00:00:00Z",
            "--predicate",
            "a=b OR c=d",
        ],
    ]
    .concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--predicate: the logical operator OR is not supported yet at position 4"),
        "{err}"
    );
    let (code, err) = run(&[
        &base[..],
        &["--stop", "2024-01-02T00:00:00Z", "-p", r#"_field="x""#],
    ]
    .concat());
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("delete by field is not supported"), "{err}");
    // No store there: nothing is created.
    let good = [&base[..], &["--stop", "2024-01-02T00:00:00Z"]].concat();
    let (code, err) = run(&good);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("there is no store at"), "{err}");
    assert!(!data.join("MANIFEST").exists());
    // A store without that bucket.
    ok(&fluxi(&["bucket", "create", "other"], data));
    let (code, err) = run(&good);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("bucket \"b\" not found"), "{err}");
}

/// `fluxi serve` on a free port; returns the child and its URL.
fn serve(data: &Path) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxi"))
        .args(["serve", "--http-bind-address", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(60)).unwrap();
    (child, url)
}

#[cfg(unix)]
#[test]
fn a_delete_acknowledged_by_a_server_killed_right_after_holds() {
    use fluxi_client::request;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (mut child, url) = serve(data);
    let setup = request(
        &url,
        "POST",
        "/api/v2/setup",
        &[],
        br#"{"username":"ann","password":"password123","org":"o","bucket":"b"}"#,
    )
    .unwrap();
    assert_eq!(setup.status, 201, "{}", setup.text());
    let j: serde_json::Value = serde_json::from_slice(&setup.body).unwrap();
    let auth = format!("Token {}", j["auth"]["token"].as_str().unwrap());
    let headers = [("Authorization", auth.as_str())];
    let post = |path: &str, body: &[u8]| {
        let a = request(&url, "POST", path, &headers, body).unwrap();
        assert_eq!(a.status, 204, "{path}: {}", a.text());
    };
    post("/api/v2/write?org=o&bucket=b&precision=s", DATA.as_bytes());
    // SIGTERM: the server flushes, so these points are in data files.
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    let (mut child, url) = serve(data);
    let post = |path: &str, body: &[u8]| {
        let a = request(&url, "POST", path, &headers, body).unwrap();
        assert_eq!(a.status, 204, "{path}: {}", a.text());
    };
    post(
        "/api/v2/write?org=o&bucket=b&precision=s",
        b"cpu,host=a usage=6 1704067230\n",
    );
    post(
        "/api/v2/delete?org=o&bucket=b",
        br#"{"start":"2024-01-01T00:00:10Z","stop":"2024-01-01T00:00:30Z","predicate":"host=\"a\""}"#,
    );
    post(
        "/api/v2/write?org=o&bucket=b&precision=s",
        b"cpu,host=a usage=7 1704067220\n",
    );
    // SIGKILL the moment the last answer came: no flush, no clean close.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        points(data),
        vec!["cpu:a usage=1@0", "cpu:a usage=7@20", "cpu:b usage=4@10"]
    );
}
