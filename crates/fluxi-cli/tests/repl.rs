#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The REPL driven through a pseudo-terminal, as a person would use it: the real binary,
//! rustyline in raw mode, keys sent one entry at a time.

use rexpect::reader::Options;
use rexpect::session::PtySession;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Repl {
    pty: PtySession,
    _dir: tempfile::TempDir,
    history: PathBuf,
}

fn fluxi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fluxi"))
}

/// A store with bucket `b`: cpu usage of hosts a and b.
fn store(dir: &Path) -> PathBuf {
    let data = dir.join("store");
    let ok = fluxi()
        .args(["bucket", "create", "b", "--data"])
        .arg(&data)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok);
    let lp = dir.join("b.lp");
    std::fs::write(
        &lp,
        "cpu,host=a usage=10 1\ncpu,host=a usage=30 2\ncpu,host=b usage=7.5 1\n",
    )
    .unwrap();
    let ok = fluxi()
        .args(["write", "--bucket", "b", "--precision", "s", "--data"])
        .arg(&data)
        .arg(&lp)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok);
    data
}

fn start() -> Repl {
    let dir = tempfile::tempdir().unwrap();
    let data = store(dir.path());
    let history = dir.path().join("history");
    let mut cmd = fluxi();
    cmd.env("FLUXI_DATA", &data)
        .env("FLUXI_HISTORY", &history)
        .env("TERM", "xterm");
    let options = Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(true);
    let mut pty = rexpect::session::spawn_with_options(cmd, options).unwrap();
    pty.exp_string("Flux REPL").unwrap();
    let mut r = Repl {
        pty,
        _dir: dir,
        history,
    };
    r.prompt();
    r
}

/// A new prompt: what rustyline writes when it starts reading the next entry (raw mode is
/// on by then, so keys sent after it are not lost). Redrawing the line being typed writes
/// the prompt too, but never right after a line break.
const PROMPT: &str = "\r\n\r?> ";

impl Repl {
    /// Wait for the next prompt; returns everything written before it.
    fn prompt(&mut self) -> String {
        match self.pty.exp_regex(PROMPT) {
            Ok((before, _)) => before,
            Err(e) => panic!("waiting for the prompt: {e}"),
        }
    }

    /// Type keys without pressing Enter.
    fn keys(&mut self, text: &str) {
        self.pty.send(text).unwrap();
        self.pty.flush().unwrap();
    }

    /// Type a line and press Enter (the entry may go on on the next line).
    fn line(&mut self, text: &str) {
        self.keys(&format!("{text}\r"));
    }

    /// Type the last line of an entry, press Enter, and return what the entry printed
    /// (with the echo of what was typed) up to the next prompt.
    fn entry(&mut self, text: &str) -> String {
        self.line(text);
        self.prompt()
    }

    /// Wait for text in the output; returns what came before it.
    fn expect(&mut self, text: &str) -> String {
        match self.pty.exp_string(text) {
            Ok(before) => before,
            Err(e) => panic!("waiting for {text:?}: {e}"),
        }
    }

    fn quit(mut self) {
        self.line(":quit");
        self.pty.exp_eof().unwrap();
    }
}

#[test]
fn a_multi_line_pipeline_runs_when_it_is_complete() {
    let mut r = start();
    r.line("from(bucket: \"b\") |>");
    r.line("  range(start: 0) |>");
    r.line("  filter(fn: (r) => r.host == \"a\") |>");
    let out = r.entry("  sum()");
    assert!(out.contains("_value"), "{out}");
    assert!(out.contains("40"), "{out}");
    // An open bracket continues the entry too.
    r.line("[1,");
    let out = r.entry("2, 3]");
    assert!(out.contains("[1, 2, 3]"), "{out}");
    // A line starting with `|>` continues the previous entry (Flux's usual layout).
    r.entry("data = from(bucket: \"b\")");
    r.entry("    |> range(start: 0)");
    r.entry("    |> filter(fn: (r) => r.host == \"b\")");
    let out = r.entry("data |> map(fn: (r) => ({r with _value: r._value * 4.0}))");
    assert!(out.contains("30"), "{out}");
    // A cell, not a digit run inside the `_stop` time (now(), which may hold "120").
    assert!(!out.contains(" 120 "), "host a was filtered out: {out}");
    // An empty line ends an unfinished entry, which then says what is missing.
    r.line("x = (1 +");
    let out = r.entry("");
    assert!(out.contains("fluxi::syntax::unexpected_end"), "{out}");
    r.quit();
}

