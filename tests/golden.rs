//! The golden suite: every `cases/<suite>/<name>.flux` is run and its output compared with
//! the expected file beside it. `FLUXI_BLESS=1 cargo test -p fluxi-conformance` rewrites
//! the expected files; review them with `git diff`.
//!
//! Suites:
//! * `syntax/`: must parse without errors; expected `<name>.ast` is the compact tree.
//! * `types/`: must type-check; expected `<name>.types` lists each top-level binding's type.
//! * `type-errors/`: must parse but fail to type-check; expected `<name>.err` is the rendering.
//! * `syntax-errors/`: must produce diagnostics (errors, or warnings such as a missing `|>`);
//!   expected `<name>.err` is their rendering.
//!
//! * `eval/`: must run; expected `<name>.csv` is every result as annotated CSV (LF endings).
//! * `eval-errors/`: must fail at run time; expected `<name>.err` is the rendered error.
//!
//! Directives are comment lines at the top of a case: `// test: spans` prints spans.

use fluxi_conformance::render_diagnostics;
use fluxi_eval::Interpreter;
use fluxi_semantic::Checker;
use fluxi_storage::Storage as _;
use fluxi_syntax::{parse, print_file, PrintOptions};
use fluxi_value::csv::{encode, LineEnding};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let mut trials = Vec::new();
    for suite in [
        "syntax",
        "syntax-errors",
        "types",
        "type-errors",
        "eval",
        "eval-errors",
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(suite))
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "flux"));
        files.sort();
        for path in files {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = format!("{suite}/{stem}");
            let suite = suite.to_string();
            trials.push(Trial::test(name, move || run_case(&suite, &path)));
        }
    }
    // Every example program runs; its results are compared with `<name>.csv` beside it.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&examples)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "flux"));
    files.sort();
    for path in files {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        trials.push(Trial::test(format!("examples/{stem}"), move || {
            run_case("eval", &path)
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn run_case(suite: &str, path: &Path) -> Result<(), Failed> {
    let src = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spans = src
        .lines()
        .take_while(|l| l.starts_with("//"))
        .any(|l| l.trim() == "// test: spans");
    let parsed = parse(&src);
    let file_name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (actual, ext) = match suite {
        "syntax" => {
            if !parsed.diagnostics.is_empty() {
                return Err(format!(
                    "expected a clean parse, got:\n{}",
                    render_diagnostics(&file_name, &src, &parsed.diagnostics)
                )
                .into());
            }
            (print_file(&parsed.file, PrintOptions { spans }), "ast")
        }
        "eval" | "eval-errors" => {
            let checked_src = src.clone();
            let mut interp = Interpreter::new(fluxi_stdlib::registry());
            interp.set_storage(example_store()?);
            if !parsed.diagnostics.is_empty() {
                return Err(format!(
                    "expected a clean parse, got:\n{}",
                    render_diagnostics(&file_name, &src, &parsed.diagnostics)
                )
                .into());
            }
            let checked = interp.checker().check(&parsed.file, &checked_src);
            if !checked.diagnostics.is_empty() {
                return Err(format!(
                    "expected the program to type-check, got:\n{}",
                    render_diagnostics(&file_name, &src, &checked.diagnostics)
                )
                .into());
            }
            match (suite, interp.run(&checked.package)) {
                ("eval", Ok(results)) => {
                    let results: Vec<(String, Vec<fluxi_value::Table>)> = results
                        .into_iter()
                        .map(|(n, s)| (n, s.into_tables()))
                        .collect();
                    (encode(&results, LineEnding::Lf), "csv")
                }
                ("eval", Err(e)) => {
                    return Err(format!(
                        "the program failed:\n{}",
                        render_diagnostics(&file_name, &src, &[e])
                    )
                    .into())
                }
                (_, Ok(_)) => return Err("expected a runtime error, but the program ran".into()),
                (_, Err(e)) => (render_diagnostics(&file_name, &src, &[e]), "err"),
            }
        }
        "types" | "type-errors" => {
            if !parsed.diagnostics.is_empty() {
                return Err(format!(
                    "expected a clean parse, got:\n{}",
                    render_diagnostics(&file_name, &src, &parsed.diagnostics)
                )
                .into());
            }
            let mut checker = Checker::new();
            let checked = checker.check(&parsed.file, &src);
            if suite == "types" {
                if !checked.diagnostics.is_empty() {
                    return Err(format!(
                        "expected the program to type-check, got:\n{}",
                        render_diagnostics(&file_name, &src, &checked.diagnostics)
                    )
                    .into());
                }
                let mut out = String::new();
                for (name, ty) in &checked.bindings {
                    out.push_str(&format!("{name} : {}\n", checker.print(ty)));
                }
                (out, "types")
            } else {
                if checked.diagnostics.is_empty() {
                    return Err("expected type errors, but the program type-checks".into());
                }
                (
                    render_diagnostics(&file_name, &src, &checked.diagnostics),
                    "err",
                )
            }
        }
        _ => {
            if parsed.diagnostics.is_empty() {
                return Err("expected syntax diagnostics, but the file parsed cleanly".into());
            }
            (
                render_diagnostics(&file_name, &src, &parsed.diagnostics),
                "err",
            )
        }
    };
    compare(&path.with_extension(ext), &actual)
}

/// A memory store holding each `examples/data/<bucket>.lp` (seconds precision) in a
/// bucket of that name, for the programs that read buckets.
fn example_store() -> Result<std::sync::Arc<dyn fluxi_storage::Storage>, Failed> {
    let store = fluxi_storage::MemoryStorage::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "lp"));
    for path in files {
        let bucket = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let points = fluxi_storage::parse(&text, fluxi_storage::Precision::Seconds, 0)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        store
            .create_bucket(&bucket, None)
            .map_err(|e| e.to_string())?;
        store.write(&bucket, &points).map_err(|e| e.to_string())?;
    }
    Ok(std::sync::Arc::new(store))
}

fn compare(expected_path: &Path, actual: &str) -> Result<(), Failed> {
    if std::env::var_os("FLUXI_BLESS").is_some() {
        std::fs::write(expected_path, actual)
            .map_err(|e| format!("cannot write {}: {e}", expected_path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(expected_path).map_err(|_| {
        format!(
            "missing {}; run with FLUXI_BLESS=1 to create it",
            expected_path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(expected.as_str(), actual);
    Err(format!(
        "{} differs (- expected, + actual):\n{}",
        expected_path.display(),
        diff.unified_diff().context_radius(3)
    )
    .into())
}
