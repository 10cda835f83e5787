//! The checker: type-checks files into the semantic graph, with the prelude and the
//! packages of a [`Library`] in scope.

use crate::error::{sp, TypeError};
use crate::infer::{Binding, BindingKind, Infer, Scope};
use crate::library::Library;
use crate::nodes;
use crate::subst::Subst;
use crate::types::{PolyType, TypePrinter};
use fluxi_syntax::ast;
use fluxi_syntax::Span;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The packages whose members every program sees without importing them, in load order.
pub const PRELUDE: &[&str] = &[
    "internal/boolean",
    "internal/location",
    "universe",
    "influxdata/influxdb",
];

/// What a package exports.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PackageExports {
    /// The import path.
    pub path: String,
    /// The members by name.
    pub members: BTreeMap<String, Export>,
}

/// One exported member.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Export {
    /// Its type.
    pub ty: PolyType,
    /// Whether it is an option (can be set with `option pkg.name = ...`).
    pub option: bool,
}

/// The result of checking one file.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The typed semantic graph.
    pub package: nodes::Package,
    /// Errors, in source order.
    pub diagnostics: Vec<TypeError>,
    /// The top-level bindings with their types, in source order.
    pub bindings: Vec<(String, PolyType)>,
}

impl Checked {
    /// Whether the file checked without errors.
    pub fn is_ok(&self) -> bool {
        self.diagnostics.is_empty()
    }
}

/// The names carried from one entry of a session (a REPL) to the next: what earlier
/// entries defined and imported.
#[derive(Debug, Clone, Default)]
pub struct SessionScope {
    scope: Scope,
}

/// What a name means (see [`Checker::lookup_in`]).
#[derive(Debug, Clone)]
pub enum Lookup {
    /// A value of this type.
    Value(PolyType),
    /// An imported package.
    Package(Arc<PackageExports>),
}

impl SessionScope {
    /// Add what a checked entry defined: its imports and top-level bindings (options
    /// included). Call it only for an entry that checked without errors.
    pub fn commit(&mut self, checker: &mut Checker, entry: &ast::File, checked: &Checked) {
        let prelude = checker.library.prelude().unwrap_or_default();
        for import in &entry.imports {
            if let Ok(exports) = checker.library.load(&import.path.value, None) {
                self.scope.names.insert(
                    import.name().to_string(),
                    Binding {
                        kind: BindingKind::Package(exports),
                        span: None,
                        option: false,
                    },
                );
            }
        }
        for (name, ty) in &checked.bindings {
            let option = self.scope.names.get(name).is_some_and(|b| b.option)
                || prelude
                    .iter()
                    .any(|p| p.members.get(name).is_some_and(|e| e.option));
            // No span: a later entry may define the name again.
            self.scope
                .names
                .insert(name.clone(), Binding::value(ty.clone(), None, option));
        }
    }

    /// The import paths of the session's packages.
    pub fn imports(&self) -> Vec<String> {
        self.scope
            .names
            .values()
            .filter_map(|b| match &b.kind {
                BindingKind::Package(p) => Some(p.path.clone()),
                BindingKind::Value(_) => None,
            })
            .collect()
    }
}

/// Type-checks Flux files against a [`Library`] of packages. A checker is cheap: the
/// library (shared between checkers) holds the checked packages; the checker holds only
/// the type variables of the files it checks. Check a session's entries with one checker.
pub struct Checker {
    library: Arc<Library>,
    pub(crate) subst: Subst,
}

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

impl Checker {
    /// A checker with a library of its own (the embedded standard library).
    pub fn new() -> Self {
        Checker::with_library(Arc::new(Library::new()))
    }

    /// A checker over a shared library: packages it loads are checked once for all.
    pub fn with_library(library: Arc<Library>) -> Self {
        Checker {
            library,
            subst: Subst::new(),
        }
    }

    /// The library this checker imports from.
    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    /// Make a package available to `import` (for embedders and tests), in this checker's
    /// library (so also for every checker sharing it). Its source is checked when first
    /// imported.
    pub fn register_package(&mut self, path: &str, source: &str) {
        self.library.register_package(path, source);
    }

    /// Every package path that can be imported.
    pub fn package_paths(&self) -> Vec<String> {
        self.library.package_paths()
    }

    /// The exports of a package, loading and checking it on first use.
    pub fn package(&mut self, path: &str) -> Result<Arc<PackageExports>, Box<TypeError>> {
        self.library.package(path)
    }

    /// Check a main program (with the prelude in scope).
    pub fn check(&mut self, file: &ast::File, src: &str) -> Checked {
        self.check_in(file, src, &SessionScope::default())
    }

