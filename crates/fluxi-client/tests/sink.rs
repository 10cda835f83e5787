//! The buffered writer's HTTP sink against a real `fluxi serve` (started in this process
//! on a free loopback port) and against a scripted fake server for faults: every point
//! written is queryable, names with every escape read back, a type conflict refuses only
//! its points, drop flushes, 503/429 with `Retry-After` are retried without loss over one
//! kept-alive connection, a 400 refuses the points it names, a bad token keeps them.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

mod fake;
mod served;

use fake::{Fake, Reply};
use fluxi::writer::{FieldValue, Point, WriteError, WriterOptions};
use fluxi::{CsvBlock, CsvBlocks, StorageError, Value};
use fluxi_client::{Api, HttpSink, OrgRef, RetryPolicy};
use served::{serve_with, Served};
use std::io::BufReader;
use std::time::{Duration, Instant};

/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200_000_000_000;
const HOUR: Duration = Duration::from_secs(3600);

/// `fluxi serve` in this process, onboarded with org `acme` and bucket `metrics`.
fn serve() -> Served {
    serve_with("metrics", |_| {})
}

impl Served {
    fn sink(&self) -> HttpSink {
        HttpSink::new(&self.url, &self.token, "acme", "metrics").unwrap()
    }

    /// Every row of a query: (table's result, table) pairs flattened into rows of
    /// (column, value).
    fn rows(&self, flux: &str) -> Vec<Vec<(String, Value)>> {
        let api = Api::new(&self.url, Some(&self.token)).unwrap();
        let response = api.query(&OrgRef::Name("acme".into()), flux).unwrap();
        let mut rows = Vec::new();
        for block in CsvBlocks::new(BufReader::new(response.body)) {
            match block.unwrap() {
                CsvBlock::Tables { tables, .. } => {
                    for t in tables {
                        let columns = t.columns();
                        for r in 0..t.num_rows() {
                            rows.push(
                                columns
                                    .iter()
                                    .enumerate()
                                    .map(|(c, (name, _))| (name.clone(), t.value(r, c)))
                                    .collect(),
                            );
                        }
                    }
                }
                CsvBlock::Error(e) => panic!("the query failed: {e}"),
            }
        }
        rows
    }

    /// The one number a query answers (its first row's `_value`).
    fn number(&self, flux: &str) -> Value {
        let rows = self.rows(flux);
        rows.first()
            .and_then(|r| r.iter().find(|(c, _)| c == "_value"))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no _value in {rows:?}"))
    }
}

/// A value as text, for comparing (values have no `PartialEq`).
fn show(v: Value) -> String {
    format!("{v:?}")
}

fn options(batch_size: usize, flush_interval: Duration) -> WriterOptions {
    WriterOptions {
        batch_size,
        flush_interval,
        ..WriterOptions::default()
    }
}

const RANGE: &str = "range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)";

#[test]
fn every_point_written_through_the_sink_is_queryable() {
    let s = serve();
    const N: i64 = 5_000;
    let w = s.sink().writer(options(700, HOUR));
    for i in 0..N {
        w.write(
            Point::new("cpu")
                .tag("host", format!("h{}", i % 7))
                .field("v", i)
                .time(T0 + i * 1_000_000),
        )
        .unwrap();
    }
    // Gzipped bodies are the same points.
    let gz = s.sink().gzip(true).writer(options(300, HOUR));
    for i in 0..1_000i64 {
        gz.write(Point::new("mem").field("f", i as f64 / 4.0).time(T0 + i))
            .unwrap();
    }
    let stats = w.close().unwrap();
    assert_eq!(
        (stats.written, stats.buffered, stats.failed_flushes),
        (N as u64, 0, 0)
    );
    assert_eq!(gz.close().unwrap().written, 1_000);

    let count = format!(
        r#"from(bucket: "metrics") |> {RANGE} |> filter(fn: (r) => r._measurement == "cpu") |> group() |> count()"#
    );
    assert_eq!(show(s.number(&count)), show(Value::Int(N)));
    let sum = format!(
        r#"from(bucket: "metrics") |> {RANGE} |> filter(fn: (r) => r._measurement == "cpu") |> group() |> sum()"#
    );
    assert_eq!(show(s.number(&sum)), show(Value::Int(N * (N - 1) / 2)));
    let hosts = format!(
        r#"from(bucket: "metrics") |> {RANGE} |> filter(fn: (r) => r._measurement == "cpu") |> count()"#
    );
    assert_eq!(s.rows(&hosts).len(), 7, "one table per host tag");
    let mem = format!(
        r#"from(bucket: "metrics") |> {RANGE} |> filter(fn: (r) => r._measurement == "mem") |> group() |> sum()"#
    );
    let want: f64 = (0..1_000).map(|i| i as f64 / 4.0).sum();
    assert_eq!(show(s.number(&mem)), show(Value::Float(want)));
}

