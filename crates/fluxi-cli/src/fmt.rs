//! `fluxi fmt`: rewrite Flux files in canonical style.

use crate::check::read_source;
use crate::out::{out, outln};
use crate::run::color;
use crate::{EXIT_ERROR, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;

/// `fluxi fmt [--check] FILE...`: files are rewritten in place when formatting changes
/// them; `-` reads standard input and writes the result to standard output. With `--check`
/// nothing is written: the files that would change are listed and the exit status is 1.
/// Syntax errors give exit status 1, unreadable files 2.
pub fn fmt(files: &[PathBuf], check: bool) -> ExitCode {
    let mut failed = false;
    let mut unreadable = false;
    for path in files {
        let stdin = path.as_os_str() == "-";
        let name = if stdin {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let src = match read_source(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                unreadable = true;
                continue;
            }
        };
        let out = match fluxi::format_source(&name, &src) {
            Ok(out) => out,
            Err(e) => {
                eprint!("{}", e.render(color()));
                failed = true;
                continue;
            }
        };
        let changed = out != src;
        if check {
            if changed {
                outln!("{name}");
                failed = true;
            }
        } else if stdin {
            out!("{out}");
        } else if changed {
            if let Err(e) = std::fs::write(path, out) {
                eprintln!("error: cannot write {name}: {e}");
                unreadable = true;
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