    /// Check one entry of a session: the names earlier entries defined (and the packages
    /// they imported) are in scope, and an entry may define a name again (it shadows the
    /// earlier one). [`SessionScope::commit`] adds a checked entry's names.
    pub fn check_in(&mut self, file: &ast::File, src: &str, session: &SessionScope) -> Checked {
        let prelude = match self.library.prelude() {
            Ok(p) => p,
            Err(e) => {
                return Checked {
                    package: nodes::Package {
                        name: None,
                        imports: Vec::new(),
                        body: Vec::new(),
                    },
                    diagnostics: vec![*e],
                    bindings: Vec::new(),
                }
            }
        };
        let library = Arc::clone(&self.library);
        check_file(
            &mut self.subst,
            file,
            src,
            &prelude,
            &session.scope,
            &mut |p, s| library.load(p, Some(s)),
        )
    }

    /// The names a session entry can use: the prelude's members and the session's own
    /// names and imported packages, sorted.
    pub fn names_in(&mut self, session: &SessionScope) -> Vec<String> {
        let prelude = self.library.prelude().unwrap_or_default();
        let mut names: Vec<String> = prelude
            .iter()
            .flat_map(|p| p.members.keys().cloned())
            .chain(session.scope.names.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// What a name means in a session: a value with its type, or an imported package.
    pub fn lookup_in(&mut self, session: &SessionScope, name: &str) -> Option<Lookup> {
        if let Some(b) = session.scope.names.get(name) {
            return Some(match &b.kind {
                BindingKind::Value(t) => Lookup::Value(t.clone()),
                BindingKind::Package(p) => Lookup::Package(Arc::clone(p)),
            });
        }
        let prelude = self.library.prelude().unwrap_or_default();
        prelude
            .iter()
            .rev()
            .find_map(|p| p.members.get(name))
            .map(|e| Lookup::Value(e.ty.clone()))
    }

    /// The checked semantic graph of a loaded package (for evaluating its Flux-defined
    /// members and options).
    pub fn package_graph(&self, path: &str) -> Option<Arc<nodes::Package>> {
        self.library.package_graph(path)
    }

    /// Print a type in Flux syntax.
    pub fn print(&self, ty: &PolyType) -> String {
        TypePrinter::new().poly(ty)
    }
}

/// A package's exports, or why it cannot be imported.
pub(crate) type LoadResult = Result<Arc<PackageExports>, Box<TypeError>>;

/// Check one file: resolve its imports with `import`, then infer its types in `subst`
/// with the prelude and a session's names in scope.
pub(crate) fn check_file(
    subst: &mut Subst,
    file: &ast::File,
    src: &str,
    prelude: &[Arc<PackageExports>],
    session: &Scope,
    import: &mut dyn FnMut(&str, Span) -> LoadResult,
) -> Checked {
    let mut errors = Vec::new();
    let mut root = Scope::default();
    for p in prelude {
        for (name, export) in &p.members {
            root.names.insert(
                name.clone(),
                Binding::value(export.ty.clone(), None, export.option),
            );
        }
    }
    let mut file_scope = Scope::default();
    let mut imports = Vec::new();
    for i in &file.imports {
        let name = i.name().to_string();
        match import(&i.path.value, i.path.span) {
            Ok(exports) => {
                if let Some(prev) = file_scope.names.get(&name) {
                    errors.push(TypeError::Redefined {
                        name: name.clone(),
                        span: sp(i.span),
                        previous: prev.span.map(sp),
                    });
                    continue;
                }
                file_scope
                    .names
                    .insert(name.clone(), Binding::package(exports, i.span));
                imports.push(nodes::Import {
                    name,
                    path: i.path.value.clone(),
                    span: i.span,
                });
            }
            Err(e) => {
                errors.push(*e);
                // Bind the name anyway, to a value of unknown type, so its uses are not
                // reported again as undefined.
                file_scope.names.insert(
                    name,
                    Binding::value(
                        PolyType::mono(crate::types::MonoType::Error),
                        Some(i.span),
                        false,
                    ),
                );
            }
        }
    }
    let mut infer = Infer::new(subst, src, vec![root, session.clone(), file_scope]);
    let body = infer.file_statements(&file.body);
    let bindings = infer.take_bindings();
    errors.extend(infer.into_errors());
    errors.sort_by_key(|e| e.span().map_or((0, 0), |s| (s.start, s.end)));
    let mut package = nodes::Package {
        name: file.package.as_ref().map(|p| p.name.name.clone()),
        imports,
        body,
    };
    crate::apply::apply_package(subst, &mut package);
    Checked {
        package,
        diagnostics: errors,
        bindings,
    }
}

pub(crate) fn collect_exports(
    body: &[nodes::Statement],
    bindings: &[(String, PolyType)],
    out: &mut BTreeMap<String, Export>,
) {
    let types: HashMap<&str, &PolyType> = bindings.iter().map(|(n, t)| (n.as_str(), t)).collect();
    for s in body {
        let (name, option) = match s {
            nodes::Statement::Variable { name, .. } | nodes::Statement::Builtin { name, .. } => {
                (name, false)
            }
            nodes::Statement::Option {
                package: None,
                name,
                ..
            } => (name, true),
            _ => continue,
        };
        if let Some(ty) = types.get(name.as_str()) {
            out.insert(
                name.clone(),
                Export {
                    ty: (*ty).clone(),
                    option,
                },
            );
        }
    }
}
