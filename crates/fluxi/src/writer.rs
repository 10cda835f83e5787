//! A buffered point writer, for applications that record metrics into a fluxi store or
//! an InfluxDB-compatible server.
//!
//! Build [`Point`]s, hand them to a [`BufferedWriter`], and it writes them to a bucket of
//! any [`Storage`] (or any other [`PointSink`]) in batches: when
//! [`WriterOptions::batch_size`] points are waiting, or when the oldest waiting point has
//! waited [`WriterOptions::flush_interval`] (a background thread sees to that), or when
//! you call [`BufferedWriter::flush`], [`BufferedWriter::close`], or drop the writer.
//!
//! ```
//! use fluxi::writer::{BufferedWriter, Point, WriterOptions};
//! use fluxi::{MemoryStorage, Storage};
//! use std::sync::Arc;
//!
//! let store: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
//! store.create_bucket("metrics", None)?;
//! let writer = BufferedWriter::new(Arc::clone(&store), "metrics", WriterOptions::default());
//! writer
//!     .write(Point::new("cpu").tag("host", "a").field("usage", 1.5).field("count", 3))
//!     .expect("a valid point");
//! let stats = writer.close().expect("the store accepts the batch");
//! assert_eq!(stats.written, 1);
//! # Ok::<(), fluxi::StorageError>(())
//! ```
//!
//! A flush that fails keeps its points buffered, and a later flush retries them; the
//! writer holds at most [`WriterOptions::max_buffered`] points, and what happens to a
//! point beyond that is [`WriterOptions::overflow`]'s choice. A point the store refuses
//! for good (a field written with another type than it has) is dropped, so that it
//! cannot hold up the points behind it, and reported as [`WriteError::Rejected`].
//!
//! Where the batches go is a [`PointSink`]: [`BufferedWriter::new`] writes into a
//! [`Storage`] through a [`StoreSink`], [`BufferedWriter::with_sink`] into any other sink
//! — the `fluxi-client` crate's `HttpSink` posts line protocol to `/api/v2/write` of
//! `fluxi serve` or InfluxDB 2 (encoded with [`encode_line`], each point checked with
//! [`check_line`] when it is written).

mod sink;

pub use fluxi_storage::FieldValue;
use fluxi_storage::{Storage, StorageError};
pub use sink::{
    check_line, conflicting_points, encode_line, CheckedPoint, DeliveryError, PointSink, StoreSink,
};
use std::collections::VecDeque;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// When a point happened, as the builder was told.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PointTime {
    /// Not given: the time the writer accepts the point.
    Unset,
    /// Nanoseconds since the Unix epoch.
    Nanos(i64),
    /// A [`SystemTime`] that nanoseconds in an `i64` cannot hold.
    OutOfRange,
}

/// A point to write: a measurement, tags, at least one field, and a time.
///
/// ```
/// use fluxi::writer::Point;
///
/// let p = Point::new("cpu")
///     .tag("host", "a")
///     .field("usage", 1.5)
///     .field("count", 3i64)
///     .time(1_700_000_000_000_000_000);
/// assert_eq!(p.tags(), [("host".to_string(), "a".to_string())]);
/// ```
///
/// Tags and fields are kept sorted by key; setting a key again replaces its value. The
/// builder accepts anything; [`BufferedWriter::write`] checks the point (see
/// [`WriteError::InvalidPoint`]). Without [`Point::time`] or [`Point::timestamp`] the
/// point gets the time at which the writer accepts it.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    measurement: String,
    tags: Vec<(String, String)>,
    fields: Vec<(String, FieldValue)>,
    time: PointTime,
}

/// Sets `key` to `value` in a list sorted by key, replacing an earlier value.
fn upsert<V>(list: &mut Vec<(String, V)>, key: String, value: V) {
    match list.binary_search_by(|(k, _)| k.as_str().cmp(key.as_str())) {
        Ok(i) => {
            if let Some(slot) = list.get_mut(i) {
                slot.1 = value;
            }
        }
        Err(i) => list.insert(i, (key, value)),
    }
}

