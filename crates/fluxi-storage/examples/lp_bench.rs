//! Line-protocol parsing throughput on generated, Telegraf-like data.
//!
//! ```sh
//! cargo run --release -p fluxi-storage --example lp_bench [-- LINES [batch|owned]]
//! ```
//!
//! Prints lines per second for the borrowing fast path (`parse_batch`) and for owned,
//! merged points (`parse`); the second argument runs only one of them.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use fluxi_storage::line_protocol::{parse, parse_batch, ParseOptions, Precision};

fn main() {
    let lines: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let only = std::env::args().nth(2).unwrap_or_default();

    for (name, input) in [
        ("cpu (5 floats, 3 tags)", generate_cpu(lines)),
        ("mixed types + strings", generate_mixed(lines)),
    ] {
        println!(
            "{name}: {lines} lines, {:.1} MB, {:.0} bytes/line",
            input.len() as f64 / 1e6,
            input.len() as f64 / lines as f64
        );
        let options = ParseOptions::new(Precision::Nanoseconds, 0);
        // One batch of everything, and the batches of 5,000 lines a Telegraf agent sends.
        let chunks = split(&input, 5_000);
        for (label, batches) in [
            ("1 batch", vec![input.as_str()]),
            ("5k-line batches", chunks),
        ] {
            if only != "owned" {
                report(
                    &format!("  {label:>15}, parse_batch (borrowed)"),
                    lines,
                    input.len(),
                    || {
                        batches
                            .iter()
                            .map(|b| match parse_batch(b.as_bytes(), &options) {
                                Ok(batch) => batch.len(),
                                Err(e) => panic!("{e}"),
                            })
                            .sum()
                    },
                );
            }
            if only != "batch" {
                report(
                    &format!("  {label:>15}, parse (owned, merged)"),
                    lines,
                    input.len(),
                    || {
                        batches
                            .iter()
                            .map(|b| match parse(b.as_bytes(), Precision::Nanoseconds, 0) {
                                Ok(points) => points.len(),
                                Err(e) => panic!("{e}"),
                            })
                            .sum()
                    },
                );
            }
        }
    }
}

/// Splits `input` into pieces of `lines` lines.
fn split(input: &str, lines: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let end = rest
            .match_indices('\n')
            .nth(lines - 1)
            .map_or(rest.len(), |(i, _)| i + 1);
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// Runs `f` a few times and prints the best rate.
fn report(name: &str, lines: usize, bytes: usize, mut f: impl FnMut() -> usize) {
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let n = black_box(f());
        best = best.min(start.elapsed());
        assert_eq!(n, lines);
    }
    let secs = best.as_secs_f64();
    println!(
        "{name}: {:>6.2} M lines/s, {:>6.0} MB/s ({:.0} ns/line)",
        lines as f64 / secs / 1e6,
        bytes as f64 / secs / 1e6,
        secs * 1e9 / lines as f64
    );
}

/// A small deterministic pseudo-random generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn float(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1000.0
    }
}

fn generate_cpu(lines: usize) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = String::with_capacity(lines * 180);
    let mut time: i64 = 1_700_000_000_000_000_000;
    for i in 0..lines {
        let _ = writeln!(
            out,
            "cpu,cpu=cpu{},host=server{:04},region=us-west-{} usage_user={},usage_system={},usage_idle={},usage_iowait={},usage_steal={} {}",
            i % 8,
            (i / 8) % 1000,
            i % 3,
            rng.float(),
            rng.float(),
            rng.float(),
            rng.float(),
            rng.float(),
            time
        );
        if i % 8_000 == 7_999 {
            time += 10_000_000_000;
        }
    }
    out
}

fn generate_mixed(lines: usize) -> String {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = String::with_capacity(lines * 160);
    for i in 0..lines {
        let _ = writeln!(
            out,
            "http_requests,method={},path=/api/v2/item\\ {},status={} count={}i,bytes={}u,ok={},latency={},msg=\"req \\\"{}\\\" done\" {}",
            ["GET", "POST", "PUT"][i % 3],
            i % 100,
            200 + (i % 5),
            rng.next() % 10_000,
            rng.next() % 1_000_000,
            if i % 2 == 0 { "true" } else { "f" },
            rng.float(),
            i,
            1_700_000_000_000_000_000 + i as i64
        );
    }
    out
}
