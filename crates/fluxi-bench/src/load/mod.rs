//! Concurrent writers and readers against a running `fluxi serve`, over HTTP/1.1
//! keep-alive connections: the load of `crates/fluxi-cli/tests/load.rs` (durability
//! across a SIGKILL) and of `fluxi-bench load` (throughput and latencies).
//!
//! # The data
//!
//! Writer `w` (tag `writer=wNN`) writes batch after batch of `batch` points of measurement
//! `load`; point `seq` (0, 1, 2, … over all its batches, batch `b` holding
//! `b*batch..(b+1)*batch`) is at [`time_of`]`(seq)` with the fields `seq` (the integer
//! `seq`) and `v` (the float [`value_of`]`(w, seq)`). Every point is thus identifiable,
//! and where it is, what it holds and which request carried it follow from it.
//!
//! # What the readers check while the writers write
//!
//! Each reader cycles through four queries and checks every answer (a malformed or
//! failed one is a problem, as is any status but 200):
//!
//! * `count()` of field `seq` per writer: a whole number of batches (a batch is seen whole
//!   or not at all), at least the batches acknowledged before the query was sent (an
//!   acknowledged write is visible), at most those begun when its answer came, and never
//!   fewer than the same reader saw before (visibility is monotonic);
//! * `last()` of field `seq` per writer: the last point of a batch, at its time, within
//!   the same bounds, never going back;
//! * one acknowledged batch of one writer (a time range and a tag filter): exactly its
//!   points, both fields, the right values;
//! * the same batch filtered on the value of `v`: exactly the points at or above it.

pub mod csv;
pub mod http;
pub mod server;
pub mod time;

use http::{Connection, HttpError};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The measurement the writers write.
pub const MEASUREMENT: &str = "load";
/// The time of a writer's first point: 2024-01-01T00:00:00Z.
pub const T0: i64 = 1_704_067_200_000_000_000;
/// The time between a writer's consecutive points: 1 ms.
pub const STEP: i64 = 1_000_000;
/// The end (exclusive) of the writers' time range: a day after [`T0`] (86.4 M points
/// per writer; a writer that would pass it stops and says so).
pub const T_END: i64 = T0 + 86_400_000_000_000;
/// At most this many problems are kept per thread (the rest are counted).
const KEEP_PROBLEMS: usize = 20;

/// The server and what onboarding made.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://host:port`.
    pub url: String,
    pub token: String,
    /// The org's name (URL-safe).
    pub org: String,
    /// The bucket's name (URL-safe).
    pub bucket: String,
}

/// How many threads do what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub writers: usize,
    pub readers: usize,
    /// Points per write request.
    pub batch: usize,
    /// Make the store checkpoint (flush its buffer to data files, start a new log, and
    /// compact when a partition has many files) this often, by creating and deleting a
    /// scratch bucket: deleting a bucket checkpoints the whole store. `None`: only the
    /// store's own flushes (when its buffer is full).
    pub checkpoint_every: Option<Duration>,
}

/// The tag value of writer `w`.
pub fn writer_tag(w: usize) -> String {
    format!("w{w:02}")
}

/// The writer of a tag value.
pub fn writer_of(tag: &str) -> Option<usize> {
    let n = tag.strip_prefix('w')?;
    if n.len() < 2 || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// The time of a writer's point `seq`.
pub fn time_of(seq: u64) -> i64 {
    T0.saturating_add(i64::try_from(seq).unwrap_or(i64::MAX).saturating_mul(STEP))
}

/// The point a time belongs to, when it is on the writers' grid.
pub fn seq_of(t: i64) -> Option<u64> {
    if !(T0..T_END).contains(&t) || (t - T0) % STEP != 0 {
        return None;
    }
    u64::try_from((t - T0) / STEP).ok()
}

/// Field `v` of writer `w`'s point `seq` (exact in a float for every `seq` used).
pub fn value_of(w: usize, seq: u64) -> f64 {
    seq as f64 * 0.5 + w as f64
}

/// The line protocol of writer `w`'s batch `b`.
pub fn batch_lines(w: usize, b: u64, batch: usize) -> String {
    let tag = writer_tag(w);
    let first = b * batch as u64;
    let mut out = String::with_capacity(batch * 64);
    for seq in first..first + batch as u64 {
        out.push_str(&format!(
            "{MEASUREMENT},writer={tag} seq={seq}i,v={} {}\n",
            value_of(w, seq),
            time_of(seq)
        ));
    }
    out
}

/// How a write request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// 204: the batch is stored.
    Acknowledged,
    /// The connection failed after the request began to leave: the server may have
    /// stored the batch (whole) or not.
    NoAnswer(String),
    /// No connection could be made: the request never reached a server.
    NotSent(String),
    /// Any other answer (status, body).
    Refused(u16, String),
}

/// A request's answer: when it came (since the load started) and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct Timed {
    pub at: Duration,
    pub took: Duration,
}