/// The reserved tag keys of line protocol.
const RESERVED_TAG_KEYS: [&str; 3] = ["_measurement", "_field", "time"];

impl Point {
    /// A point of `measurement`, without tags, fields or time yet.
    pub fn new(measurement: impl Into<String>) -> Point {
        Point {
            measurement: measurement.into(),
            tags: Vec::new(),
            fields: Vec::new(),
            time: PointTime::Unset,
        }
    }

    /// Adds a tag (replacing the value of a tag of the same key).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Point {
        upsert(&mut self.tags, key.into(), value.into());
        self
    }

    /// Adds a field (replacing the value of a field of the same key).
    pub fn field(mut self, key: impl Into<String>, value: impl Into<FieldValue>) -> Point {
        upsert(&mut self.fields, key.into(), value.into());
        self
    }

    /// Sets the time, in nanoseconds since the Unix epoch.
    pub fn time(mut self, unix_nanos: i64) -> Point {
        self.time = PointTime::Nanos(unix_nanos);
        self
    }

    /// Sets the time. Times outside what nanoseconds in an `i64` can hold (before 1677 or
    /// after 2262) make the point invalid.
    pub fn timestamp(mut self, time: SystemTime) -> Point {
        let nanos = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_nanos()).ok(),
            Err(before) => i64::try_from(before.duration().as_nanos())
                .ok()
                .and_then(i64::checked_neg),
        };
        self.time = nanos.map_or(PointTime::OutOfRange, PointTime::Nanos);
        self
    }

    /// The measurement.
    pub fn measurement(&self) -> &str {
        &self.measurement
    }

    /// The tags, sorted by key, keys unique.
    pub fn tags(&self) -> &[(String, String)] {
        &self.tags
    }

    /// The fields, sorted by key, keys unique.
    pub fn fields(&self) -> &[(String, FieldValue)] {
        &self.fields
    }

    /// The time set with [`Point::time`] or [`Point::timestamp`], in nanoseconds since
    /// the Unix epoch (`None` when none was set, or it was out of range).
    pub fn unix_nanos(&self) -> Option<i64> {
        match self.time {
            PointTime::Nanos(t) => Some(t),
            PointTime::Unset | PointTime::OutOfRange => None,
        }
    }

    /// Checks the point and makes it the store's kind, with time `now` if it has none.
    fn into_storage(self, now: i64) -> Result<fluxi_storage::Point, WriteError> {
        let invalid = |problem: String| WriteError::InvalidPoint {
            measurement: self.measurement.clone(),
            problem,
        };
        if self.measurement.is_empty() {
            return Err(invalid("the measurement name is empty".into()));
        }
        for (k, v) in &self.tags {
            if k.is_empty() {
                return Err(invalid(format!(
                    "a tag has an empty key (its value is {v:?})"
                )));
            }
            if RESERVED_TAG_KEYS.contains(&k.as_str()) {
                return Err(invalid(format!(
                    "tag key {k:?} is reserved (line protocol refuses _measurement, _field and time as tag keys); rename the tag"
                )));
            }
            if v.is_empty() {
                return Err(invalid(format!(
                    "tag {k:?} has an empty value (line protocol cannot hold one); leave the tag out instead"
                )));
            }
        }
        if self.fields.is_empty() {
            return Err(invalid(
                "the point has no fields; add at least one with Point::field".into(),
            ));
        }
        for (k, v) in &self.fields {
            if k.is_empty() {
                return Err(invalid(format!(
                    "a field has an empty key (its value is {v:?})"
                )));
            }
            if k == "time" {
                return Err(invalid(
                    "field key \"time\" is reserved (InfluxDB drops such a field); rename the field"
                        .into(),
                ));
            }
            if let FieldValue::Float(x) = v {
                if !x.is_finite() {
                    return Err(invalid(format!(
                        "field {k:?} is {x}; line protocol cannot hold NaN or infinite floats"
                    )));
                }
            }
        }
        let time = match self.time {
            PointTime::Unset => now,
            PointTime::Nanos(t) => t,
            PointTime::OutOfRange => {
                return Err(invalid(
                    "the timestamp is outside what nanoseconds since 1970 in an i64 can hold (years 1677 to 2262)"
                        .into(),
                ))
            }
        };
        Ok(fluxi_storage::Point {
            measurement: self.measurement,
            tags: self.tags,
            fields: self.fields,
            time,
        })
    }
}

