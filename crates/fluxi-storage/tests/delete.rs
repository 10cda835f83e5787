//! Deleting points: the memory store's semantics (the reference), and the disk store
//! answering exactly as it does after deletes, with the deleted rows in the buffer, in
//! data files, across flushes, reopening, compaction and a crash: every read, aggregate
//! (also those answered from the manifest's statistics) and schema question. A property
//! test interleaves random writes, deletes, flushes, reopens and compactions; a crash
//! test kills a child process that writes and deletes at random moments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disk_util;

use disk_util::{aggregate_csv, all_aggregates, read_csv, read_each_csv, schema, Scratch};
use fluxi_storage::line_protocol::{to_line, FieldValue, ParseOptions, Point, Precision};
use fluxi_storage::{
    Aggregate, DeletePredicate, DiskOptions, DiskStorage, MemoryStorage, Predicate, ReadSpec,
    Storage, StorageError, StorageErrorKind,
};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

fn options() -> DiskOptions {
    DiskOptions {
        buffer_rows: 1_000_000,
        // Partitions of 16 ns: the times written span several.
        partition_duration: 16,
        row_group_rows: 3,
        compact_after: 0,
        read_threads: 2,
        read_chunk_values: 2,
    }
}

fn pred(text: &str) -> DeletePredicate {
    DeletePredicate::parse(text).unwrap()
}

fn write(s: &dyn Storage, bucket: &str, lines: &str) {
    s.write_line_protocol(
        bucket,
        lines.as_bytes(),
        &ParseOptions::new(Precision::Nanoseconds, 0),
    )
    .unwrap();
}

fn both(d: &DiskStorage, m: &MemoryStorage, lines: &str) {
    write(d, "b", lines);
    write(m, "b", lines);
}

fn delete_both(d: &DiskStorage, m: &MemoryStorage, start: i64, stop: i64, p: &str) {
    let p = pred(p);
    d.delete("b", start, stop, &p).unwrap();
    m.delete("b", start, stop, &p).unwrap();
}

/// The `(time, value)` pairs of every table of a read, as text, per series.
fn points(s: &dyn Storage, bucket: &str) -> BTreeMap<String, Vec<(i64, String)>> {
    let r = s
        .read(&ReadSpec {
            bucket: bucket.into(),
            start: i64::MIN / 2,
            stop: i64::MAX / 2,
            predicates: vec![],
        })
        .unwrap();
    let mut out = BTreeMap::new();
    for t in &r.tables {
        let time = t.column_index("_time").unwrap();
        let value = t.column_index("_value").unwrap();
        let key = t
            .key()
            .columns()
            .iter()
            .filter(|c| c.label != "_start" && c.label != "_stop")
            .map(|c| format!("{}={}", c.label, c.value))
            .collect::<Vec<_>>()
            .join(",");
        let rows = t
            .rows()
            .into_iter()
            .map(|row| match &row[time] {
                fluxi_value::Value::Time(ts) => (*ts, row[value].to_string()),
                other => panic!("time {other:?}"),
            })
            .collect();
        out.insert(key, rows);
    }
    out
}

fn read_predicates() -> Vec<Vec<Predicate>> {
    vec![
        vec![],
        vec![
            Predicate::Eq("_measurement".into(), "cpu".into()),
            Predicate::NotEq("host".into(), "h1".into()),
        ],
        vec![Predicate::Or(vec![
            Predicate::Eq("dc".into(), "d0".into()),
            Predicate::Matches(
                "_field".into(),
                Arc::new(regex::Regex::new("^[fiu]").unwrap()),
            ),
        ])],
    ]
}

/// Reads (whole and streamed), every aggregate and the schema answers agree.
fn assert_same(d: &DiskStorage, m: &MemoryStorage, buckets: &[&str], what: &str) {
    for &bucket in buckets {
        for (start, stop) in [(-100, 100), (-7, 33), (16, 17), (0, 60)] {
            for p in read_predicates() {
                let expected = read_csv(m, bucket, start, stop, p.clone());
                assert_eq!(
                    read_csv(d, bucket, start, stop, p.clone()),
                    expected,
                    "{what}: read {bucket} [{start}, {stop}) {p:?}"
                );
                assert_eq!(
                    read_each_csv(d, bucket, start, stop, p.clone()),
                    expected,
                    "{what}: streamed read {bucket} [{start}, {stop}) {p:?}"
                );
                assert_eq!(
                    all_aggregates(d, bucket, start, stop, &p, 7),
                    all_aggregates(m, bucket, start, stop, &p, 7),
                    "{what}: aggregates {bucket} [{start}, {stop}) {p:?}"
                );
            }
        }
        assert_eq!(schema(d, bucket), schema(m, bucket), "{what}: schema");
    }
}

