//! Looking at a source without running it: checking it (syntax only, or syntax and types)
//! with every problem kept, formatting it, and printing its syntax tree. What `fluxi check`,
//! `fluxi fmt` and `fluxi parse` do.

use crate::error::{Diagnostics, Error, Result};
use crate::Engine;
use fluxi_semantic::{Checker, PolyType, TypePrinter};
use std::sync::{Arc, OnceLock};

/// How far [`Engine::check`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckLevel {
    /// Parse only.
    Syntax,
    /// Parse, then type-check (unless the source has syntax errors).
    Types,
}

/// The types of a source's top-level bindings, printed in Flux syntax when first asked
/// for: a printed type is as long as the type written out, so printing every binding's
/// type of a program whose types grow with it (each binding holding the one before) is
/// quadratic, and most callers never look.
#[derive(Debug, Clone, Default)]
pub(crate) struct BindingTypes {
    types: Vec<(String, PolyType)>,
    printed: OnceLock<Vec<(String, String)>>,
}

impl BindingTypes {
    pub(crate) fn new(types: Vec<(String, PolyType)>) -> Self {
        BindingTypes {
            types,
            printed: OnceLock::new(),
        }
    }

    pub(crate) fn printed(&self) -> &[(String, String)] {
        self.printed.get_or_init(|| {
            self.types
                .iter()
                .map(|(n, t)| (n.clone(), TypePrinter::new().poly(t)))
                .collect()
        })
    }
}

/// What [`Engine::check`] found in one source.
#[derive(Debug, Clone)]
pub struct CheckReport {
    diagnostics: Diagnostics,
    types: Option<BindingTypes>,
}

impl CheckReport {
    /// Every problem found, warnings included: the syntax problems first, then the type
    /// errors, each layer in source order.
    pub fn diagnostics(&self) -> &Diagnostics {
        &self.diagnostics
    }

    /// Whether any problem is an error (warnings alone do not count).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.has_errors()
    }

    /// The type of every top-level binding in Flux syntax, in source order; `None` when
    /// the source was not type-checked (only its syntax was asked for, or it has syntax
    /// errors). With type errors, these are the types as far as they were inferred.
    pub fn types(&self) -> Option<&[(String, String)]> {
        self.types.as_ref().map(BindingTypes::printed)
    }
}

impl Engine {
    /// Check a source without running it, keeping every problem (warnings too) instead of
    /// stopping at the first failing layer's end as [`Engine::compile_named`] does, and the
    /// binding types even when there are type errors. `name` names the source in
    /// diagnostics (a file name).
    ///
    /// ```
    /// use fluxi::{CheckLevel, Engine};
    ///
    /// let report = Engine::new().check("a.flux", "x = 1\ny = x + \"s\"\n", CheckLevel::Types);
    /// assert!(report.has_errors());
    /// assert_eq!(report.types().unwrap()[0], ("x".to_string(), "int".to_string()));
    /// ```
    pub fn check(&self, name: &str, source: &str, level: CheckLevel) -> CheckReport {
        let source: Arc<str> = Arc::from(source);
        let mut diagnostics = Diagnostics::new(name, &source);
        let parsed = fluxi_syntax::parse(&source);
        let failed = parsed.has_errors();
        for d in parsed.diagnostics {
            diagnostics.syntax(d);
        }
        if failed || level == CheckLevel::Syntax {
            return CheckReport {
                diagnostics,
                types: None,
            };
        }
        let mut checker = Checker::with_library(Arc::clone(self.library()));
        let checked = checker.check(&parsed.file, &source);
        let types = BindingTypes::new(checked.bindings);
        for d in checked.diagnostics {
            diagnostics.types(d);
        }
        CheckReport {
            diagnostics,
            types: Some(types),
        }
    }
}

/// A source in the canonical Flux layout (what `fluxi fmt` writes): 4-space indent, one
/// `|>` per line in longer pipelines, lists broken one item per line past 100 columns,
/// minimal parentheses, comments kept. A source with syntax errors is not formatted:
/// they come back as [`Error::Compile`] (`name` names the source in them).
///
/// ```
/// assert_eq!(fluxi::format_source("a.flux", "x=1+2")?, "x = 1 + 2\n");
/// # Ok::<(), fluxi::Error>(())
/// ```
pub fn format_source(name: &str, source: &str) -> Result<String> {
    fluxi_syntax::format(source).map_err(|errors| {
        let mut diagnostics = Diagnostics::new(name, &Arc::from(source));
        for e in errors {
            diagnostics.syntax(e);
        }
        Error::Compile(diagnostics)
    })
}