/// What the writer does with a new point when it already holds
/// [`WriterOptions::max_buffered`] points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Refuse the new point with [`WriteError::BufferFull`]; nothing buffered is lost.
    #[default]
    Reject,
    /// Drop the oldest buffered point to make room (counted in [`WriterStats::dropped`]).
    DropOldest,
}

/// How a [`BufferedWriter`] batches points.
///
/// ```
/// use fluxi::writer::{Overflow, WriterOptions};
/// use std::time::Duration;
///
/// let options = WriterOptions {
///     batch_size: 500,
///     flush_interval: Duration::from_millis(200),
///     overflow: Overflow::DropOldest,
///     ..WriterOptions::default()
/// };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterOptions {
    /// Write to the store as soon as this many points are buffered, at most this many per
    /// [`Storage::write`] call (default 5 000; 0 counts as 1).
    pub batch_size: usize,
    /// Write to the store when the oldest buffered point has waited this long (default
    /// 1 s; less than a millisecond counts as one). After a failed flush, the writer
    /// waits this long again before it retries on its own (longer when the sink asks for
    /// longer: [`DeliveryError::Unavailable`]'s `retry_after`).
    pub flush_interval: Duration,
    /// The most points the writer holds, written or not yet (default 100 000; 0 counts
    /// as 1).
    pub max_buffered: usize,
    /// What happens to a point beyond `max_buffered` (default [`Overflow::Reject`]).
    pub overflow: Overflow,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            batch_size: 5_000,
            flush_interval: Duration::from_secs(1),
            max_buffered: 100_000,
            overflow: Overflow::Reject,
        }
    }
}

/// What a [`BufferedWriter`] has done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriterStats {
    /// Points written to the store.
    pub written: u64,
    /// Points dropped to make room ([`Overflow::DropOldest`]).
    pub dropped: u64,
    /// Points the store refused for good and the writer dropped (see
    /// [`WriteError::Rejected`]).
    pub rejected: u64,
    /// Points buffered now (including those being written at this moment).
    pub buffered: usize,
    /// Flushes that failed (their points stayed buffered).
    pub failed_flushes: u64,
}

/// What went wrong writing points.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The point cannot be written; it was not buffered.
    #[error("invalid point{}: {problem}", for_measurement(.measurement))]
    InvalidPoint {
        /// The point's measurement (empty when that is the problem).
        measurement: String,
        /// What is wrong, naming the tag or field.
        problem: String,
    },
    /// The buffer holds `capacity` points already; the new point was not buffered.
    #[error(
        "the writer's buffer is full ({capacity} points wait to be written): the store is failing or slower than points arrive; call flush() to retry and see the store's error, write less, raise WriterOptions::max_buffered, or choose Overflow::DropOldest"
    )]
    BufferFull {
        /// [`WriterOptions::max_buffered`].
        capacity: usize,
    },
    /// Writing buffered points to the store (the sink: [`DeliveryError::Unavailable`])
    /// failed. They stay buffered and the next flush retries them; when
    /// [`BufferedWriter::write`] returns this, its point was buffered (do not write it
    /// again).
    #[error("writing buffered points failed (they stay buffered and are retried): {0}")]
    Storage(StorageError),
    /// The store (the sink: [`DeliveryError::Refused`]) refused `points` points for good
    /// — a field written with another type than it has; a server's 400 or 422 — and they
    /// were dropped; the other points of their batch were written.
    #[error(
        "the store refused {points} point(s), which were dropped (the other buffered points were written): {error}"
    )]
    Rejected {
        /// How many points were dropped.
        points: usize,
        /// Why (the first refusal).
        error: StorageError,
    },
}

