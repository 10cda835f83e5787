//! The disk store on the benchmark workload: durable ingest of line protocol, flush to
//! Parquet, compaction, reopening, and the three benchmark queries.
//!
//! ```sh
//! # data.lp from shared/bench/gen_data.py, or made here (same shape: cpu usage_user,
//! # usage_system and mem used_percent, 100 hosts in 4 regions, every 10 s from 2024-01-01):
//! cargo run --release -p fluxi-storage --example disk_bench -- --generate 10000800 /tmp/m.lp
//! cargo run --release -p fluxi-storage --example disk_bench -- /tmp/m.lp [STORE_DIR] [BATCH_LINES]
//! ```
//!
//! The store directory (default: `FILE.store` beside the file) is wiped first. Ingest
//! sends batches of `BATCH_LINES` lines (default 100,000) through
//! `write_line_protocol`; each returns after its log record is synced.

use fluxi_storage::line_protocol::{ParseOptions, Precision};
use fluxi_storage::{Aggregate, DiskOptions, DiskStorage, Predicate, ReadSpec, Storage, Windowing};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const START_NS: i64 = 1_704_067_200_000_000_000;
const INTERVAL_NS: i64 = 10_000_000_000;
const HOSTS: usize = 100;
const REGIONS: [&str; 4] = ["us-east", "us-west", "eu-central", "ap-south"];

