//! The `fluxi` binary as a user runs it: exit statuses, output and diagnostics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn fluxi(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fluxi");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait for fluxi")
}

/// A file in a directory of its own, both removed when the test ends.
struct TempFile {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempFile {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::path::Path> for TempFile {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

fn temp_file(name: &str, content: &str) -> TempFile {
    let dir = tempfile::Builder::new()
        .prefix("fluxi-cli-test-")
        .tempdir()
        .expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write temp file");
    TempFile { path, _dir: dir }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn check_syntax_only_accepts_valid_files() {
    let a = temp_file("ok_a.flux", "import \"csv\"\nx = 1 + 2\n");
    let b = temp_file("ok_b.flux", "f = (r) => r._value > 0\n");
    let out = fluxi(
        &[
            "check",
            "--syntax-only",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(
        out.stderr.is_empty(),
        "unexpected output: {}",
        text(&out.stderr)
    );
}

#[test]
fn check_syntax_only_reports_every_error_with_code_and_place() {
    let ok = temp_file("fine.flux", "x = 1\n");
    let bad = temp_file("bad.flux", "x = f(a: 1 b: 2)\ny = 2019-01-01T00:00:00\n");
    let out = fluxi(
        &[
            "check",
            "--syntax-only",
            ok.to_str().unwrap(),
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("fluxi::syntax::unexpected_token"), "{err}");
    assert!(err.contains("separate arguments with `,`"), "{err}");
    assert!(err.contains("fluxi::syntax::invalid_date_time"), "{err}");
    assert!(err.contains("bad.flux:1:12"), "{err}");
    assert!(err.contains("bad.flux:2:5"), "{err}");
    assert!(!err.contains("fine.flux"), "{err}");
}

#[test]
fn warnings_do_not_fail_the_check() {
    let f = temp_file(
        "warn.flux",
        "from(bucket: \"b\") |> range(start: -1h)\n    filter(fn: (r) => true)\n",
    );
    let out = fluxi(&["check", "--syntax-only", f.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("fluxi::syntax::missing_pipe"));
}

#[test]
fn unreadable_file_is_a_usage_error() {
    let out = fluxi(&["check", "--syntax-only", "/nonexistent/file.flux"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/file.flux"));
    let out = fluxi(&["check", "--no-such-flag"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn non_utf8_file_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("latin1.flux");
    std::fs::write(&path, b"x = \"caf\xe9\"\n").expect("write");
    let out = fluxi(&["check", "--syntax-only", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not valid UTF-8"));
}

#[test]
fn parse_prints_the_compact_tree_from_stdin() {
    let out = fluxi(&["parse", "--ast", "-"], Some("x = a |> f(n: 1)\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "(var x (|> a (call f n:1)))\n");
    let out = fluxi(&["parse", "--ast", "--spans", "-"], Some("x = 1"));
    assert_eq!(text(&out.stdout), "(var x 1@4..5)@0..5\n");
}

#[test]
fn parse_of_a_broken_file_prints_the_partial_tree_and_fails() {
    let out = fluxi(&["parse", "--ast", "-"], Some("x = (\ny = 2\n"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("fluxi::syntax::"));
}

#[test]
fn check_type_checks_and_reports_type_errors() {
    let ok = temp_file(
        "typed_ok.flux",
        "f = (r) => r._value * 2.0\nx = f(r: {_value: 1.5})\n",
    );
    let out = fluxi(&["check", ok.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bad = temp_file("typed_bad.flux", "x = 1.0 + 1\n");
    let out = fluxi(&["check", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("fluxi::types::mismatch"), "{err}");
    assert!(err.contains("expected float but found int"), "{err}");
    // --syntax-only does not type-check.
    let out = fluxi(&["check", "--syntax-only", bad.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn check_types_prints_each_binding() {
    let f = temp_file("types.flux", "add = (a, b) => a + b\nn = add(a: 1, b: 2)\n");
    let out = fluxi(&["check", "--types", f.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "add : (a: A, b: A) => A where A: Addable\nn : int\n"
    );
}

fn repo(path: &str) -> String {
    format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn run_prints_results_in_every_format() {
    let script = "import \"array\"\narray.from(rows: [{a: 1, b: \"x\"}]) |> yield(name: \"r\")\n";
    let out = fluxi(&["run", "-"], Some(script));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.starts_with("Result: r\nTable: keys: []\n"), "{table}");
    assert!(
        table.contains("a:int") && table.contains("b:string"),
        "{table}"
    );
    let out = fluxi(&["run", "--format", "csv", "-e", script], None);
    assert!(
        text(&out.stdout).contains(",result,table,a,b\r\n,,0,1,x\r\n"),
        "{}",
        text(&out.stdout)
    );
    let out = fluxi(&["run", "--format", "json", "-e", script], None);
    assert_eq!(
        text(&out.stdout),
        "{\"result\":\"r\",\"table\":0,\"a\":1,\"b\":\"x\"}\n"
    );
}

#[test]
fn run_honours_now_and_reports_runtime_errors_with_their_place() {
    let out = fluxi(
        &[
            "run",
            "--now",
            "2020-01-01T00:00:00Z",
            "--format",
            "json",
            "-e",
            "import \"array\"\narray.from(rows: [{t: now()}])",
        ],
        None,
    );
    assert_eq!(
        text(&out.stdout),
        "{\"result\":\"_result\",\"table\":0,\"t\":\"2020-01-01T00:00:00Z\"}\n"
    );
    let out = fluxi(
        &[
            "run",
            "-e",
            "import \"array\"\narray.from(rows: [{a: 1}]) |> map(fn: (r) => ({b: r.a / 0}))",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("fluxi::eval::divide_by_zero") && err.contains("cannot divide by zero"),
        "{err}"
    );
    assert!(err.contains("-e:2:"), "{err}");
    let out = fluxi(&["run", "-e", "x = 1 +"], None);
    assert_eq!(out.status.code(), Some(1));
    let out = fluxi(&["run", "--now", "yesterday", "-e", "x = 1"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn test_runs_testcases_with_tags_and_extends() {
    let out = fluxi(&["test", "-v", &repo("tests/testcases/pass")], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("extended ... success"), "{stdout}");
    assert!(stdout.contains("tagged_and_skipped ... skip"), "{stdout}");
    assert!(
        stdout.ends_with("Found 6 tests: passed 5, failed 0, skipped 1\n"),
        "{stdout}"
    );
    let out = fluxi(
        &["test", "--tags", "slow", &repo("tests/testcases/pass")],
        None,
    );
    assert!(
        text(&out.stdout).ends_with("Found 6 tests: passed 6, failed 0, skipped 0\n"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn test_reports_failures_with_the_diff_and_exits_1() {
    let out = fluxi(&["test", &repo("tests/testcases/fail")], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("wrong_value: Table: keys: []"), "{stdout}");
    assert!(stdout.contains("_diff:string"), "{stdout}");
    assert!(stdout.contains("cannot divide by zero"), "{stdout}");
    assert!(
        stdout.ends_with("Found 2 tests: passed 0, failed 2, skipped 0\n"),
        "{stdout}"
    );
    let out = fluxi(
        &[
            "test",
            "--skip",
            "wrong_value",
            "--skip",
            "wrong.runtime_error",
            &repo("tests/testcases/fail"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn test_takes_a_memory_limit_like_run() {
    let pass = repo("tests/testcases/pass");
    for limit in ["64MiB", "none", "1048576"] {
        let out = fluxi(&["test", "--memory-limit", limit, &pass], None);
        assert_eq!(out.status.code(), Some(0), "{limit}: {}", text(&out.stderr));
        assert!(text(&out.stdout).ends_with("passed 5, failed 0, skipped 1\n"));
    }
    let out = fluxi(&["test", "--memory-limit", "lots", &pass], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--memory-limit: \"lots\" is not a size"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn run_exit_statuses_are_as_documented() {
    let status = |args: &[&str], stdin: Option<&str>| fluxi(args, stdin).status.code();
    let ok = temp_file(
        "status_ok.flux",
        "import \"array\"\narray.from(rows: [{a: 1}])\n",
    );
    let ok = ok.to_str().unwrap();
    // 0: the script ran, from a file, from -e, and from standard input.
    assert_eq!(status(&["run", ok], None), Some(0));
    assert_eq!(status(&["run", "-e", "x = 1"], None), Some(0));
    assert_eq!(status(&["run", "-"], Some("x = 1\n")), Some(0));
    assert_eq!(status(&["run", "--format", "json", ok], None), Some(0));
    // 1: an error in the script, at compile time or at run time.
    assert_eq!(status(&["run", "-e", "x = 1 +"], None), Some(1));
    assert_eq!(status(&["run", "-e", "x = 1 + \"a\""], None), Some(1));
    assert_eq!(
        status(&["run", "-e", "x = die(msg: \"no\")"], None),
        Some(1)
    );
    // 2: bad usage.
    assert_eq!(status(&["run", "/no/such/file.flux"], None), Some(2));
    assert_eq!(status(&["run"], None), Some(2));
    assert_eq!(status(&["run", "--now", "soon", ok], None), Some(2));
    assert_eq!(status(&["run", "--format", "xml", ok], None), Some(2));
    assert_eq!(status(&["run", "--no-such-flag", ok], None), Some(2));
    assert_eq!(status(&["run", ok, "-e", "x = 1"], None), Some(2));
    assert_eq!(status(&["frobnicate"], None), Some(2));
}

#[test]
fn the_repl_reads_entries_from_a_pipe_too() {
    // Without a terminal the REPL reads lines plainly (no editing), entry by entry.
    let out = fluxi(
        &["repl"],
        Some("x = 20\nx * 2 + 2\n:type x\nx = \n\nx\n:quit\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\n42\n"), "{stdout}");
    assert!(stdout.contains("\nint\n"), "{stdout}");
    // The unfinished `x = `, ended by an empty line, was reported and changed nothing.
    assert!(
        text(&out.stderr).contains("fluxi::syntax::"),
        "{}",
        text(&out.stderr)
    );
    assert!(stdout.trim_end().ends_with("20"), "{stdout}");
}

#[test]
fn fmt_rewrites_files_checks_and_reads_standard_input() {
    let messy = temp_file("fmt_messy.flux", "x=1+2\ny = a |> b() |> c()\n");
    let clean = temp_file("fmt_clean.flux", "x = 1\n");
    let bad = temp_file("fmt_bad.flux", "x = 1 +\n");
    let (messy_s, clean_s, bad_s) = (
        messy.to_str().unwrap(),
        clean.to_str().unwrap(),
        bad.to_str().unwrap(),
    );
    // --check lists the files that would change, writes nothing, exits 1.
    let out = fluxi(&["fmt", "--check", messy_s, clean_s], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), messy_s);
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "x=1+2\ny = a |> b() |> c()\n"
    );
    // Without --check files are rewritten in place.
    let out = fluxi(&["fmt", messy_s, clean_s], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "x = 1 + 2\ny =\n    a\n        |> b()\n        |> c()\n"
    );
    assert_eq!(
        fluxi(&["fmt", "--check", messy_s, clean_s], None)
            .status
            .code(),
        Some(0)
    );
    // `-`: standard input to standard output.
    let out = fluxi(&["fmt", "-"], Some("f = (r)=>({r with a:1})\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "f = (r) => ({r with a: 1})\n");
    // Syntax errors are rendered like `fluxi check` and give 1; the file is left alone.
    let out = fluxi(&["fmt", bad_s], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("fluxi::syntax::"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), "x = 1 +\n");
    // Unreadable files and bad usage give 2.
    assert_eq!(
        fluxi(&["fmt", "/no/such/file.flux"], None).status.code(),
        Some(2)
    );
    assert_eq!(fluxi(&["fmt"], None).status.code(), Some(2));
}
