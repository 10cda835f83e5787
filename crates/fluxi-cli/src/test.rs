//! `fluxi test`: runs upstream-style `*_test.flux` files. The facade puts each `testcase`
//! together as its own program and runs it ([`fluxi::testcases`],
//! [`fluxi::Engine::run_testcase`]); this command finds the files, selects the tests,
//! prints their outcomes and counts them.

use crate::out::{out, outln};
use crate::run::{memory_limit, parse_now};
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi::TestCase;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `fluxi test`.
pub struct TestOptions {
    pub paths: Vec<PathBuf>,
    pub tests: Vec<String>,
    pub skips: Vec<String>,
    pub tags: Vec<String>,
    pub verbose: u8,
    pub now: Option<String>,
    pub memory_limit: Option<String>,
    /// `--allow-file-read`.
    pub allow_file_read: Vec<PathBuf>,
    /// `--allow-egress`, `--secrets-from-env`.
    pub outside: crate::run::Outside,
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            collect_files(&e, out);
        }
    } else if path.to_string_lossy().ends_with("_test.flux") {
        out.push(path.to_path_buf());
    }
}

fn selected(case: &TestCase, names: &[String]) -> bool {
    names.iter().any(|n| case.is_named(n))
}

/// `fluxi test PATH...`.
pub fn test(opts: TestOptions) -> ExitCode {
    let now = match opts.now.as_deref().map(parse_now) {
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        None => None,
    };
    let limit = match memory_limit(opts.memory_limit) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let mut files = Vec::new();
    for p in &opts.paths {
        if !p.exists() {
            eprintln!("error: {} does not exist", p.display());
            return ExitCode::from(EXIT_USAGE);
        }
        collect_files(p, &mut files);
    }
    let mut builder = opts.outside.apply(crate::run::file_access(
        fluxi::Engine::builder().memory_limit(limit),
        &opts.allow_file_read,
    ));
    if let Some(t) = now {
        builder = builder.now(t);
    }
    let engine = match builder.build() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let mut gather_errors: Vec<String> = Vec::new();
    let mut cases = Vec::new();
    for f in &files {
        let found = fluxi::testcases(f);
        cases.extend(found.cases);
        gather_errors.extend(found.errors.iter().map(ToString::to_string));
    }
    let mut seen = HashSet::new();
    for c in &cases {
        if !seen.insert((c.package(), c.name())) {
            gather_errors.push(format!(
                "duplicate testcase name `{}` in package `{}`",
                c.name(),
                c.package()
            ));
        }
    }
    for e in &gather_errors {
        eprintln!("error: {e}");
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in &cases {
        let run = if !opts.tests.is_empty() {
            selected(case, &opts.tests)
        } else {
            !selected(case, &opts.skips) && case.tags().iter().all(|t| opts.tags.contains(t))
        };
        let label = case.to_string();
        if !run {
            skipped += 1;
            if opts.verbose > 0 {
                outln!("{label} ... skip");
            }
            continue;
        }
        match engine.run_testcase(case) {
            Ok(()) => {
                passed += 1;
                if opts.verbose > 0 {
                    outln!("{label} ... success");
                } else {
                    out!(".");
                }
            }
            Err(failure) => {
                let msg = failure.to_string();
                failed += 1;
                if opts.verbose > 0 {
                    outln!("{label} ... fail: {msg}");
                } else {
                    out!("x");
                }
                failures.push((label, msg));
            }
        }
    }
    if opts.verbose == 0 {
        outln!();
    }
    if !failures.is_empty() {
        outln!("\nfailures:");
        for (label, msg) in &failures {
            outln!("    {label}: {msg}");
        }
    }
    outln!(
        "\n---\nFound {} tests: passed {passed}, failed {failed}, skipped {skipped}",
        passed + failed + skipped
    );
    if failed > 0 || !gather_errors.is_empty() {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}
