//! What the scheduler's tests share: a store that records (and can hold up) writes, a
//! package of test functions, and helpers to wait and read results.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod guide;

use fluxi::{Engine, Package, Storage, Value};
use fluxi_storage::storage::Result as StorageResult;
use fluxi_storage::{
    Aggregate, Applied, BucketInfo, ParseOptions, Point, Predicate, ReadResult, ReadSpec, Windowing,
};
use fluxi_tasks::{Config, Scheduler};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub const S: i64 = 1_000_000_000;
pub const M: i64 = 60 * S;
pub const H: i64 = 60 * M;

pub fn t(s: &str) -> i64 {
    fluxi::parse_time(s).unwrap()
}

/// Writes to one bucket held at the point after they are written, until released: a run
/// stopped there has written its points but not finished.
#[derive(Default)]
pub struct Hold {
    bucket: Mutex<Option<String>>,
    arrived: Mutex<usize>,
    released: Mutex<bool>,
    signal: Condvar,
}

impl Hold {
    /// Hold the next writes to `bucket`.
    pub fn arm(&self, bucket: &str) {
        *self.bucket.lock().unwrap() = Some(bucket.to_string());
        *self.arrived.lock().unwrap() = 0;
        *self.released.lock().unwrap() = false;
    }

    /// Let held writes go on (and hold no more).
    pub fn release(&self) {
        *self.bucket.lock().unwrap() = None;
        *self.released.lock().unwrap() = true;
        self.signal.notify_all();
    }

    /// Wait until a write is held.
    pub fn wait_arrival(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut arrived = self.arrived.lock().unwrap();
        while *arrived == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "no write arrived at the hold");
            arrived = self.signal.wait_timeout(arrived, left).unwrap().0;
        }
    }

    fn pass(&self, bucket: &str) {
        if self.bucket.lock().unwrap().as_deref() != Some(bucket) {
            return;
        }
        *self.arrived.lock().unwrap() += 1;
        self.signal.notify_all();
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut released = self.released.lock().unwrap();
        while !*released && Instant::now() < deadline {
            released = self
                .signal
                .wait_timeout(released, Duration::from_millis(50))
                .unwrap()
                .0;
        }
    }
}

/// A store that records the times of the points written to each bucket (in order) and
/// can hold writes ([`Hold`]).
pub struct Recording {
    pub inner: Arc<dyn Storage>,
    pub writes: Mutex<Vec<(String, Vec<i64>)>>,
    pub hold: Arc<Hold>,
}

impl Recording {
    pub fn new(inner: Arc<dyn Storage>) -> Arc<Recording> {
        Arc::new(Recording {
            inner,
            writes: Mutex::new(Vec::new()),
            hold: Arc::new(Hold::default()),
        })
    }

    /// The distinct point times of each write to `bucket`, in the order written.
    pub fn writes_to(&self, bucket: &str) -> Vec<Vec<i64>> {
        self.writes
            .lock()
            .unwrap()
            .iter()
            .filter(|(b, _)| b == bucket)
            .map(|(_, times)| times.clone())
            .collect()
    }
}

impl Storage for Recording {
    fn buckets(&self) -> StorageResult<Vec<BucketInfo>> {
        self.inner.buckets()
    }
    fn create_bucket(&self, name: &str, retention: Option<i64>) -> StorageResult<()> {
        self.inner.create_bucket(name, retention)
    }
    fn delete_bucket(&self, name: &str) -> StorageResult<()> {
        self.inner.delete_bucket(name)
    }
    fn write(&self, bucket: &str, points: &[Point]) -> StorageResult<usize> {
        let n = self.inner.write(bucket, points)?;
        let mut times: Vec<i64> = points.iter().map(|p| p.time).collect();
        times.sort();
        times.dedup();
        self.writes
            .lock()
            .unwrap()
            .push((bucket.to_string(), times));
        self.hold.pass(bucket);
        Ok(n)
    }
    fn write_line_protocol(
        &self,
        bucket: &str,
        text: &[u8],
        options: &ParseOptions,
    ) -> StorageResult<usize> {
        self.inner.write_line_protocol(bucket, text, options)
    }
    fn read(&self, spec: &ReadSpec) -> StorageResult<ReadResult> {
        self.inner.read(spec)
    }
    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> StorageResult<Option<ReadResult>> {
        self.inner.read_aggregate(spec, aggregate, window)
    }
    fn predicate_pushdown(&self, p: &Predicate) -> Applied {
        self.inner.predicate_pushdown(p)
    }
    fn read_each(
        &self,
        spec: &ReadSpec,
        sink: &mut dyn FnMut(fluxi::Table) -> bool,
    ) -> StorageResult<()> {
        self.inner.read_each(spec, sink)
    }
    fn aggregate_pushdown(&self, aggregate: Aggregate, window: Option<Windowing>) -> Applied {
        self.inner.aggregate_pushdown(aggregate, window)
    }
    fn measurements(&self, bucket: &str) -> StorageResult<Vec<String>> {
        self.inner.measurements(bucket)
    }
    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> StorageResult<Vec<String>> {
        self.inner.tag_keys(bucket, measurement)
    }
    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        measurement: Option<&str>,
    ) -> StorageResult<Vec<String>> {
        self.inner.tag_values(bucket, tag, measurement)
    }
    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> StorageResult<Vec<String>> {
        self.inner.field_keys(bucket, measurement)
    }
}

