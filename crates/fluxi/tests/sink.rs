#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The buffered writer over sinks of its own (`PointSink`): batches in order, the sink's
//! `Retry-After` respected, refused points dropped and reported, a network sink never
//! written in the caller's thread, the sink's point check; and `check_line`, the line
//! protocol check of the HTTP sink, against the store's parser.

use fluxi::writer::{
    check_line, encode_line, BufferedWriter, CheckedPoint, DeliveryError, FieldValue, Point,
    PointSink, WriteError, WriterOptions,
};
use fluxi::StorageError;
use proptest::prelude::*;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const T0: i64 = 1_700_000_000_000_000_000;
const HOUR: Duration = Duration::from_secs(3600);

/// What the scripted sink answers next (then `Ok` once the script is used up).
type Answer = Result<(), DeliveryError>;

/// One call of a sink: the batch's times, when it came, and from which thread.
type Call = (Vec<i64>, Instant, Option<String>);

/// A sink that answers from a script and records every call.
#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Answer>>,
    calls: Mutex<Vec<Call>>,
    /// Whether batches are written by the background thread only.
    remote: bool,
    /// A pause in every call.
    slow: Option<Duration>,
}

impl Scripted {
    fn new(answers: Vec<Answer>) -> Arc<Scripted> {
        Arc::new(Scripted {
            answers: Mutex::new(answers.into()),
            ..Scripted::default()
        })
    }

    fn batches(&self) -> Vec<Vec<i64>> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|(t, ..)| t.clone())
            .collect()
    }
}

/// The writer's handle on a shared scripted sink.
struct Handle(Arc<Scripted>);

impl PointSink for Handle {
    fn bucket(&self) -> &str {
        "b"
    }

    fn write(&self, points: &[CheckedPoint]) -> Result<(), DeliveryError> {
        if let Some(pause) = self.0.slow {
            std::thread::sleep(pause);
        }
        self.0.calls.lock().unwrap().push((
            points.iter().map(|p| p.time).collect(),
            Instant::now(),
            std::thread::current().name().map(str::to_string),
        ));
        self.0.answers.lock().unwrap().pop_front().unwrap_or(Ok(()))
    }

    fn check(&self, point: &CheckedPoint) -> Result<(), String> {
        if point.measurement == "forbidden" {
            Err("this sink takes no forbidden points".into())
        } else {
            Ok(())
        }
    }

    fn write_in_caller(&self) -> bool {
        !self.0.remote
    }
}

fn point(i: i64) -> Point {
    Point::new("m").field("v", i).time(T0 + i)
}

fn options(batch_size: usize, flush_interval: Duration) -> WriterOptions {
    WriterOptions {
        batch_size,
        flush_interval,
        ..WriterOptions::default()
    }
}

fn eventually(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn unavailable(retry_after: Option<Duration>) -> Answer {
    Err(DeliveryError::Unavailable {
        error: StorageError::Backend("try later".into()),
        retry_after,
    })
}

#[test]
fn a_sink_gets_the_batches_in_order() {
    let sink = Scripted::new(vec![]);
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(10, HOUR));
    assert_eq!(w.bucket(), "b");
    for i in 0..25 {
        w.write(point(i)).unwrap();
    }
    let stats = w.close().unwrap();
    assert_eq!(stats.written, 25);
    let batches = sink.batches();
    assert_eq!(
        batches.iter().map(Vec::len).collect::<Vec<_>>(),
        [10, 10, 5]
    );
    assert_eq!(
        batches.concat(),
        (0..25).map(|i| T0 + i).collect::<Vec<_>>()
    );
}

#[test]
fn the_background_retry_waits_for_the_sinks_retry_after() {
    let wait = Duration::from_millis(400);
    let sink = Scripted::new(vec![unavailable(Some(wait))]);
    let interval = Duration::from_millis(20);
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(1_000, interval));
    w.write(point(1)).unwrap();
    eventually("the retry writes the point", || w.stats().written == 1);
    let calls = sink.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "one failure, one retry");
    let gap = calls[1].1 - calls[0].1;
    assert!(
        gap >= wait,
        "retried after {gap:?}, before the {wait:?} asked for"
    );
    assert_eq!(calls[1].0, [T0 + 1], "the same point, not lost");
    assert_eq!(w.stats().failed_flushes, 1);
    // A retry_after shorter than the interval does not make the writer retry sooner.
    let sink = Scripted::new(vec![unavailable(Some(Duration::from_millis(1)))]);
    let interval = Duration::from_millis(300);
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(1, interval));
    let _ = w.write(point(2));
    eventually("the retry writes the point", || w.stats().written == 1);
    let calls = sink.calls.lock().unwrap().clone();
    assert!(calls[1].1 - calls[0].1 >= interval);
}

