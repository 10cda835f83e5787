//! The disk store: reads equal the memory store's for the same writes (before and after a
//! flush, after reopening, after compaction), batches are all or nothing, retention drops
//! partitions, the log survives torn tails, the lock keeps a second opener out, and files
//! a crash left behind are ignored.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disk_util;

use disk_util::{aggregate_csv, all_aggregates, read_csv, schema, small_options, Scratch};
use fluxi_storage::line_protocol::{parse, ParseOptions, Precision};
use fluxi_storage::{
    Aggregate, DiskOptions, DiskStorage, MemoryStorage, Predicate, Storage, StorageError,
};
use std::io::Write;
use std::sync::Arc;

const S: i64 = 1_000_000_000;
const H: i64 = 3600 * S;

const DATA: &str = "cpu,host=a usage=1.5,n=3i 10
cpu,host=b usage=2.5 10
cpu,host=a usage=0.5 20
mem,host=a used=7i,ok=true,note=\"x\" 10
cpu,host=a usage=9.5 200
cpu,host=a,dc=x usage=1,n=4i 4000
cpu,host=b usage=3.5 7300
cpu,host=b usage=4.5 7310
mem,host=a used=8i,ok=false,note=\"y\",u=5u 7300
";

fn write_both(d: &DiskStorage, m: &MemoryStorage, lines: &str) {
    let opts = ParseOptions::new(Precision::Seconds, 0);
    let a = d.write_line_protocol("b", lines.as_bytes(), &opts);
    let b = m.write_line_protocol("b", lines.as_bytes(), &opts);
    assert_eq!(a.is_ok(), b.is_ok(), "{a:?} vs {b:?}");
}

fn predicates() -> Vec<Vec<Predicate>> {
    vec![
        vec![],
        vec![Predicate::Eq("_measurement".into(), "cpu".into())],
        vec![
            Predicate::Eq("_measurement".into(), "cpu".into()),
            Predicate::Eq("_field".into(), "usage".into()),
            Predicate::Eq("host".into(), "b".into()),
        ],
        vec![Predicate::NotEq("dc".into(), "y".into())],
        vec![Predicate::Or(vec![
            Predicate::Matches("host".into(), Arc::new(regex::Regex::new("^b").unwrap())),
            Predicate::NotMatches("_field".into(), Arc::new(regex::Regex::new("u").unwrap())),
        ])],
    ]
}

/// Reads, aggregates and schema answers of both stores agree.
fn assert_same(d: &DiskStorage, m: &MemoryStorage, what: &str) {
    for (start, stop) in [
        (0, 100 * H),
        (0, 15 * S),
        (15 * S, 7305 * S),
        (-H, 0),
        (5, 5),
    ] {
        for p in predicates() {
            let a = read_csv(d, "b", start, stop, p.clone());
            let b = read_csv(m, "b", start, stop, p.clone());
            assert_eq!(a, b, "{what}: read [{start}, {stop}) {p:?}");
            let a = all_aggregates(d, "b", start, stop, &p, 7 * S);
            let b = all_aggregates(m, "b", start, stop, &p, 7 * S);
            assert_eq!(a, b, "{what}: aggregates [{start}, {stop}) {p:?}");
        }
    }
    assert_eq!(schema(d, "b"), schema(m, "b"), "{what}: schema");
}

#[test]
fn reads_equal_the_memory_store_through_flush_reopen_and_compaction() {
    let dir = Scratch::new("roundtrip");
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    write_both(&d, &m, DATA);
    assert_same(&d, &m, "buffer only");
    d.flush().unwrap();
    assert_same(&d, &m, "flushed");
    // Overwrites (newer values win field by field), into the buffer and a second file.
    write_both(
        &d,
        &m,
        "cpu,host=a usage=100 20\ncpu,host=b usage=7 7310\nmem,host=a ok=true 7300\n",
    );
    assert_same(&d, &m, "flushed + buffer");
    d.flush().unwrap();
    write_both(&d, &m, "cpu,host=a usage=200 20\ncpu,host=c usage=1 30\n");
    assert_same(&d, &m, "two files + buffer");
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_same(&d, &m, "reopened");
    write_both(&d, &m, "cpu,host=a usage=300 20\n");
    d.compact().unwrap();
    assert_same(&d, &m, "compacted");
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_same(&d, &m, "compacted and reopened");
    let files = std::fs::read_dir(dir.path().join("data")).unwrap().count();
    // One file per measurement and partition touched: cpu and mem in hours 0, 1 and 2.
    assert!(files <= 6, "{files} files after compaction");
}

