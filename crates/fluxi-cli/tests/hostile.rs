//! Input meant to hurt (issue 14, docs/reliability.md): every case ends with a clear
//! message or quietly, never a panic, a hang or unbounded output.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn fluxi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fluxi"))
}

fn run(args: &[&str]) -> Output {
    fluxi()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run fluxi")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Run with standard output a pipe whose reader is already gone: every write fails with
/// EPIPE, as when `| head -1` has read its line.
fn run_into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    fluxi()
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run fluxi")
}

fn no_panic(out: &Output, what: &str) {
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{what} panicked: {err}");
    assert_ne!(out.status.code(), Some(101), "{what}: {err}");
}

#[test]
fn every_command_ends_quietly_when_its_reader_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let data = data.to_str().unwrap();
    let script = dir.path().join("q.flux");
    let lines: String = (0..2000).map(|i| format!("x{i} = {i}\n")).collect();
    std::fs::write(&script, &lines).unwrap();
    let script = script.to_str().unwrap();
    let explained = dir.path().join("e.flux");
    std::fs::write(
        &explained,
        "from(bucket: \"b\") |> range(start: 0) |> filter(fn: (r) => r._field == \"f\") |> mean()",
    )
    .unwrap();
    assert!(run(&["bucket", "create", "--data", data, "b"])
        .status
        .success());
    let cases: Vec<Vec<&str>> = vec![
        vec!["check", "--types", script],
        vec!["fmt", script],
        vec!["explain", "--data", data, explained.to_str().unwrap()],
        vec!["bucket", "list", "--data", data],
        vec![
            "run",
            "-e",
            "import \"array\"\narray.from(rows: [{a: 1}, {a: 2}])",
        ],
        vec!["--help"],
    ];
    for args in cases {
        let out = run_into_closed_pipe(&args);
        no_panic(&out, &args.join(" "));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            out.stderr.is_empty() || !text(&out.stderr).contains("error"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn a_mistake_far_along_a_long_line_is_named_not_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.flux");
    // The mistake is at column 70,008, past what a terminal renderer can pad to.
    std::fs::write(&file, format!("x = {}1 +\n", " ".repeat(70_000))).unwrap();
    let out = run(&["check", file.to_str().unwrap()]);
    no_panic(&out, "check of a long line");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("long.flux:1:70008"), "{err}");
    assert!(err.contains("too long to show"), "{err}");
    assert!(
        err.len() < 2_000,
        "the line is not printed: {} bytes",
        err.len()
    );
}

