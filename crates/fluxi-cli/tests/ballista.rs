//! Flux over a real Apache Ballista cluster through Arrow Flight SQL, as a user meets it:
//! a store written with `fluxi write`, exported with `fluxi export --parquet`, registered
//! with the cluster (`--storage flightsql://...?register=DIR`), and queried with
//! `fluxi run`, `fluxi explain` and `fluxi serve`. Every answer must be byte-identical to
//! the embedded store's.
//!
//! The cluster is the one `scripts/test.sh` starts (`scripts/ballista-cluster.sh up`):
//! its address comes in `FLUXI_BALLISTA_URL`. Without it the tests say so and pass, unless
//! `FLUXI_REQUIRE_BALLISTA=1` (as in CI), when they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod common;

use common::fluxi_bin;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn fluxi() -> Command {
    Command::new(fluxi_bin())
}

/// The cluster's address, or `None` (after saying why) when the tests cannot run.
fn cluster() -> Option<String> {
    match std::env::var("FLUXI_BALLISTA_URL") {
        Ok(u) if !u.trim().is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var_os("FLUXI_REQUIRE_BALLISTA").is_none_or(|v| v != "1"),
                "FLUXI_REQUIRE_BALLISTA=1 but FLUXI_BALLISTA_URL is not set"
            );
            eprintln!("skipped: FLUXI_BALLISTA_URL is not set (scripts/test.sh starts a cluster)");
            None
        }
    }
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// 2024-01-01T00:00:00Z in seconds.
const T0: i64 = 1_704_067_200;
const HOSTS: usize = 12;
const TICKS: i64 = 720;

/// Line protocol shaped like the bench's workload (cpu: usage_user, usage_system; mem:
/// used_percent; hosts in four regions; a point every 10 s for two hours), plus a
/// measurement with ints, strings and booleans and series lacking a tag.
fn workload() -> String {
    let mut lp = String::new();
    let mut x: u64 = 42;
    let mut next = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) as f64 / (1u64 << 31) as f64
    };
    for tick in 0..TICKS {
        let t = (T0 + tick * 10) * 1_000_000_000;
        for h in 0..HOSTS {
            let region = ["eu", "us", "ap", "sa"][h % 4];
            lp.push_str(&format!(
                "cpu,host=host_{h:03},region={region} usage_user={:.3},usage_system={:.3} {t}\n",
                20.0 + h as f64 + 10.0 * next(),
                5.0 + 3.0 * next()
            ));
            lp.push_str(&format!(
                "mem,host=host_{h:03},region={region} used_percent={:.3} {t}\n",
                40.0 + 20.0 * next()
            ));
        }
        if tick % 30 == 0 {
            let n = tick / 30;
            lp.push_str(&format!(
                "status,host=host_000 code={n}i,up={},note=\"n{n}\" {t}\n",
                n % 2 == 0
            ));
            lp.push_str(&format!("status count={}u {t}\n", n * 3));
        }
    }
    lp
}

/// The store with the workload, its export, and the `--storage` address registering it.
struct Setup {
    _dir: tempfile::TempDir,
    store: PathBuf,
    url: String,
}

fn setup() -> Option<&'static Setup> {
    static SETUP: OnceLock<Option<Setup>> = OnceLock::new();
    SETUP
        .get_or_init(|| {
            let cluster = cluster()?;
            let dir = tempfile::tempdir().unwrap();
            let store = dir.path().join("store");
            let lp = dir.path().join("data.lp");
            std::fs::write(&lp, workload()).unwrap();
            ok(
                fluxi()
                    .args(["bucket", "create", "b", "--data"])
                    .arg(&store)
                    .output()
                    .unwrap(),
                "bucket create",
            );
            ok(
                fluxi()
                    .args(["write", "--bucket", "b", "--data"])
                    .arg(&store)
                    .arg(&lp)
                    .output()
                    .unwrap(),
                "write",
            );
            let export = dir.path().join("export");
            let said = ok(
                fluxi()
                    // Files of about 1,000 rows: each measurement is several partitions,
                    // scanned on both executors and merged.
                    .args([
                        "export",
                        "--bucket",
                        "b",
                        "--rows-per-file",
                        "1000",
                        "--data",
                    ])
                    .arg(&store)
                    .arg("--parquet")
                    .arg(&export)
                    .output()
                    .unwrap(),
                "export",
            );
            assert!(said.contains("cpu: 8640 rows in 6 files"), "{said}");
            // A statement the cluster never finishes fails the test in a minute.
            let url = format!("{cluster}?register={}&timeout=60", export.display());
            Some(Setup {
                _dir: dir,
                store,
                url,
            })
        })
        .as_ref()
}

fn run_with(args: &[&str], storage: &[&str], script: &str) -> Output {
    fluxi()
        .args(["run", "--format", "csv", "--now", "2024-01-01T03:00:00Z"])
        .args(args)
        .args(storage)
        .args(["-e", script])
        .output()
        .unwrap()
}