/// ` of measurement "m"`, or nothing for an empty name.
fn for_measurement(measurement: &str) -> String {
    if measurement.is_empty() {
        String::new()
    } else {
        format!(" of measurement {measurement:?}")
    }
}

/// `now + wait`, or as far ahead as an `Instant` goes (a year, else now).
fn later(now: Instant, wait: Duration) -> Instant {
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(365 * 86_400)))
        .unwrap_or(now)
}

/// Nanoseconds since the Unix epoch, now.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Where a buffered point came from.
#[derive(Debug, Clone, Copy)]
struct Meta {
    /// Its place in the order points were accepted.
    seq: u64,
    /// When it was accepted.
    at: Instant,
}

/// The mutable part of a writer, behind its mutex.
#[derive(Debug)]
struct State {
    /// Points waiting, oldest first (not those being written now).
    points: VecDeque<fluxi_storage::Point>,
    /// `points`' metadata, in step with it.
    meta: VecDeque<Meta>,
    /// The sequence number of the next point accepted.
    next_seq: u64,
    /// Whether a batch is being written now (one at a time, so batches stay in order).
    flushing: bool,
    /// How many points that batch has.
    in_flight: usize,
    /// After a failed flush (until one succeeds): when the writer may retry on its own.
    retry_at: Option<Instant>,
    /// The writer is closing: the background thread exits.
    closed: bool,
    written: u64,
    dropped: u64,
    rejected: u64,
    failed_flushes: u64,
    last_error: Option<WriteError>,
}

impl State {
    fn len(&self) -> usize {
        self.points.len()
    }

    fn drop_oldest(&mut self) {
        if self.points.pop_front().is_some() {
            self.meta.pop_front();
            self.dropped += 1;
        }
    }

    /// Whether the writer waits before retrying a failed flush on its own.
    fn backing_off(&self, now: Instant) -> bool {
        self.retry_at.is_some_and(|retry| now < retry)
    }
}

/// The outcome of writing one batch.
struct Flight {
    /// Points written.
    written: usize,
    /// What went wrong (also recorded as the last error).
    error: Option<WriteError>,
    /// Whether the batch failed (its points are buffered again).
    failed: bool,
}

/// What the writer and its background thread share.
struct Shared {
    sink: Arc<dyn PointSink>,
    bucket: String,
    options: WriterOptions,
    state: Mutex<State>,
    /// Wakes the background thread.
    wake: Condvar,
    /// Signals the end of a batch's write.
    idle: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When the background thread should next write a batch (`None`: only when woken).
    fn due(&self, st: &State) -> Option<Instant> {
        let first = st.meta.front()?.at;
        let base = if st.len() >= self.options.batch_size {
            Some(first)
        } else {
            first.checked_add(self.options.flush_interval)
        }?;
        Some(st.retry_at.map_or(base, |retry| retry.max(base)))
    }