/// Text parsed in pieces (as `fluxi write` does on two threads) writes what the whole
/// text does, survives reopening (the log holds the text once), and pieces that are
/// not the text's consecutive parts are refused.
#[test]
fn text_parsed_in_pieces_is_written_as_the_whole_text() {
    use fluxi_storage::ParsedText;
    let opts = ParseOptions::new(Precision::Seconds, 0);
    let text = DATA.as_bytes();
    // Cut after lines 2 and 5 (the last piece ends the text).
    let ends: Vec<usize> = DATA.match_indices('\n').map(|(i, _)| i + 1).collect();
    let cuts = [0, ends[1], ends[4], text.len()];
    let parts: Vec<&[u8]> = cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let parse = |p: &[&'static [u8]]| -> Vec<ParsedText<'static>> {
        p.iter()
            .map(|t| ParsedText::parse(t, &opts).unwrap())
            .collect()
    };
    let dir = Scratch::new("pieces");
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    let whole = ParsedText::from_pieces(text, parse(&parts)).unwrap();
    assert_eq!(whole.len(), 9);
    assert_eq!(d.write_parsed(&whole, "b").unwrap(), 9);
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    m.write_line_protocol("b", text, &opts).unwrap();
    let want = read_csv(&m, "b", 0, 4 * H, vec![]);
    assert_eq!(read_csv(&d, "b", 0, 4 * H, vec![]), want);
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_eq!(read_csv(&d, "b", 0, 4 * H, vec![]), want, "after replay");

    // Not the text's parts in order: refused.
    let copy: &'static [u8] = Box::leak(parts[1].to_vec().into_boxed_slice());
    let wrong: [Vec<&'static [u8]>; 4] = [
        vec![parts[0], parts[2]],           // a gap
        vec![parts[1], parts[0], parts[2]], // out of order
        vec![parts[0], copy, parts[2]],     // the same bytes, elsewhere
        vec![parts[0], parts[1]],           // short of the end
    ];
    for pieces in wrong {
        assert!(ParsedText::from_pieces(text, parse(&pieces)).is_none());
    }
    let other = ParseOptions::new(Precision::Nanoseconds, 0);
    let mixed = vec![
        ParsedText::parse(parts[0], &opts).unwrap(),
        ParsedText::parse(parts[1], &other).unwrap(),
        ParsedText::parse(parts[2], &opts).unwrap(),
    ];
    assert!(
        ParsedText::from_pieces(text, mixed).is_none(),
        "mixed options"
    );
    assert!(ParsedText::from_pieces(text, Vec::new()).is_none());
}

#[test]
fn type_conflicts_reject_the_whole_batch_and_survive_reopening() {
    let dir = Scratch::new("conflict");
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    let opts = ParseOptions::new(Precision::Seconds, 0);
    d.write_line_protocol("b", b"cpu,host=a v=1 10\n", &opts)
        .unwrap();
    let before = read_csv(&d, "b", 0, H, vec![]);
    // Against the stored type.
    let err = d
        .write_line_protocol("b", b"cpu,host=z w=1 10\ncpu,host=a v=1i 20\n", &opts)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "field type conflict: input field \"v\" on measurement \"cpu\" is type integer, already exists as type float"
    );
    // Two types within one batch, even where the second line would overwrite the first.
    let err = d
        .write_line_protocol("b", b"cpu,host=q x=1 30\ncpu,host=q x=\"s\" 30\n", &opts)
        .unwrap_err();
    assert!(
        matches!(err, StorageError::FieldTypeConflict { .. }),
        "{err}"
    );
    // The same through `write`.
    let points = parse(
        b"cpu,host=z w=1 10\ncpu,host=a v=true 20",
        Precision::Seconds,
        0,
    )
    .unwrap();
    assert!(matches!(
        d.write("b", &points),
        Err(StorageError::FieldTypeConflict { .. })
    ));
    // A bad line rejects the batch too.
    assert!(matches!(
        d.write_line_protocol("b", b"cpu,host=z w=1 10\ncpu,host=a\n", &opts),
        Err(StorageError::LineProtocol(_))
    ));
    assert_eq!(read_csv(&d, "b", 0, H, vec![]), before);
    assert_eq!(d.tag_values("b", "host", None).unwrap(), vec!["a"]);
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_eq!(read_csv(&d, "b", 0, H, vec![]), before);
    // The type is remembered after a flush and a reopen.
    d.flush().unwrap();
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert!(matches!(
        d.write_line_protocol("b", b"cpu,host=a v=1i 30\n", &opts),
        Err(StorageError::FieldTypeConflict { .. })
    ));
    assert_eq!(read_csv(&d, "b", 0, H, vec![]), before);
    assert!(matches!(
        d.write_line_protocol("nope", b"cpu v=1 1\n", &opts),
        Err(StorageError::BucketNotFound(_))
    ));
}