#[test]
fn the_memory_store_deletes_an_inclusive_range_of_the_matching_series() {
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    write(
        &m,
        "b",
        "cpu,host=a v=1 10\ncpu,host=a v=2 20\ncpu,host=a v=3 30\ncpu,host=b v=4 20\n\
         cpu v=5 20\nmem,host=a v=6 20\n",
    );
    // Both ends inclusive: 20 and 30 go, 10 stays; host b, the series without host and
    // mem are not matched.
    m.delete("b", 20, 30, &pred(r#"_measurement="cpu" AND host="a""#))
        .unwrap();
    let left = points(&m, "b");
    assert_eq!(
        left.get("_field=v,_measurement=cpu,host=a"),
        Some(&vec![(10, "1".to_string())])
    );
    assert_eq!(left.len(), 4, "{left:?}");
    // `!=` does not match a series without the tag.
    m.delete("b", 0, 100, &pred(r#"host!="a""#)).unwrap();
    let left = points(&m, "b");
    assert!(left.contains_key("_field=v,_measurement=cpu"), "{left:?}");
    assert!(
        !left.contains_key("_field=v,_measurement=cpu,host=b"),
        "{left:?}"
    );
    // A series left without points is gone from the schema answers too.
    assert_eq!(m.tag_values("b", "host", None).unwrap(), vec!["a"]);
    // Points written after a delete, inside its range, are there.
    m.delete("b", i64::MIN, i64::MAX, &DeletePredicate::all())
        .unwrap();
    assert!(points(&m, "b").is_empty());
    assert!(m.measurements("b").unwrap().is_empty());
    write(&m, "b", "cpu,host=a v=7 20\n");
    assert_eq!(points(&m, "b").len(), 1);
}

#[test]
fn bad_deletes_are_refused_with_their_kind() {
    let dir = Scratch::new("delete-errors");
    let d = reopen(dir.path(), &options());
    let m = MemoryStorage::new();
    for s in [&d as &dyn Storage, &m] {
        s.create_bucket("b", None).unwrap();
        let e = s.delete("b", 5, 4, &DeletePredicate::all()).unwrap_err();
        assert_eq!(e.kind(), StorageErrorKind::DeleteRange, "{e}");
        assert_eq!(
            e.to_string(),
            "invalid delete range: start 1970-01-01T00:00:00.000000005Z is after stop \
             1970-01-01T00:00:00.000000004Z"
        );
        assert!(matches!(
            s.delete("nope", 0, 1, &DeletePredicate::all()),
            Err(StorageError::BucketNotFound(_))
        ));
        // A one-instant range is fine.
        s.delete("b", 5, 5, &DeletePredicate::all()).unwrap();
    }
    let e = DeletePredicate::parse(r#"a="b" OR c="d""#).unwrap_err();
    let e = StorageError::from(e);
    assert_eq!(e.code(), "fluxi::storage::delete_predicate");
    // A store opened read-only does not delete.
    d.flush().unwrap();
    let r = DiskStorage::open_read_only(dir.path(), options()).unwrap();
    let e = r.delete("b", 0, 1, &DeletePredicate::all()).unwrap_err();
    assert!(e.to_string().contains("read-only"), "{e}");
}

const DATA: &str = "cpu,host=h0,dc=d0 f=1.5,i=3i 1
cpu,host=h1 f=2.5,s=\"x\" 2
cpu,host=h0,dc=d0 f=0.5 17
cpu,host=h2 f=9.5,u=4u 20
cpu,host=h1,dc=d1 f=1,i=4i 33
mem,host=h0 i=7i,b=true 5
mem,host=h0 i=8i,b=false 40
mem,dc=d1 f=4.5 41
cpu,host=h1 f=3.5 50
cpu,host=h1 f=4.5 51
";

#[test]
fn deletes_of_buffered_and_flushed_rows_agree_with_the_memory_store() {
    let dir = Scratch::new("delete-fixed");
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    let d = reopen(dir.path(), &options());
    d.create_bucket("b", None).unwrap();
    both(&d, &m, DATA);
    // In the buffer only.
    delete_both(&d, &m, 17, 20, r#"host="h0""#);
    assert_same(&d, &m, &["b"], "buffer delete");
    assert_eq!(d.pending_deletes().unwrap(), 0, "nothing in files to cut");
    d.flush().unwrap();
    // In files: one series of a file, part of a series, a whole measurement.
    delete_both(&d, &m, 50, 50, r#"_measurement="cpu" and host="h1""#);
    delete_both(&d, &m, 0, 16, r#"dc!="d0""#);
    assert!(d.pending_deletes().unwrap() > 0);
    assert_same(&d, &m, &["b"], "file delete");
    // Written after the deletes, inside their ranges: visible, before and after a flush.
    both(&d, &m, "cpu,host=h1 f=99 50\nmem,dc=d1 f=7 3\n");
    assert_same(&d, &m, &["b"], "written after the deletes");
    d.flush().unwrap();
    assert_same(&d, &m, &["b"], "flushed after the deletes");
    // Files and buffer both cut by one delete.
    both(&d, &m, "cpu,host=h2 f=1 21\ncpu,host=h2 f=2 60\n");
    delete_both(&d, &m, 19, 59, r#"_measurement="cpu""#);
    assert_same(&d, &m, &["b"], "files and buffer");
    drop(d);
    let d = reopen(dir.path(), &options());
    assert_same(&d, &m, &["b"], "reopened");
    d.compact().unwrap();
    assert_eq!(d.pending_deletes().unwrap(), 0);
    assert_same(&d, &m, &["b"], "compacted");
    drop(d);
    let d = reopen(dir.path(), &options());
    assert_same(&d, &m, &["b"], "compacted and reopened");
}

#[test]
fn aggregates_from_statistics_do_not_count_deleted_points() {
    let dir = Scratch::new("delete-stats");
    let d = DiskStorage::open_with(
        dir.path(),
        DiskOptions {
            partition_duration: 1_000_000,
            ..options()
        },
    )
    .unwrap();
    d.create_bucket("b", None).unwrap();
    let lines: String = (0..10).map(|t| format!("cpu,host=a v={t} {t}\n")).collect();
    write(&d, "b", &lines);
    d.flush().unwrap();
    let value = |a: Aggregate| {
        let csv = aggregate_csv(&d, "b", 0, 100, vec![], a, None);
        let row = csv
            .lines()
            .find(|l| l.starts_with(",,0,"))
            .unwrap_or_default()
            .to_string();
        row.split(',').nth(6).unwrap_or_default().to_string()
    };
    assert_eq!(value(Aggregate::Count), "10");
    // The first, the last and one in the middle.
    d.delete("b", 0, 0, &DeletePredicate::all()).unwrap();
    d.delete("b", 9, 9, &DeletePredicate::all()).unwrap();
    d.delete("b", 4, 4, &pred("host=a")).unwrap();
    assert_eq!(value(Aggregate::Count), "7");
    assert_eq!(value(Aggregate::First), "1");
    assert_eq!(value(Aggregate::Last), "8");
    assert_eq!(value(Aggregate::Sum), "32");
    assert_eq!(value(Aggregate::Min), "1");
    assert_eq!(value(Aggregate::Max), "8");
    // The same once compaction made the deletes permanent (the statistics are new).
    d.compact().unwrap();
    assert_eq!(d.pending_deletes().unwrap(), 0);
    assert_eq!(value(Aggregate::Count), "7");
    assert_eq!(value(Aggregate::First), "1");
    assert_eq!(value(Aggregate::Last), "8");
}

/// The manifest: its version, the rows of its files, and the whole as JSON.
fn manifest(dir: &Path) -> (u32, u64, String) {
    let bytes = std::fs::read(dir.join("MANIFEST")).unwrap();
    let newline = bytes.iter().position(|b| *b == b'\n').unwrap();
    let head = std::str::from_utf8(&bytes[..newline]).unwrap();
    let version = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = fluxi_storage::disk::manifest_json(dir).unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let rows = json["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["files"].as_array().unwrap().iter())
        .map(|f| f["rows"].as_u64().unwrap())
        .sum();
    (version, rows, body.to_string())
}

#[test]
fn compaction_makes_a_delete_permanent_in_the_files() {
    let dir = Scratch::new("delete-permanent");
    let d = reopen(dir.path(), &options());
    d.create_bucket("b", None).unwrap();
    write(&d, "b", DATA);
    d.flush().unwrap();
    let (version, rows_before, body) = manifest(dir.path());
    assert_eq!(version, 5);
    assert!(body.contains("\"tombstones\":[]"), "{body}");
    d.delete("b", 0, 100, &pred(r#"_measurement="mem""#))
        .unwrap();
    // Flushed without compaction (`compact_after: 0`): the tombstone is in the manifest,
    // and the files are as they were.
    d.flush().unwrap();
    let (version, rows, body) = manifest(dir.path());
    assert_eq!((version, rows), (5, rows_before), "{body}");
    assert!(body.contains("\"tombstones\":[{"), "{body}");
    drop(d);
    let d = reopen(dir.path(), &options());
    assert_eq!(d.pending_deletes().unwrap(), 1);
    let check = d.check().unwrap();
    assert!(check.is_clean() && check.pending_deletes == 1);
    assert!(
        check.to_string().contains("deletes: 1 not yet rewritten"),
        "{check}"
    );
    assert_eq!(d.measurements("b").unwrap(), vec!["cpu"]);
    d.compact().unwrap();
    let (version, rows_after, body) = manifest(dir.path());
    assert_eq!(version, 5, "{body}");
    assert!(body.contains("\"tombstones\":[]"), "{body}");
    assert_eq!(rows_after, rows_before - 3, "{body}");
    assert!(
        !body.contains("\"measurement\":\"mem\""),
        "no file of mem is left: {body}"
    );
    assert!(d.measurements("b").unwrap() == vec!["cpu"]);
}

#[test]
fn a_json_manifest_of_version_3_with_a_tombstone_is_still_read() {
    // Stores written before the binary manifest kept pending deletes in a JSON manifest
    // of version 3: the tombstone must keep hiding the deleted points.
    let dir = Scratch::new("delete-json-v3");
    let d = reopen(dir.path(), &options());
    d.create_bucket("b", None).unwrap();
    write(&d, "b", DATA);
    d.flush().unwrap();
    d.delete("b", 0, 100, &pred(r#"_measurement="mem""#))
        .unwrap();
    d.flush().unwrap();
    let expected = read_csv(&d, "b", 0, 100, vec![]);
    drop(d);
    let json = fluxi_storage::disk::manifest_json(dir.path())
        .unwrap()
        .unwrap();
    assert!(json.contains("\"tombstones\":[{"), "{json}");
    let crc = crc32fast::hash(json.as_bytes());
    std::fs::write(
        dir.path().join("MANIFEST"),
        format!("fluxi-manifest 3 {crc:08x}\n{json}"),
    )
    .unwrap();
    let d = reopen(dir.path(), &options());
    assert_eq!(d.pending_deletes().unwrap(), 1);
    assert_eq!(read_csv(&d, "b", 0, 100, vec![]), expected);
    assert!(!expected.contains("mem"), "{expected}");
}

#[test]
fn a_logged_delete_is_replayed_by_another_opener() {
    let dir = Scratch::new("delete-replay");
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    let d = reopen(dir.path(), &options());
    d.create_bucket("b", None).unwrap();
    both(&d, &m, DATA);
    d.flush().unwrap();
    both(&d, &m, "cpu,host=h0,dc=d0 f=8 17\n");
    delete_both(&d, &m, 15, 45, r#"host="h0""#);
    both(&d, &m, "mem,host=h0 i=9i 40\n");
    // The writer still has the store open: the delete is only in the log, which a
    // read-only opener replays (as a writer's open does after a crash).
    let r = DiskStorage::open_read_only(dir.path(), options()).unwrap();
    assert_eq!(r.recovery().records, 3, "{:?}", r.recovery());
    assert_eq!(points(&r, "b"), points(&m, "b"));
    assert_eq!(schema(&r, "b"), schema(&m, "b"));
}

#[test]
fn a_series_deleted_in_pieces_leaves_the_schema() {
    let dir = Scratch::new("delete-schema");
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    let d = DiskStorage::open_with(
        dir.path(),
        DiskOptions {
            partition_duration: 1_000,
            ..options()
        },
    )
    .unwrap();
    d.create_bucket("b", None).unwrap();
    both(
        &d,
        &m,
        "cpu,host=a v=1 10\ncpu,host=a v=2 20\ncpu,host=a v=3 30\ncpu,host=b w=1 10\n",
    );
    d.flush().unwrap();
    // Three deletes with gaps between them that hold no point: no single one covers
    // the series' time range, so whether anything is left takes reading the file.
    delete_both(&d, &m, 5, 12, "host=a");
    assert_eq!(schema(&d, "b"), schema(&m, "b"));
    delete_both(&d, &m, 18, 22, "host=a");
    delete_both(&d, &m, 28, 35, "host=a");
    assert_eq!(d.tag_values("b", "host", None).unwrap(), vec!["b"]);
    assert_eq!(d.field_keys("b", None).unwrap(), vec!["w"]);
    assert_eq!(schema(&d, "b"), schema(&m, "b"));
    assert_same(&d, &m, &["b"], "deleted in pieces");
}

// ---- property test ----

const BUCKETS: [&str; 2] = ["one", "two"];

fn field_value(name: &'static str) -> BoxedStrategy<FieldValue> {
    match name {
        "f" => (-1000i32..1000)
            .prop_map(|x| FieldValue::Float(f64::from(x) / 8.0))
            .boxed(),
        "i" => (-50i64..50).prop_map(FieldValue::Int).boxed(),
        "u" => (0u64..50).prop_map(FieldValue::UInt).boxed(),
        "s" => "[a-c]{0,3}".prop_map(FieldValue::String).boxed(),
        _ => any::<bool>().prop_map(FieldValue::Bool).boxed(),
    }
}

fn point() -> impl Strategy<Value = Point> {
    let fields =
        proptest::sample::subsequence(vec!["b", "f", "i", "s", "u"], 1..4).prop_flat_map(|names| {
            names
                .into_iter()
                .map(|n| field_value(n).prop_map(move |v| (n.to_string(), v)))
                .collect::<Vec<_>>()
        });
    (
        prop_oneof![Just("cpu"), Just("mem")],
        proptest::option::of(0..3u8),
        proptest::option::of(0..2u8),
        fields,
        -20i64..60,
    )
        .prop_map(|(m, host, dc, fields, time)| {
            let mut tags = Vec::new();
            if let Some(d) = dc {
                tags.push(("dc".to_string(), format!("d{d}")));
            }
            if let Some(h) = host {
                tags.push(("host".to_string(), format!("h{h}")));
            }
            Point {
                measurement: m.to_string(),
                tags,
                fields,
                time,
            }
        })
}

const DELETE_PREDICATES: [&str; 6] = [
    "",
    r#"_measurement="cpu""#,
    r#"host="h1""#,
    r#"_measurement="mem" AND dc!="d0""#,
    r#"host!="h0" AND (dc=d1)"#,
    r#"_measurement!="cpu" and host="h2""#,
];

#[derive(Debug, Clone)]
enum Op {
    Write(usize, Vec<Point>),
    Delete(usize, i64, i64, usize),
    Flush,
    Reopen,
    Compact,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..2usize, proptest::collection::vec(point(), 1..6)).prop_map(|(b, p)| Op::Write(b, p)),
        3 => (0..2usize, -25i64..65, 0i64..40, 0..DELETE_PREDICATES.len())
            .prop_map(|(b, s, len, p)| Op::Delete(b, s, s + len, p)),
        1 => Just(Op::Flush),
        1 => Just(Op::Reopen),
        1 => Just(Op::Compact),
    ]
}

fn apply(d: &mut DiskStorage, m: &MemoryStorage, dir: &Path, opts: &DiskOptions, op: &Op) {
    match op {
        Op::Write(b, points) => {
            let text: String = points.iter().map(|p| to_line(p) + "\n").collect();
            let opts = ParseOptions::new(Precision::Nanoseconds, 0);
            let a = d.write_line_protocol(BUCKETS[*b], text.as_bytes(), &opts);
            let e = m.write_line_protocol(BUCKETS[*b], text.as_bytes(), &opts);
            assert_eq!(a.is_ok(), e.is_ok(), "{a:?} vs {e:?}");
        }
        Op::Delete(b, start, stop, p) => {
            let p = pred(DELETE_PREDICATES[*p]);
            d.delete(BUCKETS[*b], *start, *stop, &p).unwrap();
            m.delete(BUCKETS[*b], *start, *stop, &p).unwrap();
        }
        Op::Flush => d.flush().unwrap(),
        Op::Compact => d.compact().unwrap(),
        Op::Reopen => {
            // Closing flushes (the tombstones go to the manifest).
            let placeholder = DiskStorage::open_read_only(dir, opts.clone()).unwrap();
            drop(std::mem::replace(d, placeholder));
            *d = reopen(dir, opts);
        }
    }
}

/// Open a store this process has just closed. The store's lock is an `flock` on a file
/// descriptor, and the crash test in this binary spawns children from another thread: a
/// child forked in the instant the store was open holds a copy of the descriptor until it
/// execs (the descriptor is close-on-exec). So a reopen that finds the lock taken tries
/// again, for at most two seconds.
fn reopen(dir: &Path, opts: &DiskOptions) -> DiskStorage {
    let mut tries = 0;
    loop {
        match DiskStorage::open_with(dir, opts.clone()) {
            Err(StorageError::InUse(_)) if tries < 100 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_disk_store_deletes_as_the_memory_store_does(
        ops in proptest::collection::vec(op(), 1..14),
        compact_after in prop_oneof![Just(0usize), Just(2usize)],
    ) {
        let dir = Scratch::new("delete-prop");
        let m = MemoryStorage::new();
        // Compaction after every flush (which also rewrites what deletes touch), or never.
        let opts = DiskOptions { compact_after, ..options() };
        let mut d = DiskStorage::open_with(dir.path(), opts.clone()).unwrap();
        for b in BUCKETS {
            m.create_bucket(b, None).unwrap();
            d.create_bucket(b, None).unwrap();
        }
        for (k, op) in ops.iter().enumerate() {
            apply(&mut d, &m, dir.path(), &opts, op);
            if matches!(op, Op::Delete(..)) || k + 1 == ops.len() {
                assert_same(&d, &m, &BUCKETS, &format!("after op {k} {op:?}"));
            }
        }
        drop(d);
        let d = reopen(dir.path(), &opts);
        assert_same(&d, &m, &BUCKETS, "reopened at the end");
        d.compact().unwrap();
        prop_assert_eq!(d.pending_deletes().unwrap(), 0);
        assert_same(&d, &m, &BUCKETS, "compacted at the end");
    }
}

// ---- crash test ----

const CHILD_DIR: &str = "FLUXI_DELETE_CRASH_CHILD_DIR";
const CHILD_FIRST: &str = "FLUXI_DELETE_CRASH_CHILD_FIRST";
const LINES: i64 = 10;

fn crash_options() -> DiskOptions {
    DiskOptions {
        // Small: flushes, compactions and tombstone purges happen while the child runs.
        buffer_rows: 120,
        partition_duration: 1_000,
        row_group_rows: 8,
        compact_after: 3,
        read_threads: 1,
        read_chunk_values: 1 << 20,
    }
}

/// Batch `id`: `LINES` points at times `id * 100 + k`, value `id`.
fn batch_text(id: i64) -> String {
    (0..LINES)
        .map(|k| format!("crash,w=w{} b={id}i {}\n", id % 3, id * 100 + k))
        .collect()
}

/// The writer role: writes batch after batch; after every third one deletes the batch
/// two before it (its whole time range), and every other time writes that batch again
/// after the delete. Prints `w ID`, `d ID` and `r ID` once each call returned.
#[test]
fn child_writer_and_deleter() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let first: i64 = std::env::var(CHILD_FIRST).unwrap().parse().unwrap();
    let d = DiskStorage::open_with(Path::new(&dir), crash_options()).unwrap();
    match d.create_bucket("b", None) {
        Ok(()) | Err(StorageError::BucketExists(_)) => {}
        Err(e) => panic!("{e}"),
    }
    let opts = ParseOptions::new(Precision::Nanoseconds, 0);
    let mut out = std::io::stdout();
    for id in first.. {
        d.write_line_protocol("b", batch_text(id).as_bytes(), &opts)
            .unwrap();
        writeln!(out, "w {id}").unwrap();
        if id % 3 == 2 {
            let gone = id - 2;
            let p = pred(&format!(r#"_measurement="crash" AND w="w{}""#, gone % 3));
            d.delete("b", gone * 100, gone * 100 + 99, &p).unwrap();
            writeln!(out, "d {gone}").unwrap();
            if id % 2 == 0 {
                d.write_line_protocol("b", batch_text(gone).as_bytes(), &opts)
                    .unwrap();
                writeln!(out, "r {gone}").unwrap();
            }
        }
        out.flush().unwrap();
        if id % 13 == 0 {
            d.flush().unwrap();
        }
    }
}

/// The batches in the store: id -> its times (modulo 100).
fn batches_in(d: &DiskStorage) -> BTreeMap<i64, BTreeSet<i64>> {
    let mut out: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let r = match d.read(&ReadSpec {
        bucket: "b".into(),
        start: 0,
        stop: i64::MAX / 2,
        predicates: vec![],
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

#[test]
fn acknowledged_deletes_survive_sigkill() {
    let dir = Scratch::new("delete-crash");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    println!("seed {seed}");
    let mut rng = Rng(seed);
    let exe = std::env::current_exe().unwrap();
    // What each batch must be: whole, absent, or either (an operation in flight).
    let (mut written, mut deleted, mut revived) =
        (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    let (mut deletes_checked, mut revivals_checked) = (0, 0);
    for round in 0..12i64 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_writer_and_deleter",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .env(CHILD_FIRST, (round * 1_000_000 + 2).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = 20 + rng.next() % 300;
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
        let whole = text.rfind('\n').map_or("", |i| &text[..i]);
        for line in whole.lines() {
            let Some((what, id)) = line.split_once(' ') else {
                continue;
            };
            let Ok(id) = id.parse::<i64>() else {
                continue;
            };
            match what {
                "w" => {
                    written.insert(id);
                }
                "d" => {
                    deleted.insert(id);
                }
                "r" => {
                    revived.insert(id);
                }
                _ => {}
            }
        }
        let d = DiskStorage::open_with(dir.path(), crash_options()).unwrap_or_else(|e| {
            panic!("round {round} (seed {seed}): the store does not open: {e}")
        });
        let stored = batches_in(&d);
        for (id, ks) in &stored {
            assert_eq!(
                ks.len(),
                LINES as usize,
                "round {round} (seed {seed}): batch {id} is there in part"
            );
        }
        for id in &written {
            let there = stored.contains_key(id);
            if deleted.contains(id) {
                if id % 2 == 1 {
                    // Deleted (acknowledged) and never written again: gone for good.
                    assert!(
                        !there,
                        "round {round} (seed {seed}): batch {id} was deleted and is back"
                    );
                    deletes_checked += 1;
                } else if revived.contains(id) {
                    // Written again after its delete (acknowledged): there.
                    assert!(
                        there,
                        "round {round} (seed {seed}): batch {id}, written after its delete, is missing"
                    );
                    revivals_checked += 1;
                }
                // Else the write after the delete may have been in flight: either.
            } else if !(id % 3 == 0 && written.contains(&(id + 2))) {
                // No delete of it can have been in flight: there.
                assert!(
                    there,
                    "round {round} (seed {seed}): acknowledged batch {id} is missing"
                );
            }
        }
        drop(d);
    }
    assert!(
        deletes_checked > 10 && revivals_checked > 10,
        "too few deletes checked: {deletes_checked}, {revivals_checked} rewrites"
    );
    println!("{deletes_checked} deletes and {revivals_checked} rewrites after a delete checked");
}
