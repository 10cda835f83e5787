#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `Engine::explain`: the logical plan before and after the rewrite rules and the exact
//! storage request, as data, without reading any data.

use fluxi::{Engine, Storage};
use fluxi_storage::{
    Aggregate, Applied, BucketInfo, MemoryStorage, ParseOptions, Point, ReadResult, ReadSpec,
    Windowing,
};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A memory store that counts the reads it answers and can refuse to aggregate.
struct Counting {
    inner: MemoryStorage,
    reads: AtomicUsize,
    aggregates: bool,
}

impl Counting {
    fn new(aggregates: bool) -> Arc<Counting> {
        let inner = MemoryStorage::new();
        inner.create_bucket("b", None).unwrap();
        let mut lines = String::new();
        for i in 0..120i64 {
            let t = 1_700_000_000_000_000_000 + i * 10_000_000_000;
            for host in ["a", "b"] {
                lines.push_str(&format!(
                    "cpu,host={host} usage_user={}.5,usage_system=1 {t}\n",
                    i % 7
                ));
            }
        }
        let opts = ParseOptions::new(fluxi::Precision::Nanoseconds, 0);
        inner
            .write_line_protocol("b", lines.as_bytes(), &opts)
            .unwrap();
        Arc::new(Counting {
            inner,
            reads: AtomicUsize::new(0),
            aggregates,
        })
    }
}

impl Storage for Counting {
    fn buckets(&self) -> fluxi_storage::storage::Result<Vec<BucketInfo>> {
        self.inner.buckets()
    }
    fn create_bucket(&self, name: &str, r: Option<i64>) -> fluxi_storage::storage::Result<()> {
        self.inner.create_bucket(name, r)
    }
    fn delete_bucket(&self, name: &str) -> fluxi_storage::storage::Result<()> {
        self.inner.delete_bucket(name)
    }
    fn write(&self, bucket: &str, points: &[Point]) -> fluxi_storage::storage::Result<usize> {
        self.inner.write(bucket, points)
    }
    fn read(&self, spec: &ReadSpec) -> fluxi_storage::storage::Result<ReadResult> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.read(spec)
    }
    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> fluxi_storage::storage::Result<Option<ReadResult>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if !self.aggregates {
            return Ok(None);
        }
        self.inner.read_aggregate(spec, aggregate, window)
    }
    fn predicate_pushdown(&self, p: &fluxi_storage::Predicate) -> Applied {
        self.inner.predicate_pushdown(p)
    }
    fn aggregate_pushdown(&self, aggregate: Aggregate, window: Option<Windowing>) -> Applied {
        if self.aggregates {
            self.inner.aggregate_pushdown(aggregate, window)
        } else {
            Applied::Unsupported
        }
    }
    fn measurements(&self, bucket: &str) -> fluxi_storage::storage::Result<Vec<String>> {
        self.inner.measurements(bucket)
    }
    fn tag_keys(&self, b: &str, m: Option<&str>) -> fluxi_storage::storage::Result<Vec<String>> {
        self.inner.tag_keys(b, m)
    }
    fn tag_values(
        &self,
        b: &str,
        t: &str,
        m: Option<&str>,
    ) -> fluxi_storage::storage::Result<Vec<String>> {
        self.inner.tag_values(b, t, m)
    }
    fn field_keys(&self, b: &str, m: Option<&str>) -> fluxi_storage::storage::Result<Vec<String>> {
        self.inner.field_keys(b, m)
    }
}

/// The bench's `q_window`.
const Q_WINDOW: &str = r#"from(bucket: "b")
  |> range(start: 2023-11-14T22:00:00Z, stop: 2023-11-15T00:00:00Z)
  |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user")
  |> aggregateWindow(every: 1m, fn: mean)
"#;

/// The first word of each line of a plan tree, with its depth.
fn shape(tree: &str) -> Vec<(usize, String)> {
    tree.lines()
        .filter(|l| !l.trim_start().starts_with('|'))
        .map(|l| {
            let depth = (l.len() - l.trim_start().len()) / 2;
            let word = l.split_whitespace().next().unwrap_or("").to_string();
            (depth, word)
        })
        .collect()
}