#[test]
fn retention_drops_whole_partitions() {
    let dir = Scratch::new("retention");
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", Some(2 * H)).unwrap();
    d.create_bucket("keep", None).unwrap();
    let opts = ParseOptions::new(Precision::Seconds, 0);
    let lines = "m v=0 0\nm v=1 3600\nm v=2 7200\nm v=3 10800\nm v=4 14399\n";
    d.write_line_protocol("b", lines.as_bytes(), &opts).unwrap();
    d.write_line_protocol("keep", lines.as_bytes(), &opts)
        .unwrap();
    d.flush().unwrap();
    // Buffered rows in an expired partition go too.
    d.write_line_protocol("b", b"m v=10 100\n", &opts).unwrap();
    // now = 4.5 h: the cutoff is 2.5 h; partitions [0, 1h) and [1h, 2h) end before it.
    d.enforce_retention(4 * H + H / 2).unwrap();
    let csv = read_csv(&d, "b", 0, 10 * H, vec![]);
    let values: Vec<&str> = csv
        .lines()
        .filter(|l| l.starts_with(",,"))
        .filter_map(|l| l.split(',').nth(6))
        .collect();
    assert_eq!(values, vec!["2", "3", "4"], "{csv}");
    assert_eq!(
        read_csv(&d, "keep", 0, 10 * H, vec![])
            .matches(",m\n")
            .count(),
        5
    );
    drop(d);
    // Reopening (now is long after) drops everything of "b".
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert!(d.measurements("b").unwrap().is_empty());
    assert_eq!(d.measurements("keep").unwrap(), vec!["m"]);
}

/// A store whose log holds a bucket and five one-point batches (not flushed: the store
/// is leaked, as after a crash); returns the log's path.
fn store_with_five_logged_batches(dir: &Scratch) -> std::path::PathBuf {
    let opts = ParseOptions::new(Precision::Seconds, 0);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    for i in 0..5 {
        d.write_line_protocol("b", format!("m v={i} {i}\n").as_bytes(), &opts)
            .unwrap();
    }
    // Leak the store: no flush on drop, as after a crash. The leaked store still holds
    // the lock in this process: remove the lock file so a new open takes a fresh one (as
    // a new process would after a crash).
    std::mem::forget(d);
    let _ = std::fs::remove_file(dir.path().join("LOCK"));
    std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "log"))
        .unwrap()
}

#[test]
fn a_torn_log_tail_is_cut_and_every_complete_record_kept() {
    let opts = ParseOptions::new(Precision::Seconds, 0);
    // The last record cut in the middle (a crash during its write): the four before it
    // stay, and the cut is reported.
    let dir = Scratch::new("torn");
    let log = store_with_five_logged_batches(&dir);
    let full = std::fs::read(&log).unwrap();
    std::fs::write(&log, &full[..full.len() - 3]).unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_eq!(d.recovery().records, 5);
    assert!(d.recovery().truncated_bytes > 0);
    assert!(!d.recovery().lost_anything());
    let csv = read_csv(&d, "b", 0, H, vec![]);
    assert_eq!(csv.matches(",v,m\n").count(), 4, "{csv}");
    // Writing goes on after the cut.
    d.write_line_protocol("b", b"m v=9 9\n", &opts).unwrap();
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_eq!(read_csv(&d, "b", 0, H, vec![]).matches(",v,m\n").count(), 5);
    drop(d);

    // Zeros where the file grew (a crash before the data reached the disk): cut too.
    let dir = Scratch::new("torn-zeros");
    let log = store_with_five_logged_batches(&dir);
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    f.write_all(&[0u8; 100]).unwrap();
    drop(f);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_eq!(d.recovery().records, 6);
    assert_eq!(d.recovery().truncated_bytes, 100);
    assert!(!d.recovery().lost_anything());
    assert_eq!(read_csv(&d, "b", 0, H, vec![]).matches(",v,m\n").count(), 5);
}

