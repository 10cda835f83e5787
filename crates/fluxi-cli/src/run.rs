//! `fluxi run`: compile a script, run it, print its results.

use crate::check::{read_source, render};
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi_eval::Interpreter;
use fluxi_value::csv::{encode, LineEnding};
use fluxi_value::text::{results_json_lines, results_text};
use fluxi_value::Table;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
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

/// Parse and type-check a source; render diagnostics; the semantic graph if it is clean.
pub fn compile(
    interp: &mut Interpreter,
    name: &str,
    src: &str,
) -> Option<fluxi_semantic::nodes::Package> {
    let parsed = fluxi_syntax::parse(src);
    render(name, src, &parsed.diagnostics);
    if parsed.has_errors() {
        return None;
    }
    let checked = interp.checker().check(&parsed.file, src);
    render(name, src, &checked.diagnostics);
    checked.is_ok().then_some(checked.package)
}

/// Parse `--now`.
pub fn parse_now(text: &str) -> Result<i64, String> {
    fluxi_time::parse_rfc3339(text)
        .ok()
        .and_then(|t| t.unix_nanos())
        .ok_or_else(|| {
            format!("--now needs an RFC 3339 time such as 2030-01-01T00:00:00Z, not {text:?}")
        })
}

/// Print results in a format.
pub fn print_results(results: &[(String, Vec<Table>)], format: Format) {
    let text = match format {
        Format::Table => results_text(results),
        Format::Csv => encode(results, LineEnding::Crlf),
        Format::Json => results_json_lines(results),
    };
    print!("{text}");
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
    /// `--timing`.
    pub timing: bool,
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
    let mut interp = Interpreter::new(fluxi_stdlib::registry());
    if let Some(now) = o.now {
        match parse_now(&now) {
            Ok(t) => interp.set_now(t),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    // The store is opened when the script first uses it (a script that reads no bucket
    // neither creates nor locks it); without any store directory, reads say so.
    if let Ok(dir) = crate::store::data_dir(o.data) {
        interp.set_storage(Arc::new(crate::store::LazyStore::new(dir)));
    }
    let Some(program) = compile(&mut interp, &name, &src) else {
        return ExitCode::from(EXIT_ERROR);
    };
    let compiled = Instant::now();
    match interp.run(&program) {
        Ok(results) => {
            let ran = Instant::now();
            let results: Vec<(String, Vec<Table>)> = results
                .into_iter()
                .map(|(n, s)| (n, s.into_tables()))
                .collect();
            print_results(&results, o.format);
            if o.timing {
                let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
                let done = Instant::now();
                eprintln!(
                    "timing: compile {:.3} ms, execute {:.3} ms, print {:.3} ms",
                    ms(started, compiled),
                    ms(compiled, ran),
                    ms(ran, done)
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            render(&name, &src, [&e]);
            ExitCode::from(EXIT_ERROR)
        }
    }
}