/// What a writer did.
#[derive(Debug, Clone)]
pub struct WriterLog {
    pub writer: usize,
    /// Batch `b`'s outcome at index `b`; later batches were not sent.
    pub batches: Vec<Sent>,
    /// The acknowledged requests.
    pub times: Vec<Timed>,
    pub problems: Problems,
}

/// The queries a reader makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum QueryKind {
    Count,
    Last,
    Batch,
    ValueFilter,
}

impl QueryKind {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            QueryKind::Count => "count() per writer",
            QueryKind::Last => "last() per writer",
            QueryKind::Batch => "one batch (range + tag filter)",
            QueryKind::ValueFilter => "one batch, value filter",
        }
    }
}

/// What a reader did.
#[derive(Debug, Clone)]
pub struct ReaderLog {
    pub reader: usize,
    /// The queries answered (200, well-formed, checked).
    pub queries: Vec<(QueryKind, Timed)>,
    pub problems: Problems,
}

/// Problems found (the first few, and how many in all).
#[derive(Debug, Clone, Default)]
pub struct Problems {
    pub first: Vec<String>,
    pub count: usize,
}

impl Problems {
    fn add(&mut self, p: String) {
        self.count += 1;
        if self.first.len() < KEEP_PROBLEMS {
            self.first.push(p);
        }
    }
}

/// What the threads share.
struct Shared {
    target: Target,
    shape: Shape,
    started: Instant,
    stop: AtomicBool,
    disconnect_expected: AtomicBool,
    /// Per writer: how many leading batches were acknowledged.
    acked: Vec<AtomicU64>,
    /// Per writer: how many batches' requests began.
    begun: Vec<AtomicU64>,
    /// When the load was told to end.
    ended: Mutex<Option<Duration>>,
    /// Whether a checkpoint (a bucket deletion) is in flight.
    checkpointing: AtomicBool,
}

impl Shared {
    fn end_now(&self) {
        if let Ok(mut e) = self.ended.lock() {
            e.get_or_insert(self.started.elapsed());
        }
    }

    fn snapshot(v: &[AtomicU64]) -> Vec<u64> {
        v.iter().map(|a| a.load(Ordering::SeqCst)).collect()
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// The load, running.
pub struct Load {
    shared: Arc<Shared>,
    writers: Vec<JoinHandle<WriterLog>>,
    readers: Vec<JoinHandle<ReaderLog>>,
    checkpoints: Option<JoinHandle<CheckpointLog>>,
}

/// What the checkpointing thread did.
#[derive(Debug, Clone, Default)]
pub struct CheckpointLog {
    /// The checkpoints made (bucket deletions answered).
    pub done: Vec<Timed>,
    pub problems: Problems,
}

/// What the load did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub shape: Shape,
    /// From the start until the load was told to end (the throughput window).
    pub window: Duration,
    pub writers: Vec<WriterLog>,
    pub readers: Vec<ReaderLog>,
    pub checkpoints: CheckpointLog,
}

impl Load {
    /// Starts `shape.writers` writer and `shape.readers` reader threads against `target`.
    pub fn start(target: Target, shape: Shape) -> Load {
        let shape = Shape {
            batch: shape.batch.max(1),
            ..shape
        };
        let shared = Arc::new(Shared {
            target,
            shape,
            started: Instant::now(),
            stop: AtomicBool::new(false),
            disconnect_expected: AtomicBool::new(false),
            acked: (0..shape.writers).map(|_| AtomicU64::new(0)).collect(),
            begun: (0..shape.writers).map(|_| AtomicU64::new(0)).collect(),
            ended: Mutex::new(None),
            checkpointing: AtomicBool::new(false),
        });
        let writers = (0..shape.writers)
            .map(|w| {
                let s = Arc::clone(&shared);
                std::thread::spawn(move || write_loop(&s, w))
            })
            .collect();
        let readers = (0..shape.readers)
            .map(|r| {
                let s = Arc::clone(&shared);
                std::thread::spawn(move || read_loop(&s, r))
            })
            .collect();
        let checkpoints = shape.checkpoint_every.map(|every| {
            let s = Arc::clone(&shared);
            std::thread::spawn(move || checkpoint_loop(&s, every))
        });
        Load {
            shared,
            writers,
            readers,
            checkpoints,
        }
    }

    /// Batches acknowledged so far, over all writers.
    pub fn acknowledged(&self) -> u64 {
        Shared::snapshot(&self.shared.acked).iter().sum()
    }

    /// Whether a forced checkpoint is in flight (its request sent, not yet answered).
    pub fn checkpointing(&self) -> bool {
        self.shared.checkpointing.load(Ordering::SeqCst)
    }

    /// From now on, a broken connection is expected (the server is about to be killed):
    /// the threads that meet one stop without calling it a problem.
    pub fn expect_disconnect(&self) {
        self.shared.end_now();
        self.shared
            .disconnect_expected
            .store(true, Ordering::SeqCst);
    }