#[test]
fn damage_at_the_end_of_the_log_is_reported_and_the_log_moved_aside() {
    // Garbage appended (not what a crash leaves): every record kept, the garbage
    // reported as damage, the log moved aside.
    let dir = Scratch::new("garbage");
    let log = store_with_five_logged_batches(&dir);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&log)
        .unwrap()
        .write_all(b"\x10\x00\x00\x00garbage")
        .unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    let r = d.recovery().clone();
    assert_eq!(r.records, 6);
    assert_eq!(r.truncated_bytes, 0);
    assert_eq!(r.wal_damage.len(), 1, "{r:?}");
    assert!(r.wal_damage[0].at_end);
    assert_eq!(r.wal_damage[0].bytes, 11);
    let moved = r.moved_aside.clone().unwrap();
    assert!(moved.exists() && moved.starts_with(dir.path().join("quarantine")));
    assert!(r.to_string().contains("DROPPED bytes"), "{r}");
    assert_eq!(read_csv(&d, "b", 0, H, vec![]).matches(",v,m\n").count(), 5);
    drop(d);
    // Once moved aside, the next open is clean and has the same data.
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert!(!d.recovery().is_noteworthy(), "{:?}", d.recovery());
    assert_eq!(read_csv(&d, "b", 0, H, vec![]).matches(",v,m\n").count(), 5);
    drop(d);

    // A flipped byte in the last record fails its checksum: that record is dropped and
    // reported, the four before it kept.
    let dir = Scratch::new("flip-last");
    let log = store_with_five_logged_batches(&dir);
    let mut flipped = std::fs::read(&log).unwrap();
    let last = flipped.len() - 2;
    flipped[last] ^= 0x40;
    std::fs::write(&log, &flipped).unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    let r = d.recovery();
    assert_eq!(r.records, 5);
    assert_eq!(r.dropped_records(), 1, "{r:?}");
    assert!(r.to_string().contains("DROPPED at least 1"), "{r}");
    assert_eq!(read_csv(&d, "b", 0, H, vec![]).matches(",v,m\n").count(), 4);
}

#[test]
fn damage_in_the_middle_of_the_log_loses_only_the_damaged_record() {
    for (name, damage) in [("flip", 0usize), ("zero", 1), ("flip-frame", 2)] {
        let dir = Scratch::new(name);
        let log = store_with_five_logged_batches(&dir);
        let mut bytes = std::fs::read(&log).unwrap();
        // The third point's record: find its text.
        let at = bytes.windows(7).position(|w| w == b"m v=2 2").unwrap();
        match damage {
            0 => bytes[at + 2] ^= 0x01,
            1 => bytes[at - 10..at + 4].fill(0),
            _ => bytes[at - 30] ^= 0x80,
        }
        std::fs::write(&log, &bytes).unwrap();
        let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
        let r = d.recovery().clone();
        assert_eq!(r.records, 5, "{name}: {r:?}");
        assert_eq!(r.dropped_records(), 1, "{name}: {r:?}");
        assert!(!r.wal_damage[0].at_end);
        assert!(r.moved_aside.as_ref().unwrap().exists());
        let csv = read_csv(&d, "b", 0, H, vec![]);
        for i in [0, 1, 3, 4] {
            assert!(
                csv.contains(&format!(",{i},v,m\n")),
                "{name}: {i} missing: {csv}"
            );
        }
        assert!(!csv.contains(",2,v,m\n"), "{name}: {csv}");
    }
}

