//! The corruption matrix of issue 14, through the `fluxi` binary on real files: for the
//! write-ahead log, each data file and the manifest × {truncate, bit flip in the header,
//! the middle and the end, swap with another file, a zeroed 4 KiB page, delete}, a query
//! either gives the exact right answer or fails with an error naming the damage; the log
//! cases keep every intact record and report what was dropped. A damaged data file is
//! found by `fluxi store check` (exit 1) and moved aside by `fluxi store repair`, which
//! says what was lost; the store then answers with exactly the rest.
//!
//! The stores are made by a child process (this test binary again, in a writer role)
//! that is killed with SIGKILL once its writes are acknowledged: what it did not flush
//! is only in the log, as after a crash.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi::{DiskOptions, DiskStorage, ParseOptions, Precision, Storage};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CHILD_DIR: &str = "FLUXI_CORRUPTION_CHILD_DIR";
const CHILD_ROLE: &str = "FLUXI_CORRUPTION_CHILD_ROLE";
/// Lines of each batch of the matrix store.
const MATRIX_LINES: usize = 1500;
const DAY: i64 = 86_400_000_000_000;

/// A directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p =
            std::env::temp_dir().join(format!("fluxi-corruption-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Scratch(p)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fluxi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxi"))
        .args(args)
        .stdin(Stdio::null())
        .env_remove("FLUXI_DATA")
        .output()
        .expect("run fluxi")
}

/// The lines of batch `name` (its own series, tag `batch`), `n` points on day `day`.
fn batch(name: &str, day: i64, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "m,batch={name} v={i}i {}\n",
                day * DAY + i as i64 * 1_000_000_000
            )
        })
        .collect()
}

/// The writer role: does nothing unless started by a test. Writes its batches, says
/// `ready` once every write returned (was acknowledged), then waits to be killed.
#[test]
fn child_writer() {
    let (Ok(dir), Ok(role)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_ROLE)) else {
        return;
    };
    let d = DiskStorage::open_with(
        Path::new(&dir),
        DiskOptions {
            compact_after: 0,
            ..DiskOptions::default()
        },
    )
    .unwrap();
    d.create_bucket("b", None).unwrap();
    let opts = ParseOptions::new(Precision::Nanoseconds, 0);
    match role.as_str() {
        "matrix" => {
            // Three flushed batches (a data file each, days 1 to 3), three only logged.
            for k in 0..3 {
                let text = batch(&format!("f{k}"), 1 + k, MATRIX_LINES);
                d.write_line_protocol("b", text.as_bytes(), &opts).unwrap();
                d.flush().unwrap();
            }
            for k in 0..3 {
                let text = batch(&format!("w{k}"), 10 + k, MATRIX_LINES);
                d.write_line_protocol("b", text.as_bytes(), &opts).unwrap();
            }
        }
        "big" => {
            // 600,000 points in five batches, acknowledged, none flushed.
            for k in 0..5 {
                let text = batch(&format!("w{k}"), 10 + k, 120_000);
                d.write_line_protocol("b", text.as_bytes(), &opts).unwrap();
            }
        }
        other => panic!("unknown role {other}"),
    }
    println!("ready");
    // Wait to be killed (or for the test to end: then standard input closes).
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

/// Makes a store with a child writer killed (SIGKILL) after its writes were acknowledged.
fn killed_writer(dir: &Path, role: &str) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_ROLE, role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|l| l.trim().ends_with("ready"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(ready, "the writer did not finish its writes");
}

/// The query of every case: points per batch.
const COUNT: &str =
    r#"from(bucket: "b") |> range(start: 0) |> group(columns: ["batch"]) |> count()"#;

/// Points per batch as `fluxi run --format csv` gives them.
fn counts(csv: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let mut header: Vec<String> = Vec::new();
    for line in csv.lines() {
        let cells: Vec<&str> = line.split(',').collect();
        if line.starts_with('#') || line.trim().is_empty() {
            header.clear();
            continue;
        }
        if header.is_empty() {
            header = cells.iter().map(|c| c.to_string()).collect();
            continue;
        }
        let at = |name: &str| header.iter().position(|h| h == name);
        if let (Some(b), Some(v)) = (at("batch"), at("_value")) {
            out.insert(cells[b].to_string(), cells[v].trim().parse().unwrap());
        }
    }
    out
}

