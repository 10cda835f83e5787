//! `cargo run --release -p fluxi-bench [-- --rows N --runs K --only NAME]`
//!
//! `cargo run --release -p fluxi-bench -- load [--seconds S ...]` instead runs the load of
//! [`fluxi_bench::load`] against a release `fluxi serve` (see [`load_mode`]).
//!
//! `cargo run --release -p fluxi-bench -- query --data DIR FILE.flux...` times queries
//! over a store inside one process (see [`query`]).
//!
//! Runs Flux pipelines over generated in-memory tables and prints the median wall time of
//! each (after one warm-up run). The data is bound as constants of a `bench` package
//! ([`fluxi::Package`]), so what is measured is the engine, not a parser of input files;
//! each pipeline is compiled once and the runs time [`Engine::execute`]. Figures go in
//! `docs/performance.md` together with this command.

use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampNanosecondArray};
use fluxi::{ColumnType, Engine, GroupKey, KeyColumn, Package, Stream, Table, Value};
use fluxi_bench::load;

mod query;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The Flux types of the `bench` package's streams.
const WITH_FIELD: &str = "stream[{_time: time, host: string, _field: string, _value: float}]";
const WITHOUT_FIELD: &str = "stream[{_time: time, host: string, _value: float}]";

const HOSTS: usize = 10;
const START: i64 = 1_600_000_000_000_000_000;

/// One table per (host, field): `rows` rows at 10 s steps with values in 0..100.
fn series(host: &str, field: &str, rows: usize, seed: u64) -> Table {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let values: Vec<f64> = (0..rows)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0
        })
        .collect();
    let times: Vec<i64> = (0..rows as i64)
        .map(|i| START + i * 10_000_000_000)
        .collect();
    let mut key = vec![KeyColumn {
        label: "host".into(),
        ty: ColumnType::String,
        value: Value::string(host),
    }];
    let mut cols: Vec<(String, ColumnType, ArrayRef)> = vec![
        (
            "_time".into(),
            ColumnType::Time,
            Arc::new(TimestampNanosecondArray::from(times)),
        ),
        (
            "host".into(),
            ColumnType::String,
            Arc::new(StringArray::from(vec![host; rows])),
        ),
    ];
    if !field.is_empty() {
        key.push(KeyColumn {
            label: "_field".into(),
            ty: ColumnType::String,
            value: Value::string(field),
        });
        cols.push((
            "_field".into(),
            ColumnType::String,
            Arc::new(StringArray::from(vec![field; rows])),
        ));
    }
    cols.push((
        "_value".into(),
        ColumnType::Float,
        Arc::new(Float64Array::from(values)),
    ));
    match Table::from_arrays(GroupKey::new(key), cols, rows) {
        Ok(t) => t,
        Err(e) => fail(&format!("cannot build the bench data: {e}")),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("fluxi-bench: {msg}");
    std::process::exit(1)
}

/// `total` rows spread over the hosts (and fields, when given).
fn stream(total: usize, fields: &[&str], seed: u64) -> Value {
    let fields: Vec<&str> = if fields.is_empty() {
        vec![""]
    } else {
        fields.to_vec()
    };
    let per = total / (HOSTS * fields.len());
    let mut tables = Vec::new();
    for h in 0..HOSTS {
        for (i, f) in fields.iter().enumerate() {
            tables.push(series(&format!("h{h}"), f, per, seed + (h * 16 + i) as u64));
        }
    }
    Value::Stream(Stream::new(tables))
}

struct Case {
    name: &'static str,
    script: &'static str,
    vectorize: bool,
}

