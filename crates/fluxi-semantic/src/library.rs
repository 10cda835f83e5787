//! The library: every package a program can import (the embedded standard library and any
//! an embedder registers), each parsed and checked once, on first use, and shared by every
//! [`Checker`](crate::Checker) made from it — an engine's queries and sessions all use one.
//!
//! A package is checked with a type-variable store of its own, and its exports are closed
//! (every free variable quantified), so a checker instantiates them into its own store and
//! never shares type variables with the library or with another checker.

use crate::check::{check_file, collect_exports, Checked, LoadResult, PackageExports, PRELUDE};
use crate::error::{sp, TypeError};
use crate::infer::Scope;
use crate::nodes;
use crate::snapshot::{Snapshot, SnapshotError};
use crate::subst::Subst;
use crate::types::PolyType;
use fluxi_syntax::Span;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

include!(concat!(env!("OUT_DIR"), "/stdlib_files.rs"));

/// The importable packages, checked lazily and cached. `Send + Sync`: share it in an `Arc`.
#[derive(Default)]
pub struct Library {
    state: Mutex<State>,
    /// Standard packages checked ahead of time ([`Library::with_snapshot`]).
    snapshot: Snapshot,
}

impl std::fmt::Debug for Library {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Library")
    }
}

#[derive(Default)]
struct State {
    /// Packages registered by an embedder or a test: path → source.
    extra: HashMap<String, String>,
    packages: HashMap<String, Arc<PackageExports>>,
    graphs: HashMap<String, Arc<nodes::Package>>,
    /// Paths being loaded (to report import cycles).
    loading: Vec<String>,
    /// The prelude packages loaded so far, in [`PRELUDE`] order.
    prelude: Vec<Arc<PackageExports>>,
    prelude_ready: bool,
    /// How many packages have been checked or decoded from the snapshot.
    loaded: usize,
}

impl Library {
    /// A library of the embedded standard library.
    pub fn new() -> Library {
        Library::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while loading cannot leave a half-inserted package (inserts come last),
        // so the state of a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A library of the embedded standard library whose packages are decoded from
    /// `snapshot` (made by [`snapshot_standard_library`](crate::snapshot_standard_library),
    /// usually at build time) instead of checked. A snapshot made from other sources or
    /// by another version is refused ([`SnapshotError::Stale`]).
    pub fn with_snapshot(snapshot: &'static [u8]) -> Result<Library, SnapshotError> {
        Ok(Library {
            state: Mutex::default(),
            snapshot: Snapshot::parse(snapshot)?,
        })
    }

    /// How many packages the library's snapshot holds (0 without one).
    pub fn snapshot_packages(&self) -> usize {
        self.snapshot.len()
    }

    /// Make a package available to `import`. Its source is checked when first imported;
    /// registering a path again replaces the earlier source.
    pub fn register_package(&self, path: &str, source: &str) {
        let mut state = self.lock();
        state.extra.insert(path.to_string(), source.to_string());
        state.packages.remove(path);
        state.graphs.remove(path);
    }

    /// Every package path that can be imported, sorted.
    pub fn package_paths(&self) -> Vec<String> {
        self.lock().package_paths()
    }

    /// The paths of the embedded standard library, sorted.
    pub fn standard_paths() -> Vec<String> {
        let mut paths: Vec<String> = STDLIB_FILES.iter().map(|(p, _, _)| p.to_string()).collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// The exports of a package, loading and checking it (and the prelude) on first use.
    pub fn package(&self, path: &str) -> LoadResult {
        let mut state = self.lock();
        state.ensure_prelude(&self.snapshot)?;
        state.load(&self.snapshot, path, None)
    }

    /// The checked semantic graph of a loaded package (for evaluating its Flux-defined
    /// members and options).
    pub fn package_graph(&self, path: &str) -> Option<Arc<nodes::Package>> {
        self.lock().graphs.get(path).cloned()
    }

    /// How many packages this library has loaded so far: type-checked, or decoded from
    /// its snapshot (each package once, unless registered again).
    pub fn packages_loaded(&self) -> usize {
        self.lock().loaded
    }

    /// The prelude's packages, loading them on first use.
    pub(crate) fn prelude(&self) -> Result<Vec<Arc<PackageExports>>, Box<TypeError>> {
        let mut state = self.lock();
        state.ensure_prelude(&self.snapshot)?;
        Ok(state.prelude.clone())
    }

    /// A package for an `import` written at `span`.
    pub(crate) fn load(&self, path: &str, span: Option<Span>) -> LoadResult {
        let mut state = self.lock();
        state.ensure_prelude(&self.snapshot)?;
        state.load(&self.snapshot, path, span)
    }
}

impl State {
    fn package_paths(&self) -> Vec<String> {
        let mut paths = Library::standard_paths();
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

    fn ensure_prelude(&mut self, snapshot: &Snapshot) -> Result<(), Box<TypeError>> {
        if self.prelude_ready {
            return Ok(());
        }
        self.prelude_ready = true;
        for path in PRELUDE {
            let exports = self.load(snapshot, path, None)?;
            self.prelude.push(exports);
        }
        Ok(())
    }

    fn load(&mut self, snapshot: &Snapshot, path: &str, span: Option<Span>) -> LoadResult {
        if let Some(p) = self.packages.get(path) {
            return Ok(Arc::clone(p));
        }
        if !self.extra.contains_key(path) {
            if let Some((exports, graph)) = snapshot.package(path) {
                self.loaded += 1;
                let exports = Arc::new(exports);
                self.packages.insert(path.to_string(), Arc::clone(&exports));
                self.graphs.insert(path.to_string(), Arc::new(graph));
                return Ok(exports);
            }
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
            let paths = self.package_paths();
            let hint = crate::suggest::closest(path, paths.iter().map(String::as_str))
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
        self.loaded += 1;
        let prelude = self.prelude.clone();
        let mut subst = Subst::new();
        let checked: Checked = check_file(
            &mut subst,
            &parsed.file,
            &src,
            &prelude,
            &Scope::default(),
            &mut |p, s| self.load(snapshot, p, Some(s)),
        );
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
        // Close every exported type: its variables belong to this package's own store.
        let closed: Vec<(String, PolyType)> = checked
            .bindings
            .iter()
            .map(|(n, t)| (n.clone(), close(&subst, t)))
            .collect();
        let mut members = BTreeMap::new();
        collect_exports(&checked.package.body, &closed, &mut members);
        let exports = Arc::new(PackageExports {
            path: path.to_string(),
            members,
        });
        self.packages.insert(path.to_string(), Arc::clone(&exports));
        self.graphs
            .insert(path.to_string(), Arc::new(checked.package));
        Ok(exports)
    }
}

/// `t` with every free variable quantified; its kinds are those the store records and
/// those the type declares (a `builtin` signature's `where` clause).
fn close(subst: &Subst, t: &PolyType) -> PolyType {
    let mut closed = subst.generalize_all(&t.ty);
    for (v, kinds) in &t.kinds {
        if closed.vars.contains(v) {
            closed
                .kinds
                .entry(*v)
                .or_default()
                .extend(kinds.iter().cloned());
        }
    }
    closed
}