#[test]
fn q_window_plans_into_one_storage_window_aggregate_without_reading() {
    let store = Counting::new(true);
    let engine = Engine::with_storage(Arc::clone(&store) as Arc<dyn Storage>);
    let program = engine.compile(Q_WINDOW).unwrap();
    let explain = engine.explain(&program).unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 0, "explain read data");
    assert_eq!(explain.reads.len(), 1, "{explain}");
    let read = &explain.reads[0];
    assert_eq!(
        shape(&read.logical),
        vec![
            (0, "WindowAggregate".to_string()),
            (1, "Filter".to_string()),
            (2, "Range".to_string()),
            (3, "ReadRange".to_string()),
        ],
        "{explain}"
    );
    assert_eq!(
        shape(&read.optimized),
        vec![(0, "ReadWindowAggregate".to_string())],
        "{explain}"
    );
    assert_eq!(
        read.rules,
        ["push_range", "push_filter", "push_window_aggregate"],
        "{explain}"
    );
    let req = &read.request;
    assert_eq!(req.bucket, "b");
    assert_eq!(
        req.range,
        Some((1_699_999_200_000_000_000, 1_700_006_400_000_000_000))
    );
    assert_eq!(
        req.predicates,
        ["_measurement == \"cpu\" and _field == \"usage_user\""]
    );
    assert_eq!(req.aggregate, Some(Aggregate::Mean));
    assert_eq!(
        req.window,
        Some(Windowing {
            every: 60_000_000_000,
            offset: 0
        })
    );
    // The text `fluxi explain` prints has all three parts.
    let text = explain.to_string();
    for part in [
        "logical plan:",
        "after rules (push_range",
        "storage request:",
    ] {
        assert!(text.contains(part), "{text}");
    }
    // Running it makes exactly that one request.
    let results = engine.execute(&program).unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 1);
    let rows: usize = results
        .get("_result")
        .unwrap()
        .tables
        .iter()
        .map(|t| t.num_rows())
        .sum();
    // Two hosts, 120 minutes of range, createEmpty: one row per host and minute.
    assert_eq!(rows, 2 * 120);
}

#[test]
fn a_filter_storage_can_only_narrow_keeps_its_node() {
    let store = Counting::new(true);
    let engine = Engine::with_storage(Arc::clone(&store) as Arc<dyn Storage>);
    let src = r#"from(bucket: "b")
  |> range(start: 2023-11-14T22:00:00Z, stop: 2023-11-15T00:00:00Z)
  |> filter(fn: (r) => r.host == "a" and r._value > 3.0)
"#;
    let program = engine.compile(src).unwrap();
    let explain = engine.explain(&program).unwrap();
    assert_eq!(store.reads.load(Ordering::SeqCst), 0);
    let read = &explain.reads[0];
    assert_eq!(
        shape(&read.optimized),
        vec![(0, "Filter".to_string()), (1, "ReadRange".to_string())],
        "{explain}"
    );
    assert!(
        read.optimized.contains("storage narrows the rows"),
        "{explain}"
    );
    assert_eq!(read.request.predicates, ["host == \"a\""]);
    assert_eq!(read.request.aggregate, None);
    // The answer is the one computed without pushdown.
    let pushed = engine.execute(&program).unwrap().to_csv();
    let plain = Engine::builder()
        .storage(store)
        .without_pushdown()
        .build()
        .unwrap();
    let program = plain.compile(src).unwrap();
    assert_eq!(plain.execute(&program).unwrap().to_csv(), pushed);
    assert!(
        pushed.contains(",a\r\n") && !pushed.contains(",b\r\n"),
        "{pushed}"
    );
}

#[test]
fn an_aggregate_storage_does_not_compute_stays_in_the_engine() {
    let store = Counting::new(false);
    let engine = Engine::with_storage(Arc::clone(&store) as Arc<dyn Storage>);
    let src = r#"from(bucket: "b")
  |> range(start: 2023-11-14T22:00:00Z, stop: 2023-11-15T00:00:00Z)
  |> filter(fn: (r) => r._field == "usage_user")
  |> count()
"#;
    let program = engine.compile(src).unwrap();
    let explain = engine.explain(&program).unwrap();
    let read = &explain.reads[0];
    assert_eq!(
        shape(&read.optimized),
        vec![(0, "Aggregate".to_string()), (1, "ReadRange".to_string())],
        "{explain}"
    );
    assert_eq!(read.rules, ["push_range", "push_filter"]);
    let csv = engine.execute(&program).unwrap().to_csv();
    // 120 points per host, counted by the engine from one row read.
    assert_eq!(store.reads.load(Ordering::SeqCst), 1);
    assert_eq!(
        csv.matches(",120,").count() + csv.matches(",120\r").count(),
        2,
        "{csv}"
    );
}