const CASES: &[Case] = &[
    Case {
        name: "filter (column-wise)",
        script: r#"bench.cpu |> filter(fn: (r) => r._value > 50.0 and r.host != "h3")"#,
        vectorize: true,
    },
    Case {
        name: "filter (row by row)",
        script: r#"bench.cpu |> filter(fn: (r) => r._value > 50.0 and r.host != "h3")"#,
        vectorize: false,
    },
    Case {
        name: "map (column-wise)",
        script: r#"bench.cpu |> map(fn: (r) => ({r with _value: r._value * 1.8 + 32.0}))"#,
        vectorize: true,
    },
    Case {
        name: "map (row by row)",
        script: r#"bench.cpu |> map(fn: (r) => ({r with _value: r._value * 1.8 + 32.0}))"#,
        vectorize: false,
    },
    Case {
        name: "pivot",
        script: r#"bench.fields |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")"#,
        vectorize: true,
    },
    Case {
        name: "join (universe)",
        script: r#"join(tables: {a: bench.left, b: bench.right}, on: ["_time", "host"])"#,
        vectorize: true,
    },
    Case {
        name: "join.inner",
        script: r#"import "join"
join.inner(left: bench.left, right: bench.right, on: (l, r) => l._time == r._time and l.host == r.host, as: (l, r) => ({l with rv: r._value}))"#,
        vectorize: true,
    },
    Case {
        name: "group by _field",
        script: r#"bench.fields |> group(columns: ["_field"])"#,
        vectorize: true,
    },
    Case {
        name: "sort by _value",
        script: r#"bench.cpu |> sort(columns: ["_value"], desc: true)"#,
        vectorize: true,
    },
    Case {
        name: "reduce (sum and count)",
        script: r#"bench.cpu |> reduce(fn: (r, accumulator) => ({sum: accumulator.sum + r._value, n: accumulator.n + 1}), identity: {sum: 0.0, n: 0})"#,
        vectorize: true,
    },
    Case {
        name: "aggregateWindow mean 1h",
        script: r#"bench.cpu |> range(start: 2020-09-13T00:00:00Z, stop: 2020-12-01T00:00:00Z) |> aggregateWindow(every: 1h, fn: mean)"#,
        vectorize: true,
    },
];

/// The engine a case runs on: the data as the `bench` package, row functions column-wise
/// or not as the case says.
fn engine(case: &Case, data: &[(&str, &str, Value)]) -> Result<Engine, String> {
    let mut bench = Package::new("bench");
    for (name, ty, v) in data {
        bench = bench.constant(name, ty, v.clone());
    }
    Engine::builder()
        .vectorize(case.vectorize)
        .package(bench)
        .build()
        .map_err(|e| e.to_string())
}

/// Run a case `runs` times after one warm-up run: the time of each timed run and the
/// number of output rows.
fn run_case(
    case: &Case,
    data: &[(&str, &str, Value)],
    runs: usize,
) -> Result<(Vec<Duration>, usize), String> {
    let engine = engine(case, data)?;
    let program = engine
        .compile(&format!("import \"bench\"\n{}", case.script))
        .map_err(|e| e.to_string())?;
    let mut times = Vec::with_capacity(runs);
    let mut rows = 0;
    for i in 0..=runs {
        let start = Instant::now();
        let results = engine.execute(&program).map_err(|e| e.to_string())?;
        let took = start.elapsed();
        rows = results
            .iter()
            .flat_map(|r| &r.tables)
            .map(Table::num_rows)
            .sum();
        if i > 0 {
            times.push(took);
        }
    }
    Ok((times, rows))
}

/// Where the release `fluxi` binary is: next to this one.
fn default_fluxi() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("fluxi")))
        .unwrap_or_else(|| PathBuf::from("target/release/fluxi"))
}