#[test]
fn an_explicit_flush_does_not_wait_for_retry_after() {
    let sink = Scripted::new(vec![unavailable(Some(HOUR))]);
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(1_000, HOUR));
    w.write(point(1)).unwrap();
    let err = w.flush().unwrap_err();
    assert!(
        matches!(err, WriteError::Storage(StorageError::Backend(_))),
        "{err:?}"
    );
    assert_eq!(w.stats().buffered, 1);
    assert_eq!(w.flush().unwrap(), 1);
    assert_eq!(sink.batches(), [vec![T0 + 1], vec![T0 + 1]]);
}

#[test]
fn refused_points_are_dropped_and_the_rest_written_at_once() {
    let refusal = StorageError::Backend("400: unable to parse".into());
    let sink = Scripted::new(vec![Err(DeliveryError::Refused {
        error: refusal.clone(),
        points: vec![1, 3, 99],
    })]);
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(100, HOUR));
    for i in 0..5 {
        w.write(point(i)).unwrap();
    }
    let err = w.flush().unwrap_err();
    assert_eq!(
        err,
        WriteError::Rejected {
            points: 2,
            error: refusal
        }
    );
    assert_eq!(
        sink.batches(),
        [
            (0..5).map(|i| T0 + i).collect::<Vec<_>>(),
            vec![T0, T0 + 2, T0 + 4]
        ]
    );
    let stats = w.stats();
    assert_eq!(
        (
            stats.written,
            stats.rejected,
            stats.buffered,
            stats.failed_flushes
        ),
        (3, 2, 0, 0)
    );
}

#[test]
fn a_refusal_naming_no_point_of_the_batch_keeps_it() {
    let sink = Scripted::new(vec![Err(DeliveryError::Refused {
        error: StorageError::Backend("refused".into()),
        points: vec![7],
    })]);
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(100, HOUR));
    w.write(point(0)).unwrap();
    assert!(matches!(w.flush(), Err(WriteError::Storage(_))));
    let stats = w.stats();
    assert_eq!(
        (stats.buffered, stats.rejected, stats.failed_flushes),
        (1, 0, 1)
    );
    assert_eq!(w.flush().unwrap(), 1);
}

#[test]
fn a_network_sink_is_written_by_the_background_thread_only() {
    let sink = Arc::new(Scripted {
        remote: true,
        slow: Some(Duration::from_millis(300)),
        ..Scripted::default()
    });
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(5, HOUR));
    let started = Instant::now();
    for i in 0..20 {
        w.write(point(i)).unwrap();
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(250),
        "write() waited for the sink ({took:?})"
    );
    eventually("the background thread wrote the batches", || {
        w.stats().written == 20
    });
    let calls = sink.calls.lock().unwrap().clone();
    assert!(calls
        .iter()
        .all(|(batch, _, thread)| batch.len() <= 5 && thread.as_deref() == Some("fluxi-writer")));
    let times: Vec<i64> = calls.iter().flat_map(|(t, ..)| t.clone()).collect();
    assert_eq!(times, (0..20).map(|i| T0 + i).collect::<Vec<_>>());
}