#[test]
fn the_store_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<DiskStorage>();
    let dir = Scratch::new("threads-share");
    let d = Arc::new(DiskStorage::open_with(dir.path(), small_options()).unwrap());
    d.create_bucket("b", None).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let d = Arc::clone(&d);
            std::thread::spawn(move || {
                let opts = ParseOptions::new(Precision::Seconds, 0);
                for k in 0..20 {
                    let line = format!("m,w=w{i} v={k} {k}\n");
                    d.write_line_protocol("b", line.as_bytes(), &opts).unwrap();
                    if k % 7 == 0 {
                        d.flush().unwrap();
                    }
                    let _ = read_csv(d.as_ref(), "b", 0, H, vec![]);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let csv = read_csv(d.as_ref(), "b", 0, H, vec![]);
    assert_eq!(csv.matches(",v,m,w").count(), 80, "{csv}");
}

#[test]
fn a_second_opener_gets_the_lock_error() {
    let dir = Scratch::new("lock");
    let d = DiskStorage::open(dir.path()).unwrap();
    let err = DiskStorage::open(dir.path()).unwrap_err();
    // Its own kind, so callers need not read the message.
    assert_eq!(err.kind(), fluxi_storage::StorageErrorKind::InUse);
    let text = err.to_string();
    assert!(
        text.contains("is in use by another process")
            && text.contains(&dir.path().display().to_string()),
        "{text}"
    );
    drop(d);
    DiskStorage::open(dir.path()).unwrap();
}

#[test]
fn orphan_files_are_ignored_and_removed() {
    let dir = Scratch::new("orphan");
    {
        let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
        d.create_bucket("b", None).unwrap();
        d.write_line_protocol("b", b"m v=1 1\n", &ParseOptions::new(Precision::Seconds, 0))
            .unwrap();
        d.flush().unwrap();
    }
    let data = dir.path().join("data");
    let orphan = data.join("00000000000000000999.parquet");
    std::fs::write(&orphan, b"not a parquet file").unwrap();
    let other = data.join("README");
    std::fs::write(&other, b"left alone").unwrap();
    std::fs::write(dir.path().join("MANIFEST.tmp"), b"half").unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_eq!(d.recovery().orphans_removed, 1);
    assert!(!orphan.exists() && other.exists());
    assert_eq!(read_csv(&d, "b", 0, H, vec![]).matches(",v,m\n").count(), 1);
}

#[test]
fn a_failed_flush_keeps_every_point_and_a_later_flush_writes_them() {
    let dir = Scratch::new("failed-flush");
    let opts = ParseOptions::new(Precision::Seconds, 0);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    d.flush().unwrap();
    d.write_line_protocol("b", DATA.as_bytes(), &opts).unwrap();
    let before = read_csv(&d, "b", 0, 3 * H, vec![]);
    assert!(
        !before.starts_with("error") && before.contains("usage") && before.contains("used"),
        "{before}"
    );
    // A directory where the flush writes its new manifest: the flush fails for real
    // (root included) after it has written data files and a new log.
    let obstacle = dir.path().join("MANIFEST.tmp");
    std::fs::create_dir(&obstacle).unwrap();
    let err = d.flush().unwrap_err();
    assert_eq!(
        err.kind(),
        fluxi_storage::StorageErrorKind::Backend,
        "{err}"
    );
    let text = err.to_string();
    assert!(
        text.contains("cannot write the new manifest") && text.contains("MANIFEST.tmp"),
        "{text}"
    );
    // What the failed flush wrote is gone again; every point is still readable.
    let data_files = || std::fs::read_dir(dir.path().join("data")).unwrap().count();
    assert_eq!(data_files(), 0);
    assert_eq!(read_csv(&d, "b", 0, 3 * H, vec![]), before);
    // The next flush, once it can, writes them into data files.
    std::fs::remove_dir(&obstacle).unwrap();
    d.flush().unwrap();
    assert!(data_files() > 0);
    assert_eq!(read_csv(&d, "b", 0, 3 * H, vec![]), before);
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert_eq!(read_csv(&d, "b", 0, 3 * H, vec![]), before);
}

#[test]
fn persist_writes_the_log_out_as_dropping_does_and_the_store_stays_usable() {
    let dir = Scratch::new("persist");
    let opts = ParseOptions::new(Precision::Seconds, 0);
    let data_files = || std::fs::read_dir(dir.path().join("data")).unwrap().count();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    d.flush().unwrap();
    // Nothing logged since the flush: nothing to write out.
    Storage::persist(&d).unwrap();
    assert_eq!(data_files(), 0);
    d.write_line_protocol("b", DATA.as_bytes(), &opts).unwrap();
    let first = read_csv(&d, "b", 0, 3 * H, vec![]);
    assert_eq!(data_files(), 0, "the points are only in the log");
    // A reader opened meanwhile replays the log; it never writes it out.
    let reader = DiskStorage::open_read_only(dir.path(), small_options()).unwrap();
    Storage::persist(&reader).unwrap();
    assert_eq!(data_files(), 0);
    assert_eq!(read_csv(&reader, "b", 0, 3 * H, vec![]), first);
    drop(reader);
    Storage::persist(&d).unwrap();
    let persisted = data_files();
    assert!(
        persisted > 0,
        "persist wrote the logged points into data files"
    );
    assert_eq!(read_csv(&d, "b", 0, 3 * H, vec![]), first);
    // Still a store: a later write is read with the rest, and the process may end
    // without dropping it (as `fluxi run` does) and lose nothing.
    d.write_line_protocol("b", "cpu,host=c usage=7.5 30\n".as_bytes(), &opts)
        .unwrap();
    let second = read_csv(&d, "b", 0, 3 * H, vec![]);
    assert!(
        second.contains(",1970-01-01T00:00:30Z,7.5,usage,cpu,c\n"),
        "{second}"
    );
    std::mem::forget(d);
    let d = DiskStorage::open_or_read_only(dir.path(), small_options()).unwrap();
    assert_eq!(read_csv(&d, "b", 0, 3 * H, vec![]), second);
}

#[test]
fn a_corrupt_manifest_is_a_clear_error() {
    let dir = Scratch::new("corrupt");
    drop(DiskStorage::open(dir.path()).unwrap());
    let path = dir.path().join("MANIFEST");
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 2] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let err = DiskStorage::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("MANIFEST") && err.contains("corrupt"), "{err}");
    std::fs::write(&path, b"").unwrap();
    let err = DiskStorage::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("corrupt"), "{err}");
}

