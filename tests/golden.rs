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
//! * `examples/*.flux` (the repository's examples) run as `eval/` cases.
//!
//! Everything runs through the `fluxi` facade (`Engine`, `syntax_tree`), as the `fluxi`
//! command does. The programs run over the buckets `examples/data/<bucket>.lp` hold. A
//! program that mentions a bucket (outside comments) runs in every [`SETUPS`] way — a
//! memory store and the embedded disk store, pushdown on and off, the disk store reading a
//! couple of values or its default chunk at a time — and every way must give exactly the
//! output of the first (which is what the expected file holds). Other programs run once.
//!
//! With `FLUXI_BALLISTA_URL=flightsql://HOST:PORT` (a Ballista cluster, as
//! `scripts/ballista-cluster.sh up` prints; `scripts/test.sh` starts one), the disk store's
//! buckets are also exported to Parquet, registered with the cluster, and every program that
//! reads buckets (and writes none) runs over Flight SQL too, with pushdown, and must give the
//! same output. `FLUXI_REQUIRE_BALLISTA=1` makes a missing URL an error rather than a note.
//!
//! Directives are comment lines at the top of a case: `// test: spans` prints spans.

use fluxi::{CheckLevel, DiskOptions, DiskStorage, Engine, MemoryStorage, Precision, Storage};
use fluxi_conformance::render_diagnostics;
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// The ways a program that reads buckets runs: `(name, store, chunk of values a disk read
/// decodes at a time, pushdown)`. The first is the reference.
const SETUPS: &[(&str, Store, u64, bool)] = &[
    ("memory store, pushdown", Store::Memory, 0, true),
    ("memory store, no pushdown", Store::Memory, 0, false),
    (
        "disk store, reads of 2 values, pushdown",
        Store::Disk,
        2,
        true,
    ),
    (
        "disk store, reads of 2 values, no pushdown",
        Store::Disk,
        2,
        false,
    ),
    (
        "disk store, default reads, pushdown",
        Store::Disk,
        DEFAULT_CHUNK,
        true,
    ),
    (
        "disk store, default reads, no pushdown",
        Store::Disk,
        DEFAULT_CHUNK,
        false,
    ),
];

/// Marks the disk store's own default read chunk in [`SETUPS`].
const DEFAULT_CHUNK: u64 = u64::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    Memory,
    Disk,
}

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
    remove_stale_stores();
    if ballista_url().is_none() {
        eprintln!(
            "note: FLUXI_BALLISTA_URL is not set: programs do not run over Flight SQL \
             (scripts/test.sh starts a Ballista cluster and sets it)"
        );
    }
    let conclusion = libtest_mimic::run(&args, trials);
    // The stores were opened (if at all) for this process only.
    let _ = std::fs::remove_dir_all(stores_dir());
    conclusion.exit();
}

fn run_case(suite: &str, path: &Path) -> Result<(), Failed> {
    let src = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let spans = src
        .lines()
        .take_while(|l| l.starts_with("//"))
        .any(|l| l.trim() == "// test: spans");
    let file_name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (actual, ext) = match suite {
        "syntax" => {
            let (tree, problems) = fluxi::syntax_tree(&file_name, &src, spans);
            if !problems.is_empty() {
                return Err(format!(
                    "expected a clean parse, got:\n{}",
                    render_diagnostics(&problems)
                )
                .into());
            }
            (tree, "ast")
        }
        "eval" | "eval-errors" => return run_program(suite, path, &file_name, &src),
        "types" | "type-errors" => {
            let report = checker().check(&file_name, &src, CheckLevel::Types);
            let problems = report.diagnostics();
            if problems
                .problems()
                .iter()
                .any(|p| p.code.starts_with("fluxi::syntax::"))
            {
                return Err(format!(
                    "expected a clean parse, got:\n{}",
                    render_diagnostics(problems)
                )
                .into());
            }
            if suite == "types" {
                if !problems.is_empty() {
                    return Err(format!(
                        "expected the program to type-check, got:\n{}",
                        render_diagnostics(problems)
                    )
                    .into());
                }
                let mut out = String::new();
                for (name, ty) in report.types().unwrap_or_default() {
                    out.push_str(&format!("{name} : {ty}\n"));
                }
                (out, "types")
            } else {
                if problems.is_empty() {
                    return Err("expected type errors, but the program type-checks".into());
                }
                (render_diagnostics(problems), "err")
            }
        }
        _ => {
            let report = checker().check(&file_name, &src, CheckLevel::Syntax);
            if report.diagnostics().is_empty() {
                return Err("expected syntax diagnostics, but the file parsed cleanly".into());
            }
            (render_diagnostics(report.diagnostics()), "err")
        }
    };
    compare(&path.with_extension(ext), &actual)
}