#[test]
fn a_definition_is_reused_in_a_later_entry() {
    let mut r = start();
    r.entry("double = (v) => v * 2.0");
    r.entry("limit = double(v: 21.0)");
    let out = r.entry("limit + 0.5");
    assert!(out.contains("42.5"), "{out}");
    r.quit();
}

#[test]
fn a_type_error_then_its_correction() {
    let mut r = start();
    let out = r.entry("total = 1 + \"2\"");
    assert!(out.contains("fluxi::types::mismatch"), "{out}");
    assert!(
        out.contains("total = 1 + \"2\""),
        "the error shows the line: {out}"
    );
    let out = r.entry("total * 14");
    assert!(out.contains("fluxi::types::undefined"), "{out}");
    r.entry("total = 1 + 2");
    let out = r.entry("total * 14");
    assert!(out.contains("42"), "{out}");
    r.quit();
}

#[test]
fn tab_completes_a_package_member() {
    let mut r = start();
    r.entry("import \"strings\"");
    // `toU` has one completion: `toUpper`.
    r.keys("strings.toU\t");
    r.expect("toUpper");
    let out = r.entry("(v: \"quiet\")");
    assert!(out.contains("\"QUIET\""), "{out}");
    // Bucket names come from the store, columns from the bucket's tags.
    r.keys("from(bucket: \"\t");
    r.expect("\"b\"");
    r.keys(") |> range(start: 0) |> filter(fn: (r) => r.ho\t");
    r.expect("r.host");
    let out = r.entry(" == \"b\") |> count()");
    assert!(out.contains("_value"), "{out}");
    r.quit();
}

#[test]
fn ctrl_c_cancels_a_long_query_and_keeps_the_session() {
    let mut r = start();
    r.entry("import \"strings\"");
    r.entry("import \"array\"");
    r.entry("kept = 7");
    // About 10^10 function calls: it would run for hours.
    r.entry("big = strings.split(v: strings.repeat(v: \"a,\", i: 100000), t: \",\")");
    r.entry("f = (x) => length(arr: array.map(arr: big, fn: (x) => x + \"b\"))");
    r.line("array.map(arr: big, fn: f)");
    // The entry was accepted (rustyline ends the line), so the query is running.
    r.expect("fn: f)\r\n");
    std::thread::sleep(std::time::Duration::from_millis(300));
    r.pty.send_control('c').unwrap();
    let out = r.prompt();
    assert!(out.contains("cancelled"), "{out}");
    let out = r.entry("kept * 6");
    assert!(out.contains("42"), "{out}");
    // Ctrl-C at the prompt discards what was typed.
    r.keys("half an entr");
    r.pty.send_control('c').unwrap();
    let out = r.prompt();
    assert!(out.contains("discarded"), "{out}");
    r.quit();
}

#[test]
fn commands_and_history() {
    let mut r = start();
    let out = r.entry(":type (x) => x + 1");
    assert!(out.contains("(x: int) => int"), "{out}");
    r.entry(":now 2030-01-02T03:04:05Z");
    let out = r.entry("now()");
    assert!(out.contains("2030-01-02T03:04:05"), "{out}");
    r.entry(":format csv");
    let out =
        r.entry("from(bucket: \"b\") |> range(start: 0) |> filter(fn: (r) => r.host == \"b\")");
    assert!(out.contains("#datatype"), "{out}");
    assert!(out.contains("7.5"), "{out}");
    let out = r.entry(":explain from(bucket: \"b\") |> range(start: 0) |> count()");
    assert!(out.contains("pushed into storage"), "{out}");
    let script = r.history.with_file_name("script.flux");
    std::fs::write(&script, "loaded = 40\n").unwrap();
    r.entry(&format!(":load {}", script.display()));
    let out = r.entry("loaded + 2");
    assert!(out.contains("42"), "{out}");
    std::fs::write(&script, "loaded = 1\nloaded + \"x\"\n").unwrap();
    let out = r.entry(&format!("@{}", script.display()));
    // Errors in a loaded file name the file.
    assert!(out.contains("script.flux:2:"), "{out}");
    let out = r.entry("loaded");
    assert!(out.contains("40"), "the failed file changed nothing: {out}");
    let out = r.entry(":nonsense");
    assert!(out.contains("unknown command"), "{out}");
    let out = r.entry(":help");
    assert!(out.contains(":explain EXPR"), "{out}");
    // Every entry is in the history file already.
    let history = std::fs::read_to_string(&r.history).unwrap();
    assert!(history.contains("loaded + 2"), "{history}");
    assert!(history.contains(":format csv"), "{history}");
    r.quit();
}
