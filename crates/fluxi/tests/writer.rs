#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The buffered point writer: batches by size and by time, flushes on close and drop,
//! keeps points through failed flushes, caps its buffer, refuses bad points, and loses
//! nothing to concurrent writers.

use fluxi::writer::{BufferedWriter, FieldValue, Overflow, Point, WriteError, WriterOptions};
use fluxi_storage::{
    BucketInfo, DiskStorage, MemoryStorage, ReadResult, ReadSpec, Storage, StorageError,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// 2023-11-14T22:13:20Z, in nanoseconds.
const T0: i64 = 1_700_000_000_000_000_000;
const HOUR: Duration = Duration::from_secs(3600);

/// A memory store that records every batch written and fails writes while `fail` is set.
struct Recorder {
    inner: MemoryStorage,
    fail: AtomicBool,
    attempts: AtomicUsize,
    batches: Mutex<Vec<Vec<fluxi_storage::Point>>>,
}

impl Recorder {
    fn new() -> Arc<Recorder> {
        let inner = MemoryStorage::new();
        inner.create_bucket("b", None).unwrap();
        Arc::new(Recorder {
            inner,
            fail: AtomicBool::new(false),
            attempts: AtomicUsize::new(0),
            batches: Mutex::new(Vec::new()),
        })
    }

    fn batch_sizes(&self) -> Vec<usize> {
        self.batches.lock().unwrap().iter().map(Vec::len).collect()
    }

    /// The times of every point written, in the order written.
    fn times(&self) -> Vec<i64> {
        self.batches
            .lock()
            .unwrap()
            .iter()
            .flatten()
            .map(|p| p.time)
            .collect()
    }
}

impl Storage for Recorder {
    fn buckets(&self) -> Result<Vec<BucketInfo>, StorageError> {
        self.inner.buckets()
    }
    fn create_bucket(&self, name: &str, retention: Option<i64>) -> Result<(), StorageError> {
        self.inner.create_bucket(name, retention)
    }
    fn delete_bucket(&self, name: &str) -> Result<(), StorageError> {
        self.inner.delete_bucket(name)
    }
    fn write(&self, bucket: &str, points: &[fluxi_storage::Point]) -> Result<usize, StorageError> {
        assert!(!points.is_empty(), "the writer wrote an empty batch");
        self.attempts.fetch_add(1, Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            return Err(StorageError::Backend("injected failure".into()));
        }
        let n = self.inner.write(bucket, points)?;
        self.batches.lock().unwrap().push(points.to_vec());
        Ok(n)
    }
    fn read(&self, spec: &ReadSpec) -> Result<ReadResult, StorageError> {
        self.inner.read(spec)
    }
    fn measurements(&self, bucket: &str) -> Result<Vec<String>, StorageError> {
        self.inner.measurements(bucket)
    }
    fn tag_keys(&self, bucket: &str, m: Option<&str>) -> Result<Vec<String>, StorageError> {
        self.inner.tag_keys(bucket, m)
    }
    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        m: Option<&str>,
    ) -> Result<Vec<String>, StorageError> {
        self.inner.tag_values(bucket, tag, m)
    }
    fn field_keys(&self, bucket: &str, m: Option<&str>) -> Result<Vec<String>, StorageError> {
        self.inner.field_keys(bucket, m)
    }
}

/// Another handle on the recorder, as the writer takes it.
fn shared(rec: &Arc<Recorder>) -> Arc<dyn Storage> {
    Arc::<Recorder>::clone(rec)
}

/// How many rows (points of one field each) the store holds in `[start, stop)`.
fn rows_between(store: &dyn Storage, start: i64, stop: i64) -> usize {
    store
        .read(&ReadSpec {
            bucket: "b".into(),
            start,
            stop,
            predicates: vec![],
        })
        .unwrap()
        .tables
        .iter()
        .map(|t| t.num_rows())
        .sum()
}

