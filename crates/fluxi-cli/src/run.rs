//! `fluxi run`: compile a script, run it, print its results.

use crate::check::read_source;
use crate::{EXIT_ERROR, EXIT_USAGE};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The upstream CLI's table text.
    Table,
    /// Annotated CSV (CRLF line endings, as on the wire).
    Csv,
    /// One JSON object per row.
    Json,
}

/// The engine the commands run scripts with: the store (opened on first use, so a script
/// that reads no bucket neither creates nor locks it) and a fixed `now()`.
pub fn engine(
    data: Option<PathBuf>,
    storage: Option<&str>,
    now: Option<i64>,
    memory_limit: Option<usize>,
    read_dirs: &[PathBuf],
    outside: &Outside,
) -> Result<fluxi::Engine, String> {
    let mut b = outside.apply(file_access(
        fluxi::Engine::builder().memory_limit(memory_limit),
        read_dirs,
    ));
    // `--storage flightsql://...`: an engine over Flight SQL, connected now (a bad
    // address or an engine that is down is told before the script runs).
    if let Some(url) = storage {
        let s = fluxi::flightsql::FlightSqlStorage::open(url).map_err(|e| e.to_string())?;
        let _ = WIRE.set(std::sync::Arc::clone(s.stats()));
        b = b.storage(std::sync::Arc::new(s));
    } else if let Ok(dir) = crate::store::data_dir(data) {
        // Without any store directory, reads say there is no store.
        b = b.open_lazily_with(dir, |d| {
            crate::store::open_store(d, crate::store::Access::Query)
        });
    }
    if let Some(t) = now {
        b = b.now(t);
    }
    b.build().map_err(|e| e.to_string())
}

/// What crossed the wire to and from a `--storage flightsql://` engine (`--timing`).
static WIRE: std::sync::OnceLock<std::sync::Arc<fluxi::flightsql::WireStats>> =
    std::sync::OnceLock::new();

/// What files scripts may read: any regular file the user can, or with
/// `--allow-file-read DIR` only those inside the directories given.
pub fn file_access(b: fluxi::EngineBuilder, dirs: &[PathBuf]) -> fluxi::EngineBuilder {
    if dirs.is_empty() {
        return b.allow_any_file_read();
    }
    dirs.iter().fold(b, |b, d| b.allow_file_read(d.clone()))
}

// What scripts may reach outside themselves besides files: the network and secrets.
// (Not a doc comment: see `Command` in main.rs.)
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Outside {
    /// Let scripts send HTTP requests (http.post, requests, slack, pagerduty) to this
    /// destination: host, host:port, *.domain, an IP address, a URL prefix such as
    /// https://hooks.slack.com/services/, or * for any host; may be repeated. Without it
    /// scripts reach no network. A name resolving to a loopback or link-local address is
    /// reached only when DEST is `localhost` or that address.
    #[arg(long = "allow-egress", value_name = "DEST")]
    pub allow_egress: Vec<String>,
    /// Let `secrets.get(key: K)` read the environment variable PREFIX followed by K
    /// (without it scripts have no secrets).
    #[arg(long = "secrets-from-env", value_name = "PREFIX")]
    pub secrets_from_env: Option<String>,
}

impl Outside {
    /// The builder with these allowances.
    pub fn apply(&self, b: fluxi::EngineBuilder) -> fluxi::EngineBuilder {
        let mut b = self
            .allow_egress
            .iter()
            .fold(b, |b, d| b.allow_egress(d.clone()));
        if let Some(prefix) = &self.secrets_from_env {
            b = b.secrets(std::sync::Arc::new(fluxi::EnvSecrets::new(prefix.clone())));
        }
        b
    }
}

/// The process's peak resident memory in KiB, as the OS reports it (Linux: `VmHWM` of
/// /proc/self/status); `None` elsewhere.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The memory limit of a query: `--memory-limit`, else `$FLUXI_MEMORY_LIMIT`, else the
/// engine's default; `none` for no limit.
pub fn memory_limit(flag: Option<String>) -> Result<Option<usize>, String> {
    let (text, source) = match flag {
        Some(f) => (f, "--memory-limit"),
        None => match std::env::var("FLUXI_MEMORY_LIMIT") {
            Ok(v) if !v.trim().is_empty() => (v, "$FLUXI_MEMORY_LIMIT"),
            _ => return Ok(fluxi::default_memory_limit()),
        },
    };
    if text.trim().eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    fluxi::parse_size(&text)
        .map(Some)
        .map_err(|e| format!("{source}: {e}"))
}