/// The engine the syntax and type suites check with (they need no store).
fn checker() -> &'static Engine {
    static CHECKER: OnceLock<Engine> = OnceLock::new();
    CHECKER.get_or_init(Engine::new)
}

/// What a program did: its results as annotated CSV, or its runtime error rendered.
#[derive(Debug, PartialEq, Eq)]
enum Ran {
    Results(String),
    Failed(String),
}

impl Ran {
    fn text(&self) -> &str {
        match self {
            Ran::Results(t) | Ran::Failed(t) => t,
        }
    }
}

/// An `eval` or `eval-errors` case: run in the reference setup and compared with the
/// expected file; when it reads buckets, run in every other setup too and compared with
/// the reference's output.
fn run_program(suite: &str, path: &Path, file_name: &str, src: &str) -> Result<(), Failed> {
    let setups = setups()?;
    let Some((reference_name, reference)) = setups.first() else {
        return Err("no setups".into());
    };
    let first = run_in(reference, file_name, src)?;
    let (actual, ext) = match (suite, &first) {
        ("eval", Ran::Results(csv)) => (csv.clone(), "csv"),
        ("eval", Ran::Failed(err)) => return Err(format!("the program failed:\n{err}").into()),
        (_, Ran::Results(_)) => {
            return Err("expected a runtime error, but the program ran".into());
        }
        (_, Ran::Failed(err)) => (err.clone(), "err"),
    };
    compare(&path.with_extension(ext), &actual)?;
    if !reads_buckets(src) {
        return Ok(());
    }
    let mut differences = Vec::new();
    for (name, engine) in setups.iter().skip(1) {
        if name == FLIGHTSQL_SETUP && writes(src) {
            continue;
        }
        let ran = run_in(engine, file_name, src)?;
        if ran != first {
            let diff = similar::TextDiff::from_lines(first.text(), ran.text());
            differences.push(format!(
                "with {name} the output differs from the output with {reference_name} \
                 (- {reference_name}, + {name}):\n{}",
                diff.unified_diff().context_radius(3)
            ));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(differences.join("\n").into())
    }
}

/// Compile and run a program with one engine.
fn run_in(engine: &Engine, file_name: &str, src: &str) -> Result<Ran, Failed> {
    let program = engine.compile_named(file_name, src).map_err(|e| {
        format!(
            "expected the program to parse and type-check, got:\n{}",
            render_error(&e)
        )
    })?;
    if !program.warnings().is_empty() {
        return Err(format!(
            "expected a clean parse, got:\n{}",
            render_diagnostics(program.warnings())
        )
        .into());
    }
    Ok(match engine.execute(&program) {
        Ok(results) => Ran::Results(results.to_csv_lf()),
        Err(e) => Ran::Failed(render_error(&e)),
    })
}

fn render_error(e: &fluxi::Error) -> String {
    match e.diagnostics() {
        Some(d) => render_diagnostics(d),
        None => format!("{e}\n"),
    }
}

/// Whether a program mentions a bucket outside comments (`from(bucket:)`, the `schema`
/// functions, `buckets()`, `to(bucket:)`).
fn reads_buckets(src: &str) -> bool {
    src.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .any(|l| l.contains("bucket"))
}

/// Whether a program writes into a bucket (`to()`): the Flight SQL store is read-only.
fn writes(src: &str) -> bool {
    src.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .any(|l| l.contains("to(") || l.contains("wideTo("))
}

/// The name of the setup over a Ballista cluster.
const FLIGHTSQL_SETUP: &str = "Ballista over Flight SQL, pushdown";

/// The Ballista cluster to run over, if any; with `FLUXI_REQUIRE_BALLISTA=1` and none,
/// the suite fails.
fn ballista_url() -> Option<String> {
    std::env::var("FLUXI_BALLISTA_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// The engines of [`SETUPS`], in order, with their names; the stores are loaded once, on
/// first use, and shared by every case (the cases only read them).
fn setups() -> Result<&'static [(String, Engine)], Failed> {
    static SETUPS_BUILT: OnceLock<Result<Vec<(String, Engine)>, String>> = OnceLock::new();
    SETUPS_BUILT
        .get_or_init(build_setups)
        .as_deref()
        .map_err(|e| Failed::from(e.as_str()))
}

fn build_setups() -> Result<Vec<(String, Engine)>, String> {
    let data = example_data()?;
    let memory: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
    load(memory.as_ref(), &data)?;
    let mut disks: Vec<(u64, Arc<dyn Storage>)> = Vec::new();
    let mut out = Vec::new();
    for &(name, store, chunk, pushdown) in SETUPS {
        let storage = match store {
            Store::Memory => Arc::clone(&memory),
            Store::Disk => match disks.iter().find(|(c, _)| *c == chunk) {
                Some((_, s)) => Arc::clone(s),
                None => {
                    let s = disk_store(chunk, &data)?;
                    disks.push((chunk, Arc::clone(&s)));
                    s
                }
            },
        };
        let mut builder = Engine::builder().storage(storage);
        if !pushdown {
            builder = builder.without_pushdown();
        }
        out.push((
            name.to_string(),
            builder.build().map_err(|e| e.to_string())?,
        ));
    }
    match ballista_url() {
        Some(url) => {
            let disk = match disks.first() {
                Some((_, d)) => Arc::clone(d),
                None => disk_store(DEFAULT_CHUNK, &data)?,
            };
            out.push((
                FLIGHTSQL_SETUP.to_string(),
                flightsql_engine(&url, &disk, &data)?,
            ));
        }
        None if std::env::var_os("FLUXI_REQUIRE_BALLISTA").is_some_and(|v| v == "1") => {
            return Err("FLUXI_REQUIRE_BALLISTA=1 but FLUXI_BALLISTA_URL is not set".into());
        }
        None => {}
    }
    Ok(out)
}

/// The example buckets exported from `disk` to Parquet and registered with the cluster at
/// `url`: an engine reading them over Flight SQL.
fn flightsql_engine(
    url: &str,
    disk: &Arc<dyn Storage>,
    data: &[(String, Vec<u8>)],
) -> Result<Engine, String> {
    use fluxi::flightsql::{export_bucket, FlightSqlStorage, FlightSqlUrl};
    let dir = stores_dir().join("parquet");
    let _ = std::fs::remove_dir_all(&dir);
    for (bucket, _) in data {
        // Small files: a measurement is several partitions, read on both executors and
        // merged, as a large bucket would be.
        export_bucket(disk.as_ref(), bucket, &dir, 40)
            .map_err(|e| format!("export {bucket}: {e}"))?;
    }
    let mut parsed = FlightSqlUrl::parse(url).map_err(|e| e.to_string())?;
    parsed.register = Some(dir);
    let storage = FlightSqlStorage::connect(&parsed).map_err(|e| e.to_string())?;
    Engine::builder()
        .storage(Arc::new(storage))
        .build()
        .map_err(|e| e.to_string())
}

/// Where this process keeps its disk stores (removed when the suite ends).
fn stores_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("golden-stores-{}", std::process::id()))
}