fn rows(store: &dyn Storage) -> usize {
    rows_between(store, T0 - 1_000_000_000_000, T0 + 1_000_000_000_000)
}

/// Point `i`: one field, at `T0 + i`.
fn point(i: i64) -> Point {
    Point::new("m").tag("t", "x").field("v", i).time(T0 + i)
}

fn options(batch_size: usize, flush_interval: Duration) -> WriterOptions {
    WriterOptions {
        batch_size,
        flush_interval,
        ..WriterOptions::default()
    }
}

/// Polls `cond` until it holds, for at most 5 s.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn defaults_are_as_documented() {
    let o = WriterOptions::default();
    assert_eq!(o.batch_size, 5_000);
    assert_eq!(o.flush_interval, Duration::from_secs(1));
    assert_eq!(o.max_buffered, 100_000);
    assert_eq!(o.overflow, Overflow::Reject);
}

#[test]
fn the_writer_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<BufferedWriter>();
    check::<WriteError>();
}

#[test]
fn a_full_batch_is_written_in_one_call() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(10, HOUR));
    for i in 0..35 {
        w.write(point(i)).unwrap();
    }
    assert_eq!(rec.batch_sizes(), [10, 10, 10]);
    assert_eq!(rows(&*rec), 30);
    let stats = w.stats();
    assert_eq!((stats.written, stats.buffered), (30, 5));
    assert_eq!(w.flush().unwrap(), 5);
    assert_eq!(rec.batch_sizes(), [10, 10, 10, 5]);
    assert_eq!(rec.times(), (0..35).map(|i| T0 + i).collect::<Vec<_>>());
    assert_eq!(w.flush().unwrap(), 0, "nothing left to write");
    assert_eq!(
        rec.batch_sizes().len(),
        4,
        "an empty flush does not call the store"
    );
}

#[test]
fn a_waiting_point_is_written_after_the_interval() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(1_000, Duration::from_millis(50)));
    w.write(point(1)).unwrap();
    eventually("the background thread writes the point", || {
        rows(&*rec) == 1
    });
    assert_eq!(rec.batch_sizes(), [1]);
    // The thread keeps going: a second point is written on time too.
    w.write(point(2)).unwrap();
    eventually("the second point is written", || rows(&*rec) == 2);
    let stats = w.stats();
    assert_eq!((stats.written, stats.buffered), (2, 0));
}

#[test]
fn dropping_the_writer_writes_what_is_buffered_and_stops_its_thread() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(1_000_000, HOUR));
    for i in 0..250 {
        w.write(point(i)).unwrap();
    }
    assert_eq!(rows(&*rec), 0, "nothing is due yet");
    drop(w);
    assert_eq!(rows(&*rec), 250);
    // The background thread let go of the store: it has exited.
    assert_eq!(Arc::strong_count(&rec), 1);
}

#[test]
fn points_dropped_with_the_writer_survive_reopening_a_disk_store() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = DiskStorage::open(dir.path()).unwrap();
        store.create_bucket("b", None).unwrap();
        let w = BufferedWriter::new(Arc::new(store), "b", options(1_000_000, HOUR));
        for i in 0..500 {
            w.write(point(i)).unwrap();
        }
        // The writer owns the only handle: dropping it closes the store too.
    }
    let store = DiskStorage::open(dir.path()).unwrap();
    assert_eq!(rows(&store), 500);
}

#[test]
fn close_writes_everything_and_reports() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(100, HOUR));
    for i in 0..7 {
        w.write(point(i)).unwrap();
    }
    let stats = w.close().unwrap();
    assert_eq!(stats.written, 7);
    assert_eq!(stats.buffered, 0);
    assert_eq!(stats.dropped, 0);
    assert_eq!(stats.failed_flushes, 0);
    assert_eq!(rows(&*rec), 7);
    assert_eq!(Arc::strong_count(&rec), 1);
}