/// Whether diagnostics on standard error get colours.
pub fn color() -> bool {
    std::io::stderr().is_terminal()
}

/// Compile a script with an engine, printing warnings and errors.
pub fn compile(engine: &fluxi::Engine, name: &str, src: &str) -> Option<fluxi::Program> {
    match engine.compile_named(name, src) {
        Ok(p) => {
            eprint!("{}", p.warnings().render(color()));
            Some(p)
        }
        Err(e) => {
            eprint!("{}", e.render(color()));
            None
        }
    }
}

/// Parse `--now`.
pub fn parse_now(text: &str) -> Result<i64, String> {
    fluxi::parse_time(text).map_err(|_| {
        format!("--now needs an RFC 3339 time such as 2030-01-01T00:00:00Z, not {text:?}")
    })
}

impl From<Format> for fluxi::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => fluxi::Format::Table,
            Format::Csv => fluxi::Format::Csv,
            Format::Json => fluxi::Format::JsonLines,
        }
    }
}

/// What `fluxi run` was asked.
pub struct RunOptions {
    /// The script file (`-` for standard input).
    pub file: Option<PathBuf>,
    /// Script text given with `-e`.
    pub exec: Option<String>,
    /// How to print results.
    pub format: Format,
    /// `--now`.
    pub now: Option<String>,
    /// `--data`.
    pub data: Option<PathBuf>,
    /// `--storage`.
    pub storage: Option<String>,
    /// `--timing`.
    pub timing: bool,
    /// `--memory-limit`.
    pub memory_limit: Option<String>,
    /// `--allow-file-read`.
    pub allow_file_read: Vec<PathBuf>,
    /// `--allow-egress`, `--secrets-from-env`.
    pub outside: Outside,
}

/// `fluxi run FILE | -e SCRIPT | -`.
pub fn run(o: RunOptions) -> ExitCode {
    let started = Instant::now();
    let (name, src) = match (o.file, o.exec) {
        (_, Some(script)) => ("-e".to_string(), script),
        (Some(path), None) => match read_source(&path) {
            Ok(s) => (path.display().to_string(), s),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        (None, None) => {
            eprintln!("error: give a file, `-` for standard input, or -e SCRIPT");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let now = match o.now.map(|n| parse_now(&n)).transpose() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let memory_limit = match memory_limit(o.memory_limit) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let engine = match engine(
        o.data,
        o.storage.as_deref(),
        now,
        memory_limit,
        &o.allow_file_read,
        &o.outside,
    ) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let Some(program) = compile(&engine, &name, &src) else {
        // (A store that began opening while the script was checked finishes first.)
        let _ = engine.persist();
        return ExitCode::from(EXIT_ERROR);
    };
    let compiled = Instant::now();
    // Tables are printed as they are computed; a long output by a thread of its own,
    // the next table encoded while the last is written.
    let mut out = fluxi::ResultWriter::spooled(std::io::stdout(), o.format.into());
    let ran = engine.execute_to(&program, None, move |name, table| out.write(name, table));
    if o.timing {
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
        let peak = peak_rss().map_or_else(String::new, |kib| format!(", peak RSS {kib} KiB"));
        eprintln!(
            "timing: compile {:.3} ms, execute and print {:.3} ms{peak}",
            ms(started, compiled),
            ms(compiled, Instant::now())
        );
        if let Some(w) = WIRE.get() {
            eprintln!(
                "timing: flight sql: {} statements, {} record batches, {} rows, {} bytes of Arrow data received",
                w.statements(),
                w.batches(),
                w.rows(),
                w.bytes()
            );
        }
    }
    // The process ends once this returns (see `main`): what the engine and the program
    // hold is left for the OS to take back at once, which is quicker than freeing it
    // piece by piece (a store's manifest and file cache, the standard library: 0.1–0.2
    // ms). What dropping the store would write out is written now.
    let _ = engine.persist();
    std::mem::forget(program);
    std::mem::forget(engine);
    match ran {
        Ok(_) => ExitCode::SUCCESS,
        // The reader went away (`fluxi run ... | head`): stop quietly, as `cat` does.
        Err(fluxi::SinkError::Sink(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(fluxi::SinkError::Sink(e)) => {
            eprintln!("error: writing the results: {e}");
            ExitCode::from(EXIT_ERROR)
        }
        Err(fluxi::SinkError::Query(e)) => {
            eprint!("{}", e.render(color()));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