fn run_count(dir: &Path) -> Output {
    fluxi(&[
        "run",
        "--data",
        dir.to_str().unwrap(),
        "--format",
        "csv",
        "-e",
        COUNT,
    ])
}

/// The files of a store: the log, the data files (oldest first), the manifest.
fn log_of(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "log"))
        .unwrap()
}

fn data_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Damage {
    Truncate,
    FlipHeader,
    FlipMiddle,
    FlipEnd,
    Swap,
    ZeroPage,
    Delete,
}

const DAMAGES: [Damage; 7] = [
    Damage::Truncate,
    Damage::FlipHeader,
    Damage::FlipMiddle,
    Damage::FlipEnd,
    Damage::Swap,
    Damage::ZeroPage,
    Damage::Delete,
];

fn flip(path: &Path, at: usize) {
    let mut b = std::fs::read(path).unwrap();
    b[at] ^= 0x10;
    std::fs::write(path, b).unwrap();
}

/// Damages `target`; `other` is what a swap exchanges it with.
fn damage(target: &Path, other: &Path, how: Damage) {
    let len = std::fs::metadata(target).unwrap().len() as usize;
    match how {
        Damage::Truncate => {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(target)
                .unwrap();
            f.set_len(len as u64 / 2).unwrap();
        }
        Damage::FlipHeader => flip(target, 2),
        Damage::FlipMiddle => flip(target, len / 2),
        Damage::FlipEnd => flip(target, len - 3),
        Damage::Swap => {
            let tmp = target.with_extension("swap");
            std::fs::rename(target, &tmp).unwrap();
            std::fs::rename(other, target).unwrap();
            std::fs::rename(&tmp, other).unwrap();
        }
        Damage::ZeroPage => {
            let mut b = std::fs::read(target).unwrap();
            let start = if len >= 8192 { 4096 } else { 0 };
            let end = (start + 4096).min(len);
            b[start..end].fill(0);
            std::fs::write(target, b).unwrap();
        }
        Damage::Delete => std::fs::remove_file(target).unwrap(),
    }
}

fn all_batches() -> BTreeMap<String, u64> {
    ["f0", "f1", "f2", "w0", "w1", "w2"]
        .iter()
        .map(|b| (b.to_string(), MATRIX_LINES as u64))
        .collect()
}