/// The script's CSV from the embedded store and over Flight SQL, which must be equal.
fn same_answer(s: &Setup, script: &str) -> String {
    let store = s.store.display().to_string();
    let local = ok(
        run_with(&[], &["--data", &store], script),
        "the embedded store",
    );
    let remote = ok(run_with(&[], &["--storage", &s.url], script), "Flight SQL");
    if local != remote {
        let diff = similar_lines(&local, &remote);
        panic!("the answers differ for\n{script}\n{diff}");
    }
    local
}

fn similar_lines(a: &str, b: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        if x != y {
            return format!("line {}: embedded {x:?}\n        flight sql {y:?}", i + 1);
        }
    }
    format!("embedded has {} lines, flight sql {}", a.len(), b.len())
}

const RANGE: &str = "range(start: 2024-01-01T00:00:00Z, stop: 2024-01-01T02:00:00Z)";

/// Rows of annotated CSV (lines that are not annotations, headers or blank).
fn data_rows(csv: &str) -> usize {
    csv.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(",result,"))
        .count()
}

#[test]
fn the_bench_queries_answer_as_the_embedded_store() {
    let Some(s) = setup() else { return };
    let q_window = format!(
        "from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r._measurement == \"cpu\" and r._field == \"usage_user\") |> aggregateWindow(every: 1m, fn: mean)"
    );
    let out = same_answer(s, &q_window);
    assert_eq!(
        data_rows(&out),
        HOSTS * 120,
        "{}",
        &out[..400.min(out.len())]
    );
    let q_host = format!(
        "from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r._measurement == \"cpu\" and r._field == \"usage_user\" and r.host == \"host_007\")"
    );
    assert_eq!(data_rows(&same_answer(s, &q_host)), TICKS as usize);
    let q_last = "from(bucket: \"b\") |> range(start: 0) |> filter(fn: (r) => r._measurement == \"cpu\" and r._field == \"usage_user\") |> last()";
    assert_eq!(data_rows(&same_answer(s, q_last)), HOSTS);
}

#[test]
fn pushed_aggregates_and_selectors_answer_as_the_embedded_store() {
    let Some(s) = setup() else { return };
    // count, first, last, min, max as SQL; sum and mean from the rows.
    for f in ["count", "first", "last", "min", "max", "sum", "mean"] {
        let per_window = format!(
            "from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r._measurement == \"cpu\") |> aggregateWindow(every: 7m, offset: 2m, fn: {f})"
        );
        assert!(data_rows(&same_answer(s, &per_window)) > 0, "{f}");
        let whole = format!(
            "from(bucket: \"b\") |> range(start: 2024-01-01T00:30:00Z) |> filter(fn: (r) => r.region =~ /^(eu|us)$/) |> {f}()"
        );
        assert!(data_rows(&same_answer(s, &whole)) > 0, "{f}");
    }
    // Selectors by value over strings and booleans are not pushed; fluxi answers.
    same_answer(
        s,
        "from(bucket: \"b\") |> range(start: 0) |> filter(fn: (r) => r._measurement == \"status\") |> first()",
    );
}

#[test]
fn filters_schema_and_other_types_answer_as_the_embedded_store() {
    let Some(s) = setup() else { return };
    for script in [
        // Every type, a series without a tag, both measurements at once.
        "from(bucket: \"b\") |> range(start: 0) |> filter(fn: (r) => r._measurement == \"status\")".to_string(),
        format!("from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r.host == \"host_003\" or r._field == \"used_percent\" and r.region != \"eu\") |> count()"),
        format!("from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r.host !~ /_00[0-9]$/ and r._measurement == \"mem\") |> mean()"),
        format!("from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r.nope == \"x\")"),
        format!("from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r._value > 29.5 and r._field == \"usage_user\") |> group() |> count()"),
        "import \"influxdata/influxdb/schema\"\nschema.measurements(bucket: \"b\")".to_string(),
        "import \"influxdata/influxdb/schema\"\nschema.tagValues(bucket: \"b\", tag: \"host\")".to_string(),
        "import \"influxdata/influxdb/schema\"\nschema.tagKeys(bucket: \"b\")".to_string(),
        "import \"influxdata/influxdb/schema\"\nschema.fieldKeys(bucket: \"b\")".to_string(),
        "buckets() |> keep(columns: [\"name\"])".to_string(),
    ] {
        same_answer(s, &script);
    }
}

/// What `fluxi explain --storage` prints for a script.
fn explain(s: &Setup, script: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.flux");
    std::fs::write(&file, script).unwrap();
    ok(
        fluxi()
            .args(["explain", "--storage", &s.url])
            .arg(&file)
            .output()
            .unwrap(),
        "explain",
    )
}