    /// Tells the threads to stop after their current request, and waits for them.
    pub fn finish(self) -> Outcome {
        self.shared.end_now();
        self.shared.stop.store(true, Ordering::SeqCst);
        let lost = |what: &str| {
            let mut p = Problems::default();
            p.add(format!("a {what} thread panicked"));
            p
        };
        let writers = self
            .writers
            .into_iter()
            .enumerate()
            .map(|(w, h)| {
                h.join().unwrap_or_else(|_| WriterLog {
                    writer: w,
                    batches: Vec::new(),
                    times: Vec::new(),
                    problems: lost("writer"),
                })
            })
            .collect();
        let readers = self
            .readers
            .into_iter()
            .enumerate()
            .map(|(r, h)| {
                h.join().unwrap_or_else(|_| ReaderLog {
                    reader: r,
                    queries: Vec::new(),
                    problems: lost("reader"),
                })
            })
            .collect();
        let checkpoints = match self.checkpoints.map(JoinHandle::join) {
            None => CheckpointLog::default(),
            Some(Ok(log)) => log,
            Some(Err(_)) => CheckpointLog {
                done: Vec::new(),
                problems: lost("checkpoint"),
            },
        };
        let window = self
            .shared
            .ended
            .lock()
            .ok()
            .and_then(|e| *e)
            .unwrap_or_else(|| self.shared.started.elapsed());
        Outcome {
            shape: self.shared.shape,
            window,
            writers,
            readers,
            checkpoints,
        }
    }
}

/// Every `every`, creates a scratch bucket and deletes it (see [`Shape::checkpoint_every`]).
fn checkpoint_loop(s: &Shared, every: Duration) -> CheckpointLog {
    let mut log = CheckpointLog::default();
    let mut conn = match Connection::new(&s.target.url) {
        Ok(c) => c,
        Err(e) => {
            log.problems.add(e.to_string());
            return log;
        }
    };
    let auth = format!("Token {}", s.target.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let call = |conn: &mut Connection, method: &str, path: &str, body: &str, want: u16| match conn
        .request(method, path, &headers, body.as_bytes())
    {
        Ok(a) if a.status == want => Ok(Some(a)),
        Ok(a) => Err(format!(
            "{method} {path}: answered {}: {}",
            a.status,
            a.text()
        )),
        Err(_) if s.disconnect_expected.load(Ordering::SeqCst) => Ok(None),
        Err(e) => Err(format!("{method} {path}: no answer: {e}")),
    };
    let json =
        |a: &http::Answer| serde_json::from_slice::<serde_json::Value>(&a.body).unwrap_or_default();
    let org_id = match call(
        &mut conn,
        "GET",
        &format!("/api/v2/orgs?org={}", s.target.org),
        "",
        200,
    ) {
        Ok(Some(a)) => json(&a)["orgs"][0]["id"].as_str().unwrap_or("").to_string(),
        Ok(None) => return log,
        Err(e) => {
            log.problems.add(e);
            return log;
        }
    };
    let mut next = Instant::now() + every;
    for n in 0u64.. {
        while Instant::now() < next {
            if s.stopping() {
                return log;
            }
            std::thread::sleep(
                Duration::from_millis(20).min(next.saturating_duration_since(Instant::now())),
            );
        }
        next += every;
        let sent = Instant::now();
        let body = serde_json::json!({"orgID": org_id, "name": format!("scratch-{n}")}).to_string();
        let made = match call(&mut conn, "POST", "/api/v2/buckets", &body, 201) {
            Ok(Some(a)) => json(&a)["id"].as_str().unwrap_or("").to_string(),
            Ok(None) => return log,
            Err(e) => {
                log.problems.add(e);
                return log;
            }
        };
        s.checkpointing.store(true, Ordering::SeqCst);
        let deleted = call(
            &mut conn,
            "DELETE",
            &format!("/api/v2/buckets/{made}"),
            "",
            204,
        );
        s.checkpointing.store(false, Ordering::SeqCst);
        match deleted {
            Ok(Some(_)) => log.done.push(Timed {
                at: s.started.elapsed(),
                took: sent.elapsed(),
            }),
            Ok(None) => return log,
            Err(e) => {
                log.problems.add(e);
                return log;
            }
        }
    }
    log
}

fn write_loop(s: &Shared, w: usize) -> WriterLog {
    let mut log = WriterLog {
        writer: w,
        batches: Vec::new(),
        times: Vec::new(),
        problems: Problems::default(),
    };
    let tag = writer_tag(w);
    let mut conn = match Connection::new(&s.target.url) {
        Ok(c) => c,
        Err(e) => {
            log.problems.add(e.to_string());
            return log;
        }
    };
    let path = format!(
        "/api/v2/write?org={}&bucket={}&precision=ns",
        s.target.org, s.target.bucket
    );
    let auth = format!("Token {}", s.target.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "text/plain; charset=utf-8"),
    ];
    let batch = s.shape.batch as u64;
    let mut contiguous = true;
    for b in 0u64.. {
        if s.stopping() {
            break;
        }
        if time_of((b + 1) * batch) > T_END {
            log.problems.add(format!(
                "writer {tag} stopped: batch {b} would pass the end of the time range"
            ));
            break;
        }
        let body = batch_lines(w, b, s.shape.batch);
        s.begun[w].store(b + 1, Ordering::SeqCst);
        let sent = Instant::now();
        let answer = conn.request("POST", &path, &headers, body.as_bytes());
        let took = sent.elapsed();
        match answer {
            Ok(a) if a.status == 204 => {
                log.batches.push(Sent::Acknowledged);
                log.times.push(Timed {
                    at: s.started.elapsed(),
                    took,
                });
                if contiguous {
                    s.acked[w].store(b + 1, Ordering::SeqCst);
                }
            }
            Ok(a) => {
                contiguous = false;
                log.problems.add(format!(
                    "writer {tag} batch {b}: answered {}: {}",
                    a.status,
                    a.text()
                ));
                log.batches.push(Sent::Refused(a.status, a.text()));
            }
            Err(e) => {
                let expected = s.disconnect_expected.load(Ordering::SeqCst);
                if !expected {
                    log.problems
                        .add(format!("writer {tag} batch {b}: no answer: {e}"));
                }
                log.batches.push(if e.never_sent() {
                    Sent::NotSent(e.to_string())
                } else {
                    Sent::NoAnswer(e.to_string())
                });
                break;
            }
        }
    }
    log
}

/// A small deterministic generator (xorshift) to pick batches.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// What a reader has seen so far, per writer.
struct Seen {
    count: Vec<u64>,
    last: Vec<Option<u64>>,
}

fn read_loop(s: &Shared, r: usize) -> ReaderLog {
    let mut log = ReaderLog {
        reader: r,
        queries: Vec::new(),
        problems: Problems::default(),
    };
    let mut conn = match Connection::new(&s.target.url) {
        Ok(c) => c,
        Err(e) => {
            log.problems.add(e.to_string());
            return log;
        }
    };
    let path = format!("/api/v2/query?org={}", s.target.org);
    let auth = format!("Token {}", s.target.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("Accept", "application/csv"),
    ];
    let mut seen = Seen {
        count: vec![0; s.shape.writers],
        last: vec![None; s.shape.writers],
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((r as u64 + 1) << 32));
    for i in 0u64.. {
        if s.stopping() {
            break;
        }
        let acked_before = Shared::snapshot(&s.acked);
        let kind = match i % 4 {
            0 => QueryKind::Count,
            1 => QueryKind::Last,
            2 => QueryKind::Batch,
            _ => QueryKind::ValueFilter,
        };
        let w = (r + i as usize / 4) % s.shape.writers.max(1);
        let pick = acked_before
            .get(w)
            .filter(|&&n| n > 0)
            .map(|&n| rng.below(n));
        let (kind, query) = match (kind, pick) {
            (QueryKind::Batch | QueryKind::ValueFilter, None) => {
                (QueryKind::Count, count_query(&s.target.bucket))
            }
            (QueryKind::Count, _) => (kind, count_query(&s.target.bucket)),
            (QueryKind::Last, _) => (kind, last_query(&s.target.bucket)),
            (QueryKind::Batch, Some(b)) => {
                (kind, batch_query(&s.target.bucket, &s.shape, w, b, None))
            }
            (QueryKind::ValueFilter, Some(b)) => {
                let from = b * s.shape.batch as u64 + s.shape.batch as u64 / 2;
                (
                    kind,
                    batch_query(&s.target.bucket, &s.shape, w, b, Some(from)),
                )
            }
        };
        let body = query_body(&query);
        let sent = Instant::now();
        let answer = conn.request("POST", &path, &headers, body.as_bytes());
        let took = sent.elapsed();
        let begun_after = Shared::snapshot(&s.begun);
        let a = match answer {
            Ok(a) => a,
            Err(e) => {
                if !s.disconnect_expected.load(Ordering::SeqCst) {
                    log.problems
                        .add(format!("reader {r}: no answer to {query}: {e}"));
                }
                break;
            }
        };
        if a.status != 200 {
            log.problems.add(format!(
                "reader {r}: {query}\nanswered {}: {}",
                a.status,
                a.text()
            ));
            continue;
        }
        let checked = csv::parse(&a.body).and_then(|blocks| match (kind, pick) {
            (QueryKind::Count, _) => {
                check_counts(&blocks, &s.shape, &acked_before, &begun_after, &mut seen)
            }
            (QueryKind::Last, _) => {
                check_lasts(&blocks, &s.shape, &acked_before, &begun_after, &mut seen)
            }
            (QueryKind::Batch, Some(b)) => {
                let first = b * s.shape.batch as u64;
                check_points(&blocks, w, first..first + s.shape.batch as u64, true)
            }
            (QueryKind::ValueFilter, Some(b)) => {
                let first = b * s.shape.batch as u64;
                let end = first + s.shape.batch as u64;
                check_points(&blocks, w, first + s.shape.batch as u64 / 2..end, false)
            }
            (_, None) => Ok(()),
        });
        match checked {
            Ok(()) => log.queries.push((
                kind,
                Timed {
                    at: s.started.elapsed(),
                    took,
                },
            )),
            Err(e) => log.problems.add(format!(
                "reader {r}: {query}\nwrong answer: {e}\n{}",
                clip(&a.text(), 2000)
            )),
        }
    }
    log
}

/// At most `n` bytes of `text` (on a character boundary).
fn clip(text: &str, n: usize) -> String {
    if text.len() <= n {
        return text.to_string();
    }
    let mut end = n;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], text.len())
}