#[test]
fn close_reports_a_failed_final_write() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(100, HOUR));
    w.write(point(1)).unwrap();
    rec.fail.store(true, Ordering::SeqCst);
    let err = w.close().unwrap_err();
    assert!(
        matches!(err, WriteError::Storage(StorageError::Backend(_))),
        "{err:?}"
    );
    assert!(err.to_string().contains("injected failure"), "{err}");
}

#[test]
fn reject_refuses_points_beyond_the_cap_and_keeps_the_rest() {
    let rec = Recorder::new();
    rec.fail.store(true, Ordering::SeqCst);
    let w = BufferedWriter::new(
        shared(&rec),
        "b",
        WriterOptions {
            batch_size: 4,
            flush_interval: HOUR,
            max_buffered: 10,
            overflow: Overflow::Reject,
        },
    );
    for i in 0..10 {
        match w.write(point(i)) {
            Ok(()) => {}
            // The 4th point makes a batch, whose write fails; the point is kept.
            Err(WriteError::Storage(_)) if i == 3 => {}
            other => panic!("point {i}: {other:?}"),
        }
    }
    let err = w.write(point(10)).unwrap_err();
    assert_eq!(err, WriteError::BufferFull { capacity: 10 });
    let msg = err.to_string();
    assert!(
        msg.contains("full") && msg.contains("max_buffered"),
        "{msg}"
    );
    let stats = w.stats();
    assert_eq!(stats.buffered, 10);
    assert_eq!(stats.failed_flushes, 1);
    assert_eq!(stats.written, 0);
    assert!(matches!(w.last_error(), Some(WriteError::Storage(_))));

    // While the store fails, an explicit flush reports it and keeps everything.
    assert!(matches!(w.flush(), Err(WriteError::Storage(_))));
    assert_eq!(w.stats().buffered, 10);

    rec.fail.store(false, Ordering::SeqCst);
    assert_eq!(w.flush().unwrap(), 10);
    assert_eq!(rec.batch_sizes(), [4, 4, 2]);
    assert_eq!(rec.times(), (0..10).map(|i| T0 + i).collect::<Vec<_>>());
    let stats = w.stats();
    assert_eq!((stats.written, stats.buffered, stats.dropped), (10, 0, 0));
    // There is room again.
    w.write(point(10)).unwrap();
}

#[test]
fn drop_oldest_keeps_the_newest_points() {
    let rec = Recorder::new();
    rec.fail.store(true, Ordering::SeqCst);
    let w = BufferedWriter::new(
        shared(&rec),
        "b",
        WriterOptions {
            batch_size: 4,
            flush_interval: HOUR,
            max_buffered: 10,
            overflow: Overflow::DropOldest,
        },
    );
    for i in 0..25 {
        match w.write(point(i)) {
            Ok(()) | Err(WriteError::Storage(_)) => {}
            other => panic!("point {i}: {other:?}"),
        }
    }
    let stats = w.stats();
    assert_eq!((stats.buffered, stats.dropped, stats.written), (10, 15, 0));
    rec.fail.store(false, Ordering::SeqCst);
    let stats = w.close().unwrap();
    assert_eq!((stats.written, stats.dropped, stats.buffered), (10, 15, 0));
    assert_eq!(rec.times(), (15..25).map(|i| T0 + i).collect::<Vec<_>>());
}

#[test]
fn the_background_thread_retries_a_failed_flush() {
    let rec = Recorder::new();
    rec.fail.store(true, Ordering::SeqCst);
    let w = BufferedWriter::new(shared(&rec), "b", options(1_000, Duration::from_millis(20)));
    w.write(point(1)).unwrap();
    eventually("a background flush fails", || w.stats().failed_flushes >= 1);
    let err = w.last_error().unwrap();
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert_eq!(w.stats().buffered, 1, "the point is kept");
    rec.fail.store(false, Ordering::SeqCst);
    eventually("the retry writes the point", || rows(&*rec) == 1);
    assert_eq!(w.stats().written, 1);
}

