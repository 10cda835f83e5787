//! Readers while a writer writes (issue 14): one process writes 1,000,000 lines in
//! batches (flushing and compacting as it goes) while `fluxi run` processes query the
//! same store in a loop. The writer holds the store's lock, so the readers open it
//! read-only; every answer must be some committed prefix of the batches (count and sum
//! of the same prefix), never an error, never a mix.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi::{DiskOptions, DiskStorage, ParseOptions, Precision, Storage};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_DIR: &str = "FLUXI_CONCURRENT_CHILD_DIR";
const BATCHES: u64 = 100;
const BATCH_LINES: u64 = 10_000;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The writer role (started by the test below): 100 batches of 10,000 lines, point `i`
/// with value `i` at second `i`.
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let d = DiskStorage::open_with(
        Path::new(&dir),
        DiskOptions {
            // Flushes and compactions happen while the readers read.
            buffer_rows: 150_000,
            compact_after: 3,
            ..DiskOptions::default()
        },
    )
    .unwrap();
    d.create_bucket("b", None).unwrap();
    let mut out = std::io::stdout();
    let _ = writeln!(out, "open");
    let _ = out.flush();
    let opts = ParseOptions::new(Precision::Seconds, 0);
    for k in 0..BATCHES {
        let text: String = (k * BATCH_LINES..(k + 1) * BATCH_LINES)
            .map(|i| format!("c v={i}i {i}\n"))
            .collect();
        d.write_line_protocol("b", text.as_bytes(), &opts).unwrap();
    }
    drop(d);
    let _ = writeln!(out, "done");
}

const QUERY: &str = r#"data = from(bucket: "b") |> range(start: 0)
data |> count() |> yield(name: "count")
data |> sum() |> yield(name: "sum")
"#;

/// The `_value` of results `count` and `sum` (none when the bucket is empty).
fn answer(csv: &str) -> (Option<i64>, Option<i64>) {
    let (mut count, mut sum) = (None, None);
    let mut header: Vec<String> = Vec::new();
    // The result's name is in the `#default` annotation when the rows leave it empty.
    let mut default = String::new();
    for line in csv.lines() {
        if let Some(rest) = line.strip_prefix("#default,") {
            default = rest.split(',').next().unwrap_or("").to_string();
        }
        if line.starts_with('#') || line.trim().is_empty() {
            header.clear();
            continue;
        }
        let cells: Vec<&str> = line.split(',').collect();
        if header.is_empty() {
            header = cells.iter().map(|c| c.to_string()).collect();
            continue;
        }
        let at = |n: &str| header.iter().position(|h| h == n).unwrap();
        let v: i64 = cells[at("_value")].trim().parse().unwrap();
        let result = match cells[at("result")] {
            "" => default.as_str(),
            r => r,
        };
        match result {
            "count" => count = Some(v),
            "sum" => sum = Some(v),
            other => panic!("result {other}"),
        }
    }
    (count, sum)
}

#[test]
fn readers_see_a_committed_prefix_while_a_writer_writes_a_million_lines() {
    let scratch =
        Scratch(std::env::temp_dir().join(format!("fluxi-concurrent-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    let dir = scratch.0.join("store");
    let mut writer = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, &dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(writer.stdout.take().unwrap()).lines();
    assert!(
        lines
            .by_ref()
            .map_while(Result::ok)
            .any(|l| l.trim().ends_with("open")),
        "the writer did not open the store"
    );
    let started = Instant::now();
    let mut answers: Vec<i64> = Vec::new();
    let mut finished = false;
    // Bounded: the writer is done long before this in any build.
    while started.elapsed() < Duration::from_secs(300) {
        finished = matches!(writer.try_wait(), Ok(Some(_)));
        let out = Command::new(env!("CARGO_BIN_EXE_fluxi"))
            .args([
                "run",
                "--data",
                dir.to_str().unwrap(),
                "--format",
                "csv",
                "-e",
                QUERY,
            ])
            .env_remove("FLUXI_DATA")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "a reader failed: {stderr}");
        assert!(!stderr.contains("recovery"), "{stderr}");
        let (n, s) = answer(&stdout);
        let n = n.unwrap_or(0);
        let s = s.unwrap_or(0);
        // A whole number of batches, and the sum of exactly those points.
        assert_eq!(
            n % BATCH_LINES as i64,
            0,
            "count {n} is not a committed prefix"
        );
        assert_eq!(
            s,
            n * (n - 1).max(0) / 2,
            "sum {s} is not that of the first {n} points"
        );
        answers.push(n);
        if finished {
            break;
        }
    }
    assert!(finished, "the writer did not finish in time");
    assert!(writer.wait().unwrap().success());
    assert_eq!(
        answers.last(),
        Some(&((BATCHES * BATCH_LINES) as i64)),
        "{answers:?}"
    );
    // Some answers came while the writer wrote (the readers were not locked out), and
    // they never went back.
    assert!(
        answers
            .iter()
            .any(|&n| n > 0 && n < (BATCHES * BATCH_LINES) as i64),
        "no reader ran while the writer wrote: {answers:?}"
    );
    assert!(answers.windows(2).all(|w| w[0] <= w[1]), "{answers:?}");
}
