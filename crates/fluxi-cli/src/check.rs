//! `fluxi check` and `fluxi parse`.

use crate::out::{out, outln};
use crate::run::color;
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi::CheckLevel;
use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

/// Read a source file, or standard input for `-`.
pub fn read_source(path: &Path) -> Result<String, String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(s);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not valid UTF-8 (first bad byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// `fluxi check FILE...`: exit 0 when every file is free of errors. Without
/// `--syntax-only` files are also type-checked; with `--types` the type of every top-level
/// binding is printed.
pub fn check(files: &[std::path::PathBuf], syntax_only: bool, types: bool) -> ExitCode {
    let mut failed = false;
    let mut unreadable = false;
    let engine = fluxi::Engine::new();
    let level = if syntax_only {
        CheckLevel::Syntax
    } else {
        CheckLevel::Types
    };
    for path in files {
        let name = path.display().to_string();
        let src = match read_source(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                unreadable = true;
                continue;
            }
        };
        let report = engine.check(&name, &src, level);
        eprint!("{}", report.diagnostics().render(color()));
        failed |= report.has_errors();
        // Types are printed only when asked for (printing is as long as the types are).
        let bindings = if types { report.types() } else { None };
        if let Some(bindings) = bindings {
            if files.len() > 1 {
                outln!("// {name}");
            }
            for (binding, ty) in bindings {
                outln!("{binding} : {ty}");
            }
        }
    }
    if unreadable {
        ExitCode::from(EXIT_USAGE)
    } else if failed {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}

/// `fluxi parse --ast FILE`: print the compact syntax tree.
pub fn parse(path: &Path, spans: bool) -> ExitCode {
    let src = match read_source(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let (tree, diagnostics) = fluxi::syntax_tree(&path.display().to_string(), &src, spans);
    out!("{tree}");
    eprint!("{}", diagnostics.render(color()));
    if diagnostics.has_errors() {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}