#[test]
fn names_and_values_needing_escapes_read_back_from_the_server() {
    let s = serve();
    let w = s.sink().writer(options(100, HOUR));
    let tricky = [
        (
            "cpu load",
            "host name",
            "a,b=c d",
            "f x",
            FieldValue::Float(0.1),
        ),
        (
            "m,=\"q",
            "k=",
            "é ü",
            "f,=\"",
            FieldValue::String("say \"hi\" \\ now".into()),
        ),
        ("a\\b", "t", "x\\y", "i", FieldValue::Int(i64::MIN)),
        ("u", "t", "=", "u", FieldValue::UInt(u64::MAX)),
        ("b", "t", "\"", "b", FieldValue::Bool(true)),
    ];
    for (i, (m, tk, tv, fk, fv)) in tricky.iter().enumerate() {
        w.write(
            Point::new(*m)
                .tag(*tk, *tv)
                .field(*fk, fv.clone())
                .time(T0 + i as i64),
        )
        .unwrap();
    }
    // Points line protocol cannot carry are refused when written, not sent.
    for bad in [
        Point::new("m").tag("t", "two\nlines").field("v", 1),
        Point::new("m\\").field("v", 1),
        Point::new("m").field("f\\ x", 1),
        Point::new("m").tag("_value", "x").field("v", 1),
    ] {
        let err = w.write(bad.clone()).unwrap_err();
        assert!(
            matches!(err, WriteError::InvalidPoint { .. }),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(w.close().unwrap().written, tricky.len() as u64);

    // One table per series (their _value types differ): sorted by time here.
    let mut rows = s.rows(&format!(r#"from(bucket: "metrics") |> {RANGE}"#));
    let time = |row: &Vec<(String, Value)>| {
        row.iter()
            .find(|(c, _)| c == "_time")
            .and_then(|(_, v)| match v {
                Value::Time(t) => Some(*t),
                _ => None,
            })
            .unwrap_or(0)
    };
    rows.sort_by_key(time);
    assert_eq!(rows.len(), tricky.len(), "{rows:?}");
    for (row, (m, tk, tv, fk, fv)) in rows.iter().zip(&tricky) {
        let get = |c: &str| {
            row.iter()
                .find(|(n, _)| n == c)
                .map(|(_, v)| show(v.clone()))
                .unwrap_or_default()
        };
        assert_eq!(get("_measurement"), show(Value::string(*m)), "{row:?}");
        assert_eq!(get("_field"), show(Value::string(*fk)), "{row:?}");
        assert_eq!(get(tk), show(Value::string(*tv)), "{row:?}");
        let want = match fv {
            FieldValue::Float(x) => Value::Float(*x),
            FieldValue::Int(x) => Value::Int(*x),
            FieldValue::UInt(x) => Value::UInt(*x),
            FieldValue::String(x) => Value::string(x.as_str()),
            FieldValue::Bool(x) => Value::Bool(*x),
        };
        assert_eq!(get("_value"), show(want), "{row:?}");
    }
}

#[test]
fn a_field_type_conflict_refuses_only_the_points_that_carry_it() {
    let s = serve();
    let w = s.sink().writer(options(100, HOUR));
    w.write(Point::new("m").field("v", 1.5).time(T0)).unwrap();
    w.flush().unwrap();
    for i in 1..=5i64 {
        let p = if i == 3 {
            Point::new("m").field("v", 7i64).time(T0 + i) // an integer now
        } else {
            Point::new("m").field("v", i as f64).time(T0 + i)
        };
        w.write(p).unwrap();
    }
    let err = w.flush().unwrap_err();
    match &err {
        WriteError::Rejected {
            points: 1,
            error:
                StorageError::FieldTypeConflict {
                    field,
                    existing,
                    found,
                    ..
                },
        } => assert_eq!(
            (field.as_str(), *existing, *found),
            ("v", "float", "integer")
        ),
        other => panic!("{other:?}"),
    }
    let stats = w.stats();
    assert_eq!((stats.written, stats.rejected, stats.buffered), (5, 1, 0));
    let sum = format!(r#"from(bucket: "metrics") |> {RANGE} |> group() |> sum()"#);
    assert_eq!(
        show(s.number(&sum)),
        show(Value::Float(1.5 + 1.0 + 2.0 + 4.0 + 5.0))
    );
}

#[test]
fn dropping_the_writer_flushes_to_the_server() {
    let s = serve();
    {
        let w = s.sink().writer(options(1_000_000, HOUR));
        for i in 0..300i64 {
            w.write(Point::new("m").field("v", i).time(T0 + i)).unwrap();
        }
        assert_eq!(w.stats().written, 0, "nothing is due yet");
    }
    let count = format!(r#"from(bucket: "metrics") |> {RANGE} |> group() |> count()"#);
    assert_eq!(show(s.number(&count)), show(Value::Int(300)));
}

#[test]
fn a_refused_token_keeps_the_points_buffered() {
    let s = serve();
    let sink = HttpSink::new(&s.url, "not-a-token", "acme", "metrics").unwrap();
    let w = sink.writer(options(100, HOUR));
    for i in 0..10i64 {
        w.write(Point::new("m").field("v", i).time(T0 + i)).unwrap();
    }
    let err = w.flush().unwrap_err();
    match &err {
        WriteError::Storage(StorageError::PermissionDenied(m)) => {
            assert!(
                m.contains("unauthorized access") && m.contains("401"),
                "{m}"
            );
            assert!(
                !m.contains("not-a-token"),
                "the token is not in messages: {m}"
            );
        }
        other => panic!("{other:?}"),
    }
    let stats = w.stats();
    assert_eq!(
        (stats.buffered, stats.failed_flushes, stats.rejected),
        (10, 1, 0)
    );
    // A missing bucket keeps them too.
    let sink = HttpSink::new(&s.url, &s.token, "acme", "nope").unwrap();
    let w = sink.writer(options(100, HOUR));
    w.write(Point::new("m").field("v", 1).time(T0)).unwrap();
    assert_eq!(
        w.flush().unwrap_err(),
        WriteError::Storage(StorageError::BucketNotFound("nope".into()))
    );
    assert_eq!(w.stats().buffered, 1);
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(5),
        max_total: Duration::from_secs(30),
    }
}

fn ten_points(w: &fluxi::writer::BufferedWriter) -> String {
    let mut lines = String::new();
    for i in 0..10i64 {
        w.write(Point::new("m").tag("t", "x").field("v", i).time(T0 + i))
            .unwrap();
        lines.push_str(&format!("m,t=x v={i}i {}\n", T0 + i));
    }
    lines
}

#[test]
fn unavailable_and_too_many_requests_are_retried_after_retry_after_losing_nothing() {
    let fake = Fake::start(vec![
        Reply::error(503, "unavailable", "the server is busy").header("Retry-After", "1"),
        Reply::error(429, "too many requests", "slow down").header("Retry-After", "1"),
        Reply::error(500, "internal error", "hiccup"),
    ]);
    let sink = HttpSink::new(&fake.url, "T", "acme", "metrics")
        .unwrap()
        .retry(quick_retries());
    let w = sink.writer(options(10, HOUR));
    let started = Instant::now();
    let lines = ten_points(&w);
    // The full batch is written by the background thread, not in write().
    assert!(started.elapsed() < Duration::from_millis(500));
    let stats = w.close().unwrap();
    assert_eq!(
        (stats.written, stats.buffered, stats.failed_flushes),
        (10, 0, 0)
    );
    let got = fake.received();
    assert_eq!(got.len(), 4, "{got:?}");
    for r in &got {
        assert_eq!(r.text(), lines, "every attempt sends the whole batch");
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/api/v2/write?org=acme&bucket=metrics&precision=ns");
        assert_eq!(r.header("authorization"), Some("Token T"));
    }
    // Retry-After is honoured; the 500 without one is retried after the backoff.
    assert!(got[1].at - got[0].at >= Duration::from_secs(1));
    assert!(got[2].at - got[1].at >= Duration::from_secs(1));
    assert!(got[3].at - got[2].at < Duration::from_secs(1));
    assert_eq!(fake.connections(), 1, "one kept-alive connection");
}

#[test]
fn a_long_retry_after_is_left_to_the_writer_and_the_points_stay() {
    let fake = Fake::start(vec![
        Reply::error(503, "unavailable", "maintenance").header("Retry-After", "3600")
    ]);
    let sink = HttpSink::new(&fake.url, "T", "acme", "metrics")
        .unwrap()
        .retry(quick_retries());
    let w = sink.writer(options(1_000, Duration::from_millis(20)));
    let started = Instant::now();
    let lines = ten_points(&w);
    // The background thread's flush fails, at once: the hour is not waited out here.
    let deadline = Instant::now() + Duration::from_secs(10);
    while w.stats().failed_flushes == 0 {
        assert!(Instant::now() < deadline, "no flush failed");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(started.elapsed() < Duration::from_secs(5), "not waited out");
    let err = w.last_error().unwrap();
    match &err {
        WriteError::Storage(StorageError::Backend(m)) => {
            assert!(m.contains("503") && m.contains("maintenance"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(w.stats().buffered, 10);
    // The background thread does not retry before the hour is up, though its interval
    // is 20 ms.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(fake.received().len(), 1);
    // An explicit flush does; the server takes the points now.
    assert_eq!(w.flush().unwrap(), 10);
    let got = fake.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].text(), lines);
}

#[test]
fn a_400_refuses_the_points_it_names_and_the_rest_are_written() {
    let bad_line = format!("m,t=x v=3i {}", T0 + 3);
    let fake = Fake::start(vec![Reply::error(
        400,
        "invalid",
        &format!("unable to parse '{bad_line}': invalid field format"),
    )]);
    let sink = HttpSink::new(&fake.url, "T", "acme", "metrics").unwrap();
    let w = sink.writer(options(1_000, HOUR));
    let lines = ten_points(&w);
    let err = w.flush().unwrap_err();
    match &err {
        WriteError::Rejected {
            points: 1,
            error: StorageError::Backend(m),
        } => assert!(
            m.contains("400") && m.contains("invalid field format"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
    let got = fake.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].text(), lines);
    assert_eq!(got[1].text(), lines.replace(&format!("{bad_line}\n"), ""));
    let stats = w.stats();
    assert_eq!((stats.written, stats.rejected, stats.buffered), (9, 1, 0));
    assert_eq!(w.last_error(), Some(err));
}

#[test]
fn a_400_naming_lines_not_sent_refuses_the_batch_and_one_naming_none_keeps_it() {
    let fake = Fake::start(vec![
        Reply::error(400, "invalid", "Please provide either orgID or org"),
        Reply::error(400, "invalid", "unable to parse 'zzz': missing fields"),
    ]);
    let sink = HttpSink::new(&fake.url, "T", "acme", "metrics").unwrap();
    let w = sink.writer(options(1_000, HOUR));
    ten_points(&w);
    // About the request, not the points: they stay.
    assert!(matches!(
        w.flush(),
        Err(WriteError::Storage(StorageError::Backend(_)))
    ));
    assert_eq!(w.stats().buffered, 10);
    // Bad lines the client cannot find in its batch: the batch is refused.
    assert!(matches!(
        w.flush(),
        Err(WriteError::Rejected { points: 10, .. })
    ));
    let stats = w.stats();
    assert_eq!((stats.buffered, stats.rejected, stats.written), (0, 10, 0));
    assert_eq!(fake.received().len(), 2);
}

#[test]
fn a_connection_the_server_closed_is_opened_again_without_losing_a_batch() {
    // The fake closes each connection after answering, without saying so.
    let fake = Fake::start(vec![
        Reply::status(204).closing(),
        Reply::status(204).closing(),
        Reply::status(204).closing(),
    ]);
    let sink = HttpSink::new(&fake.url, "T", "acme", "metrics").unwrap();
    let w = sink.writer(options(1_000, HOUR));
    for round in 0..3i64 {
        w.write(Point::new("m").field("v", round).time(T0 + round))
            .unwrap();
        assert_eq!(w.flush().unwrap(), 1);
        // Give the close time to arrive before the next request.
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = fake.received();
    assert_eq!(got.len(), 3, "each batch sent once: {got:?}");
    assert_eq!(fake.connections(), 3);
}

#[test]
fn an_unreachable_server_keeps_the_points() {
    // A port nothing listens on (bound, then closed).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let sink = HttpSink::new(&format!("http://127.0.0.1:{port}"), "T", "acme", "metrics")
        .unwrap()
        .retry(RetryPolicy {
            max_retries: 2,
            first_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        });
    let w = sink.writer(options(1_000, HOUR));
    ten_points(&w);
    match w.flush().unwrap_err() {
        WriteError::Storage(StorageError::Backend(m)) => {
            assert!(m.contains("cannot reach"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(w.stats().buffered, 10);
}

#[test]
fn bad_settings_are_refused_up_front() {
    assert!(HttpSink::new("http://127.0.0.1:1", "T", "", "b").is_err());
    assert!(HttpSink::new("http://127.0.0.1:1", "T", "o", "").is_err());
    let e = HttpSink::new("ftp://example.com", "T", "o", "b").unwrap_err();
    assert!(e.to_string().contains("ftp://example.com"), "{e}");
    // https:// is spoken (rustls); the settings are taken without connecting.
    assert!(HttpSink::new("https://example.com", "T", "o", "b").is_ok());
    let s = HttpSink::new("http://127.0.0.1:1", "secret-token", "o", "b").unwrap();
    assert!(!format!("{s:?}").contains("secret-token"));
}