/// Shared state of the `fluxitest` package's functions, by name.
#[derive(Default)]
pub struct Probes {
    /// `fluxitest.count(name:)`: calls so far.
    pub counts: Mutex<HashMap<String, i64>>,
}

/// A package `fluxitest` with `count(name)` (how many times it was called with that
/// name, this call included) and `pause(ms)` (sleeps `ms` milliseconds of real time).
pub fn probe_package(probes: &Arc<Probes>) -> Package {
    let counting = Arc::clone(probes);
    Package::new("fluxitest")
        .function("count", "(name: string) => int", move |args| {
            let name = args.string("name")?;
            let mut counts = counting.counts.lock().unwrap();
            let c = counts.entry(name).or_insert(0);
            *c += 1;
            Ok(Value::Int(*c))
        })
        .function("pause", "(ms: int) => int", move |args| {
            let ms = args.opt_int("ms")?.unwrap_or(0);
            std::thread::sleep(Duration::from_millis(u64::try_from(ms).unwrap_or(0)));
            Ok(Value::Int(ms))
        })
}

/// An engine over a disk store in `dir` (opened now), seen through a [`Recording`], with
/// the `fluxitest` package.
pub fn disk_engine(dir: &Path, probes: &Arc<Probes>) -> (Engine, Arc<Recording>) {
    let disk: Arc<dyn Storage> = Arc::new(fluxi::DiskStorage::open(dir).unwrap());
    let recording = Recording::new(disk);
    let engine = Engine::builder()
        .storage(Arc::clone(&recording) as Arc<dyn Storage>)
        .package(probe_package(probes))
        .build()
        .unwrap();
    (engine, recording)
}

/// An engine over a memory store, seen through a [`Recording`], with `fluxitest`.
pub fn memory_engine(probes: &Arc<Probes>) -> (Engine, Arc<Recording>) {
    let recording = Recording::new(Arc::new(fluxi::MemoryStorage::new()));
    let engine = Engine::builder()
        .storage(Arc::clone(&recording) as Arc<dyn Storage>)
        .package(probe_package(probes))
        .build()
        .unwrap();
    (engine, recording)
}

/// Wait for the scheduler to catch up with its clock.
pub fn settle(s: &Scheduler) {
    assert!(
        s.wait_idle(Duration::from_secs(120)),
        "the scheduler did not settle: {:?}",
        s.status()
    );
}

/// The scheduler's configuration for tests: no time limit unless asked.
pub fn config() -> Config {
    Config {
        time_limit: None,
        ..Config::default()
    }
}

/// Rows of a query as (tag value of `tag`, `_time`, `_value` as f64), sorted.
pub fn rows(engine: &Engine, query: &str, tag: &str) -> Vec<(String, i64, f64)> {
    let results = engine.query(query).unwrap();
    let mut out = Vec::new();
    for result in results.iter() {
        for table in &result.tables {
            let (Some(ti), Some(vi), Some(gi)) = (
                table.column_index("_time"),
                table.column_index("_value"),
                table.column_index(tag),
            ) else {
                continue;
            };
            for row in 0..table.num_rows() {
                let time = match table.value(row, ti) {
                    Value::Time(t) => t,
                    v => panic!("_time is {v:?}"),
                };
                let value = match table.value(row, vi) {
                    Value::Float(f) => f,
                    Value::Int(i) => i as f64,
                    v => panic!("_value is {v:?}"),
                };
                let key = match table.value(row, gi) {
                    Value::String(s) => s.to_string(),
                    v => panic!("{tag} is {v:?}"),
                };
                out.push((key, time, value));
            }
        }
    }
    out.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
    out
}