    /// Writes the oldest buffered points (up to a batch) to the store. The lock is let go
    /// while the store works. Call only when nothing is being written and points wait.
    fn flush_batch<'a>(&'a self, mut st: MutexGuard<'a, State>) -> (MutexGuard<'a, State>, Flight) {
        let n = st.len().min(self.options.batch_size);
        let mut points: Vec<fluxi_storage::Point> = st.points.drain(..n).collect();
        let mut meta: Vec<Meta> = st.meta.drain(..n).collect();
        st.flushing = true;
        st.in_flight = n;
        drop(st);

        let mut rejected = 0usize;
        let mut refusal: Option<StorageError> = None;
        let result = loop {
            if points.is_empty() {
                break Ok(());
            }
            match self.deliver(&points) {
                Ok(()) => break Ok(()),
                Err(DeliveryError::Unavailable { error, retry_after }) => {
                    break Err((error, retry_after))
                }
                Err(DeliveryError::PartlyRefused {
                    error,
                    points: refused,
                }) => {
                    let before = points.len();
                    let mut index = 0;
                    let mut kept_meta = meta.into_iter();
                    let mut new_meta = Vec::with_capacity(before);
                    points.retain(|_| {
                        let keep = !refused.contains(&index);
                        index += 1;
                        let m = kept_meta.next();
                        if keep {
                            new_meta.extend(m);
                        }
                        keep
                    });
                    meta = new_meta;
                    let removed = before - points.len();
                    if removed > 0 {
                        rejected += removed;
                        refusal.get_or_insert(error);
                    }
                    break Ok(());
                }
                Err(DeliveryError::Refused {
                    error,
                    points: refused,
                }) => {
                    let mut drop_it = vec![false; points.len()];
                    for i in refused {
                        if let Some(d) = drop_it.get_mut(i) {
                            *d = true;
                        }
                    }
                    let before = points.len();
                    let (kept, kept_m): (Vec<_>, Vec<_>) = points
                        .into_iter()
                        .zip(meta)
                        .zip(drop_it)
                        .filter(|(_, refused)| !refused)
                        .map(|(pm, _)| pm)
                        .unzip();
                    points = kept;
                    meta = kept_m;
                    let removed = before - points.len();
                    if removed == 0 {
                        // No point of this batch: retrying cannot help here.
                        break Err((error, None));
                    }
                    rejected += removed;
                    refusal.get_or_insert(error);
                }
            }
        };

        let mut st = self.lock();
        st.flushing = false;
        st.in_flight = 0;
        st.rejected += rejected as u64;
        let flight = match result {
            Ok(()) => {
                st.written += points.len() as u64;
                st.retry_at = None;
                let error = refusal.map(|error| WriteError::Rejected {
                    points: rejected,
                    error,
                });
                if let Some(e) = &error {
                    st.last_error = Some(e.clone());
                }
                Flight {
                    written: points.len(),
                    error,
                    failed: false,
                }
            }
            Err((e, retry_after)) => {
                for (p, m) in points.into_iter().zip(meta).rev() {
                    st.points.push_front(p);
                    st.meta.push_front(m);
                }
                if self.options.overflow == Overflow::DropOldest {
                    while st.len() > self.options.max_buffered {
                        st.drop_oldest();
                    }
                }
                st.failed_flushes += 1;
                let wait = retry_after.map_or(self.options.flush_interval, |after| {
                    after.max(self.options.flush_interval)
                });
                st.retry_at = Some(later(Instant::now(), wait));
                let error = WriteError::Storage(e);
                st.last_error = Some(error.clone());
                Flight {
                    written: 0,
                    error: Some(error),
                    failed: true,
                }
            }
        };
        self.idle.notify_all();
        self.wake.notify_one();
        (st, flight)
    }

    /// One [`PointSink::write`] call; a panic in the sink becomes an error.
    fn deliver(&self, points: &[CheckedPoint]) -> Result<(), DeliveryError> {
        match catch_unwind(AssertUnwindSafe(|| self.sink.write(points))) {
            Ok(r) => r,
            Err(_) => Err(DeliveryError::Unavailable {
                error: StorageError::Backend("the sink panicked while writing points".into()),
                retry_after: None,
            }),
        }
    }

    /// Writes every point accepted before sequence number `target`, batch by batch;
    /// stops at the first failed batch. Returns how many points it wrote.
    fn flush_until(&self, target: u64) -> Result<usize, WriteError> {
        let mut st = self.lock();
        let mut written = 0;
        let mut refusal = None;
        loop {
            while st.flushing {
                st = self.idle.wait(st).unwrap_or_else(PoisonError::into_inner);
            }
            if st.meta.front().is_none_or(|m| m.seq >= target) {
                break;
            }
            let (g, flight) = self.flush_batch(st);
            st = g;
            written += flight.written;
            if let Some(e) = flight.error {
                if flight.failed {
                    return Err(e);
                }
                refusal.get_or_insert(e);
            }
        }
        match refusal {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }

    fn stats(&self) -> WriterStats {
        let st = self.lock();
        WriterStats {
            written: st.written,
            dropped: st.dropped,
            rejected: st.rejected,
            buffered: st.len() + st.in_flight,
            failed_flushes: st.failed_flushes,
        }
    }
}

