//! Fuzzing of the readers of untrusted input, on stable Rust.
//!
//! Each [`Target`] feeds bytes to one reader — the lexer and parser, the type checker,
//! line protocol, annotated CSV, the store's write-ahead log and manifest — and must come back without a panic and in bounded time,
//! whatever the bytes. [`run`] mutates a seed corpus (the repository's own test inputs,
//! plus `corpus/<target>/` of this crate, where every input that once crashed is kept as
//! a regression) with a deterministic generator, so a failing run can be repeated.
//!
//! The test suite runs every target for a bounded number of inputs
//! (`tests/bounded.rs`); `cargo run --release -p fluxi-fuzz -- TARGET [--seconds N]`
//! runs one for longer and saves any crashing input under `corpus/TARGET/`.

mod mutate;
mod targets;

pub use mutate::Mutator;
pub use targets::Target;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An input that made a target panic or run too long.
#[derive(Debug, Clone)]
pub struct Crash {
    /// The target.
    pub target: Target,
    /// The input.
    pub input: Vec<u8>,
    /// The panic message, or how long it ran.
    pub message: String,
}

impl std::fmt::Display for Crash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: String = String::from_utf8_lossy(&self.input)
            .chars()
            .take(400)
            .collect();
        write!(
            f,
            "{} failed on a {}-byte input: {}\ninput (first 400 characters): {shown:?}",
            self.target.name(),
            self.input.len(),
            self.message
        )
    }
}

/// How a run went.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Inputs tried (seeds included).
    pub inputs: u64,
    /// The longest time one input took.
    pub slowest: Duration,
}

/// The repository root (this crate is `crates/fluxi-fuzz`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The regression inputs and extra seeds kept for `target` in this crate.
pub fn corpus_dir(target: Target) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target.name())
}

/// Run `target` on one input, catching a panic; `Err` holds its message.
pub fn run_one(target: Target, input: &[u8]) -> Result<Duration, String> {
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| target.run(input)));
    match outcome {
        Ok(()) => Ok(start.elapsed()),
        Err(payload) => Err(payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string())),
    }
}

/// Run `target` on every seed, then on `iterations` mutated inputs (generator seeded
/// with `seed`), stopping at the first input that panics or takes longer than
/// `too_slow`.
pub fn run(
    target: Target,
    iterations: u64,
    seed: u64,
    too_slow: Duration,
) -> Result<Stats, Box<Crash>> {
    let seeds = target.seeds();
    let mut stats = Stats::default();
    let check = |input: &[u8], stats: &mut Stats| -> Result<(), Box<Crash>> {
        stats.inputs += 1;
        let crash = |message: String| {
            Box::new(Crash {
                target,
                input: input.to_vec(),
                message,
            })
        };
        let took = run_one(target, input).map_err(crash)?;
        stats.slowest = stats.slowest.max(took);
        if took > too_slow {
            return Err(crash(format!("took {took:?}, more than {too_slow:?}")));
        }
        Ok(())
    };
    for s in &seeds {
        check(s, &mut stats)?;
    }
    let mut mutator = Mutator::new(seed, target.dictionary());
    for _ in 0..iterations {
        let input = mutator.next_input(&seeds);
        check(&input, &mut stats)?;
    }
    Ok(stats)
}