/// The bytes of the files under `dir`.
fn size_of_dir(dir: &Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => size_of_dir(&e.path()),
                _ => e.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

/// `fluxi-bench load [--fluxi PATH] [--seconds S] [--writers W] [--readers R] [--batch B]
/// [--checkpoint-every S]`:
/// starts `fluxi serve` (a release build: by default the `fluxi` next to this binary) on a
/// fresh data directory, onboards it, runs W writers and R readers for S seconds, then
/// checks that every acknowledged write is stored and prints throughput and latencies.
fn load_mode(mut args: impl Iterator<Item = String>) {
    let mut fluxi = default_fluxi();
    let mut seconds = 60.0f64;
    let mut shape = load::Shape {
        writers: 16,
        readers: 8,
        batch: 100,
        checkpoint_every: None,
    };
    while let Some(a) = args.next() {
        let mut value = |what: &str| -> String {
            args.next()
                .unwrap_or_else(|| fail(&format!("{what} needs a value")))
        };
        let num = |what: &str, v: String, least: usize| -> usize {
            v.replace('_', "")
                .parse()
                .ok()
                .filter(|&n| n >= least)
                .unwrap_or_else(|| {
                    fail(&format!(
                        "{what} needs a number of at least {least}, not {v:?}"
                    ))
                })
        };
        match a.as_str() {
            "--fluxi" => fluxi = PathBuf::from(value("--fluxi")),
            "--seconds" => {
                let v = value("--seconds");
                seconds = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && s.is_finite())
                    .unwrap_or_else(|| fail(&format!("--seconds needs a positive number, not {v:?}")));
            }
            "--writers" => shape.writers = num("--writers", value("--writers"), 1),
            "--readers" => shape.readers = num("--readers", value("--readers"), 0),
            "--batch" => shape.batch = num("--batch", value("--batch"), 1),
            "--checkpoint-every" => {
                let v = value("--checkpoint-every");
                let secs: f64 = v.parse().ok().filter(|s: &f64| *s > 0.0 && s.is_finite()).unwrap_or_else(|| {
                    fail(&format!("--checkpoint-every needs seconds, not {v:?}"))
                });
                shape.checkpoint_every = Some(Duration::from_secs_f64(secs));
            }
            other => fail(&format!(
                "unknown argument {other:?} (load takes --fluxi PATH, --seconds S, --writers W, --readers R, --batch B, --checkpoint-every S)"
            )),
        }
    }
    let dir = std::env::temp_dir().join(format!("fluxi-bench-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = run_load(&fluxi, &dir, shape, Duration::from_secs_f64(seconds));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        fail(&e);
    }
}

/// `fluxi-bench metrics [--fluxi PATH] [--clients N] [--batch N] [--seconds S] [--queries N]`.
fn metrics_mode(mut args: impl Iterator<Item = String>) {
    let mut fluxi = default_fluxi();
    let mut shape = fluxi_bench::metrics::Shape {
        clients: 8,
        batch: 500,
        seconds: 20.0,
        queries: 50,
    };
    while let Some(a) = args.next() {
        let mut value = |what: &str| -> String {
            args.next()
                .unwrap_or_else(|| fail(&format!("{what} needs a value")))
        };
        let num = |what: &str, v: String| -> usize {
            v.parse()
                .ok()
                .filter(|n| *n > 0)
                .unwrap_or_else(|| fail(&format!("{what} needs a positive number, not {v:?}")))
        };
        match a.as_str() {
            "--fluxi" => fluxi = PathBuf::from(value("--fluxi")),
            "--clients" => shape.clients = num("--clients", value("--clients")),
            "--batch" => shape.batch = num("--batch", value("--batch")),
            "--queries" => shape.queries = num("--queries", value("--queries")),
            "--seconds" => {
                let v = value("--seconds");
                shape.seconds = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && s.is_finite())
                    .unwrap_or_else(|| fail(&format!("--seconds needs a positive number, not {v:?}")));
            }
            other => fail(&format!(
                "unknown argument {other:?} (metrics takes --fluxi PATH, --clients N, --batch N, --seconds S, --queries N)"
            )),
        }
    }
    let dir = std::env::temp_dir().join(format!("fluxi-bench-metrics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let result = fluxi_bench::metrics::run(&fluxi, &dir, shape);
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = result {
        fail(&e);
    }
}

fn run_load(
    fluxi: &Path,
    dir: &Path,
    shape: load::Shape,
    duration: Duration,
) -> Result<(), String> {
    let mut server = load::server::ServerProcess::start(fluxi, dir)?;
    let onboarded = load::server::onboard(&server.url, "load")?;
    let target = load::Target {
        url: server.url.clone(),
        token: onboarded.token,
        org: onboarded.org,
        bucket: onboarded.bucket,
    };
    println!(
        "fluxi serve ({}) at {}, pid {}",
        fluxi.display(),
        server.url,
        server.id()
    );
    let running = load::Load::start(target.clone(), shape);
    std::thread::sleep(duration);
    let outcome = running.finish();
    print!("{}", outcome.summary());
    let problems = outcome.problems();
    let mut conn = load::http::Connection::new(&target.url).map_err(|e| e.to_string())?;
    let checked = Instant::now();
    let verified = load::verify(&mut conn, &target, &shape, &outcome.writers);
    let _ = server.kill();
    match verified {
        Ok(v) => println!(
            "checked in {:.1} s: {} batches stored, each whole and once; {} values in the bucket; store {:.1} MiB",
            checked.elapsed().as_secs_f64(),
            v.batches,
            v.values,
            size_of_dir(dir) as f64 / (1u64 << 20) as f64
        ),
        Err(p) => return Err(format!("the check after the load failed:\n{}\nserver output:\n{}", p.join("\n"), server.output())),
    }
    if !problems.is_empty() {
        return Err(format!(
            "problems during the load:\n{}",
            problems.join("\n")
        ));
    }
    Ok(())
}

fn main() {
    let mut rows = 1_000_000usize;
    let mut runs = 5usize;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "load") {
        args.next();
        load_mode(args);
        return;
    }
    if args.peek().is_some_and(|a| a == "query") {
        args.next();
        query::query_mode(args);
        return;
    }
    if args.peek().is_some_and(|a| a == "metrics") {
        args.next();
        metrics_mode(args);
        return;
    }
    while let Some(a) = args.next() {
        let mut num = |what: &str| -> usize {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| fail(&format!("{what} needs a number")))
        };
        match a.as_str() {
            "--rows" => rows = num("--rows"),
            "--runs" => runs = num("--runs").max(1),
            "--only" => only = args.next(),
            other => fail(&format!(
                "unknown argument {other:?} (use --rows N, --runs K, --only NAME, or load ...)"
            )),
        }
    }
    let data = [
        ("cpu", WITH_FIELD, stream(rows, &[], 1)),
        (
            "fields",
            WITH_FIELD,
            stream(
                rows,
                &["usage_user", "usage_system", "usage_idle", "usage_iowait"],
                2,
            ),
        ),
        ("left", WITHOUT_FIELD, stream(rows, &[], 3)),
        ("right", WITHOUT_FIELD, stream(rows, &[], 4)),
    ];
    println!("input rows per stream: {rows}; median of {runs} runs after one warm-up\n");
    println!("| pipeline | median | output rows |");
    println!("|---|---:|---:|");
    for case in CASES {
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        let (mut times, out_rows) = match run_case(case, &data, runs) {
            Ok(r) => r,
            Err(e) => fail(&format!("{}: {e}", case.name)),
        };
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "| {} | {:.1} ms | {} |",
            case.name,
            median.as_secs_f64() * 1e3,
            out_rows
        );
    }
    if only.as_deref().is_none_or(|o| "encode".contains(o)) {
        encode_cases(&data, runs);
    }
}