#[test]
fn without_pushdown_only_the_range_goes_to_storage() {
    let engine = Engine::builder()
        .storage(Counting::new(true))
        .without_pushdown()
        .build()
        .unwrap();
    let program = engine.compile(Q_WINDOW).unwrap();
    let explain = engine.explain(&program).unwrap();
    let read = &explain.reads[0];
    assert_eq!(read.rules, ["push_range"]);
    assert_eq!(
        shape(&read.optimized),
        vec![
            (0, "WindowAggregate".to_string()),
            (1, "Filter".to_string()),
            (2, "ReadRange".to_string()),
        ],
        "{explain}"
    );
    assert!(read.request.predicates.is_empty());
}

/// A row function that does not compile to column expressions is a fallback to the
/// interpreter, row by row: `explain` notes it under its call (and only there), and the
/// run counts each such call.
#[test]
fn row_functions_that_run_row_by_row_are_noted_and_counted() {
    let program_text = r#"import "array"
import "join"
import "strings"
a = array.from(rows: [{_time: 2024-01-01T00:00:00Z, k: "x", _value: 1.0}, {_time: 2024-01-01T00:01:00Z, k: "y", _value: 2.0}])
a |> map(fn: (r) => ({r with v2: r._value * 2.0})) |> filter(fn: (r) => r.v2 > 1.0) |> yield(name: "compiled")
a |> map(fn: (r) => ({r with up: strings.toUpper(v: r.k)})) |> yield(name: "rows")
a |> reduce(fn: (r, accumulator) => ({s: accumulator.s + r._value}), identity: {s: 0.0}) |> yield(name: "reduce")
a |> reduce(fn: (r, accumulator) => ({s: accumulator.s + strings.toUpper(v: r.k)}), identity: {s: ""}) |> yield(name: "reducerows")
join.inner(left: a, right: a, on: (l, r) => l.k == r.k, as: (l, r) => ({l with rv: r._value})) |> yield(name: "join")
join.inner(left: a, right: a, on: (l, r) => l.k == r.k, as: (l, r) => ({l with up: strings.toUpper(v: r.k)})) |> yield(name: "joinrows")
"#;
    let note =
        |p: &str| format!("| `{p}` runs row by row (it does not compile to column expressions)");
    let engine = Engine::builder().build().unwrap();
    let program = engine.compile(program_text).unwrap();
    let text = engine.explain(&program).unwrap().to_string();
    let section = |name: &str| -> String {
        let start = text.find(&format!("result \"{name}\"")).unwrap();
        let rest = &text[start + 1..];
        let end = rest.find("\nresult ").map_or(rest.len(), |e| e + 1);
        rest[..end].to_string()
    };
    assert!(!section("compiled").contains("row by row"), "{text}");
    assert!(section("rows").contains(&note("fn")), "{text}");
    assert!(!section("reduce").contains("row by row"), "{text}");
    assert!(section("reducerows").contains(&note("fn")), "{text}");
    assert!(!section("join").contains("row by row"), "{text}");
    assert!(section("joinrows").contains(&note("as")), "{text}");

    let (results, stats) = engine.execute_with_stats(&program);
    assert_eq!(results.unwrap().len(), 6);
    assert_eq!(stats.row_path_calls, 3);
    assert!(stats.vectorized_tables >= 4, "{stats:?}");

    // With column-wise evaluation off, every row function is a fallback.
    let rows_only = Engine::builder().vectorize(false).build().unwrap();
    let (_, stats) = rows_only.execute_with_stats(&rows_only.compile(program_text).unwrap());
    assert_eq!(stats.row_path_calls, 7);
}
