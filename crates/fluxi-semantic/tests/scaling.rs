//! Type-checking cost against program size (issue 14): programs that used to take
//! seconds to minutes — deeply curried functions, records that nest copies of themselves
//! — check in bounded time. Ratios between sizes are asserted with wide margins, so a
//! loaded machine does not fail them but a return to the old growth does.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_semantic::Checker;
use std::time::{Duration, Instant};

/// Run `f` with the deep stack the `fluxi` command gives its worker thread (checking
/// recurses over the tree; a debug build's frames are large).
fn deep<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic")
}

fn check_time(src: &str) -> (Duration, Vec<String>) {
    let parsed = fluxi_syntax::parse(src);
    assert!(parsed.errors().next().is_none(), "parses");
    let mut checker = Checker::new();
    let start = Instant::now();
    let checked = checker.check(&parsed.file, src);
    let took = start.elapsed();
    let codes = checked.diagnostics.iter().map(|d| d.code_str()).collect();
    (took, codes)
}

/// Best of three, to keep one descheduling from deciding a ratio.
fn best_time(src: &str) -> Duration {
    (0..3).map(|_| check_time(src).0).min().unwrap_or_default()
}

fn curried(n: usize) -> String {
    let params: Vec<String> = (0..n).map(|i| format!("(a{i})")).collect();
    format!("f = {} => a0\n", params.join(" => "))
}

#[test]
fn deeply_curried_functions_check_in_about_quadratic_time() {
    // 100 and 400 levels (the parser allows 500). Checking copied the whole bound type
    // at every step of applying the substitution: 450 levels took 18.7 s in a release
    // build, growing with the 3.5th power of the depth (×128 for 4× the depth). Every
    // node of the typed graph carries its type, so the work is now about quadratic
    // (×16); the bound leaves room for a loaded machine.
    let small = deep(|| best_time(&curried(100)));
    let large = deep(|| best_time(&curried(400)));
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-4);
    assert!(
        ratio < 40.0,
        "100 levels: {small:?}, 400 levels: {large:?} (×{ratio:.1})"
    );
}

fn doubled(n: usize) -> String {
    let mut src = String::from("r0 = {a: 1}\n");
    for i in 1..=n {
        src.push_str(&format!("r{i} = {{x: r{}, y: r{}}}\n", i - 1, i - 1));
    }
    src
}

#[test]
fn records_that_double_stop_at_the_type_size_limit() {
    // Each line doubles the type: r20 alone would have a million parts (44 s and 1.5 GB
    // before). The binding whose type passes 100,000 parts is an error, and the rest of
    // the program checks quickly.
    let (took, codes) = deep(|| check_time(&doubled(24)));
    assert!(
        codes.iter().all(|c| c == "fluxi::types::too_large"),
        "{codes:?}"
    );
    assert!(!codes.is_empty());
    assert!(took < Duration::from_secs(30), "{took:?}");
    // Below the limit nothing is reported.
    let (_, codes) = deep(|| check_time(&doubled(10)));
    assert!(codes.is_empty(), "{codes:?}");
}