fn main() {
    if let Err(e) = run() {
        eprintln!("disk_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--generate") {
        let values: usize = args.get(1).ok_or("--generate FIELD_VALUES FILE")?.parse()?;
        let file = args.get(2).ok_or("--generate FIELD_VALUES FILE")?;
        generate(values, Path::new(file))?;
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("--query") {
        // Queries only, on a store made before: --query STORE LINES [ONLY] [RUNS]
        let store = PathBuf::from(args.get(1).ok_or("--query STORE LINES")?);
        let lines: usize = args.get(2).ok_or("--query STORE LINES")?.parse()?;
        let only = args.get(3).cloned().unwrap_or_default();
        let runs: usize = args.get(4).map(|r| r.parse()).transpose()?.unwrap_or(7);
        return queries(&store, lines, &only, runs);
    }
    let file = PathBuf::from(
        args.first()
            .ok_or("usage: disk_bench FILE.lp [STORE] [BATCH]")?,
    );
    let store = args
        .get(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| file.with_extension("store"));
    let batch_lines: usize = args
        .get(2)
        .map(|b| b.parse())
        .transpose()?
        .unwrap_or(100_000);

    let text = std::fs::read(&file)?;
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    println!(
        "{}: {lines} lines, {:.1} MB; store {}",
        file.display(),
        text.len() as f64 / 1e6,
        store.display()
    );
    let _ = std::fs::remove_dir_all(&store);

    // Ingest.
    let batches = split(&text, batch_lines);
    let d = DiskStorage::open_with(&store, DiskOptions::default())?;
    d.create_bucket("bench", None)?;
    let opts = ParseOptions::new(Precision::Nanoseconds, 0);
    let t = Instant::now();
    for b in &batches {
        d.write_line_protocol("bench", b, &opts)?;
    }
    let ingest = t.elapsed();
    println!(
        "ingest: {} batches of {batch_lines} lines in {:.2} s = {:.2} M lines/s durable (automatic flushes included)",
        batches.len(),
        ingest.as_secs_f64(),
        lines as f64 / ingest.as_secs_f64() / 1e6
    );
    let t = Instant::now();
    d.flush()?;
    let flush = t.elapsed();
    println!("final flush: {:.3} s", flush.as_secs_f64());
    println!(
        "ingest + final flush: {:.2} M lines/s",
        lines as f64 / (ingest + flush).as_secs_f64() / 1e6
    );
    let t = Instant::now();
    d.compact()?;
    println!("compact: {:.3} s", t.elapsed().as_secs_f64());
    drop(d);
    let (files, bytes) = dir_size(&store.join("data"))?;
    println!(
        "data: {files} files, {:.1} MB ({:.2} bytes per field value)",
        bytes as f64 / 1e6,
        bytes as f64 / (lines as f64 * 1.5)
    );

    queries(&store, lines, "", 7)
}

/// Reopens the store and runs the queries: the first run after opening, then the median
/// of `runs` more.
fn queries(
    store: &Path,
    lines: usize,
    only: &str,
    runs: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let d = DiskStorage::open(store)?;
    println!("reopen: {:.2} ms", ms(t.elapsed()));
    let max_time = START_NS + (lines / (2 * HOSTS)) as i64 * INTERVAL_NS;
    let cpu_user = || {
        vec![
            Predicate::Eq("_measurement".into(), "cpu".into()),
            Predicate::Eq("_field".into(), "usage_user".into()),
        ]
    };
    let whole = |predicates| ReadSpec {
        bucket: "bench".into(),
        start: START_NS,
        stop: max_time,
        predicates,
    };
    let minute = Windowing {
        every: 60_000_000_000,
        offset: 0,
    };
    let q_window = || {
        let r = d.read_aggregate(&whole(cpu_user()), Aggregate::Mean, Some(minute));
        let r = r.ok().flatten().map(|r| r.tables).unwrap_or_default();
        (r.len(), r.iter().map(|t| t.num_rows()).sum::<usize>())
    };
    let q_last = || {
        let spec = ReadSpec {
            start: 0,
            stop: START_NS + 400 * 86_400_000_000_000,
            ..whole(cpu_user())
        };
        let r = d.read_aggregate(&spec, Aggregate::Last, None);
        let r = r.ok().flatten().map(|r| r.tables).unwrap_or_default();
        (r.len(), r.iter().map(|t| t.num_rows()).sum::<usize>())
    };
    let q_host = || {
        let mut p = cpu_user();
        p.push(Predicate::Eq("host".into(), "host_042".into()));
        let r = d.read(&whole(p)).map(|r| r.tables).unwrap_or_default();
        (r.len(), r.iter().map(|t| t.num_rows()).sum::<usize>())
    };
    let q_raw = || {
        let r = d
            .read(&whole(cpu_user()))
            .map(|r| r.tables)
            .unwrap_or_default();
        (r.len(), r.iter().map(|t| t.num_rows()).sum::<usize>())
    };
    for (name, q) in [
        (
            "q_window (mean per 1m, cpu usage_user)",
            &q_window as &dyn Fn() -> (usize, usize),
        ),
        ("q_last (last, cpu usage_user)", &q_last),
        ("q_host (raw, one host)", &q_host),
        ("raw read of cpu usage_user", &q_raw),
    ] {
        if !name.starts_with(only) {
            continue;
        }
        let t = Instant::now();
        let (tables, rows) = q();
        let first = t.elapsed();
        let mut times: Vec<Duration> = (0..runs.max(1))
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(q());
                t.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "{name}: {tables} tables, {rows} rows; first {:.2} ms, median {:.2} ms (min {:.2}, max {:.2})",
            ms(first),
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Batches of `n` lines.
fn split(text: &[u8], n: usize) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut count = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            count += 1;
            if count == n {
                out.push(&text[start..=i]);
                start = i + 1;
                count = 0;
            }
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

fn dir_size(dir: &Path) -> std::io::Result<(usize, u64)> {
    let mut files = 0;
    let mut bytes = 0;
    for e in std::fs::read_dir(dir)? {
        files += 1;
        bytes += e?.metadata()?.len();
    }
    Ok((files, bytes))
}

/// Writes data of the benchmark's shape: per 10 s tick, 100 cpu lines then 100 mem lines;
/// values are a per-host base plus a daily sine plus a bounded random walk and noise,
/// rounded to 3 decimals. Ticks are rounded up to whole minutes.
fn generate(field_values: usize, file: &Path) -> std::io::Result<()> {
    let per_tick = HOSTS * 3;
    let ticks = field_values.div_ceil(per_tick).div_ceil(6) * 6;
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut uniform = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut state: Vec<[f64; 6]> = (0..HOSTS)
        .map(|_| {
            [
                5.0 + 55.0 * uniform(),
                1.0 + 14.0 * uniform(),
                20.0 + 60.0 * uniform(),
                0.0,
                0.0,
                std::f64::consts::TAU * uniform(),
            ]
        })
        .collect();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(file)?);
    let round = |v: f64| (v.clamp(0.0, 100.0) * 1000.0).round() / 1000.0;
    for tick in 0..ticks {
        let t = START_NS + tick as i64 * INTERVAL_NS;
        let day = (tick as f64 / 8640.0) * std::f64::consts::TAU;
        let mut mem = Vec::with_capacity(HOSTS);
        for (h, s) in state.iter_mut().enumerate() {
            s[3] += (uniform() - 0.5) * 0.1;
            s[4] += (uniform() - 0.5) * 0.04;
            let user = round(s[0] + 10.0 * (day + s[5]).sin() + s[3] + (uniform() - 0.5) * 6.0);
            let system = round(s[1] + 3.0 * (day + s[5]).sin() + s[4] + (uniform() - 0.5) * 2.0);
            let used = round(s[2] + 5.0 * (day + s[5]).sin() + (uniform() - 0.5));
            writeln!(
                out,
                "cpu,host=host_{h:03},region={} usage_user={user},usage_system={system} {t}",
                REGIONS[h % 4]
            )?;
            mem.push((h, used));
        }
        for (h, used) in mem {
            writeln!(
                out,
                "mem,host=host_{h:03},region={} used_percent={used} {t}",
                REGIONS[h % 4]
            )?;
        }
    }
    out.flush()
}