/// The JSON body of a query asking for annotated CSV with all three annotations.
pub fn query_body(flux: &str) -> String {
    serde_json::json!({
        "query": flux,
        "type": "flux",
        "dialect": {"header": true, "annotations": ["datatype", "group", "default"]},
    })
    .to_string()
}

/// `from |> range` over the writers' whole time range.
fn all_seq(bucket: &str) -> String {
    format!(
        "from(bucket: \"{bucket}\") |> range(start: {}, stop: {}) |> filter(fn: (r) => r._measurement == \"{MEASUREMENT}\" and r._field == \"seq\")",
        time::format(T0),
        time::format(T_END)
    )
}

fn count_query(bucket: &str) -> String {
    format!("{} |> count()", all_seq(bucket))
}

fn last_query(bucket: &str) -> String {
    format!("{} |> last()", all_seq(bucket))
}

/// The points of writer `w`'s batch `b`, or (`from_seq`) only its field `v` from that
/// point on.
fn batch_query(bucket: &str, shape: &Shape, w: usize, b: u64, from_seq: Option<u64>) -> String {
    let first = b * shape.batch as u64;
    let mut q = format!(
        "from(bucket: \"{bucket}\") |> range(start: {}, stop: {}) |> filter(fn: (r) => r._measurement == \"{MEASUREMENT}\" and r.writer == \"{}\")",
        time::format(time_of(first)),
        time::format(time_of(first + shape.batch as u64)),
        writer_tag(w)
    );
    if let Some(k) = from_seq {
        q.push_str(&format!(
            " |> filter(fn: (r) => r._field == \"v\" and r._value >= {:?})",
            value_of(w, k)
        ));
    }
    q
}