/// Random bytes of Flux-ish punctuation, newlines included.
fn garbage(bytes: usize) -> String {
    let alphabet = b"@#$%^&*()[]{}<>|=+-/\\\"ab1 \n";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..bytes)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            alphabet[(state % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

fn check_timed(path: &Path) -> (Duration, Output) {
    let start = Instant::now();
    let out = run(&["check", path.to_str().unwrap()]);
    (start.elapsed(), out)
}

#[test]
fn a_megabyte_of_garbage_gives_a_bounded_report_in_time_linear_in_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.flux");
    let big = dir.path().join("big.flux");
    std::fs::write(&small, garbage(1 << 18)).unwrap();
    std::fs::write(&big, garbage(1 << 20)).unwrap();
    let (t_small, _) = check_timed(&small);
    let (t_big, out) = check_timed(&big);
    no_panic(&out, "check of garbage");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    // At most the first 50 problems are drawn, then a count of the rest.
    assert!(
        err.contains("more errors not shown"),
        "{}",
        &err[err.len().saturating_sub(500)..]
    );
    assert!(err.len() < 64 << 10, "report of {} bytes", err.len());
    // Four times the input takes about four times as long (it took 16× and more when
    // every diagnostic rescanned the source); the margin is wide for a loaded machine.
    let ratio = t_big.as_secs_f64() / t_small.as_secs_f64().max(0.001);
    assert!(
        ratio < 9.0,
        "256 KiB: {t_small:?}, 1 MiB: {t_big:?} (×{ratio:.1})"
    );
    // A debug build; the release build takes a tenth of this (docs/reliability.md).
    assert!(t_big < Duration::from_secs(30), "{t_big:?}");
}

#[cfg(unix)]
#[test]
fn csv_from_a_fifo_or_outside_the_allowed_directories_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let allowed = dir.path().join("data");
    std::fs::create_dir(&allowed).unwrap();
    std::fs::write(
        allowed.join("d.csv"),
        "#datatype,string,long,long\n#group,false,false,false\n#default,_result,,\n,result,table,a\n,,0,7\n",
    )
    .unwrap();
    let script = |path: &Path| {
        format!(
            "import \"csv\"\ncsv.from(file: {:?})",
            path.to_str().unwrap()
        )
    };
    let start = Instant::now();
    let out = run(&["run", "-e", &script(&fifo)]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "a FIFO must not block"
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a regular file (a FIFO)"),
        "{}",
        text(&out.stderr)
    );
    // Without --allow-file-read the user's files are readable; with it, only those inside.
    let file = allowed.join("d.csv");
    let out = run(&["run", "--format", "csv", "-e", &script(&file)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(",7"));
    let allow = allowed.to_str().unwrap();
    let out = run(&["run", "--allow-file-read", allow, "-e", &script(&file)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let outside = dir.path().join("outside.csv");
    std::fs::copy(&file, &outside).unwrap();
    let out = run(&["run", "--allow-file-read", allow, "-e", &script(&outside)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("fluxi::eval::file_access"),
        "{}",
        text(&out.stderr)
    );
}

/// A fresh store with bucket `b`; (dir guard, store path).
fn store_with_bucket() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store").to_str().unwrap().to_string();
    assert!(run(&["bucket", "create", "--data", &data, "b"])
        .status
        .success());
    (dir, data)
}

fn count_points(data: &str) -> String {
    let out = run(&[
        "run",
        "--data",
        data,
        "--format",
        "csv",
        "-e",
        "from(bucket: \"b\") |> range(start: 0) |> group() |> count() |> keep(columns: [\"_value\"])",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn crlf_files_are_written_and_over_long_lines_are_refused_whole() {
    let (dir, data) = store_with_bucket();
    let crlf = dir.path().join("crlf.lp");
    std::fs::write(
        &crlf,
        "cpu,host=a v=1 1000000000\r\ncpu,host=b v=2 2000000000\r\n",
    )
    .unwrap();
    let out = run(&[
        "write",
        "--data",
        &data,
        "--bucket",
        "b",
        crlf.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        count_points(&data).contains(",2\r\n"),
        "{}",
        count_points(&data)
    );
    // A line over the limit is not split into two points: it stops the write, and its
    // batch (here the whole file) is not written, as with any bad line.
    let long = dir.path().join("long.lp");
    let body = format!(
        "cpu v=3 3000000000\ncpu,t={} v=4 4000000000\ncpu v=5 5000000000\n",
        "x".repeat(3000)
    );
    std::fs::write(&long, body).unwrap();
    let out = run(&[
        "write",
        "--data",
        &data,
        "--bucket",
        "b",
        "--max-line-length",
        "1000",
        long.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("line 2 of") && err.contains("longer than 1000 bytes"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        count_points(&data).contains(",2\r\n"),
        "{}",
        count_points(&data)
    );
}

#[cfg(unix)]
#[test]
fn an_endless_input_without_line_ends_stops_at_the_line_limit() {
    let (_dir, data) = store_with_bucket();
    let start = Instant::now();
    let out = run(&[
        "write",
        "--data",
        &data,
        "--bucket",
        "b",
        "--max-line-length",
        "4000000",
        "/dev/zero",
    ]);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("longer than 4000000 bytes"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn zero_filled_lines_and_reserved_tag_keys_are_reported_by_line() {
    let (dir, data) = store_with_bucket();
    let file = dir.path().join("bad.lp");
    std::fs::write(&file, b"cpu v=1 1\n\0\0\0\0\ncpu,_start=x v=2 2\n").unwrap();
    let out = run(&[
        "write",
        "--data",
        &data,
        "--bucket",
        "b",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("line 2: ") && err.contains("only NUL bytes"),
        "{err}"
    );
    assert!(
        err.contains("line 3: ") && err.contains("reserved tag key \"_start\""),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
}

#[test]
fn a_field_type_conflict_names_its_line() {
    let (dir, data) = store_with_bucket();
    let first = dir.path().join("first.lp");
    std::fs::write(&first, "cpu v=1 1\n").unwrap();
    assert!(run(&[
        "write",
        "--data",
        &data,
        "--bucket",
        "b",
        first.to_str().unwrap()
    ])
    .status
    .success());
    let second = dir.path().join("second.lp");
    std::fs::write(&second, "cpu v=2 2\nmem u=1i 3\ncpu v=\"text\" 4\n").unwrap();
    let out = run(&[
        "write",
        "--data",
        &data,
        "--bucket",
        "b",
        second.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error: line 3: field type conflict"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
}

#[test]
fn a_failed_final_flush_exits_1_and_keeps_the_points_in_the_log() {
    let (dir, data) = store_with_bucket();
    let input = dir.path().join("points.lp");
    std::fs::write(
        &input,
        "cpu,host=a v=1 1000000000\ncpu,host=b v=2 2000000000\n",
    )
    .unwrap();
    // The final flush writes data files, a new log and then `MANIFEST.tmp`, which it
    // renames over the manifest. A directory in that place makes the flush fail for real
    // (also for root, whom permissions do not stop), while opening the store and
    // logging the points work: opening only tries to remove a leftover `MANIFEST.tmp`.
    let obstacle = Path::new(&data).join("MANIFEST.tmp");
    std::fs::create_dir(&obstacle).unwrap();
    std::fs::write(obstacle.join("keep"), "").unwrap();
    let out = run(&[
        "write",
        "--data",
        &data,
        "--bucket",
        "b",
        input.to_str().unwrap(),
    ]);
    no_panic(&out, "write");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2 points from 2 lines are in the write-ahead log")
            && err.contains("writing them into data files failed")
            && err.contains("MANIFEST.tmp"),
        "{err}"
    );
    assert!(!err.contains("wrote 2 points"), "{err}");
    // Nothing is lost: with the obstacle gone, the next open finds both points in the log.
    std::fs::remove_dir_all(&obstacle).unwrap();
    let counted = count_points(&data);
    assert!(counted.contains(",2\r\n"), "{counted}");
}