/// Remove the stores of earlier runs that did not end normally (their process is gone).
fn remove_stale_stores() {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return; // no way to tell which processes run
    }
    let dirs = std::fs::read_dir(env!("CARGO_TARGET_TMPDIR"))
        .map(|rd| rd.filter_map(|e| e.ok()).collect::<Vec<_>>())
        .unwrap_or_default();
    for entry in dirs {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("golden-stores-") {
            if !proc.join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// An embedded store holding the example data, flushed into its data files, that decodes
/// `chunk` values at a time in streamed reads.
fn disk_store(chunk: u64, data: &[(String, Vec<u8>)]) -> Result<Arc<dyn Storage>, String> {
    let dir = stores_dir().join(if chunk == DEFAULT_CHUNK {
        "chunk-default".to_string()
    } else {
        format!("chunk-{chunk}")
    });
    let _ = std::fs::remove_dir_all(&dir);
    let mut options = DiskOptions::default();
    if chunk != DEFAULT_CHUNK {
        options.read_chunk_values = chunk;
    }
    let store = DiskStorage::open_with(&dir, options)
        .map_err(|e| format!("cannot open a store at {}: {e}", dir.display()))?;
    load(&store, data)?;
    store.flush().map_err(|e| e.to_string())?;
    Ok(Arc::new(store))
}

/// Each `examples/data/<bucket>.lp`: `(bucket, line protocol)`.
fn example_data() -> Result<Vec<(String, Vec<u8>)>, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "lp"));
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let bucket = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        out.push((bucket, text));
    }
    Ok(out)
}

/// Write the example data (timestamps in seconds) into a store, a bucket per file.
fn load(store: &dyn Storage, data: &[(String, Vec<u8>)]) -> Result<(), String> {
    let options = fluxi::ParseOptions::new(Precision::Seconds, 0);
    for (bucket, text) in data {
        store
            .create_bucket(bucket, None)
            .map_err(|e| e.to_string())?;
        store
            .write_line_protocol(bucket, text, &options)
            .map_err(|e| format!("{bucket}.lp: {e}"))?;
    }
    Ok(())
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