/// The value of column `name` in a row of a block.
fn cell<'a>(b: &'a csv::Block, row: &'a [String], name: &str) -> Result<&'a str, String> {
    b.col(name)
        .and_then(|i| row.get(i))
        .map(String::as_str)
        .ok_or_else(|| format!("no column {name} in {:?}", b.columns))
}

/// Per writer, the long `_value` of each row (one row per writer) of a per-writer
/// aggregate, with the row's `_time` when it has one.
fn per_writer(
    blocks: &[csv::Block],
    writers: usize,
) -> Result<BTreeMap<usize, (i64, Option<i64>)>, String> {
    let mut out = BTreeMap::new();
    for b in blocks {
        for row in &b.rows {
            let tag = cell(b, row, "writer")?;
            let w = writer_of(tag)
                .filter(|&w| w < writers)
                .ok_or_else(|| format!("a row of an unknown writer {tag:?}"))?;
            let v: i64 = cell(b, row, "_value")?
                .parse()
                .map_err(|_| format!("writer {tag}: _value is not an integer"))?;
            let t = match b.col("_time") {
                Some(i) => Some(
                    time::parse(&row[i])
                        .ok_or_else(|| format!("writer {tag}: _time {:?}", row[i]))?,
                ),
                None => None,
            };
            if out.insert(w, (v, t)).is_some() {
                return Err(format!("writer {tag} has two rows"));
            }
        }
    }
    Ok(out)
}

/// Checks that `batches` (seen by a query) is a possible number of visible batches of
/// writer `w`.
fn check_bounds(
    what: &str,
    w: usize,
    batches: u64,
    acked_before: &[u64],
    begun_after: &[u64],
    before: u64,
) -> Result<(), String> {
    let tag = writer_tag(w);
    let acked = acked_before.get(w).copied().unwrap_or(0);
    let begun = begun_after.get(w).copied().unwrap_or(0);
    if batches < acked {
        return Err(format!(
            "{what}: writer {tag} shows {batches} batches, but {acked} were acknowledged before the query"
        ));
    }
    if batches > begun {
        return Err(format!(
            "{what}: writer {tag} shows {batches} batches, but only {begun} had been sent"
        ));
    }
    if batches < before {
        return Err(format!(
            "{what}: writer {tag} shows {batches} batches, fewer than the {before} this reader saw before"
        ));
    }
    Ok(())
}

