//! `fluxi explain FILE`: the plan of each result, and what was pushed into storage,
//! without reading data.

use crate::check::read_source;
use crate::out::out;
use crate::run::{color, compile, engine};
use crate::{EXIT_ERROR, EXIT_USAGE};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Plan a script and print each result's plan. Storage is asked nothing but bucket
/// names: reads answer no tables, writes are skipped.
pub fn explain(
    file: &Path,
    data: Option<PathBuf>,
    storage: Option<&str>,
    now: Option<i64>,
) -> ExitCode {
    let name = file.display().to_string();
    let src = match read_source(file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let engine = match engine(
        data,
        storage,
        now,
        fluxi::default_memory_limit(),
        &[],
        &crate::run::Outside::default(),
    ) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let Some(program) = compile(&engine, &name, &src) else {
        return ExitCode::from(EXIT_ERROR);
    };
    match engine.explain(&program) {
        Ok(plans) => {
            out!("{plans}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprint!("{}", e.render(color()));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