/// The background thread: writes a batch whenever one is due, sleeps until the next is.
fn background(shared: &Shared) {
    let mut st = shared.lock();
    loop {
        if st.closed {
            return;
        }
        if st.flushing {
            st = shared.wake.wait(st).unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        let now = Instant::now();
        match shared.due(&st) {
            Some(due) if due <= now => {
                // The outcome is recorded in the state (stats, last error).
                let (g, _) = shared.flush_batch(st);
                st = g;
            }
            Some(due) => {
                st = shared
                    .wake
                    .wait_timeout(st, due - now)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            None => st = shared.wake.wait(st).unwrap_or_else(PoisonError::into_inner),
        }
    }
}

/// Buffers points and writes them to a bucket in batches (see the [module](self) docs).
///
/// Share it between threads by reference or in an `Arc`: every method takes `&self`
/// except [`BufferedWriter::close`]. Dropping the writer writes what is buffered and
/// stops its background thread, but cannot report a failure: call
/// [`BufferedWriter::close`] to learn whether the last points were written.
pub struct BufferedWriter {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// `close` has run (`Drop` has nothing left to do).
    shut: bool,
}

impl fmt::Debug for BufferedWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BufferedWriter")
            .field("bucket", &self.shared.bucket)
            .field("options", &self.shared.options)
            .field("stats", &self.shared.stats())
            .finish_non_exhaustive()
    }
}

impl BufferedWriter {
    /// A writer of points into `bucket` of `storage` (which must exist when the first
    /// batch is written). Starts the background thread that writes batches on time.
    pub fn new(
        storage: Arc<dyn Storage>,
        bucket: impl Into<String>,
        options: WriterOptions,
    ) -> BufferedWriter {
        BufferedWriter::with_sink(StoreSink::new(storage, bucket), options)
    }

    /// A writer of points into `sink` (see [`PointSink`]). Starts the background thread
    /// that writes batches on time.
    pub fn with_sink(sink: impl PointSink + 'static, options: WriterOptions) -> BufferedWriter {
        let sink: Arc<dyn PointSink> = Arc::new(sink);
        let bucket = sink.bucket().to_string();
        let options = WriterOptions {
            batch_size: options
                .batch_size
                .min(sink.max_batch().unwrap_or(usize::MAX))
                .max(1),
            flush_interval: options.flush_interval.max(Duration::from_millis(1)),
            max_buffered: options.max_buffered.max(1),
            overflow: options.overflow,
        };
        let shared = Arc::new(Shared {
            sink,
            bucket,
            options,
            state: Mutex::new(State {
                points: VecDeque::new(),
                meta: VecDeque::new(),
                next_seq: 0,
                flushing: false,
                in_flight: 0,
                retry_at: None,
                closed: false,
                written: 0,
                dropped: 0,
                rejected: 0,
                failed_flushes: 0,
                last_error: None,
            }),
            wake: Condvar::new(),
            idle: Condvar::new(),
        });
        let for_thread = Arc::clone(&shared);
        // Without a thread (the system refused one), `write` flushes overdue points.
        let thread = std::thread::Builder::new()
            .name("fluxi-writer".into())
            .spawn(move || background(&for_thread))
            .ok();
        BufferedWriter {
            shared,
            thread,
            shut: false,
        }
    }

    /// The bucket written to.
    pub fn bucket(&self) -> &str {
        &self.shared.bucket
    }

    /// The options in force (with zeros raised to their minimum).
    pub fn options(&self) -> &WriterOptions {
        &self.shared.options
    }