#[test]
fn a_failing_store_is_retried_once_per_interval_not_in_a_loop() {
    let rec = Recorder::new();
    rec.fail.store(true, Ordering::SeqCst);
    let interval = Duration::from_millis(20);
    let start = Instant::now();
    let w = BufferedWriter::new(shared(&rec), "b", options(1_000, interval));
    w.write(point(1)).unwrap();
    eventually("the background thread has retried", || {
        rec.attempts.load(Ordering::SeqCst) >= 3
    });
    std::thread::sleep(interval * 5);
    // Attempts are at least an interval apart, however slow the machine is.
    let failed = w.stats().failed_flushes;
    let attempts = rec.attempts.load(Ordering::SeqCst) as u64;
    let bound = (start.elapsed().as_millis() / interval.as_millis() + 2) as u64;
    assert!(
        attempts <= bound,
        "{attempts} attempts, at most {bound} expected"
    );
    // Each attempt is counted (one may be under way between the two readings).
    assert!(
        failed == attempts || failed + 1 == attempts,
        "{failed} {attempts}"
    );
    assert_eq!(w.stats().buffered, 1);
}

#[test]
fn points_the_store_refuses_for_good_do_not_block_the_others() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(100, HOUR));
    w.write(Point::new("m").field("v", 1.5).time(T0)).unwrap();
    w.write(Point::new("m").field("v", 2i64).time(T0 + 1))
        .unwrap(); // an int now
    w.write(Point::new("m").field("v", 3.5).time(T0 + 2))
        .unwrap();
    let err = w.flush().unwrap_err();
    match &err {
        WriteError::Rejected {
            points: 1,
            error: StorageError::FieldTypeConflict { field, .. },
        } => assert_eq!(field, "v"),
        other => panic!("{other:?}"),
    }
    assert_eq!(rec.times(), [T0, T0 + 2]);
    let stats = w.stats();
    assert_eq!((stats.written, stats.rejected, stats.buffered), (2, 1, 0));
    assert_eq!(stats.failed_flushes, 0);
    // Later points are written as usual.
    w.write(Point::new("m").field("v", 4.5).time(T0 + 3))
        .unwrap();
    assert_eq!(w.flush().unwrap(), 1);
}

#[test]
fn invalid_points_are_refused_with_the_reason() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(1, HOUR));
    let cases = [
        (
            Point::new("").field("v", 1),
            vec!["measurement name is empty"],
        ),
        (Point::new("cpu").tag("host", "a"), vec!["cpu", "no fields"]),
        (
            Point::new("cpu").tag("", "a").field("v", 1),
            vec!["cpu", "tag", "empty key"],
        ),
        (
            Point::new("cpu").field("", 1),
            vec!["cpu", "field", "empty key"],
        ),
        (
            Point::new("cpu").field("usage", f64::NAN),
            vec!["cpu", "\"usage\"", "NaN"],
        ),
        (
            Point::new("cpu").field("usage", f64::INFINITY),
            vec!["cpu", "\"usage\"", "inf"],
        ),
        (
            Point::new("cpu").field("usage", f32::NEG_INFINITY),
            vec!["cpu", "\"usage\"", "-inf"],
        ),
        (
            Point::new("cpu").tag("host", "").field("v", 1),
            vec!["cpu", "\"host\"", "empty value"],
        ),
        (
            Point::new("cpu").tag("_field", "x").field("v", 1),
            vec!["cpu", "\"_field\"", "reserved"],
        ),
        (
            Point::new("cpu").field("time", 1),
            vec!["cpu", "\"time\"", "reserved"],
        ),
        (
            Point::new("cpu")
                .field("v", 1)
                .timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(400 * 365 * 86_400)),
            vec!["cpu", "timestamp"],
        ),
    ];
    for (p, words) in cases {
        let err = w.write(p.clone()).unwrap_err();
        assert!(
            matches!(err, WriteError::InvalidPoint { .. }),
            "{p:?}: {err:?}"
        );
        let msg = err.to_string();
        for word in words {
            assert!(msg.contains(word), "{p:?}: {msg:?} does not say {word:?}");
        }
    }
    assert_eq!(w.stats().buffered, 0);
    assert!(rec.batch_sizes().is_empty());
}