#[test]
fn the_sinks_check_refuses_a_point_when_it_is_written() {
    let sink = Scripted::new(vec![]);
    let w = BufferedWriter::with_sink(Handle(Arc::clone(&sink)), options(1, HOUR));
    let err = w.write(Point::new("forbidden").field("v", 1)).unwrap_err();
    match &err {
        WriteError::InvalidPoint {
            measurement,
            problem,
        } => {
            assert_eq!(measurement, "forbidden");
            assert!(problem.contains("no forbidden points"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(w.stats().buffered, 0);
    assert!(sink.batches().is_empty());
}

/// A sink that panics.
struct Panics;

impl PointSink for Panics {
    fn bucket(&self) -> &str {
        "p"
    }
    fn write(&self, _: &[CheckedPoint]) -> Result<(), DeliveryError> {
        panic!("sink bug")
    }
}

#[test]
fn a_panicking_sink_is_an_error_and_keeps_the_points() {
    let w = BufferedWriter::with_sink(Panics, options(100, HOUR));
    w.write(point(1)).unwrap();
    let err = w.flush().unwrap_err();
    assert!(err.to_string().contains("panicked"), "{err}");
    assert_eq!(w.stats().buffered, 1);
}

fn checked(
    measurement: &str,
    tags: &[(&str, &str)],
    fields: &[(&str, FieldValue)],
) -> CheckedPoint {
    let mut tags: Vec<(String, String)> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tags.sort();
    let mut fields: Vec<(String, FieldValue)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    CheckedPoint {
        measurement: measurement.into(),
        tags,
        fields,
        time: T0,
    }
}

/// Parses what `encode_line` wrote, with the store's parser.
fn read_back(p: &CheckedPoint) -> Vec<CheckedPoint> {
    let mut line = String::new();
    encode_line(&mut line, p);
    assert!(line.ends_with('\n'));
    fluxi_storage::line_protocol::parse(line.as_bytes(), fluxi::Precision::Nanoseconds, 0)
        .expect("the line parses")
}

#[test]
fn check_line_accepts_what_reads_back_and_says_why_not() {
    let fine = [
        checked(
            "cpu load",
            &[("host name", "a,b=c")],
            &[("f x", FieldValue::Float(1.5))],
        ),
        checked(
            "m,=\"",
            &[("k=", "v v"), ("é", "ü")],
            &[
                ("s", FieldValue::String("say \"hi\" \\ there\nnext".into())),
                ("i", FieldValue::Int(-3)),
                ("u", FieldValue::UInt(u64::MAX)),
                ("b", FieldValue::Bool(false)),
            ],
        ),
        checked("a\\b", &[("t", "x\\y")], &[("f", FieldValue::Float(1e300))]),
    ];
    for p in &fine {
        assert_eq!(check_line(p), Ok(()), "{p:?}");
        assert_eq!(read_back(p), std::slice::from_ref(p));
    }
    let cases: [(CheckedPoint, &str); 6] = [
        (
            checked("m", &[("t", "a\nb")], &[("f", FieldValue::Int(1))]),
            "line break",
        ),
        (
            checked("m\\", &[], &[("f", FieldValue::Int(1))]),
            "ends in a backslash",
        ),
        (
            checked("m", &[("_time", "x")], &[("f", FieldValue::Int(1))]),
            "reserved tag key",
        ),
        (
            checked("m", &[], &[("f\\ x", FieldValue::Int(1))]),
            "refused by InfluxDB's parser: invalid field format",
        ),
        (
            checked("#m", &[], &[("f", FieldValue::Int(1))]),
            "reads back as another point",
        ),
        (
            checked("\tm", &[], &[("f", FieldValue::Int(1))]),
            "reads back as another point",
        ),
    ];
    for (p, words) in cases {
        let err = check_line(&p).expect_err(&format!("{p:?} has no faithful line"));
        assert!(err.contains(words), "{p:?}: {err}");
    }
}

fn name() -> impl Strategy<Value = String> {
    // Escapable characters, but no line breaks or backslashes (which need care).
    proptest::string::string_regex("[a-zA-Z0-9 ,=\"é_.-]{1,8}").expect("a valid regex")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Names and values without line breaks or backslashes always have a faithful line:
    /// the check refuses none, and the line reads back as the point.
    #[test]
    fn ordinary_points_are_never_refused(
        m in name().prop_filter("no comment", |m| !m.starts_with('#')),
        tags in proptest::collection::btree_map(name(), name(), 0..3),
        f in name(),
        s in "[^\\\\]{0,12}",
        x in any::<f64>().prop_filter("finite", |x| x.is_finite()),
    ) {
        let tags: Vec<(&str, &str)> = tags
            .iter()
            .filter(|(k, _)| !k.starts_with('_') && k.as_str() != "time")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let f2 = format!("{f}2");
        let p = checked(&m, &tags, &[(f.as_str(), FieldValue::Float(x)), (f2.as_str(), FieldValue::String(s))]);
        prop_assert_eq!(check_line(&p), Ok(()));
        prop_assert_eq!(read_back(&p), vec![p]);
    }
}
