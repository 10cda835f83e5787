//! Streams through the `fluxi` binary, over a disk store holding more than four times a
//! query's memory limit:
//! * a pipeline of functions that work table by table (`range |> filter |> map |> keep`)
//!   completes with the process's peak RSS (read from the OS) under the limit plus a
//!   fixed overhead;
//! * `sort()` of the same rows stops with the memory-limit error naming `sort`;
//! * the first line of the long result reaches a reader well before the whole query
//!   ends, and a reader that goes away ends the command quietly.
//!
//! Figures are in docs/performance.md ("Memory").

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Instant;

/// The query's memory limit.
const LIMIT_MIB: u64 = 16;
/// What a streaming run holds besides the query's tables: the binary and its allocator,
/// one chunk of a disk read (256 Ki values decoded into tables) and the output buffer.
const OVERHEAD_MIB: u64 = 48;
/// Points written: as tables, about 65 MiB (more than 4 × the limit; checked below).
const POINTS: usize = 1_300_000;

const PIPELINE: &str = r#"from(bucket: "b")
    |> range(start: 2023-01-01T00:00:00Z, stop: 2024-01-01T00:00:00Z)
    |> filter(fn: (r) => r._measurement == "cpu")
    |> map(fn: (r) => ({r with _value: r._value * 2.0}))
    |> keep(columns: ["_start", "_stop", "_time", "_value", "_field", "_measurement", "host"])
"#;

fn fluxi(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fluxi"));
    c.args(args)
        .stdin(Stdio::null())
        .env_remove("FLUXI_DATA")
        .env_remove("FLUXI_MEMORY_LIMIT");
    c
}

fn output(c: &mut Command) -> Output {
    c.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run fluxi")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "fluxi-streaming-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// 50 series of `cpu`, one point per second each.
fn write_store(dir: &Path) -> PathBuf {
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    let out = output(&mut fluxi(&["bucket", "create", "--data", s, "b"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lp = dir.join("data.lp");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&lp).unwrap());
    let t0: i64 = 1_700_000_000_000_000_000;
    for i in 0..POINTS {
        let t = t0 + (i / 50) as i64 * 1_000_000_000;
        writeln!(f, "cpu,host=h{:02} v={}.5 {t}", i % 50, i % 1000).unwrap();
    }
    f.flush().unwrap();
    drop(f);
    let out = output(&mut fluxi(&[
        "write",
        "--data",
        s,
        "--bucket",
        "b",
        lp.to_str().unwrap(),
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let _ = std::fs::remove_file(&lp);
    store
}

/// The peak RSS `--timing` reports, in KiB.
fn peak_rss_kib(stderr: &str) -> u64 {
    let at = stderr
        .find("peak RSS ")
        .expect("--timing reports the peak RSS");
    stderr[at + 9..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number of KiB")
}

#[test]
fn streaming_over_more_data_than_the_memory_limit() {
    let dir = scratch("rss");
    let store = write_store(&dir);
    let s = store.to_str().unwrap();
    let limit = format!("{LIMIT_MIB}MiB");

    // The rows, held whole, pass 4 × the limit: sort stops when it holds more than that.
    let four = format!("{}MiB", 4 * LIMIT_MIB);
    let sorted = format!("{PIPELINE}    |> sort()\n");
    let out = output(&mut fluxi(&[
        "run",
        "--data",
        s,
        "--format",
        "csv",
        "--memory-limit",
        &four,
        "-e",
        &sorted,
    ]));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("fluxi::exec::memory_limit"), "{err}");
    assert!(err.contains("sort: holding"), "{err}");

    // The pipeline streams through in far less.
    let out = output(&mut fluxi(&[
        "run",
        "--data",
        s,
        "--format",
        "csv",
        "--timing",
        "--memory-limit",
        &limit,
        "-e",
        PIPELINE,
    ]));
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    let rows = text(&out.stdout)
        .lines()
        .filter(|l| l.starts_with(",,"))
        .count();
    assert_eq!(rows, POINTS, "every point comes out");
    let peak = peak_rss_kib(&err);
    assert!(
        peak < (LIMIT_MIB + OVERHEAD_MIB) * 1024,
        "peak RSS {peak} KiB, over the limit of {LIMIT_MIB} MiB + {OVERHEAD_MIB} MiB: {err}"
    );

    // And at the same limit, sort names itself.
    let out = output(&mut fluxi(&[
        "run",
        "--data",
        s,
        "--memory-limit",
        &limit,
        "-e",
        &sorted,
    ]));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("sort: holding") && err.contains("memory limit of 16.0 MiB"),
        "{err}"
    );
    assert!(err.contains("in this call to `sort`"), "{err}");

    // The first line reaches a reader long before the whole result is written.
    let started = Instant::now();
    let mut child = fluxi(&["run", "--data", s, "--format", "csv", "-e", PIPELINE])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    let first_after = started.elapsed();
    assert!(first.starts_with("#datatype"), "{first:?}");
    // Read everything to see how long the whole takes.
    let mut rest = 0usize;
    let mut line = String::new();
    while lines.read_line(&mut line).unwrap() > 0 {
        rest += 1;
        line.clear();
    }
    let status = child.wait().unwrap();
    let whole = started.elapsed();
    assert!(status.success());
    assert!(rest > POINTS);
    assert!(
        first_after * 4 < whole,
        "the first line came after {first_after:?}, the whole result after {whole:?}"
    );

    // A reader that stops early (`| head -1`) ends the command quietly and soon.
    let started = Instant::now();
    let mut child = fluxi(&["run", "--data", s, "--format", "csv", "-e", PIPELINE])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    head.read_line(&mut first).unwrap();
    drop(head);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    assert!(
        started.elapsed() < whole,
        "it stopped when the reader went away"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
