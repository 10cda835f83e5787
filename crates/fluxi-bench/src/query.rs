//! `fluxi-bench query --data DIR [--runs K] FILE.flux...`: queries over a store, timed
//! inside one process with the store open, as the peers' in-process figures are (DuckDB
//! and Polars time a query over data already loaded, its answer left in memory).
//!
//! For each file it prints the median of `K` runs (after one warm-up) of
//! * **execute**: [`Engine::execute`], the answer's Arrow tables built and kept, nothing
//!   printed;
//! * **execute and CSV**: [`Engine::execute_to`] with every table written as annotated
//!   CSV (what `fluxi run --format csv` prints) into a byte counter.
//!
//! The store is opened once, before the warm-up; what a first query of a fresh process
//! pays on top (opening the store, process start-up) is `fluxi run --timing`'s business.

use crate::fail;
use fluxi::{DiskOptions, DiskStorage, Engine, Format, ResultWriter, SinkError};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Counts the bytes written to it (shared with the caller) and keeps none.
struct Tally(Arc<AtomicU64>);

impl std::io::Write for Tally {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

/// Runs `f` once to warm up, then `runs` times; the median time and `f`'s last answer.
fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut last = f();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        last = f();
        times.push(start.elapsed());
    }
    (median(times), last)
}

pub(crate) fn query_mode(mut args: impl Iterator<Item = String>) {
    let mut data: Option<PathBuf> = None;
    let mut runs = 15usize;
    let mut files: Vec<PathBuf> = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data" => {
                data = Some(
                    args.next()
                        .map(PathBuf::from)
                        .unwrap_or_else(|| fail("--data needs a directory")),
                )
            }
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n: &usize| n > 0)
                    .unwrap_or_else(|| fail("--runs needs a positive number"))
            }
            other if other.starts_with("--") => fail(&format!(
                "unknown argument {other:?} (use --data DIR, --runs K, then .flux files)"
            )),
            file => files.push(PathBuf::from(file)),
        }
    }
    let Some(data) = data else {
        fail("query needs --data DIR (a store written by `fluxi write`)")
    };
    if files.is_empty() {
        fail("query needs at least one .flux file");
    }
    let engine =
        Engine::open(&data).unwrap_or_else(|e| fail(&format!("opening {}: {e}", data.display())));
    println!(
        "store {}; median of {runs} runs after one warm-up, the store open\n",
        data.display()
    );
    println!("| query | execute | execute and CSV | store opened, execute and CSV | output rows | CSV bytes |");
    println!("|---|---:|---:|---:|---:|---:|");
    for file in &files {
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = std::fs::read_to_string(file)
            .unwrap_or_else(|e| fail(&format!("reading {}: {e}", file.display())));
        let program = engine
            .compile_named(&file.to_string_lossy(), &source)
            .unwrap_or_else(|e| fail(&format!("{name}: {e}")));
        let (execute, rows) = timed(runs, || {
            let results = engine
                .execute(&program)
                .unwrap_or_else(|e| fail(&format!("{name}: {e}")));
            results
                .iter()
                .flat_map(|r| &r.tables)
                .map(|t| t.num_rows())
                .sum::<usize>()
        });
        let csv = |engine: &Engine| {
            let written = Arc::new(AtomicU64::new(0));
            let mut out = ResultWriter::new(Tally(Arc::clone(&written)), Format::Csv);
            let ran = engine.execute_to(&program, None, move |result, table| {
                out.write(result, table)
            });
            match ran {
                Ok(_) => written.load(Ordering::Relaxed),
                Err(SinkError::Query(e)) => fail(&format!("{name}: {e}")),
                Err(SinkError::Sink(e)) => fail(&format!("{name}: writing: {e}")),
            }
        };
        let (with_csv, bytes) = timed(runs, || csv(&engine));
        // A fresh engine each run, opening the store as `fluxi run` does (read-only, as
        // this process holds its lock): the opening and every file's first check (footers
        // read and decoded) counted, the process's start-up and compile not.
        let (opened, _) = timed(runs, || {
            let fresh = Engine::builder()
                .open_lazily_with(data.clone(), |d| {
                    DiskStorage::open_or_read_only(d, DiskOptions::default())
                })
                .build()
                .unwrap_or_else(|e| fail(&format!("opening {}: {e}", data.display())));
            csv(&fresh)
        });
        println!(
            "| {name} | {:.2} ms | {:.2} ms | {:.2} ms | {rows} | {bytes} |",
            execute.as_secs_f64() * 1e3,
            with_csv.as_secs_f64() * 1e3,
            opened.as_secs_f64() * 1e3,
        );
    }
}