/// The compact syntax tree of a source (S-expressions, types in Flux syntax; what
/// `fluxi parse --ast` prints), with byte spans after every node when `spans` is set,
/// and the problems found parsing it. A source with errors still has a tree: the parts
/// that parsed.
///
/// ```
/// let (tree, problems) = fluxi::syntax_tree("a.flux", "x = 1\n", false);
/// assert!(problems.is_empty());
/// assert!(tree.contains("x"));
/// ```
pub fn syntax_tree(name: &str, source: &str, spans: bool) -> (String, Diagnostics) {
    let parsed = fluxi_syntax::parse(source);
    let tree = fluxi_syntax::print_file(&parsed.file, fluxi_syntax::PrintOptions { spans });
    let mut diagnostics = Diagnostics::new(name, &Arc::from(source));
    for d in parsed.diagnostics {
        diagnostics.syntax(d);
    }
    (tree, diagnostics)
}

/// The package of `source` as Flux's JSON AST (what InfluxDB's `/api/v2/query/ast`
/// answers: `{"type": "Package", "files": [...]}` with upstream's node names), with the
/// syntax problems found; the tree covers what parsed.
///
/// ```
/// let (ast, problems) = fluxi::syntax_json("q.flux", "from(bucket: \"b\")\n");
/// assert!(problems.is_empty());
/// assert_eq!(ast["files"][0]["body"][0]["expression"]["type"], "CallExpression");
/// ```
pub fn syntax_json(name: &str, source: &str) -> (serde_json::Value, Diagnostics) {
    let parsed = fluxi_syntax::parse(source);
    let ast = fluxi_syntax::json::package_json(&parsed.file, source, name);
    let mut diagnostics = Diagnostics::new(name, &Arc::from(source));
    for d in parsed.diagnostics {
        diagnostics.syntax(d);
    }
    (ast, diagnostics)
}

/// A top-level `option` statement of a source, found without running it: where it is
/// and, when its value is a record literal, where each property is. Byte ranges index the
/// source. For tools that read or rewrite options (a task's `option task = {...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionStatement {
    /// The package of `option pkg.name = ...`, `None` for `option name = ...`.
    pub package: Option<String>,
    /// The option's name.
    pub name: String,
    /// The whole statement.
    pub span: std::ops::Range<usize>,
    /// The value expression.
    pub value: std::ops::Range<usize>,
    /// The properties of a record literal value (`None` for any other expression), in
    /// source order.
    pub properties: Option<Vec<OptionProperty>>,
}

/// One property of an option's record literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionProperty {
    /// Its name.
    pub name: String,
    /// The whole property (`name: value`).
    pub span: std::ops::Range<usize>,
    /// Its value expression; `None` for the shorthand `{name}`.
    pub value: Option<std::ops::Range<usize>>,
}

/// Every top-level `option` statement of `source`, in order. A source with syntax errors
/// gives them back as [`Error::Compile`] (`name` names the source in them).
///
/// ```
/// let found = fluxi::option_statements("t.flux", "option task = {name: \"a\", every: 1h}\nx = 1\n")?;
/// assert_eq!(found.len(), 1);
/// let props = found[0].properties.as_ref().unwrap();
/// assert_eq!(props[1].name, "every");
/// # Ok::<(), fluxi::Error>(())
/// ```
pub fn option_statements(name: &str, source: &str) -> Result<Vec<OptionStatement>> {
    use fluxi_syntax::ast::{ExprKind, StatementKind};
    let parsed = fluxi_syntax::parse(source);
    if parsed.has_errors() {
        let mut diagnostics = Diagnostics::new(name, &Arc::from(source));
        for d in parsed.diagnostics {
            diagnostics.syntax(d);
        }
        return Err(Error::Compile(diagnostics));
    }
    let range = |s: fluxi_syntax::Span| s.start as usize..s.end as usize;
    Ok(parsed
        .file
        .body
        .iter()
        .filter_map(|s| match &s.kind {
            StatementKind::Option { package, id, init } => Some(OptionStatement {
                package: package.as_ref().map(|p| p.name.clone()),
                name: id.name.clone(),
                span: range(s.span),
                value: range(init.span),
                properties: match &init.kind {
                    ExprKind::Record {
                        with: None,
                        properties,
                    } => Some(
                        properties
                            .iter()
                            .map(|p| OptionProperty {
                                name: p.key.name().to_string(),
                                span: range(p.span),
                                value: p.value.as_ref().map(|v| range(v.span)),
                            })
                            .collect(),
                    ),
                    _ => None,
                },
            }),
            _ => None,
        })
        .collect())
}
