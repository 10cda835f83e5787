//! `fluxi test`: runs upstream-style `*_test.flux` files. Each `testcase` runs as its own
//! program (the file's imports and preamble, then the testcase body; `extends` splices the
//! parent's body in place of `super()`); a test fails on any error, or when its
//! `errorOutput` result has tables.

use crate::run::parse_now;
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi_eval::Interpreter;
use fluxi_syntax::ast::{self, ExprKind, File, Statement, StatementKind};
use fluxi_value::text::table_text;
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
}

struct Case {
    file: PathBuf,
    package: String,
    name: String,
    program: File,
    source: String,
    tags: Vec<String>,
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

/// The module root of a file: the nearest `fluxtest.root` above it, with the module name.
fn module_root(file: &Path) -> Option<(PathBuf, String)> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        let root = d.join("fluxtest.root");
        if let Ok(text) = std::fs::read_to_string(&root) {
            let text = text.trim();
            let name = text
                .split("\"name\"")
                .nth(1)
                .and_then(|rest| rest.split('"').nth(1))
                .map(str::to_string)
                .unwrap_or_else(|| text.to_string());
            return Some((d.to_path_buf(), name));
        }
        dir = d.parent();
    }
    None
}

fn string_array(e: &ast::Expr) -> Vec<String> {
    match &e.kind {
        ExprKind::Array(items) => items
            .iter()
            .filter_map(|i| match &i.kind {
                ExprKind::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn tags_of(stmts: &[Statement]) -> Vec<String> {
    let mut tags = Vec::new();
    for s in stmts {
        if let StatementKind::Option {
            package: Some(p),
            id,
            init,
        } = &s.kind
        {
            if p.name == "testing" && id.name == "tags" {
                tags.extend(string_array(init));
            }
        }
    }
    tags
}

fn is_super(s: &Statement) -> bool {
    matches!(&s.kind, StatementKind::Expr(e) if matches!(&e.kind, ExprKind::Call(c) if c.callee.as_ident() == Some("super") && c.args.is_empty()))
}

/// Flatten a file into one program per testcase.
fn cases_of(file: &Path, errors: &mut Vec<String>) -> Vec<Case> {
    let Ok(source) = std::fs::read_to_string(file) else {
        errors.push(format!("{}: cannot read", file.display()));
        return Vec::new();
    };
    let parsed = fluxi_syntax::parse(&source);
    if let Some(e) = parsed.errors().next() {
        errors.push(format!("{}: {e}", file.display()));
        return Vec::new();
    }
    let package = parsed
        .file
        .package
        .as_ref()
        .map(|p| p.name.name.trim_end_matches("_test").to_string())
        .unwrap_or_default();
    let preamble: Vec<Statement> = parsed
        .file
        .body
        .iter()
        .filter(|s| !matches!(s.kind, StatementKind::Testcase { .. }))
        .cloned()
        .collect();
    let mut out = Vec::new();
    for s in &parsed.file.body {
        let StatementKind::Testcase { id, extends, block } = &s.kind else {
            continue;
        };
        let mut imports = parsed.file.imports.clone();
        let mut body = preamble.clone();
        let mut test_body = block.body.clone();
        if let Some(ext) = extends {
            match parent_case(file, &ext.value) {
                Ok((parent_imports, parent_preamble, parent_body)) => {
                    for i in parent_imports {
                        if !imports.iter().any(|j| j.path.value == i.path.value) {
                            imports.push(i);
                        }
                    }
                    body.extend(parent_preamble);
                    if let Some(pos) = test_body.iter().position(is_super) {
                        test_body.splice(pos..=pos, parent_body);
                    }
                }
                Err(e) => {
                    errors.push(format!("{}: {}: {e}", file.display(), id.name));
                    continue;
                }
            }
        }
        let mut tags = tags_of(&preamble);
        tags.extend(tags_of(&test_body));
        body.extend(test_body);
        out.push(Case {
            file: file.to_path_buf(),
            package: package.clone(),
            name: id.name.clone(),
            program: File {
                span: parsed.file.span,
                package: None,
                imports,
                body,
                comments: Vec::new(),
            },
            source: source.clone(),
            tags,
        });
    }
    out
}

type Parent = (Vec<ast::Import>, Vec<Statement>, Vec<Statement>);

/// Find `module/path/to/file_test.case` relative to the module root.
fn parent_case(file: &Path, reference: &str) -> Result<Parent, String> {
    let (root, module) = module_root(file)
        .ok_or("no fluxtest.root above this file, so `extends` cannot be resolved")?;
    let rest = reference
        .strip_prefix(&format!("{module}/"))
        .ok_or_else(|| format!("`{reference}` is not in module `{module}`"))?;
    let (path, case) = rest
        .rsplit_once('.')
        .ok_or_else(|| format!("`{reference}` names no testcase"))?;
    let parent_file = root.join(format!("{path}.flux"));
    let same_file = parent_file.canonicalize().ok() == file.canonicalize().ok();
    let source = std::fs::read_to_string(&parent_file)
        .map_err(|e| format!("cannot read {}: {e}", parent_file.display()))?;
    let parsed = fluxi_syntax::parse(&source);
    let preamble = parsed
        .file
        .body
        .iter()
        .filter(|s| !matches!(s.kind, StatementKind::Testcase { .. }))
        .cloned()
        .collect();
    let body = parsed
        .file
        .body
        .iter()
        .find_map(|s| match &s.kind {
            StatementKind::Testcase { id, block, .. } if id.name == case => {
                Some(block.body.clone())
            }
            _ => None,
        })
        .ok_or_else(|| format!("no testcase `{case}` in {}", parent_file.display()))?;
    if same_file {
        // The preamble is already there once.
        return Ok((Vec::new(), Vec::new(), body));
    }
    Ok((parsed.file.imports.clone(), preamble, body))
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(case: &Case, now: Option<i64>) -> Outcome {
    let mut interp = Interpreter::new(fluxi_stdlib::registry());
    if let Some(t) = now {
        interp.set_now(t);
    }
    let checked = interp.checker().check(&case.program, &case.source);
    if let Some(e) = checked.diagnostics.first() {
        let at = e.span().map(|s| {
            let (l, c) = fluxi_syntax::span::line_col(&case.source, s.start as usize);
            format!("{l}:{c}: ")
        });
        return Outcome::Fail(format!("type error: {}{e}", at.unwrap_or_default()));
    }
    match interp.run(&checked.package) {
        Err(e) => {
            let at = e.span.map(|s| {
                let (l, c) = fluxi_syntax::span::line_col(&case.source, s.start as usize);
                format!("{l}:{c}: ")
            });
            Outcome::Fail(format!("{}{e}", at.unwrap_or_default()))
        }
        Ok(results) => {
            let failing: Vec<String> = results
                .iter()
                .filter(|(n, _)| n == "errorOutput")
                .flat_map(|(_, s)| s.tables().iter().filter(|t| !t.is_empty()).map(table_text))
                .collect();
            if failing.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail(failing.join(""))
            }
        }
    }
}

fn selected(case: &Case, names: &[String]) -> bool {
    names
        .iter()
        .any(|n| *n == case.name || *n == format!("{}.{}", case.package, case.name))
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
    let mut files = Vec::new();
    for p in &opts.paths {
        if !p.exists() {
            eprintln!("error: {} does not exist", p.display());
            return ExitCode::from(EXIT_USAGE);
        }
        collect_files(p, &mut files);
    }
    let mut gather_errors = Vec::new();
    let mut cases = Vec::new();
    for f in &files {
        cases.extend(cases_of(f, &mut gather_errors));
    }
    let mut seen = HashSet::new();
    for c in &cases {
        if !seen.insert((c.package.clone(), c.name.clone())) {
            gather_errors.push(format!(
                "duplicate testcase name `{}` in package `{}`",
                c.name, c.package
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
            !selected(case, &opts.skips) && case.tags.iter().all(|t| opts.tags.contains(t))
        };
        let label = format!("{}: {}", case.file.display(), case.name);
        if !run {
            skipped += 1;
            if opts.verbose > 0 {
                println!("{label} ... skip");
            }
            continue;
        }
        match run_case(case, now) {
            Outcome::Pass => {
                passed += 1;
                if opts.verbose > 0 {
                    println!("{label} ... success");
                } else {
                    print!(".");
                }
            }
            Outcome::Fail(msg) => {
                failed += 1;
                if opts.verbose > 0 {
                    println!("{label} ... fail: {msg}");
                } else {
                    print!("x");
                }
                failures.push((label, msg));
            }
        }
    }
    if opts.verbose == 0 {
        println!();
    }
    if !failures.is_empty() {
        println!("\nfailures:");
        for (label, msg) in &failures {
            println!("    {label}: {msg}");
        }
    }
    println!(
        "\n---\nFound {} tests: passed {passed}, failed {failed}, skipped {skipped}",
        passed + failed + skipped
    );
    if failed > 0 || !gather_errors.is_empty() {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}