    /// Checks a point and buffers it; when that makes a full batch, writes the batch
    /// (in this call) unless a batch is being written already or the last flush failed
    /// less than [`WriterOptions::flush_interval`] ago (or the sink's `retry_after`). A
    /// sink whose [`PointSink::write_in_caller`] is `false` (the network) has the full
    /// batch written by the background thread instead.
    ///
    /// Errors: [`WriteError::InvalidPoint`] (also for a point the sink's
    /// [`PointSink::check`] refuses) and [`WriteError::BufferFull`] (the point was not
    /// buffered), or the batch's [`WriteError::Storage`] or [`WriteError::Rejected`] (the
    /// point was buffered).
    pub fn write(&self, point: Point) -> Result<(), WriteError> {
        let point = point.into_storage(unix_now())?;
        if let Err(problem) = self.shared.sink.check(&point) {
            return Err(WriteError::InvalidPoint {
                measurement: point.measurement,
                problem,
            });
        }
        let shared = &*self.shared;
        let options = &shared.options;
        let now = Instant::now();
        let mut st = shared.lock();
        match options.overflow {
            Overflow::Reject => {
                if st.len() + st.in_flight >= options.max_buffered {
                    return Err(WriteError::BufferFull {
                        capacity: options.max_buffered,
                    });
                }
            }
            // The points being written are older still, but their write may succeed; if
            // it fails, the oldest are dropped then (see `flush_batch`).
            Overflow::DropOldest => {
                if st.len() >= options.max_buffered {
                    st.drop_oldest();
                }
            }
        }
        let was_empty = st.points.is_empty();
        let seq = st.next_seq;
        st.next_seq += 1;
        st.points.push_back(point);
        st.meta.push_back(Meta { seq, at: now });
        if st.flushing {
            return Ok(());
        }
        let full = st.len() >= options.batch_size && !st.backing_off(now);
        let overdue = self.thread.is_none() && shared.due(&st).is_some_and(|d| d <= now);
        if full && self.thread.is_some() && !shared.sink.write_in_caller() {
            shared.wake.notify_one();
            return Ok(());
        }
        if full || overdue {
            let (_st, flight) = shared.flush_batch(st);
            return flight.error.map_or(Ok(()), Err);
        }
        if was_empty {
            shared.wake.notify_one();
        }
        Ok(())
    }

    /// Writes every point buffered now, in batches of at most
    /// [`WriterOptions::batch_size`] (waiting for a batch being written first). Stops at
    /// the first batch that fails; its points and those after it stay buffered. Returns
    /// how many points this call wrote.
    pub fn flush(&self) -> Result<usize, WriteError> {
        let target = self.shared.lock().next_seq;
        self.shared.flush_until(target)
    }

    /// Writes everything buffered, stops the background thread, and returns the final
    /// statistics. On an error the points still buffered are lost with the writer (call
    /// [`BufferedWriter::flush`] first to retry them while it lives).
    pub fn close(mut self) -> Result<WriterStats, WriteError> {
        let result = self.shutdown();
        self.shut = true;
        result.map(|()| self.stats())
    }

    /// What the writer has done so far.
    pub fn stats(&self) -> WriterStats {
        self.shared.stats()
    }

    /// The error of the most recent flush that failed or had points refused, whichever
    /// call (or the background thread) made it; `None` if none has.
    pub fn last_error(&self) -> Option<WriteError> {
        self.shared.lock().last_error.clone()
    }

    /// Stops the background thread, then writes everything buffered.
    fn shutdown(&mut self) -> Result<(), WriteError> {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            // The thread catches the store's panics; a join error has nothing to report.
            let _ = thread.join();
        }
        self.shared.flush_until(u64::MAX).map(|_| ())
    }
}

impl Drop for BufferedWriter {
    /// Writes what is buffered (a failure is not reported: use
    /// [`BufferedWriter::close`] for that) and stops the background thread.
    fn drop(&mut self) {
        if !self.shut {
            let _ = self.shutdown();
        }
    }
}