/// A pristine store of the matrix, made once and copied for each case.
fn pristine() -> Scratch {
    let s = Scratch::new("pristine");
    let dir = s.path().join("store");
    killed_writer(&dir, "matrix");
    let _ = std::fs::remove_file(dir.join("LOCK"));
    assert_eq!(data_files(&dir).len(), 3);
    s
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// One pristine store (made by a killed writer) for the whole matrix.
#[test]
fn corruption_matrix() {
    let base = pristine();
    the_log_cases_keep_every_intact_record_and_say_what_was_dropped(&base);
    a_damaged_data_file_is_an_error_naming_it_until_repair_moves_it_aside(&base);
    a_damaged_manifest_is_an_error_naming_it(&base);
}

fn the_log_cases_keep_every_intact_record_and_say_what_was_dropped(base: &Scratch) {
    for how in DAMAGES {
        let case = Scratch::new(&format!("wal-{how:?}"));
        let dir = case.path().join("store");
        copy_dir(&base.path().join("store"), &dir);
        let log = log_of(&dir);
        let files = data_files(&dir);
        damage(&log, &files[0], how);
        let out = run_count(&dir);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let got = counts(&stdout);
        let whole = all_batches();
        if how == Damage::Swap {
            // The data file now holds the log's bytes: an error naming it; the log (a
            // data file's bytes) is reported as damage.
            assert!(!out.status.success(), "{how:?}: {stdout}");
            assert!(
                stderr.contains("fluxi::storage::corrupt"),
                "{how:?}: {stderr}"
            );
            assert!(
                stderr.contains(files[0].file_name().unwrap().to_str().unwrap()),
                "{how:?}: {stderr}"
            );
            assert!(stderr.contains("DROPPED"), "{how:?}: {stderr}");
            continue;
        }
        assert!(out.status.success(), "{how:?}: {stderr}");
        // Every batch there is whole, and the flushed ones are all there.
        for (b, n) in &got {
            assert_eq!(
                Some(n),
                whole.get(b),
                "{how:?}: batch {b} is not whole: {got:?}"
            );
        }
        for b in ["f0", "f1", "f2"] {
            assert!(got.contains_key(b), "{how:?}: {b} lost: {got:?}");
        }
        let lost = 6 - got.len();
        match how {
            // Only the damaged record is lost, and the report says so.
            Damage::FlipMiddle | Damage::FlipEnd | Damage::ZeroPage => {
                assert_eq!(lost, 1, "{how:?}: {got:?}\n{stderr}");
                assert!(stderr.contains("DROPPED"), "{how:?}: {stderr}");
                assert!(stderr.contains("moved to"), "{how:?}: {stderr}");
            }
            // The records are found by their sync markers: nothing lost.
            Damage::FlipHeader => {
                assert_eq!(got, whole, "{how:?}\n{stderr}");
                assert!(stderr.contains("header is damaged"), "{how:?}: {stderr}");
            }
            // A record cut short at the end: the records before it are kept, and the
            // cut is reported.
            Damage::Truncate => {
                assert!(lost >= 1, "{how:?}: {got:?}");
                assert!(stderr.contains("cut off"), "{how:?}: {stderr}");
            }
            Damage::Delete => {
                assert_eq!(lost, 3, "{how:?}: {got:?}");
                assert!(stderr.contains("MISSING"), "{how:?}: {stderr}");
            }
            Damage::Swap => unreachable!(),
        }
        // The report was given once; the store now opens clean with the same answer.
        let again = run_count(&dir);
        assert!(again.status.success());
        assert_eq!(counts(&text(&again.stdout)), got, "{how:?}");
        assert!(
            !text(&again.stderr).contains("recovery"),
            "{how:?}: {}",
            text(&again.stderr)
        );
    }
}

fn a_damaged_data_file_is_an_error_naming_it_until_repair_moves_it_aside(base: &Scratch) {
    for k in 0..3 {
        for how in DAMAGES {
            let case = Scratch::new(&format!("data{k}-{how:?}"));
            let dir = case.path().join("store");
            let d = dir.to_str().unwrap();
            copy_dir(&base.path().join("store"), &dir);
            let files = data_files(&dir);
            let target = &files[k];
            let name = target.file_name().unwrap().to_str().unwrap().to_string();
            damage(target, &files[(k + 1) % 3], how);
            let out = run_count(&dir);
            let stderr = text(&out.stderr);
            if out.status.success() {
                // A read checks the parts of a file it uses (and the file's head and
                // footer): damage only in bytes the query never reads (here a tag
                // column's chunk, as tags come from the manifest) leaves its answer
                // whole and right, and `store check` below finds it.
                assert!(
                    matches!(how, Damage::FlipMiddle | Damage::ZeroPage),
                    "data {k} {how:?}: {}",
                    text(&out.stdout)
                );
                assert_eq!(
                    counts(&text(&out.stdout)),
                    all_batches(),
                    "data {k} {how:?}"
                );
            } else {
                assert!(
                    stderr.contains("fluxi::storage::corrupt"),
                    "data {k} {how:?}: {stderr}"
                );
                assert!(
                    stderr.contains(&name) || how == Damage::Swap,
                    "data {k} {how:?}: {stderr}"
                );
            }

            let check = fluxi(&["store", "check", "--data", d]);
            let report = text(&check.stdout);
            assert_eq!(check.status.code(), Some(1), "data {k} {how:?}: {report}");
            assert!(report.contains(&name), "data {k} {how:?}: {report}");

            let repair = fluxi(&["store", "repair", "--data", d]);
            let said = text(&repair.stdout);
            assert!(
                repair.status.success(),
                "data {k} {how:?}: {said}{}",
                text(&repair.stderr)
            );
            // What was lost: the series of the damaged file(s), by bucket and times.
            let lost_batches: Vec<String> = (0..3)
                .filter(|j| said.contains(&format!("series {{batch=f{j}}}")))
                .map(|j| format!("f{j}"))
                .collect();
            assert!(
                lost_batches.contains(&format!("f{k}")),
                "data {k} {how:?}: {said}"
            );
            assert!(said.contains("lost: bucket \"b\""), "{said}");

            // Exactly the rest is left.
            let out = run_count(&dir);
            assert!(
                out.status.success(),
                "data {k} {how:?}: {}",
                text(&out.stderr)
            );
            let got = counts(&text(&out.stdout));
            let mut want = all_batches();
            for b in &lost_batches {
                want.remove(b);
            }
            assert_eq!(got, want, "data {k} {how:?}");
            let check = fluxi(&["store", "check", "--data", d]);
            assert!(
                check.status.success(),
                "data {k} {how:?}: {}",
                text(&check.stdout)
            );
            let moved = dir.join("quarantine").read_dir().map_or(0, |d| d.count());
            assert!(moved > 0 || how == Damage::Delete, "data {k} {how:?}");
        }
    }
}

fn a_damaged_manifest_is_an_error_naming_it(base: &Scratch) {
    for how in DAMAGES {
        let case = Scratch::new(&format!("manifest-{how:?}"));
        let dir = case.path().join("store");
        copy_dir(&base.path().join("store"), &dir);
        let log = log_of(&dir);
        damage(&dir.join("MANIFEST"), &log, how);
        let out = run_count(&dir);
        let stderr = text(&out.stderr);
        if how == Damage::FlipEnd || how == Damage::FlipMiddle {
            // Inside the JSON the checksum covers: refused.
            assert!(!out.status.success(), "{how:?}");
        }
        assert!(!out.status.success(), "{how:?}: {}", text(&out.stdout));
        assert!(stderr.contains("MANIFEST"), "{how:?}: {stderr}");
        assert!(
            stderr.contains("fluxi::storage::corrupt"),
            "{how:?}: {stderr}"
        );
        // Nothing was changed: the data files are all still there.
        assert_eq!(data_files(&dir).len(), 3, "{how:?}");
    }
}

#[test]
fn six_hundred_thousand_logged_points_lose_only_the_damaged_batch() {
    // The finding of issue 14: five acknowledged, unflushed batches; 16 bytes flipped in
    // the middle of the log.
    let s = Scratch::new("big");
    let dir = s.path().join("store");
    let d = dir.to_str().unwrap();
    killed_writer(&dir, "big");
    let _ = std::fs::remove_file(dir.join("LOCK"));
    let log = log_of(&dir);
    let mut bytes = std::fs::read(&log).unwrap();
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid..mid + 16] {
        *b ^= 0xFF;
    }
    std::fs::write(&log, bytes).unwrap();

    let check = fluxi(&["store", "check", "--data", d]);
    let stderr = text(&check.stderr);
    assert_eq!(check.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("kept 5 records (480000 points)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("DROPPED 1 acknowledged record(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("moved to"), "{stderr}");

    let out = run_count(&dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = counts(&text(&out.stdout));
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got.values().all(|&n| n == 120_000), "{got:?}");
    assert!(
        !got.contains_key("w2"),
        "the middle batch is the damaged one: {got:?}"
    );
    // The damaged log is kept, not deleted.
    let kept: Vec<PathBuf> = std::fs::read_dir(dir.join("quarantine"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(
        kept.iter().any(|p| p.to_string_lossy().ends_with(".log")),
        "{kept:?}"
    );
}
