//! `fluxi check` and `fluxi parse`.

use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi_syntax::{parse as parse_source, print_file, PrintOptions};
use miette::{GraphicalReportHandler, GraphicalTheme, NamedSource};
use std::io::{IsTerminal, Read};
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

/// Render diagnostics for one source to standard error.
pub fn render<'a, D>(name: &str, src: &str, diags: impl IntoIterator<Item = &'a D>)
where
    D: miette::Diagnostic + Clone + Send + Sync + 'static,
{
    let theme = if std::io::stderr().is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme);
    for d in diags {
        let report = miette::Report::new(d.clone())
            .with_source_code(NamedSource::new(name, src.to_string()));
        let mut out = String::new();
        if handler.render_report(&mut out, report.as_ref()).is_ok() {
            eprint!("{out}");
        } else {
            eprintln!("{name}: {d}");
        }
    }
}

/// `fluxi check FILE...`: exit 0 when every file is free of errors. Without
/// `--syntax-only` files are also type-checked; with `--types` the type of every top-level
/// binding is printed.
pub fn check(files: &[std::path::PathBuf], syntax_only: bool, types: bool) -> ExitCode {
    let mut failed = false;
    let mut unreadable = false;
    let mut checker = fluxi_semantic::Checker::new();
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
        let parsed = parse_source(&src);
        render(&name, &src, &parsed.diagnostics);
        if parsed.has_errors() {
            failed = true;
            continue;
        }
        if syntax_only {
            continue;
        }
        let checked = checker.check(&parsed.file, &src);
        render(&name, &src, &checked.diagnostics);
        if !checked.is_ok() {
            failed = true;
        }
        if types {
            if files.len() > 1 {
                println!("// {name}");
            }
            for (binding, ty) in &checked.bindings {
                println!("{binding} : {}", checker.print(ty));
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
    let parsed = parse_source(&src);
    print!("{}", print_file(&parsed.file, PrintOptions { spans }));
    render(&path.display().to_string(), &src, &parsed.diagnostics);
    if parsed.has_errors() {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}