#[test]
fn the_builder_sorts_keys_and_the_last_value_wins() {
    let p = Point::new("m")
        .tag("b", "1")
        .tag("a", "2")
        .tag("b", "3")
        .field("z", 1.5)
        .field("y", 3)
        .field("z", "text")
        .field("x", true)
        .field("w", 7u64)
        .time(T0);
    let tags: Vec<(&str, &str)> = p.tags().iter().map(|(k, v)| (&**k, &**v)).collect();
    assert_eq!(tags, [("a", "2"), ("b", "3")]);
    assert_eq!(
        p.fields(),
        [
            ("w".to_string(), FieldValue::UInt(7)),
            ("x".to_string(), FieldValue::Bool(true)),
            ("y".to_string(), FieldValue::Int(3)),
            ("z".to_string(), FieldValue::String("text".into())),
        ]
    );
    assert_eq!(p.unix_nanos(), Some(T0));

    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(1, HOUR));
    w.write(p).unwrap();
    let batches = rec.batches.lock().unwrap();
    let stored = &batches[0][0];
    assert_eq!(stored.tag("a"), Some("2"));
    assert_eq!(stored.tag("b"), Some("3"));
    assert_eq!(
        stored
            .fields
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>(),
        ["w", "x", "y", "z"]
    );
    assert_eq!(stored.field("z"), Some(&FieldValue::String("text".into())));
    assert_eq!(stored.time, T0);
}

#[test]
fn a_point_without_a_time_gets_the_time_it_is_written() {
    let rec = Recorder::new();
    let w = BufferedWriter::new(shared(&rec), "b", options(1, HOUR));
    let nanos = |t: SystemTime| {
        i64::try_from(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos()).unwrap()
    };
    let before = nanos(SystemTime::now());
    w.write(Point::new("m").field("v", 1)).unwrap();
    let after = nanos(SystemTime::now());
    let times = rec.times();
    assert_eq!(times.len(), 1);
    assert!(before <= times[0] && times[0] <= after, "{times:?}");
    assert_eq!(rows_between(&*rec, before, after + 1), 1);

    // timestamp() takes a SystemTime.
    let t = SystemTime::UNIX_EPOCH + Duration::from_nanos(T0 as u64);
    w.write(Point::new("m").field("v", 2).timestamp(t)).unwrap();
    assert_eq!(rec.times()[1], T0);
}

#[test]
fn concurrent_writers_lose_nothing() {
    const THREADS: i64 = 8;
    const EACH: i64 = 2_000;
    let rec = Recorder::new();
    let w = Arc::new(BufferedWriter::new(
        shared(&rec),
        "b",
        options(64, Duration::from_millis(2)),
    ));
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let w = &w;
            s.spawn(move || {
                for i in 0..EACH {
                    let p = Point::new("m")
                        .tag("thread", t.to_string())
                        .field("v", i)
                        .time(T0 + i);
                    w.write(p).unwrap();
                }
            });
        }
    });
    let w = Arc::try_unwrap(w).unwrap();
    let stats = w.close().unwrap();
    let total = (THREADS * EACH) as usize;
    assert_eq!(stats.written, total as u64);
    assert_eq!(stats.buffered, 0);
    assert_eq!(rows(&*rec), total);
    assert!(rec.batch_sizes().iter().all(|&n| n <= 64));
    // Each thread's points were written in the order it wrote them.
    let batches = rec.batches.lock().unwrap();
    for t in 0..THREADS {
        let tag = t.to_string();
        let times: Vec<i64> = batches
            .iter()
            .flatten()
            .filter(|p| p.tag("thread") == Some(&tag))
            .map(|p| p.time)
            .collect();
        assert_eq!(times, (0..EACH).map(|i| T0 + i).collect::<Vec<_>>());
    }
}
