//! The store through the `fluxi` binary: buckets, `write`, `run --data`, `explain`, and
//! the example the README's main job runs.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::fluxi_bin;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fluxi_env(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(fluxi_bin());
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("FLUXI_DATA");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run fluxi")
}

fn fluxi(args: &[&str]) -> Output {
    fluxi_env(args, &[])
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh directory for one test, removed when the test ends.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("fluxi-store-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
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

/// `fluxi run --data STORE --format csv -e SCRIPT`, which must succeed: its output.
fn run_csv(store: &str, script: &str) -> String {
    ok(&fluxi(&[
        "run", "--data", store, "--format", "csv", "-e", script,
    ]))
}

/// The data rows of one result of annotated CSV (`#default,NAME` starts its tables).
fn rows_of<'a>(csv: &'a str, result: &str) -> Vec<&'a str> {
    let mut current = String::new();
    let mut rows = Vec::new();
    for line in csv.lines() {
        if let Some(rest) = line.strip_prefix("#default,") {
            current = rest.split(',').next().unwrap_or("").to_string();
        } else if line.starts_with(",,") && current == result {
            rows.push(line);
        }
    }
    rows
}

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

const LINES: &str = "cpu,host=a usage=1.5 1700000000
cpu,host=a usage=2.5 1700000060
cpu,host=b usage=10 1700000000
mem,host=a used=7i 1700000000
";

