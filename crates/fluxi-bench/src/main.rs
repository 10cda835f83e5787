//! `cargo run --release -p fluxi-bench [-- --rows N --runs K --only NAME]`
//!
//! Runs Flux pipelines over generated in-memory tables and prints the median wall time of
//! each (after one warm-up run). The data is bound as constants of a `bench` package
//! ([`fluxi::Package`]), so what is measured is the engine, not a parser of input files;
//! each pipeline is compiled once and the runs time [`Engine::execute`]. Figures go in
//! `docs/performance.md` together with this command.

use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampNanosecondArray};
use fluxi::{ColumnType, Engine, GroupKey, KeyColumn, Package, Stream, Table, Value};
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

fn main() {
    let mut rows = 1_000_000usize;
    let mut runs = 5usize;
    let mut only: Option<String> = None;
    let mut args = std::env::args().skip(1);
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
                "unknown argument {other:?} (use --rows N, --runs K, --only NAME)"
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
}
