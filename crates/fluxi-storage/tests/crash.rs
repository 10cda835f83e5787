//! Crash test: a child process (this test binary, run again with an environment variable
//! that selects the writer role) writes batches to a disk store in a loop, flushing and
//! compacting now and then, and prints each batch's id once `write` has returned `Ok`.
//! The parent kills it with SIGKILL at a random moment, reopens the store and checks
//! that every acknowledged batch is there whole, and that no batch is there in part.
//! Twenty rounds on the same store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disk_util;

use disk_util::Scratch;
use fluxi_storage::line_protocol::{parse, ParseOptions, Precision};
use fluxi_storage::{DiskOptions, DiskStorage, Predicate, ReadSpec, Storage, StorageError};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_DIR: &str = "FLUXI_CRASH_CHILD_DIR";
const CHILD_FIRST: &str = "FLUXI_CRASH_CHILD_FIRST";
/// Lines per batch.
const LINES: i64 = 20;

fn options() -> DiskOptions {
    DiskOptions {
        // Small: automatic flushes and compactions happen while the child writes.
        buffer_rows: 150,
        partition_duration: 5_000,
        row_group_rows: 8,
        compact_after: 3,
        read_threads: 1,
        read_chunk_values: 1 << 20,
    }
}

fn batch_text(id: i64) -> String {
    (0..LINES)
        .map(|k| format!("crash,writer=w{} b={id}i,k={k}i {}\n", id % 3, id * 100 + k))
        .collect()
}

/// The writer role: does nothing unless started by the parent.
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let first: i64 = std::env::var(CHILD_FIRST).unwrap().parse().unwrap();
    let d = DiskStorage::open_with(Path::new(&dir), options()).unwrap();
    match d.create_bucket("b", None) {
        Ok(()) | Err(StorageError::BucketExists(_)) => {}
        Err(e) => panic!("{e}"),
    }
    let opts = ParseOptions::new(Precision::Nanoseconds, 0);
    let mut out = std::io::stdout();
    for id in first.. {
        let text = batch_text(id);
        if id % 2 == 0 {
            d.write_line_protocol("b", text.as_bytes(), &opts).unwrap();
        } else {
            let points = parse(text.as_bytes(), Precision::Nanoseconds, 0).unwrap();
            d.write("b", &points).unwrap();
        }
        writeln!(out, "ack {id}").unwrap();
        out.flush().unwrap();
        if id % 11 == 0 {
            d.flush().unwrap();
        }
        if id % 29 == 0 {
            d.compact().unwrap();
        }
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The rows of each batch in the store: id -> (k values seen).
/// A store where the first child was killed before it created the bucket has none (and
/// no batch was acknowledged).
fn batches_in(d: &DiskStorage) -> BTreeMap<i64, BTreeSet<i64>> {
    let mut out: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let r = match d.read(&ReadSpec {
        bucket: "b".into(),
        start: i64::MIN / 2,
        stop: i64::MAX / 2,
        predicates: vec![Predicate::Eq("_field".into(), "b".into())],
    }) {
        Ok(r) => r,
        Err(StorageError::BucketNotFound(_)) => return out,
        Err(e) => panic!("the store does not read: {e}"),
    };
    for t in &r.tables {
        let time = t.column_index("_time").unwrap();
        let value = t.column_index("_value").unwrap();
        for row in t.rows() {
            let (fluxi_value::Value::Time(time), fluxi_value::Value::Int(id)) =
                (&row[time], &row[value])
            else {
                panic!("unexpected row {row:?}");
            };
            assert_eq!(time / 100, *id, "batch {id} has a row at {time}");
            out.entry(*id).or_default().insert(time % 100);
        }
    }
    out
}

#[test]
fn acknowledged_batches_survive_sigkill() {
    let dir = Scratch::new("crash");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    println!("seed {seed}");
    let mut rng = Rng(seed);
    let exe = std::env::current_exe().unwrap();
    let mut acked: BTreeSet<i64> = BTreeSet::new();
    let started = Instant::now();
    for round in 0..20i64 {
        let mut child = Command::new(&exe)
            .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_FIRST, (round * 1_000_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = 5 + rng.next() % 196;
        std::thread::sleep(Duration::from_millis(wait));
        child.kill().unwrap();
        child.wait().unwrap();
        let mut text = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        // Only whole lines: the last one may have been cut by the kill.
        let whole = text.rfind('\n').map_or("", |i| &text[..i]);
        let this_round: Vec<i64> = whole
            .lines()
            .filter_map(|l| l.strip_prefix("ack "))
            .map(|n| n.parse().unwrap())
            .collect();
        acked.extend(&this_round);

        let d = DiskStorage::open_with(dir.path(), options()).unwrap_or_else(|e| {
            panic!("round {round} (seed {seed}): the store does not open: {e}")
        });
        let stored = batches_in(&d);
        for id in &acked {
            let ks = stored.get(id).map_or(0, |k| k.len());
            assert_eq!(
                ks, LINES as usize,
                "round {round} (seed {seed}): acknowledged batch {id} has {ks} of {LINES} rows"
            );
        }
        for (id, ks) in &stored {
            assert_eq!(
                ks.len(),
                LINES as usize,
                "round {round} (seed {seed}): batch {id} is there in part"
            );
        }
        println!(
            "round {round}: killed after {wait} ms, {} acknowledged this round, {} batches stored, recovery {:?}",
            this_round.len(),
            stored.len(),
            d.recovery()
        );
        // The parent's close flushes; the next child opens what it left.
        drop(d);
    }
    assert!(
        acked.len() > 20,
        "too few batches were written: {}",
        acked.len()
    );
    println!(
        "{} batches acknowledged in {:?}",
        acked.len(),
        started.elapsed()
    );
}