#[test]
fn buckets_are_durable_and_deleting_one_removes_its_files() {
    let dir = Scratch::new("buckets");
    let opts = ParseOptions::new(Precision::Seconds, 0);
    {
        let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
        d.create_bucket("a", Some(5 * H)).unwrap();
        d.create_bucket("b", None).unwrap();
        d.write_line_protocol("a", b"m v=1 1\n", &opts).unwrap();
        d.flush().unwrap();
        d.write_line_protocol("b", b"m v=2 1\n", &opts).unwrap();
        assert!(matches!(
            d.create_bucket("a", None),
            Err(StorageError::BucketExists(_))
        ));
        std::mem::forget(d);
    }
    let _ = std::fs::remove_file(dir.path().join("LOCK"));
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    let names: Vec<(String, Option<i64>)> = d
        .buckets()
        .unwrap()
        .into_iter()
        .map(|b| (b.name, b.retention))
        .collect();
    assert_eq!(
        names,
        vec![("a".to_string(), Some(5 * H)), ("b".to_string(), None)]
    );
    d.delete_bucket("a").unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path().join("data")).unwrap().count(),
        1
    );
    // Recreated empty.
    d.create_bucket("a", None).unwrap();
    assert_eq!(
        read_csv(&d, "a", 0, H, vec![]),
        read_csv(&MemoryStorageWith::a(), "a", 0, H, vec![])
    );
    drop(d);
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    assert!(d.measurements("a").unwrap().is_empty());
    assert_eq!(d.measurements("b").unwrap(), vec!["m"]);
}

struct MemoryStorageWith;
impl MemoryStorageWith {
    fn a() -> MemoryStorage {
        let m = MemoryStorage::new();
        m.create_bucket("a", None).unwrap();
        m
    }
}

#[test]
fn last_uses_the_manifest_and_agrees_with_reading() {
    let dir = Scratch::new("last");
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    let mut lines = String::new();
    for t in 0..200 {
        for h in 0..3 {
            lines.push_str(&format!(
                "cpu,host=h{h} v={}.5,s=\"x{t}\" {}\n",
                t * 7 % 13,
                t * 60
            ));
        }
    }
    write_both(&d, &m, &lines);
    d.flush().unwrap();
    // A newer file overwrites the last point of h1 at the same time.
    write_both(&d, &m, "cpu,host=h1 v=-1 11940\n");
    d.flush().unwrap();
    write_both(&d, &m, "cpu,host=h2 v=-2 11940\n");
    for a in [Aggregate::Last, Aggregate::First, Aggregate::Count] {
        for (start, stop) in [(0, 100 * H), (60 * S, 11940 * S), (0, 11941 * S)] {
            assert_eq!(
                aggregate_csv(&d, "b", start, stop, vec![], a, None),
                aggregate_csv(&m, "b", start, stop, vec![], a, None),
                "{a:?} [{start}, {stop})"
            );
        }
    }
}

#[test]
fn large_reads_on_several_threads_agree_with_memory() {
    let dir = Scratch::new("threads");
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    let options = DiskOptions {
        buffer_rows: 100_000,
        partition_duration: 2000 * S,
        row_group_rows: 1000,
        compact_after: 0,
        read_threads: 3,
        read_chunk_values: 1 << 20,
    };
    let d = DiskStorage::open_with(dir.path(), options.clone()).unwrap();
    d.create_bucket("b", None).unwrap();
    // 60 series, 4,200 points each (above the threshold for threads), in time order.
    let mut text = String::new();
    for t in 0..4200i64 {
        for h in 0..60 {
            text.push_str(&format!(
                "cpu,host=h{h:02} v={}.25,n={}i {}\n",
                (t * 31 + h) % 97,
                t % 7,
                t
            ));
        }
        if text.len() > 1 << 20 {
            write_both(&d, &m, &text);
            text.clear();
        }
    }
    write_both(&d, &m, &text);
    d.flush().unwrap();
    // Overwrites: in a newer file for some series, in the buffer for others.
    write_both(&d, &m, "cpu,host=h03 v=1000 100\ncpu,host=h04 v=-5 4199\n");
    d.flush().unwrap();
    write_both(&d, &m, "cpu,host=h05 v=7 2000\ncpu,host=h06 v=8 5000\n");
    for (a, every) in [
        (Aggregate::Mean, 60 * S),
        (Aggregate::Min, 600 * S),
        (Aggregate::Last, 100 * S),
        (Aggregate::Count, 1000 * S),
        (Aggregate::Sum, 7 * S),
    ] {
        let w = Some(fluxi_storage::Windowing { every, offset: 0 });
        for (start, stop) in [(0, 10_000 * S), (30 * S, 4100 * S)] {
            let p = vec![Predicate::Eq("_field".into(), "v".into())];
            assert_eq!(
                aggregate_csv(&d, "b", start, stop, p.clone(), a, w),
                aggregate_csv(&m, "b", start, stop, p, a, w),
                "{a:?} every {every} [{start}, {stop})"
            );
        }
    }
    let p = vec![Predicate::Eq("host".into(), "h03".into())];
    assert_eq!(
        read_csv(&d, "b", 0, 10_000 * S, p.clone()),
        read_csv(&m, "b", 0, 10_000 * S, p)
    );
}