#[test]
fn buckets_are_created_listed_and_deleted() {
    let dir = scratch("buckets");
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    ok(&fluxi(&[
        "bucket",
        "create",
        "--data",
        s,
        "metrics",
        "--retention",
        "30d",
    ]));
    ok(&fluxi(&["bucket", "create", "--data", s, "forever"]));
    let again = fluxi(&["bucket", "create", "--data", s, "metrics"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    let list = ok(&fluxi(&["bucket", "list", "--data", s]));
    // Retention is printed as a Flux duration: 30d is 4w2d.
    assert!(list.contains("metrics") && list.contains("4w2d"), "{list}");
    assert!(list.contains("forever"), "{list}");
    ok(&fluxi(&["bucket", "delete", "--data", s, "forever"]));
    let list = ok(&fluxi(&["bucket", "list", "--data", s]));
    assert!(!list.contains("forever"), "{list}");
    let bad = fluxi(&["bucket", "create", "--data", s, "x", "--retention", "soon"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A store in `dir` with bucket `b` holding [`LINES`] (`fluxi bucket create`, then
/// `fluxi write`, which must succeed): its path and the write's output.
fn store_with_lines(dir: &Path) -> (PathBuf, Output) {
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    let lp = dir.join("data.lp");
    std::fs::write(&lp, LINES).unwrap();
    ok(&fluxi(&["bucket", "create", "--data", s, "b"]));
    let w = fluxi(&[
        "write",
        "--data",
        s,
        "--bucket",
        "b",
        "--precision",
        "s",
        lp.to_str().unwrap(),
    ]);
    ok(&w);
    (store, w)
}

#[test]
fn written_lines_are_queried_in_a_later_process() {
    let dir = scratch("write");
    let (store, w) = store_with_lines(&dir);
    let s = store.to_str().unwrap();
    assert!(
        text(&w.stderr).contains("wrote 4 points from 4 lines"),
        "{}",
        text(&w.stderr)
    );
    let out = run_csv(
        s,
        r#"from(bucket: "b") |> range(start: 0) |> filter(fn: (r) => r._measurement == "cpu") |> sum()"#,
    );
    assert!(out.contains(",usage,cpu,a,4\r\n"), "{out}");
    assert!(out.contains(",usage,cpu,b,10\r\n"), "{out}");
    // $FLUXI_DATA stands for --data.
    let out = ok(&fluxi_env(
        &[
            "run",
            "-e",
            r#"from(bucket: "b") |> range(start: 0) |> count()"#,
            "--format",
            "csv",
        ],
        &[("FLUXI_DATA", &store)],
    ));
    assert!(out.contains(",used,mem,a,1\r\n"), "{out}");
}

#[test]
fn a_query_of_a_missing_bucket_fails_with_the_storage_code() {
    let dir = scratch("missing");
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    ok(&fluxi(&["bucket", "create", "--data", s, "metrics"]));
    let out = fluxi(&[
        "run",
        "--data",
        s,
        "-e",
        r#"from(bucket: "nope") |> range(start: -1h)"#,
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    // miette's report: the code first, then the message and the place.
    assert_eq!(
        err.lines().next(),
        Some("fluxi::storage::bucket_not_found"),
        "{err}"
    );
    assert!(!err.contains("fluxi::eval::runtime"), "{err}");
    assert!(
        err.contains(r#"bucket "nope" not found (the store has "metrics")"#),
        "{err}"
    );
    assert!(err.contains("╭─[-e:1:1]"), "{err}");
}

/// A file of several batches, each parsed in pieces by two threads: every point is
/// written, and a bad line deep in a later batch is named by its line in the file.
#[test]
fn a_long_file_is_written_whole_and_its_bad_lines_are_numbered_from_its_start() {
    let dir = scratch("long");
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    ok(&fluxi(&["bucket", "create", "--data", s, "b"]));
    const N: u64 = 800_000; // about 20 MiB: three batches of 8 MiB, pieces of 1 MiB
                            // Lines 40,001 to 41,000 (about 1 MiB on, in another piece) write again the points
                            // of lines 1 to 1,000 with other values: the later line wins, as in one write.
    let point = |i: u64| match i {
        40_000..41_000 => ((i - 40_000) % 50, i - 40_000, i),
        _ => (i % 50, i, i),
    };
    let lines: Vec<String> = (0..N)
        .map(|i| {
            let (host, time, v) = point(i);
            format!("cpu,host=h{host:02} v={v}i {time}\n")
        })
        .collect();
    let mut last = std::collections::HashMap::new();
    for i in 0..N {
        let (host, time, v) = point(i);
        last.insert((host, time), v);
    }
    let (n, total) = (last.len(), last.values().sum::<u64>());
    assert_eq!(n as u64, N - 1_000);
    let good = dir.join("good.lp");
    std::fs::write(&good, lines.concat()).unwrap();
    assert!(std::fs::metadata(&good).unwrap().len() > 16 << 20);
    let w = fluxi(&[
        "write",
        "--data",
        s,
        "--bucket",
        "b",
        good.to_str().unwrap(),
    ]);
    assert_eq!(w.status.code(), Some(0), "{}", text(&w.stderr));
    let out = run_csv(
        s,
        r#"from(bucket: "b") |> range(start: 0) |> group() |> reduce(identity: {n: 0, total: 0}, fn: (r, accumulator) => ({n: accumulator.n + 1, total: accumulator.total + r._value}))"#,
    );
    let row = out
        .lines()
        .find(|l| l.starts_with(",,0,"))
        .unwrap_or_default();
    assert!(row.ends_with(&format!(",{n},{total}")), "{out}");

    // The same lines into another bucket, one of them bad well inside the second batch.
    ok(&fluxi(&["bucket", "create", "--data", s, "c"]));
    let bad_at = 500_000usize; // the line's index; its number is one more
    let mut bad_lines = lines.clone();
    bad_lines[bad_at] = "cpu,host=h00 v= 5\n".into();
    let bad = dir.join("bad.lp");
    std::fs::write(&bad, bad_lines.concat()).unwrap();
    let w = fluxi(&["write", "--data", s, "--bucket", "c", bad.to_str().unwrap()]);
    assert_eq!(w.status.code(), Some(1));
    let err = text(&w.stderr);
    assert!(
        err.contains(&format!(
            "line {}: unable to parse 'cpu,host=h00 v= 5'",
            bad_at + 1
        )),
        "{err}"
    );
    // The first batch was written, and the error says how far.
    let before = err
        .lines()
        .find_map(|l| l.strip_prefix("lines 1 to "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(before > 0 && before < bad_at, "{err}");
}

#[test]
fn a_file_with_bad_lines_is_rejected_with_their_numbers() {
    let dir = scratch("bad");
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    let lp = dir.join("bad.lp");
    std::fs::write(&lp, "cpu v=1 1\ncpu v= 2\n# comment\ncpu\ncpu v=2 3\n").unwrap();
    ok(&fluxi(&["bucket", "create", "--data", s, "b"]));
    let w = fluxi(&["write", "--data", s, "--bucket", "b", lp.to_str().unwrap()]);
    assert_eq!(w.status.code(), Some(1));
    let err = text(&w.stderr);
    assert!(
        err.contains("line 2: unable to parse 'cpu v= 2': missing field value"),
        "{err}"
    );
    assert!(
        err.contains("line 4: unable to parse 'cpu': missing fields"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    let out = run_csv(s, r#"from(bucket: "b") |> range(start: 0)"#);
    assert!(!out.contains("cpu"), "{out}");
    // A bucket that does not exist is named, with how to make it.
    let w = fluxi(&[
        "write",
        "--data",
        s,
        "--bucket",
        "nope",
        lp.to_str().unwrap(),
    ]);
    assert_eq!(w.status.code(), Some(1));
    assert!(
        text(&w.stderr).contains("fluxi bucket create nope"),
        "{}",
        text(&w.stderr)
    );
}

#[test]
fn points_a_script_writes_are_in_data_files_when_its_process_ends() {
    // `fluxi run` ends its process without dropping the engine; what dropping the store
    // would write out (the log's points, into data files) it writes out first.
    let dir = scratch("persist");
    let (store, _) = store_with_lines(&dir);
    let s = store.to_str().unwrap();
    ok(&fluxi(&["bucket", "create", "--data", s, "copy"]));
    let data_files = || std::fs::read_dir(store.join("data")).unwrap().count();
    let before = data_files();
    let out = run_csv(
        s,
        r#"from(bucket: "b") |> range(start: 0) |> filter(fn: (r) => r._measurement == "cpu") |> to(bucket: "copy")"#,
    );
    assert_eq!(rows_of(&out, "_result").len(), 3, "{out}");
    assert!(
        data_files() > before,
        "the copied points went into data files before the process ended"
    );
    let out = run_csv(s, r#"from(bucket: "copy") |> range(start: 0) |> sum()"#);
    assert!(out.contains(",usage,cpu,a,4\r\n"), "{out}");
    assert!(out.contains(",usage,cpu,b,10\r\n"), "{out}");
}

#[test]
fn scripts_that_read_no_bucket_leave_the_store_alone() {
    let dir = scratch("lazy");
    let store = dir.join("never");
    ok(&fluxi(&[
        "run",
        "--data",
        store.to_str().unwrap(),
        "-e",
        "1 + 1",
    ]));
    assert!(!store.exists());
}

#[test]
fn explain_shows_what_is_pushed_into_storage() {
    let dir = scratch("explain");
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    ok(&fluxi(&["bucket", "create", "--data", s, "b"]));
    let q = dir.join("q.flux");
    std::fs::write(
        &q,
        r#"from(bucket: "b")
  |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)
  |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user")
  |> aggregateWindow(every: 1m, fn: mean)
  |> map(fn: (r) => ({r with _value: r._value * 2.0}))
"#,
    )
    .unwrap();
    let out = ok(&fluxi(&["explain", "--data", s, q.to_str().unwrap()]));
    assert!(out.contains("result \"_result\""), "{out}");
    assert!(out.contains("map  (line 5:"), "{out}");
    assert!(out.contains("ReadAggregate bucket=\"b\""), "{out}");
    assert!(
        out.contains("predicate: _measurement == \"cpu\" and _field == \"usage_user\""),
        "{out}"
    );
    assert!(out.contains("aggregateWindow(every: 1m"), "{out}");
    assert!(
        out.contains("range: [2024-01-01T00:00:00.000000000Z, 2024-01-02T00:00:00.000000000Z)"),
        "{out}"
    );
}

#[test]
fn the_monitoring_example_runs_against_the_store() {
    let dir = scratch("example");
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    ok(&fluxi(&["bucket", "create", "--data", s, "metrics"]));
    ok(&fluxi(&[
        "write",
        "--data",
        s,
        "--bucket",
        "metrics",
        "--precision",
        "s",
        &repo("examples/data/metrics.lp"),
    ]));
    let out = ok(&fluxi(&[
        "run",
        "--data",
        s,
        "--format",
        "csv",
        &repo("examples/monitoring.flux"),
    ]));
    // Four half-hour means for each of the three hosts.
    assert_eq!(rows_of(&out, "cpu_30m_mean").len(), 12, "{out}");
    // Memory in percent of the last reading of each host.
    for host in ["db-1", "web-1", "web-2"] {
        assert!(
            rows_of(&out, "mem_used_percent")
                .iter()
                .any(|l| l.contains(host)),
            "{out}"
        );
    }
    // Only db-1's load spike crosses the threshold.
    let alerts = rows_of(&out, "cpu_alerts");
    assert_eq!(alerts.len(), 1, "{out}");
    assert!(alerts[0].contains("db-1"), "{out}");
}

#[test]
fn every_example_gives_its_golden_output_from_a_real_store() {
    // The golden suite runs examples/*.flux over a memory store; here the same programs run
    // through the binary against the embedded store (with pushdown), loaded as demo.sh does.
    let dir = scratch("examples");
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    let mut data: Vec<PathBuf> = std::fs::read_dir(repo("examples/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "lp"))
        .collect();
    data.sort();
    for lp in &data {
        let bucket = lp.file_stem().unwrap().to_str().unwrap();
        ok(&fluxi(&["bucket", "create", "--data", s, bucket]));
        ok(&fluxi(&[
            "write",
            "--data",
            s,
            "--bucket",
            bucket,
            "--precision",
            "s",
            lp.to_str().unwrap(),
        ]));
    }
    let mut examples: Vec<PathBuf> = std::fs::read_dir(repo("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "flux"))
        .collect();
    examples.sort();
    assert!(examples.len() >= 5, "{examples:?}");
    for example in examples {
        let golden = std::fs::read_to_string(example.with_extension("csv")).unwrap();
        let out = ok(&fluxi(&[
            "run",
            "--data",
            s,
            "--format",
            "csv",
            example.to_str().unwrap(),
        ]));
        assert_eq!(
            out.replace("\r\n", "\n"),
            golden.replace("\r\n", "\n"),
            "{}",
            example.display()
        );
    }
}

/// `fluxi write` of an input of many 8 MiB batches (each read and parsed while the one
/// before is written): every point arrives; a bad line in a later batch stops the write
/// there, named by its line number in the whole input, with exactly the batches before
/// it written.
#[test]
fn a_long_write_keeps_every_batch_and_stops_at_the_first_bad_one() {
    let dir = scratch("long-write");
    let data = dir.join("store");
    let d = data.to_str().unwrap();
    ok(&fluxi(&["bucket", "create", "--data", d, "b"]));
    // About 31 MB: four batches.
    let lines = 600_000usize;
    let mut input = String::with_capacity(lines * 56);
    for i in 0..lines {
        input.push_str(&format!(
            "m,host=h{} value={}.25,n={}i {}\n",
            i % 7,
            i,
            i % 1000,
            1_700_000_000_000_000_000i64 + i as i64 * 1_000_000_000
        ));
    }
    assert!(input.len() > 3 * (8 << 20), "{}", input.len());
    let good = dir.join("good.lp");
    std::fs::write(&good, &input).unwrap();
    let out = fluxi(&[
        "write",
        "--data",
        d,
        "--bucket",
        "b",
        good.to_str().unwrap(),
    ]);
    let said = text(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!("wrote {lines} points from {lines} lines")),
        "{said}"
    );
    let count = |bucket: &str| {
        let q = format!(
            r#"from(bucket: "{bucket}") |> range(start: 0) |> filter(fn: (r) => r._field == "value") |> group() |> count()"#
        );
        let out = run_csv(d, &q);
        out.lines()
            .filter(|l| l.starts_with(",_result,") || l.starts_with(",,"))
            .map(|l| {
                l.trim_end()
                    .rsplit(',')
                    .next()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            })
            .sum::<u64>()
    };
    assert_eq!(count("b"), lines as u64);

    // A bad line far into the input (in the third batch): the batches before it are
    // written, it and everything after are not.
    ok(&fluxi(&["bucket", "create", "--data", d, "c"]));
    let bad_at = 400_000usize; // 1-based line number
    let mut bad = String::with_capacity(input.len());
    for (i, l) in input.lines().enumerate() {
        if i + 1 == bad_at {
            bad.push_str("m,host=x value=oops 1\n");
        } else {
            bad.push_str(l);
            bad.push('\n');
        }
    }
    let bad_file = dir.join("bad.lp");
    std::fs::write(&bad_file, &bad).unwrap();
    let out = fluxi(&[
        "write",
        "--data",
        d,
        "--bucket",
        "c",
        bad_file.to_str().unwrap(),
    ]);
    let said = text(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains(&format!("line {bad_at}: ")), "{said}");
    // Whole batches before the bad one: a line count that ends a batch.
    let before: u64 = said
        .split("lines 1 to ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(before > 0 && before < bad_at as u64, "{said}");
    assert_eq!(count("c"), before);
}