fn check_counts(
    blocks: &[csv::Block],
    shape: &Shape,
    acked_before: &[u64],
    begun_after: &[u64],
    seen: &mut Seen,
) -> Result<(), String> {
    let counts = per_writer(blocks, shape.writers)?;
    let batch = shape.batch as u64;
    for w in 0..shape.writers {
        let n = counts.get(&w).map_or(0, |&(n, _)| n);
        let n = u64::try_from(n).map_err(|_| format!("a negative count {n}"))?;
        if n % batch != 0 {
            return Err(format!(
                "count: writer {} has {n} points, not a whole number of batches of {batch}",
                writer_tag(w)
            ));
        }
        check_bounds(
            "count",
            w,
            n / batch,
            acked_before,
            begun_after,
            seen.count[w] / batch,
        )?;
        seen.count[w] = n;
    }
    Ok(())
}

fn check_lasts(
    blocks: &[csv::Block],
    shape: &Shape,
    acked_before: &[u64],
    begun_after: &[u64],
    seen: &mut Seen,
) -> Result<(), String> {
    let lasts = per_writer(blocks, shape.writers)?;
    let batch = shape.batch as u64;
    for w in 0..shape.writers {
        let tag = writer_tag(w);
        let last = match lasts.get(&w) {
            None => None,
            Some(&(v, t)) => {
                let seq = u64::try_from(v).map_err(|_| format!("last: writer {tag}: seq {v}"))?;
                if t != Some(time_of(seq)) {
                    return Err(format!(
                        "last: writer {tag}: point {seq} at {t:?}, not at {}",
                        time_of(seq)
                    ));
                }
                if (seq + 1) % batch != 0 {
                    return Err(format!(
                        "last: writer {tag}'s last point is {seq}, not the end of a batch of {batch}"
                    ));
                }
                Some(seq)
            }
        };
        let batches = last.map_or(0, |s| (s + 1) / batch);
        let before = seen.last[w].map_or(0, |s| (s + 1) / batch);
        check_bounds("last", w, batches, acked_before, begun_after, before)?;
        seen.last[w] = last;
    }
    Ok(())
}

/// A writer's points as a query answered them: `seq` → (field `seq`, field `v`).
pub type Points = BTreeMap<u64, (Option<i64>, Option<f64>)>;

/// The points of writer `w` in an answer (rows of measurement `load`, tag `writer`, fields
/// `seq` and `v`), each checked: of that writer, at a time of the grid, a field seen once,
/// the right value.
pub fn points_of(blocks: &[csv::Block], w: usize) -> Result<Points, String> {
    let tag = writer_tag(w);
    let mut out: Points = BTreeMap::new();
    for b in blocks {
        for row in &b.rows {
            let m = cell(b, row, "_measurement")?;
            let t = cell(b, row, "writer")?;
            if m != MEASUREMENT || t != tag {
                return Err(format!(
                    "a row of {m:?} writer {t:?} in the answer for writer {tag}"
                ));
            }
            let time_text = cell(b, row, "_time")?;
            let time = time::parse(time_text).ok_or_else(|| format!("_time {time_text:?}"))?;
            let seq = seq_of(time)
                .ok_or_else(|| format!("writer {tag}: a point at {time_text}, off the grid"))?;
            let value = cell(b, row, "_value")?;
            let entry = out.entry(seq).or_default();
            let twice = || format!("writer {tag}: point {seq} ({time_text}) appears twice");
            match cell(b, row, "_field")? {
                "seq" => {
                    let v: i64 = value
                        .parse()
                        .map_err(|_| format!("writer {tag} point {seq}: seq {value:?}"))?;
                    if i64::try_from(seq).ok() != Some(v) {
                        return Err(format!("writer {tag}: point {seq} has seq {v}"));
                    }
                    if entry.0.replace(v).is_some() {
                        return Err(twice());
                    }
                }
                "v" => {
                    let v: f64 = value
                        .parse()
                        .map_err(|_| format!("writer {tag} point {seq}: v {value:?}"))?;
                    if v != value_of(w, seq) {
                        return Err(format!(
                            "writer {tag}: point {seq} has v {v}, not {}",
                            value_of(w, seq)
                        ));
                    }
                    if entry.1.replace(v).is_some() {
                        return Err(twice());
                    }
                }
                other => return Err(format!("writer {tag}: point {seq} has a field {other:?}")),
            }
        }
    }
    Ok(out)
}

/// Checks that an answer holds exactly writer `w`'s points `want`, both fields
/// (`both`) or only `v`.
fn check_points(
    blocks: &[csv::Block],
    w: usize,
    want: std::ops::Range<u64>,
    both: bool,
) -> Result<(), String> {
    let points = points_of(blocks, w)?;
    let tag = writer_tag(w);
    let keys: Vec<u64> = points.keys().copied().collect();
    let expected: Vec<u64> = want.collect();
    if keys != expected {
        return Err(format!(
            "writer {tag}: points {:?}..={:?} ({}), expected {:?}..={:?} ({})",
            keys.first(),
            keys.last(),
            keys.len(),
            expected.first(),
            expected.last(),
            expected.len()
        ));
    }
    for (seq, (s, v)) in &points {
        if v.is_none() || s.is_some() != both {
            return Err(format!(
                "writer {tag}: point {seq} has fields seq {s:?}, v {v:?}"
            ));
        }
    }
    Ok(())
}

