//! Upstream-style Flux tests: `*_test.flux` files whose `testcase NAME { ... }` blocks each
//! run as their own program — the file's imports and the statements outside testcases (the
//! preamble), then the testcase's body. `testcase b extends "module/path/file_test.a"`
//! splices `a`'s body in place of a `super()` statement of `b` (with `a`'s file's imports
//! and preamble, when it is another file); the module is the one named by the nearest
//! `fluxtest.root` above the file. A test fails on any compile or run-time error, or when
//! its `errorOutput` result has a table with rows (what `testing.diff` and the `testing`
//! assertions yield).
//!
//! [`testcases`] finds a file's testcases, [`Engine::run_testcase`] runs one; `fluxi test`
//! walks directories, selects and prints.

use crate::error::Diagnostics;
use crate::Engine;
use fluxi_syntax::ast::{self, ExprKind, File, Statement, StatementKind};
use fluxi_value::Table;
use miette::Diagnostic;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One `testcase` put together as a program, ready for [`Engine::run_testcase`].
#[derive(Debug, Clone)]
pub struct TestCase {
    file: PathBuf,
    package: String,
    name: String,
    tags: Vec<String>,
    program: File,
    source: Arc<str>,
}

impl TestCase {
    /// The file it is written in.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The file's package name without its `_test` suffix (`universe` for
    /// `package universe_test`; empty when the file has no package clause).
    pub fn package(&self) -> &str {
        &self.package
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tags it carries (`option testing.tags = [...]` in the preamble or its body).
    pub fn tags(&self) -> &[String] {
        &self.tags
    }

    /// Whether `selector` names it: its name alone, or `package.name`.
    pub fn is_named(&self, selector: &str) -> bool {
        selector == self.name
            || selector
                .strip_prefix(self.package.as_str())
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(self.name.as_str())
    }
}

/// The testcases of one file ([`testcases`]) and the ones that could not be put together.
#[derive(Debug, Default)]
pub struct TestFile {
    /// The testcases, in file order.
    pub cases: Vec<TestCase>,
    /// Why the file, or some of its testcases, could not be read (those testcases are not
    /// in `cases`).
    pub errors: Vec<TestFileError>,
}

/// Why a test file, or a testcase of it, cannot be run.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
pub enum TestFileError {
    /// The file cannot be read (or is not UTF-8).
    #[error("{}: cannot read", .file.display())]
    #[diagnostic(code(fluxi::test::unreadable))]
    Unreadable {
        /// The file.
        file: PathBuf,
    },
    /// The file has syntax errors; none of its testcases runs.
    #[error("{}: {}", .file.display(), first_error(.diagnostics))]
    #[diagnostic(
        code(fluxi::test::syntax),
        help("`fluxi check` shows every syntax error in place")
    )]
    Syntax {
        /// The file.
        file: PathBuf,
        /// Its syntax problems.
        diagnostics: Diagnostics,
    },
    /// A testcase's `extends` names no testcase that can be found.
    #[error("{}: {}: {}", .file.display(), .case, .reason)]
    #[diagnostic(
        code(fluxi::test::extends),
        help("`extends` takes \"MODULE/PATH/FILE_test.CASE\", MODULE being the name in the nearest fluxtest.root above the file")
    )]
    Extends {
        /// The file.
        file: PathBuf,
        /// The testcase that extends another.
        case: String,
        /// What is wrong.
        reason: String,
    },
}

fn first_error(d: &Diagnostics) -> String {
    d.problems()
        .into_iter()
        .find(|p| !p.warning)
        .map(|p| p.message)
        .unwrap_or_default()
}

/// Why a testcase failed ([`Engine::run_testcase`]). `Display` gives the line `fluxi test`
/// prints: the first error with its line and column, or the failing tables as text.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
pub enum TestFailure {
    /// The program does not type-check.
    #[error("type error: {}", located(.0))]
    #[diagnostic(code(fluxi::test::compile))]
    Compile(Diagnostics),
    /// The program failed while running.
    #[error("{}", located(.0))]
    #[diagnostic(code(fluxi::test::runtime))]
    Runtime(Diagnostics),
    /// The `errorOutput` result has tables with rows: the differences or failed
    /// assertions the test yielded.
    #[error("{}", tables_text(.0))]
    #[diagnostic(code(fluxi::test::error_output))]
    ErrorOutput(Vec<Table>),
}

impl TestFailure {
    /// The compile or run-time problems, if that is why it failed (to draw them under the
    /// source with [`Diagnostics::reports`]).
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            TestFailure::Compile(d) | TestFailure::Runtime(d) => Some(d),
            TestFailure::ErrorOutput(_) => None,
        }
    }
}

/// The first problem as `line:column: message` (only the message when it has no place).
fn located(d: &Diagnostics) -> String {
    d.problems()
        .into_iter()
        .next()
        .map(|p| match p.span {
            Some(_) => format!("{}:{}: {}", p.line, p.column, p.message),
            None => p.message,
        })
        .unwrap_or_default()
}

fn tables_text(tables: &[Table]) -> String {
    tables.iter().map(fluxi_value::text::table_text).collect()
}

impl fmt::Display for TestCase {
    /// `FILE: NAME`, as `fluxi test` labels it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.name)
    }
}

