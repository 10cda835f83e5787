//! The checker: loads packages (the embedded standard library and any registered by an
//! embedder), sets up the prelude, and type-checks files into the semantic graph.

use crate::error::{sp, TypeError};
use crate::infer::{Binding, BindingKind, Infer, Scope};
use crate::nodes;
use crate::subst::Subst;
use crate::types::{PolyType, TypePrinter};
use fluxi_syntax::ast;
use fluxi_syntax::Span;
use std::collections::{BTreeMap, HashMap};

use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/stdlib_files.rs"));

/// The packages whose members every program sees without importing them, in load order.
pub const PRELUDE: &[&str] = &[
    "internal/boolean",
    "internal/location",
    "universe",
    "influxdata/influxdb",
];

/// What a package exports.
#[derive(Debug, Clone)]
pub struct PackageExports {
    /// The import path.
    pub path: String,
    /// The members by name.
    pub members: BTreeMap<String, Export>,
}

/// One exported member.
#[derive(Debug, Clone)]
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
        for import in &entry.imports {
            if let Ok(exports) = checker.load(&import.path.value, None) {
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
                || checker
                    .prelude
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

/// Type-checks Flux files against the standard library. One checker can check many files;
/// packages are loaded once.
pub struct Checker {
    pub(crate) subst: Subst,
    packages: HashMap<String, Arc<PackageExports>>,
    graphs: HashMap<String, Arc<nodes::Package>>,
    loading: Vec<String>,
    extra: HashMap<String, String>,
    prelude: Vec<Arc<PackageExports>>,
    prelude_ready: bool,
}

impl Default for Checker {
    fn default() -> Self {
        Checker::new()
    }
}

impl Checker {
    /// A checker with the embedded standard library.
    pub fn new() -> Self {
        Checker {
            subst: Subst::new(),
            packages: HashMap::new(),
            graphs: HashMap::new(),
            loading: Vec::new(),
            extra: HashMap::new(),
            prelude: Vec::new(),
            prelude_ready: false,
        }
    }

    /// Make a package available to `import` (for embedders and tests). Its source is
    /// checked when first imported.
    pub fn register_package(&mut self, path: &str, source: &str) {
        self.extra.insert(path.to_string(), source.to_string());
        self.packages.remove(path);
    }

    /// Every package path that can be imported.
    pub fn package_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = STDLIB_FILES.iter().map(|(p, _, _)| p.to_string()).collect();
        paths.extend(self.extra.keys().cloned());
        paths.sort();
        paths.dedup();
        paths
    }

    fn source_of(&self, path: &str) -> Option<(String, String)> {
        if let Some(src) = self.extra.get(path) {
            return Some((format!("{path}.flux"), src.clone()));
        }
        STDLIB_FILES
            .iter()
            .find(|(p, _, _)| *p == path)
            .map(|(p, name, src)| (format!("stdlib/{p}/{name}"), src.to_string()))
    }

    fn ensure_prelude(&mut self) -> Result<(), Box<TypeError>> {
        if self.prelude_ready {
            return Ok(());
        }
        self.prelude_ready = true;
        for path in PRELUDE {
            let exports = self.load(path, None)?;
            self.prelude.push(exports);
        }
        Ok(())
    }

    /// The exports of a package, loading and checking it on first use.
    pub fn package(&mut self, path: &str) -> Result<Arc<PackageExports>, Box<TypeError>> {
        self.ensure_prelude()?;
        self.load(path, None)
    }

    pub(crate) fn load(
        &mut self,
        path: &str,
        span: Option<Span>,
    ) -> Result<Arc<PackageExports>, Box<TypeError>> {
        if let Some(p) = self.packages.get(path) {
            return Ok(Arc::clone(p));
        }
        let at = span.map(sp).unwrap_or_else(|| sp(Span::default()));
        if self.loading.iter().any(|p| p == path) {
            let mut cycle = self.loading.clone();
            cycle.push(path.to_string());
            return Err(Box::new(TypeError::ImportCycle {
                cycle: cycle.join(" -> "),
                span: at,
            }));
        }
        let Some((file_name, src)) = self.source_of(path) else {
            let hint =
                crate::suggest::closest(path, self.package_paths().iter().map(String::as_str))
                    .map(|p| format!("did you mean \"{p}\"?"));
            return Err(Box::new(TypeError::UnknownPackage {
                path: path.to_string(),
                span: at,
                hint,
            }));
        };
        let stdlib_error = |message: String| {
            Box::new(TypeError::Stdlib {
                package: path.to_string(),
                message,
                span: span.map(sp),
            })
        };
        let parsed = fluxi_syntax::parse(&src);
        if let Some(e) = parsed.errors().next() {
            return Err(stdlib_error(format!("{file_name}: {e}")));
        }
        self.loading.push(path.to_string());
        let prelude = self.prelude.clone();
        let checked = self.check_with(&parsed.file, &src, &prelude, &Scope::default());
        self.loading.pop();
        if let Some(e) = checked.diagnostics.first() {
            let at = e
                .span()
                .map(|s| {
                    let (l, c) = fluxi_syntax::span::line_col(&src, s.start as usize);
                    format!("{file_name}:{l}:{c}: ")
                })
                .unwrap_or_default();
            return Err(stdlib_error(format!("{at}{e}")));
        }
        let mut members = BTreeMap::new();
        collect_exports(&checked.package.body, &checked.bindings, &mut members);
        let exports = Arc::new(PackageExports {
            path: path.to_string(),
            members,
        });
        self.packages.insert(path.to_string(), Arc::clone(&exports));
        self.graphs
            .insert(path.to_string(), Arc::new(checked.package));
        Ok(exports)
    }

    /// Check a main program (with the prelude in scope).
    pub fn check(&mut self, file: &ast::File, src: &str) -> Checked {
        self.check_in(file, src, &SessionScope::default())
    }

    /// Check one entry of a session: the names earlier entries defined (and the packages
    /// they imported) are in scope, and an entry may define a name again (it shadows the
    /// earlier one). [`SessionScope::commit`] adds a checked entry's names.
    pub fn check_in(&mut self, file: &ast::File, src: &str, session: &SessionScope) -> Checked {
        if let Err(e) = self.ensure_prelude() {
            return Checked {
                package: nodes::Package {
                    name: None,
                    imports: Vec::new(),
                    body: Vec::new(),
                },
                diagnostics: vec![*e],
                bindings: Vec::new(),
            };
        }
        let prelude = self.prelude.clone();
        self.check_with(file, src, &prelude, &session.scope)
    }

    /// The names a session entry can use: the prelude's members and the session's own
    /// names and imported packages, sorted.
    pub fn names_in(&mut self, session: &SessionScope) -> Vec<String> {
        let _ = self.ensure_prelude();
        let mut names: Vec<String> = self
            .prelude
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
        let _ = self.ensure_prelude();
        if let Some(b) = session.scope.names.get(name) {
            return Some(match &b.kind {
                BindingKind::Value(t) => Lookup::Value(t.clone()),
                BindingKind::Package(p) => Lookup::Package(Arc::clone(p)),
            });
        }
        self.prelude
            .iter()
            .rev()
            .find_map(|p| p.members.get(name))
            .map(|e| Lookup::Value(e.ty.clone()))
    }

    fn check_with(
        &mut self,
        file: &ast::File,
        src: &str,
        prelude: &[Arc<PackageExports>],
        session: &Scope,
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
        for import in &file.imports {
            let name = import.name().to_string();
            match self.load(&import.path.value, Some(import.path.span)) {
                Ok(exports) => {
                    if let Some(prev) = file_scope.names.get(&name) {
                        errors.push(TypeError::Redefined {
                            name: name.clone(),
                            span: sp(import.span),
                            previous: prev.span.map(sp),
                        });
                        continue;
                    }
                    file_scope
                        .names
                        .insert(name.clone(), Binding::package(exports, import.span));
                    imports.push(nodes::Import {
                        name,
                        path: import.path.value.clone(),
                        span: import.span,
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
                            Some(import.span),
                            false,
                        ),
                    );
                }
            }
        }
        let mut infer = Infer::new(
            &mut self.subst,
            src,
            vec![root, session.clone(), file_scope],
        );
        let body = infer.file_statements(&file.body);
        let bindings = infer.take_bindings();
        errors.extend(infer.into_errors());
        errors.sort_by_key(|e| e.span().map_or((0, 0), |s| (s.start, s.end)));
        let mut package = nodes::Package {
            name: file.package.as_ref().map(|p| p.name.name.clone()),
            imports,
            body,
        };
        crate::apply::apply_package(&self.subst, &mut package);
        Checked {
            package,
            diagnostics: errors,
            bindings,
        }
    }

    /// The checked semantic graph of a loaded package (for evaluating its Flux-defined
    /// members and options).
    pub fn package_graph(&self, path: &str) -> Option<Arc<nodes::Package>> {
        self.graphs.get(path).cloned()
    }

    /// Print a type in Flux syntax.
    pub fn print(&self, ty: &PolyType) -> String {
        TypePrinter::new().poly(ty)
    }
}

fn collect_exports(
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