#[test]
fn explain_shows_the_sql_sent() {
    let Some(s) = setup() else { return };
    let out = explain(
        s,
        &format!("from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r._measurement == \"cpu\" and r._field == \"usage_user\" and r.host == \"host_007\") |> aggregateWindow(every: 1m, fn: max)"),
    );
    assert!(
        out.contains("sql: SELECT first_value(\"time\" ORDER BY \"usage_user\" DESC"),
        "{out}"
    );
    assert!(out.contains("\"host\" = 'host_007'"), "{out}");
    assert!(out.contains("GROUP BY CAST(\"host\" AS VARCHAR), CAST(\"region\" AS VARCHAR), date_bin(INTERVAL '60000000000 nanoseconds'"), "{out}");
    // One statement: the measurement and field were chosen before any SQL.
    assert_eq!(out.matches("sql: ").count(), 1, "{out}");
    // A mean is computed by fluxi from the rows the statement reads.
    let out = explain(
        s,
        &format!("from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r._measurement == \"mem\") |> aggregateWindow(every: 1m, fn: mean)"),
    );
    assert!(
        out.contains("sql: SELECT \"time\", CAST(\"host\" AS VARCHAR) AS \"host\""),
        "{out}"
    );
    assert!(
        out.contains("-- mean computed by fluxi from these rows, in time order"),
        "{out}"
    );
}

#[test]
fn writes_are_refused_and_bad_addresses_explained() {
    let Some(s) = setup() else { return };
    let out = run_with(
        &[],
        &["--storage", &s.url],
        "from(bucket: \"b\") |> range(start: 0) |> limit(n: 1) |> to(bucket: \"b\")",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("read-only"), "{err}");
    let out = run_with(&[], &["--storage", "flightsql://127.0.0.1"], "1");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("port is missing"));
    // Nothing listens on port 1.
    let out = run_with(&[], &["--storage", "flightsql://127.0.0.1:1"], "1");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
    let missing = Path::new("/nonexistent/export");
    let cluster = cluster().unwrap_or_default();
    let out = run_with(
        &[],
        &[
            "--storage",
            &format!("{cluster}?register={}", missing.display()),
        ],
        "1",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("register /nonexistent/export"));
}

/// `fluxi serve --storage`: the engine's buckets through the InfluxDB 2 API, beside the
/// server's own (in `--data`); writes to the engine's buckets refused with 403.
#[test]
fn serve_answers_the_engines_buckets_through_the_influxdb_api() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    let Some(s) = setup() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut child = fluxi()
        .args(["serve", "--http-bind-address", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("data"))
        .args(["--storage", &s.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let stdout = child.stdout.take().unwrap();
    let served = Kill(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on ").nth(1) {
                let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("fluxi serve printed its address");
    let token = "ballista-test-token-0123456789";
    ok(
        fluxi()
            .args(["setup", "--host", &url, "-u", "ann", "-p", "password123"])
            .args(["-o", "acme", "-b", "local", "--token", token])
            .output()
            .unwrap(),
        "setup",
    );
    let remote = |args: &[&str]| {
        let mut c = fluxi();
        for v in [
            "FLUXI_HOST",
            "FLUXI_TOKEN",
            "FLUXI_ORG",
            "FLUXI_CONFIGS_PATH",
        ] {
            c.env_remove(v);
        }
        c.env("FLUXI_CONFIGS_PATH", dir.path().join("configs.json"));
        c.args(args)
            .args(["--host", &url, "--token", token, "--org", "acme"]);
        c
    };
    // The engine's bucket is listed beside the server's own.
    let buckets = ok(remote(&["bucket", "list"]).output().unwrap(), "bucket list");
    assert!(
        buckets.contains("local")
            && buckets
                .lines()
                .any(|l| l.split_whitespace().any(|w| w == "b")),
        "{buckets}"
    );
    // A query over it answers as the embedded store does.
    let script = format!(
        "from(bucket: \"b\") |> {RANGE} |> filter(fn: (r) => r._measurement == \"cpu\" and r.host == \"host_002\") |> aggregateWindow(every: 10m, fn: max)"
    );
    let served_csv = ok(
        remote(&["query", "--format", "csv", &script])
            .output()
            .unwrap(),
        "query",
    );
    let store = s.store.display().to_string();
    let local = ok(
        run_with(&[], &["--data", &store], &script),
        "the embedded store",
    );
    assert_eq!(served_csv, local);
    assert_eq!(data_rows(&local), 2 * 12);
    // The same through InfluxDB's Python client library, when scripts/test.sh gave one.
    if let Some(python) = std::env::var_os("FLUXI_TEST_PYTHON") {
        let program = [
            "import os, sys",
            "from influxdb_client import InfluxDBClient",
            "with InfluxDBClient(url=os.environ['URL'], token=os.environ['TOKEN'], org='acme') as c:",
            "    sys.stdout.write(c.query_api().query_raw(os.environ['QUERY']).data.decode())",
        ]
        .join("\n");
        let out = ok(
            Command::new(python)
                .args(["-c", &program])
                .env("URL", &url)
                .env("TOKEN", token)
                .env("QUERY", &script)
                .output()
                .unwrap(),
            "the Python client",
        );
        assert_eq!(out, local, "the Python client's answer");
    }
    // Writes into the engine's bucket are refused; into the server's own, taken.
    let mut write = remote(&["write", "--bucket", "b", "-"]);
    let mut w = write
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    w.stdin
        .take()
        .unwrap()
        .write_all(b"cpu,host=x v=1 1\n")
        .unwrap();
    let out = w.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("403") && err.contains("read-only"), "{err}");
    drop(served);
}