/// The testcases of an upstream-style test file (see the module documentation), each put
/// together as one program; `extends` is resolved by reading the files it names.
pub fn testcases(file: &Path) -> TestFile {
    let mut out = TestFile::default();
    let Ok(source) = std::fs::read_to_string(file) else {
        out.errors.push(TestFileError::Unreadable {
            file: file.to_path_buf(),
        });
        return out;
    };
    let source: Arc<str> = Arc::from(source);
    let parsed = fluxi_syntax::parse(&source);
    if parsed.has_errors() {
        let mut diagnostics = Diagnostics::new(&file.display().to_string(), &source);
        for d in parsed.diagnostics {
            diagnostics.syntax(d);
        }
        out.errors.push(TestFileError::Syntax {
            file: file.to_path_buf(),
            diagnostics,
        });
        return out;
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
    for s in &parsed.file.body {
        let StatementKind::Testcase { id, extends, block } = &s.kind else {
            continue;
        };
        let mut imports = parsed.file.imports.clone();
        let mut body = preamble.clone();
        let mut test_body = block.body.clone();
        if let Some(ext) = extends {
            match parent_case(file, &ext.value) {
                Ok(parent) => {
                    for i in parent.imports {
                        if !imports.iter().any(|j| j.path.value == i.path.value) {
                            imports.push(i);
                        }
                    }
                    body.extend(parent.preamble);
                    if let Some(pos) = test_body.iter().position(is_super) {
                        test_body.splice(pos..=pos, parent.body);
                    }
                }
                Err(reason) => {
                    out.errors.push(TestFileError::Extends {
                        file: file.to_path_buf(),
                        case: id.name.clone(),
                        reason,
                    });
                    continue;
                }
            }
        }
        let mut tags = tags_of(&preamble);
        tags.extend(tags_of(&test_body));
        body.extend(test_body);
        out.cases.push(TestCase {
            file: file.to_path_buf(),
            package: package.clone(),
            name: id.name.clone(),
            tags,
            program: File {
                span: parsed.file.span,
                package: None,
                imports,
                body,
                comments: Vec::new(),
            },
            source: Arc::clone(&source),
        });
    }
    out
}

impl Engine {
    /// Run one testcase as its own program (with this engine's store, `now`, memory limit
    /// and packages): `Ok` when it passes, else why it failed.
    pub fn run_testcase(&self, case: &TestCase) -> Result<(), TestFailure> {
        let name = case.file.display().to_string();
        let mut interp = self.interpreter();
        let checked = interp.checker().check(&case.program, &case.source);
        if !checked.diagnostics.is_empty() {
            let mut d = Diagnostics::new(&name, &case.source);
            for e in checked.diagnostics {
                d.types(e);
            }
            return Err(TestFailure::Compile(d));
        }
        let results = interp.run(&checked.package).map_err(|e| {
            let mut d = Diagnostics::new(&name, &case.source);
            d.eval(e);
            TestFailure::Runtime(d)
        })?;
        let failing: Vec<Table> = results
            .into_iter()
            .filter(|(n, _)| n == "errorOutput")
            .flat_map(|(_, s)| s.into_tables())
            .filter(|t| !t.is_empty())
            .collect();
        if failing.is_empty() {
            Ok(())
        } else {
            Err(TestFailure::ErrorOutput(failing))
        }
    }
}

/// The module root of a file: the nearest directory above it with a `fluxtest.root`, and
/// the module's name (its `"name"`, or the file's whole text).
fn module_root(file: &Path) -> Option<(PathBuf, String)> {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if let Ok(text) = std::fs::read_to_string(d.join("fluxtest.root")) {
            let text = text.trim();
            let name = text
                .split("\"name\"")
                .nth(1)
                .and_then(|rest| rest.split('"').nth(1))
                .map_or_else(|| text.to_string(), str::to_string);
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

/// The tags `option testing.tags = [...]` statements set.
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

/// Whether a statement is `super()`.
fn is_super(s: &Statement) -> bool {
    matches!(&s.kind, StatementKind::Expr(e)
        if matches!(&e.kind, ExprKind::Call(c)
            if c.callee.as_ident() == Some("super") && c.args.is_empty()))
}

/// What a testcase that `extends` another takes from it.
struct Parent {
    /// The parent file's imports (none when it is the same file).
    imports: Vec<ast::Import>,
    /// The parent file's preamble (none when it is the same file: it is there already).
    preamble: Vec<Statement>,
    /// The parent testcase's body, for `super()`.
    body: Vec<Statement>,
}

/// Find `MODULE/path/to/file_test.CASE` under the module root of `file`.
fn parent_case(file: &Path, reference: &str) -> Result<Parent, String> {
    let (root, module) = module_root(file).ok_or_else(|| {
        "no fluxtest.root above this file, so `extends` cannot be resolved".to_string()
    })?;
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
        return Ok(Parent {
            imports: Vec::new(),
            preamble: Vec::new(),
            body,
        });
    }
    let preamble = parsed
        .file
        .body
        .iter()
        .filter(|s| !matches!(s.kind, StatementKind::Testcase { .. }))
        .cloned()
        .collect();
    Ok(Parent {
        imports: parsed.file.imports,
        preamble,
        body,
    })
}