/// The `p`-th percentile (nearest rank) of sorted durations.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// Count, p50, p99 and max of some durations.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub count: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latency {
    fn of(mut d: Vec<Duration>) -> Latency {
        d.sort_unstable();
        Latency {
            count: d.len(),
            p50: percentile(&d, 50),
            p99: percentile(&d, 99),
            max: d.last().copied().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}

impl Outcome {
    /// Every problem any thread found.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let logs = self
            .writers
            .iter()
            .map(|w| &w.problems)
            .chain(self.readers.iter().map(|r| &r.problems))
            .chain(std::iter::once(&self.checkpoints.problems));
        for p in logs {
            out.extend(p.first.iter().cloned());
            if p.count > p.first.len() {
                out.push(format!(
                    "… and {} more of that thread",
                    p.count - p.first.len()
                ));
            }
        }
        out
    }

    /// Write requests acknowledged within the window, their latencies.
    pub fn writes(&self) -> Latency {
        Latency::of(
            self.writers
                .iter()
                .flat_map(|w| &w.times)
                .filter(|t| t.at <= self.window)
                .map(|t| t.took)
                .collect(),
        )
    }

    /// Queries answered within the window (of one kind, or all), their latencies.
    pub fn queries(&self, kind: Option<QueryKind>) -> Latency {
        Latency::of(
            self.readers
                .iter()
                .flat_map(|r| &r.queries)
                .filter(|(k, t)| t.at <= self.window && kind.is_none_or(|want| *k == want))
                .map(|(_, t)| t.took)
                .collect(),
        )
    }

    /// The figures as text.
    pub fn summary(&self) -> String {
        let secs = self.window.as_secs_f64().max(1e-9);
        let writes = self.writes();
        let points = writes.count as f64 * self.shape.batch as f64;
        let queries = self.queries(None);
        let mut s = format!(
            "{} writers (batches of {} points), {} readers, {:.1} s\n\
             writes:  {} requests acknowledged: {:.0} requests/s, {:.0} points/s; {}\n\
             queries: {} answered and checked: {:.1} queries/s; {}\n",
            self.shape.writers,
            self.shape.batch,
            self.shape.readers,
            secs,
            writes.count,
            writes.count as f64 / secs,
            points / secs,
            writes,
            queries.count,
            queries.count as f64 / secs,
            queries,
        );
        for kind in [
            QueryKind::Count,
            QueryKind::Last,
            QueryKind::Batch,
            QueryKind::ValueFilter,
        ] {
            let l = self.queries(Some(kind));
            s.push_str(&format!(
                "  {:<32} {:>6} ({:.1}/s); {l}\n",
                kind.name(),
                l.count,
                l.count as f64 / secs
            ));
        }
        // Write throughput over time, in tenths of the window.
        let slices = 10u32;
        let slice = self.window / slices;
        if slice > Duration::ZERO {
            let mut per = vec![0u64; slices as usize];
            for t in self.writers.iter().flat_map(|w| &w.times) {
                if t.at <= self.window {
                    let i = (t.at.as_nanos() / slice.as_nanos()).min(u128::from(slices - 1));
                    per[i as usize] += 1;
                }
            }
            let rates: Vec<String> = per
                .iter()
                .map(|&n| {
                    format!(
                        "{:.0}",
                        n as f64 * self.shape.batch as f64 / slice.as_secs_f64()
                    )
                })
                .collect();
            s.push_str(&format!(
                "points/s by tenth of the run: {}\n",
                rates.join(" ")
            ));
        }
        if !self.checkpoints.done.is_empty() {
            let l = Latency::of(self.checkpoints.done.iter().map(|t| t.took).collect());
            s.push_str(&format!(
                "checkpoints (create + delete a scratch bucket): {}; {l}\n",
                l.count
            ));
        }
        s
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    /// Batches present (acknowledged ones and those that got no answer but were stored).
    pub batches: u64,
    /// Batches that got no answer: stored (whole), and not stored.
    pub unanswered_stored: u64,
    pub unanswered_absent: u64,
    /// Field values in the whole bucket.
    pub values: u64,
}

/// Queries everything the writers wrote and checks it against what they were told:
/// every acknowledged batch is there exactly once, whole, with the right values; a batch
/// that got no answer is there whole or not at all; nothing else is there (no other
/// point, field, measurement or writer). Returns what it found, or every problem.
pub fn verify(
    conn: &mut Connection,
    target: &Target,
    shape: &Shape,
    writers: &[WriterLog],
) -> Result<Verified, Vec<String>> {
    let mut problems = Vec::new();
    let mut found = Verified::default();
    let path = format!("/api/v2/query?org={}", target.org);
    let auth = format!("Token {}", target.token);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let ask = |conn: &mut Connection, flux: &str| -> Result<Vec<csv::Block>, String> {
        let a = conn
            .request("POST", &path, &headers, query_body(flux).as_bytes())
            .map_err(|e: HttpError| format!("{flux}: {e}"))?;
        if a.status != 200 {
            return Err(format!("{flux}: answered {}: {}", a.status, a.text()));
        }
        csv::parse(&a.body).map_err(|e| format!("{flux}: {e}"))
    };
    let batch = shape.batch as u64;
    let mut expected_points = 0u64;
    for log in writers {
        let w = log.writer;
        let tag = writer_tag(w);
        let flux = format!(
            "from(bucket: \"{}\") |> range(start: {}, stop: {}) |> filter(fn: (r) => r.writer == \"{tag}\") |> keep(columns: [\"_time\", \"_value\", \"_field\", \"_measurement\", \"writer\"])",
            target.bucket,
            time::format(T0),
            time::format(T_END)
        );
        let points = match ask(conn, &flux).and_then(|b| points_of(&b, w)) {
            Ok(p) => p,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let mut present: BTreeMap<u64, u64> = BTreeMap::new();
        for (seq, (s, v)) in &points {
            if s.is_none() || v.is_none() {
                problems.push(format!(
                    "writer {tag}: point {seq} has fields seq {s:?}, v {v:?} (a torn point)"
                ));
            }
            *present.entry(seq / batch).or_default() += 1;
        }
        for (&b, &n) in &present {
            let outcome = log.batches.get(usize::try_from(b).unwrap_or(usize::MAX));
            match outcome {
                None => problems.push(format!(
                    "writer {tag}: batch {b} was never sent, yet {n} of its points are stored"
                )),
                Some(Sent::NotSent(why)) => problems.push(format!(
                    "writer {tag}: batch {b} could not be sent ({why}), yet {n} of its points are stored"
                )),
                Some(Sent::Acknowledged) if n != batch => problems.push(format!(
                    "writer {tag}: acknowledged batch {b} has {n} of its {batch} points"
                )),
                Some(Sent::NoAnswer(_)) if n != batch => problems.push(format!(
                    "writer {tag}: batch {b}, in flight at the kill, is torn: {n} of its {batch} points are stored"
                )),
                Some(Sent::NoAnswer(_)) => found.unanswered_stored += 1,
                _ => {}
            }
            found.batches += 1;
            expected_points += n;
        }
        for (b, outcome) in log.batches.iter().enumerate() {
            let stored = present.contains_key(&(b as u64));
            match outcome {
                Sent::Acknowledged if !stored => problems.push(format!(
                    "writer {tag}: acknowledged batch {b} (points {}..{}) is LOST",
                    b as u64 * batch,
                    (b as u64 + 1) * batch
                )),
                Sent::NoAnswer(_) if !stored => found.unanswered_absent += 1,
                _ => {}
            }
        }
    }
    // Nothing else: every value of the bucket, at any time, is one of those above.
    let flux = format!(
        "from(bucket: \"{}\") |> range(start: 1970-01-01T00:00:00Z, stop: 2262-01-01T00:00:00Z) |> count() |> group() |> sum()",
        target.bucket
    );
    match ask(conn, &flux) {
        Ok(blocks) => {
            let values: Vec<&String> = blocks
                .iter()
                .flat_map(|b| b.col("_value").map(|i| b.rows.iter().map(move |r| &r[i])))
                .flatten()
                .collect();
            let total = match values.as_slice() {
                [] => Ok(0),
                [one] => one.parse::<u64>().map_err(|_| format!("{flux}: {one:?}")),
                more => Err(format!("{flux}: {} rows", more.len())),
            };
            match total {
                Ok(t) => {
                    found.values = t;
                    if t != expected_points * 2 {
                        problems.push(format!(
                            "the bucket holds {t} values, but the writers' points account for {} ({} points × 2 fields): something else is stored",
                            expected_points * 2,
                            expected_points
                        ));
                    }
                }
                Err(e) => problems.push(e),
            }
        }
        Err(e) => problems.push(e),
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_identifiable() {
        assert_eq!(writer_of(&writer_tag(7)), Some(7));
        assert_eq!(writer_of("x07"), None);
        assert_eq!(seq_of(time_of(12_345)), Some(12_345));
        assert_eq!(seq_of(time_of(1) + 1), None);
        assert_eq!(seq_of(T_END), None);
        let lines = batch_lines(3, 2, 2);
        assert_eq!(
            lines,
            "load,writer=w03 seq=4i,v=5 1704067200004000000\nload,writer=w03 seq=5i,v=5.5 1704067200005000000\n"
        );
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(d);
        assert_eq!(l.p50, Duration::from_millis(50));
        assert_eq!(l.p99, Duration::from_millis(99));
        assert_eq!(l.max, Duration::from_millis(100));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }
}
