//! Type-checking cost against program size (issue 14): programs that used to take
//! seconds to minutes — deeply curried functions, records that nest copies of themselves
//! — check in time growing no faster than n·log n. Ratios between sizes are asserted
//! with wide margins, so a loaded machine does not fail them but a return to the old
//! growth does.

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

fn check_time(checker: &mut Checker, src: &str) -> (Duration, Vec<String>) {
    let parsed = fluxi_syntax::parse(src);
    assert!(parsed.errors().next().is_none(), "parses");
    let start = Instant::now();
    let checked = checker.check(&parsed.file, src);
    let took = start.elapsed();
    let codes = checked.diagnostics.iter().map(|d| d.code_str()).collect();
    (took, codes)
}

/// The time to check `src`, best of five (so that one descheduling does not decide a
/// ratio), with a checker whose prelude is already loaded. Asserts it checks cleanly.
fn best_time(src: String) -> Duration {
    deep(move || {
        let mut checker = Checker::new();
        let _ = check_time(&mut checker, "");
        (0..5)
            .map(|_| {
                let (took, codes) = check_time(&mut checker, &src);
                assert!(codes.is_empty(), "{codes:?}");
                took
            })
            .min()
            .unwrap_or_default()
    })
}

/// `f{k} = (a0) => (a1) => ... => body`, `copies` times over: nesting `depth` deep.
/// (Several copies only lift the time above the clock's noise; the ratio compares
/// depths.)
fn curried(depth: usize, copies: usize, body: &dyn Fn(usize) -> String) -> String {
    let params: Vec<String> = (0..depth).map(|i| format!("(a{i})")).collect();
    (0..copies)
        .map(|k| format!("f{k} = {} => {}\n", params.join(" => "), body(depth)))
        .collect()
}

/// Asserts that checking grows no faster than n·log n from `small` to `large`: for 8×
/// the size that is ×12, quadratic growth ×64. The bound, ×32, leaves room for a
/// loaded machine and still fails quadratic growth.
fn assert_n_log_n(what: &str, small: (usize, Duration), large: (usize, Duration)) {
    let ratio = large.1.as_secs_f64() / small.1.as_secs_f64().max(1e-6);
    let n = large.0 as f64 / small.0 as f64;
    let n_log_n = n * (large.0 as f64).ln() / (small.0 as f64).ln();
    let report = format!(
        "{what}: {} → {:?}, {} → {:?}: ×{ratio:.1} for ×{n} the size (n·log n: ×{n_log_n:.1})",
        small.0, small.1, large.0, large.1,
    );
    eprintln!("{report}");
    assert!(ratio < 32.0, "{report}");
}

#[test]
fn deeply_nested_lambdas_check_in_n_log_n_time() {
    // Curried functions 60 and 480 levels deep (the parser allows 500). Checking used to
    // copy each node's type into the typed graph and then apply the substitution to every
    // node's copy: quadratic in the depth (×87 for 8× the depth, and before that the
    // 3.5th power: 450 levels took 18.7 s). Types are shared now and the final
    // substitution remembers what each shared part became.
    let first = |_: usize| "a0".to_string();
    let small = best_time(curried(60, 8, &first));
    let large = best_time(curried(480, 8, &first));
    assert_n_log_n("curried, body `a0`", (60, small), (480, large));
    // A body that uses every parameter: each name is found at the same cost at any depth
    // (scopes were a stack searched from the inside out), and the chain of variables the
    // sum binds to one another is shortened as it is walked. (The sum nests too: 240
    // levels of functions hold 239 of `+`.)
    let sum = |n: usize| {
        (0..n)
            .map(|i| format!("a{i}"))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let small = best_time(curried(30, 16, &sum));
    let large = best_time(curried(240, 16, &sum));
    assert_n_log_n(
        "curried, body the sum of the parameters",
        (30, small),
        (240, large),
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
    let (took, codes) = deep(|| check_time(&mut Checker::new(), &doubled(24)));
    assert!(
        codes.iter().all(|c| c == "fluxi::types::too_large"),
        "{codes:?}"
    );
    assert!(!codes.is_empty());
    assert!(took < Duration::from_secs(30), "{took:?}");
    // Below the limit nothing is reported.
    let (_, codes) = deep(|| check_time(&mut Checker::new(), &doubled(10)));
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn records_that_double_check_in_n_log_n_time() {
    // The parts of a doubled record's type are shared, not copied: measuring its size
    // against the limit, generalising it and applying the substitution walk each shared
    // part once. Past the limit a binding is an error (and its type `?`), so the doubling
    // starts again: a long program reports the error every 17 lines.
    let time = |n: usize| {
        deep(move || {
            let mut checker = Checker::new();
            let _ = check_time(&mut checker, "");
            let src = doubled(n);
            (0..5)
                .map(|_| {
                    let (took, codes) = check_time(&mut checker, &src);
                    assert!(
                        codes.len() >= n / 17
                            && codes.iter().all(|c| c == "fluxi::types::too_large"),
                        "{n} lines: {codes:?}"
                    );
                    took
                })
                .min()
                .unwrap_or_default()
        })
    };
    let small = time(100);
    let large = time(800);
    assert_n_log_n("doubled records", (100, small), (800, large));
}

/// `n` bindings, each a record holding (`{x: r}`) or extending (`{r with ...}`) the one
/// before: the types grow with the program.
fn chained(n: usize, extend: bool) -> String {
    let mut src = String::from("r0 = {a: 1}\n");
    for i in 1..n {
        if extend {
            src.push_str(&format!("r{i} = {{r{} with f{i}: {i}}}\n", i - 1));
        } else {
            src.push_str(&format!("r{i} = {{x: r{}}}\n", i - 1));
        }
    }
    src
}

#[test]
fn bindings_built_from_earlier_ones_check_in_n_log_n_time() {
    // Each binding's type holds the one before, so the types grow with the program.
    // Generalising a binding used to apply the substitution to, and walk, all of its type
    // (quadratic; with types copied into every node, 30,000 such lines ran out of 24 GB
    // of memory). The parts of earlier types hold no variable and are known to: each
    // binding walks only its own new parts.
    for extend in [false, true] {
        let small = best_time(chained(1_000, extend));
        let large = best_time(chained(8_000, extend));
        let what = if extend {
            "{r with ...} chain"
        } else {
            "{x: r} chain"
        };
        assert_n_log_n(what, (1_000, small), (8_000, large));
    }
}
