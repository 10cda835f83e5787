//! A bounded fuzz run of every target, as part of the test suite: the seeds (the
//! repository's test inputs and every input that ever crashed, kept in `corpus/`) and a
//! few thousand mutations of them, with a fixed seed so a failure repeats.
//! `FLUXI_FUZZ_ITERATIONS` sets the number of mutations per target.

use fluxi_fuzz::{run, Target};
use std::time::Duration;

fn iterations(default: u64) -> u64 {
    std::env::var("FLUXI_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fuzz(target: Target, default: u64) {
    let n = iterations(default);
    // Checking recurses over the syntax tree: the stack the `fluxi` command gives it.
    let worker = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || run(target, n, 0x5eed, Duration::from_secs(10)));
    match worker.map(|h| h.join()) {
        Ok(Ok(Ok(stats))) => assert!(stats.inputs > n, "{stats:?}"),
        Ok(Ok(Err(crash))) => panic!("{crash}"),
        _ => panic!("the fuzz thread failed"),
    }
}

#[test]
fn syntax() {
    fuzz(Target::Syntax, 3000);
}

#[test]
fn check() {
    fuzz(Target::Check, 1500);
}

#[test]
fn line_protocol() {
    fuzz(Target::LineProtocol, 5000);
}

#[test]
fn annotated_csv() {
    fuzz(Target::AnnotatedCsv, 3000);
}

#[test]
fn wal() {
    fuzz(Target::Wal, 300);
}

#[test]
fn manifest() {
    fuzz(Target::Manifest, 300);
}

#[test]
fn the_store_targets_start_from_a_real_store() {
    let wal = Target::Wal.seeds();
    assert!(
        wal.first().is_some_and(|s| s.len() > 32),
        "a log with records"
    );
    let manifest = Target::Manifest.seeds();
    assert!(
        manifest
            .first()
            .is_some_and(|s| s.starts_with(b"fluxi-manifest")),
        "the manifest"
    );
}