/// Counts the bytes written to it and keeps none.
struct Counter(u64);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What `encode` writes: raw rows of every column type, 4 tables per host.
const ENCODE_SCRIPT: &str = r#"bench.fields
  |> map(fn: (r) => ({r with n: int(v: r._value * 1000.0), big: r._value > 50.0, note: "x" + r.host}))"#;

/// Result encoding: the rows of [`ENCODE_SCRIPT`] written in each output format by
/// `ResultWriter` (what `fluxi run` and the server use) into a byte counter. Cells are
/// rows × columns; a group-key column's text is made once per table, the others per cell.
fn encode_cases(data: &[(&str, &str, Value)], runs: usize) {
    let case = Case {
        name: "encode",
        script: ENCODE_SCRIPT,
        vectorize: true,
    };
    let results = engine(&case, data)
        .and_then(|e| {
            let p = e
                .compile(&format!("import \"bench\"\n{ENCODE_SCRIPT}"))
                .map_err(|e| e.to_string())?;
            e.execute(&p).map_err(|e| e.to_string())
        })
        .unwrap_or_else(|e| fail(&format!("encode: {e}")));
    let tables: Vec<&Table> = results.iter().flat_map(|r| &r.tables).collect();
    let rows: usize = tables.iter().map(|t| t.num_rows()).sum();
    let cells: usize = tables
        .iter()
        .map(|t| t.num_rows() * t.columns().len())
        .sum();
    println!(
        "\nencoding {rows} rows, {cells} cells ({} tables; `{}`)\n",
        tables.len(),
        ENCODE_SCRIPT.replace('\n', " ")
    );
    println!("| format | median | cells/s | output |");
    println!("|---|---:|---:|---:|");
    for (name, format) in [
        ("annotated CSV", fluxi::Format::Csv),
        ("JSON lines", fluxi::Format::JsonLines),
        ("table text", fluxi::Format::Table),
    ] {
        let mut times = Vec::with_capacity(runs);
        let mut bytes = 0;
        for i in 0..=runs {
            let start = Instant::now();
            let mut w = fluxi::ResultWriter::new(Counter(0), format);
            for r in &results {
                for t in &r.tables {
                    w.write(&r.name, Some(t))
                        .unwrap_or_else(|e| fail(&format!("encode: {e}")));
                }
                w.write(&r.name, None)
                    .unwrap_or_else(|e| fail(&format!("encode: {e}")));
            }
            let took = start.elapsed();
            bytes = w
                .into_inner()
                .unwrap_or_else(|e| fail(&format!("encode: {e}")))
                .0;
            if i > 0 {
                times.push(took);
            }
        }
        times.sort();
        let median = times.get(times.len() / 2).copied().unwrap_or_default();
        println!(
            "| {name} | {:.1} ms | {:.1} M | {:.1} MB |",
            median.as_secs_f64() * 1e3,
            cells as f64 / median.as_secs_f64() / 1e6,
            bytes as f64 / 1e6
        );
    }
}