#[test]
fn series_whose_files_come_out_of_order_aggregate_in_time_order() {
    let dir = Scratch::new("order");
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    d.create_bucket("b", None).unwrap();
    // File 1 holds s at 10..20; file 2 (of the same partition, with an earlier first
    // time because of t) holds s at 30..40: decoded first, its part of s must wait.
    let first: String = (10..20).map(|t| format!("m,k=s v={t}.5 {t}\n")).collect();
    write_both(&d, &m, &first);
    d.flush().unwrap();
    let second: String = (0..5)
        .map(|t| format!("m,k=t v={t} {t}\n"))
        .chain((30..40).map(|t| format!("m,k=s v={} {t}\n", 100 - t)))
        .collect();
    write_both(&d, &m, &second);
    d.flush().unwrap();
    write_both(&d, &m, "m,k=s v=-1 50\n");
    for a in [
        Aggregate::Mean,
        Aggregate::Sum,
        Aggregate::First,
        Aggregate::Last,
        Aggregate::Min,
        Aggregate::Max,
        Aggregate::Count,
    ] {
        for w in [
            None,
            Some(fluxi_storage::Windowing {
                every: 7 * S,
                offset: 0,
            }),
        ] {
            assert_eq!(
                aggregate_csv(&d, "b", 0, H, vec![], a, w),
                aggregate_csv(&m, "b", 0, H, vec![], a, w),
                "{a:?} {w:?}"
            );
        }
    }
}

#[test]
fn a_streamed_read_holds_no_lock_while_its_tables_are_consumed() {
    // Before snapshots, a sink that wrote to the store (a `to()` in the same query) waited
    // forever for the read's lock.
    let dir = Scratch::new("snapshot");
    let d = Arc::new(DiskStorage::open_with(dir.path(), small_options()).unwrap());
    d.create_bucket("b", None).unwrap();
    let opts = ParseOptions::new(Precision::Seconds, 0);
    d.write_line_protocol("b", b"m,s=a v=1 1\nm,s=b v=2 2\n", &opts)
        .unwrap();
    d.flush().unwrap();
    d.write_line_protocol("b", b"m,s=c v=3 3\n", &opts).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let store = Arc::clone(&d);
    std::thread::spawn(move || {
        let spec = fluxi_storage::ReadSpec {
            bucket: "b".into(),
            start: 0,
            stop: H,
            predicates: vec![],
        };
        let mut seen = 0;
        let result = store.read_each(&spec, &mut |_| {
            seen += 1;
            // A write, a flush and a compaction while the read is being consumed.
            let line = format!("m,s=new{seen} v=9 9\n");
            store
                .write_line_protocol("b", line.as_bytes(), &opts)
                .unwrap();
            store.flush().unwrap();
            store.compact().unwrap();
            true
        });
        let _ = tx.send((result, seen));
    });
    let (result, seen) = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the streamed read deadlocked with a write");
    result.unwrap();
    // The read saw its snapshot: the three series, none of those written meanwhile.
    assert_eq!(seen, 3);
    assert_eq!(
        read_csv(d.as_ref(), "b", 0, H, vec![])
            .matches("\n,,")
            .count(),
        6
    );
}

