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

mod check;
pub mod csv;
pub mod http;
mod report;
pub mod server;
pub mod time;

use check::{batch_query, check_counts, check_lasts, check_points, count_query, last_query, Seen};
pub use check::{points_of, query_body, verify, Points, Verified};
pub use report::Latency;

use http::Connection;
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
}