#[test]
fn a_store_with_a_manifest_of_version_1_opens_and_gets_checksums() {
    let dir = Scratch::new("manifest-v1");
    let opts = ParseOptions::new(Precision::Seconds, 0);
    {
        let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
        d.create_bucket("b", None).unwrap();
        d.write_line_protocol("b", DATA.as_bytes(), &opts).unwrap();
    }
    // Rewrite the manifest as fluxi wrote it before checksums: JSON of version 1.
    let path = dir.path().join("MANIFEST");
    let body = fluxi_storage::disk::manifest_json(dir.path())
        .unwrap()
        .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&body).unwrap();
    for b in json["buckets"].as_array_mut().unwrap() {
        for f in b["files"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("checksum").unwrap();
        }
    }
    let body = serde_json::to_string(&json).unwrap();
    let head = format!(
        "fluxi-manifest 1 {:08x}\n",
        crc32fast::hash(body.as_bytes())
    );
    std::fs::write(&path, format!("{head}{body}")).unwrap();
    let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
    let m = MemoryStorage::new();
    m.create_bucket("b", None).unwrap();
    m.write_line_protocol("b", DATA.as_bytes(), &opts).unwrap();
    assert_eq!(
        read_csv(&d, "b", 0, 4 * H, vec![]),
        read_csv(&m, "b", 0, 4 * H, vec![])
    );
    // Rewritten in the current version, every file with its checksum.
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"fluxi-manifest 5 "));
    let json = fluxi_storage::disk::manifest_json(dir.path())
        .unwrap()
        .unwrap();
    assert!(json.contains("\"checksum\":"), "{json}");
    assert!(!json.contains("\"checksum\":null"), "{json}");
}

#[test]
fn a_bucket_renamed_and_given_a_retention_keeps_its_data_through_replay_and_checkpoints() {
    use fluxi_storage::BucketUpdate;
    // Long enough to keep the 1970 points of DATA (retention applies on open).
    const KEEP: i64 = 100 * 365 * 24 * H;
    let opts = ParseOptions::new(Precision::Seconds, 0);
    let schema_of = |d: &DiskStorage, b: &str| {
        (
            d.buckets()
                .unwrap()
                .into_iter()
                .map(|i| (i.name, i.retention))
                .collect::<Vec<_>>(),
            d.measurements(b).unwrap(),
        )
    };
    for flushed in [false, true] {
        let dir = Scratch::new("rename");
        {
            let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
            d.create_bucket("b", None).unwrap();
            d.create_bucket("taken", None).unwrap();
            d.write_line_protocol("b", DATA.as_bytes(), &opts).unwrap();
            if flushed {
                d.flush().unwrap();
            }
            let rename = BucketUpdate {
                name: Some("c".into()),
                retention: Some(Some(KEEP)),
            };
            d.update_bucket("b", &rename).unwrap();
            // A taken name, a bad name, an unknown bucket: refused, nothing changes.
            let taken = d.update_bucket(
                "c",
                &BucketUpdate {
                    name: Some("taken".into()),
                    retention: None,
                },
            );
            assert!(
                matches!(taken, Err(StorageError::BucketExists(_))),
                "{taken:?}"
            );
            let bad = d.update_bucket(
                "c",
                &BucketUpdate {
                    name: Some("_sneaky".into()),
                    retention: None,
                },
            );
            assert!(
                matches!(bad, Err(StorageError::InvalidBucketName(..))),
                "{bad:?}"
            );
            let missing = d.update_bucket("b", &BucketUpdate::default());
            assert!(matches!(missing, Err(StorageError::BucketNotFound(_))));
            // Writes after the rename go to the new name.
            d.write_line_protocol("c", b"disk,host=a used=1i 30\n", &opts)
                .unwrap();
            let before = schema_of(&d, "c");
            assert_eq!(
                before.0,
                vec![("c".to_string(), Some(KEEP)), ("taken".to_string(), None)]
            );
            assert_eq!(before.1, ["cpu", "disk", "mem"]);
            // As after a crash: the rename is only in the log (or also in a checkpoint).
            std::mem::forget(d);
            let _ = std::fs::remove_file(dir.path().join("LOCK"));
        }
        let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
        let after = schema_of(&d, "c");
        assert_eq!(
            after.0[0],
            ("c".to_string(), Some(KEEP)),
            "flushed: {flushed}"
        );
        assert_eq!(after.1, ["cpu", "disk", "mem"]);
        assert!(d.measurements("b").is_err());
        // Back to forever, and through a checkpoint.
        d.update_bucket(
            "c",
            &BucketUpdate {
                name: None,
                retention: Some(None),
            },
        )
        .unwrap();
        d.flush().unwrap();
        drop(d);
        let d = DiskStorage::open_with(dir.path(), small_options()).unwrap();
        assert_eq!(schema_of(&d, "c").0[0], ("c".to_string(), None));
    }
}
