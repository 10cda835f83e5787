//! Sessions: entries run one after another, each seeing the imports, variables and options
//! of the entries before it (what a REPL needs).

use crate::error::{Diagnostics, Error, Result};
use crate::{explain, runtime, Engine, Results};
use fluxi_eval::Interpreter;
use fluxi_semantic::{Lookup, MonoType, SessionScope, TypePrinter};
use fluxi_storage::Storage;
use fluxi_syntax::SyntaxError;
use fluxi_value::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What an entry produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Its results (streams it yielded or wrote as statements).
    pub results: Results,
    /// The value of its last expression statement when that is not a stream (`1 + 1`).
    pub value: Option<Value>,
    /// The names it defined, with their types in Flux syntax.
    pub defined: Vec<(String, String)>,
    /// Warnings about the entry (it ran anyway), if any.
    pub warnings: Option<Diagnostics>,
}

/// A REPL-like session over an [`Engine`]: each entry is checked and run with everything
/// earlier entries defined in scope; an entry may define a name again. An entry that fails
/// (to compile or to run) leaves the session's names as they were (an `option` it set
/// before failing at run time stays set, as options are set before the rest runs).
pub struct Session {
    interp: Interpreter,
    scope: SessionScope,
    values: Vec<(String, Value)>,
    cancel: Arc<AtomicBool>,
    storage: Option<Arc<dyn Storage>>,
}

/// Whether `source` is an unfinished entry that more lines could complete: an open
/// bracket, a trailing `|>` or operator, an unterminated string. A REPL keeps reading
/// lines while this holds.
pub fn needs_more_input(source: &str) -> bool {
    let parsed = fluxi_syntax::parse(source);
    let mut errors = parsed.errors().peekable();
    errors.peek().is_some()
        && errors.all(|e| {
            matches!(
                e,
                SyntaxError::UnexpectedEnd { .. }
                    | SyntaxError::UnterminatedString { .. }
                    | SyntaxError::UnterminatedRegex { .. }
            )
        })
}

impl Session {
    pub(crate) fn new(engine: Engine) -> Session {
        let cancel = Arc::new(AtomicBool::new(false));
        let mut interp = engine.interpreter();
        interp.set_cancel(Arc::clone(&cancel));
        Session {
            interp,
            scope: SessionScope::default(),
            values: Vec::new(),
            cancel,
            storage: engine.storage(),
        }
    }

    /// The flag that cancels the running entry: set it (from a signal handler or another
    /// thread) and the entry stops at its next function call. Each entry clears it when
    /// it starts.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    /// The store, if the engine has one.
    pub fn storage(&self) -> Option<Arc<dyn Storage>> {
        self.storage.clone()
    }

    /// Fix the time `now()` returns from now on (Unix nanoseconds).
    pub fn set_now(&mut self, unix_nanos: i64) {
        self.interp.set_now(unix_nanos);
    }

    /// Check and run one entry.
    pub fn eval(&mut self, source: &str) -> Result<Outcome> {
        self.eval_named("input", source)
    }

    /// Check and run one entry, naming its source `name` in diagnostics (a file name).
    pub fn eval_named(&mut self, name: &str, source: &str) -> Result<Outcome> {
        self.run(name, source, false).map(|(outcome, _)| outcome)
    }

    /// Each result's plan of an entry, without reading data (the entry's definitions are
    /// not kept).
    pub fn explain(&mut self, source: &str) -> Result<String> {
        self.run("input", source, true).map(|(_, plans)| plans)
    }

    fn run(&mut self, name: &str, source: &str, explain_only: bool) -> Result<(Outcome, String)> {
        self.cancel.store(false, Ordering::Relaxed);
        let src: Arc<str> = Arc::from(source);
        let mut diags = Diagnostics::new(name, &src);
        let parsed = fluxi_syntax::parse(source);
        let failed = parsed.has_errors();
        for d in parsed.diagnostics {
            diags.syntax(d);
        }
        if failed {
            return Err(Error::Compile(diags));
        }
        let checked = self
            .interp
            .checker()
            .check_in(&parsed.file, source, &self.scope);
        if !checked.is_ok() {
            for d in checked.diagnostics {
                diags.types(d);
            }
            return Err(Error::Compile(diags));
        }
        self.interp.set_explain_only(explain_only);
        self.interp.take_explained();
        let entry = self.interp.run_entry(&checked.package, &self.values);
        self.interp.set_explain_only(false);
        let entry = entry.map_err(|e| runtime(name, &src, e))?;
        if explain_only {
            let explained = self.interp.take_explained();
            let plans = explain::Explain::new(source, explained, &entry.results).to_string();
            return Ok((Outcome::default(), plans));
        }
        let defined = checked
            .bindings
            .iter()
            .map(|(n, t)| (n.clone(), TypePrinter::new().poly(t)))
            .collect();
        self.scope
            .commit(self.interp.checker(), &parsed.file, &checked);
        for (n, v) in entry.bindings {
            self.values.retain(|(m, _)| *m != n);
            self.values.push((n, v));
        }
        Ok((
            Outcome {
                results: Results::from_streams(entry.results),
                value: entry.value,
                defined,
                warnings: (!diags.is_empty()).then_some(diags),
            },
            String::new(),
        ))
    }

    /// The type of an expression, in Flux syntax (`(x: A) => A where A: Addable`).
    pub fn type_of(&mut self, expr: &str) -> Result<String> {
        let wrapped = format!("__type_of__ = {expr}");
        let src: Arc<str> = Arc::from(expr);
        let mut diags = Diagnostics::new("input", &src);
        let parsed = fluxi_syntax::parse(&wrapped);
        if parsed.has_errors() {
            // Report against what was typed, not the wrapper.
            let own = fluxi_syntax::parse(expr);
            for d in own.diagnostics {
                diags.syntax(d);
            }
            if !diags.has_errors() {
                return Err(Error::Invalid(format!(
                    "`{expr}` is not an expression (:type takes an expression)"
                )));
            }
            return Err(Error::Compile(diags));
        }
        let checked = self
            .interp
            .checker()
            .check_in(&parsed.file, &wrapped, &self.scope);
        if !checked.is_ok() {
            // Check what was typed on its own, so the spans point into it.
            let own = fluxi_syntax::parse(expr);
            let again = self.interp.checker().check_in(&own.file, expr, &self.scope);
            for d in again.diagnostics {
                diags.types(d);
            }
            if !diags.has_errors() {
                return Err(Error::Invalid(format!("`{expr}` does not type-check")));
            }
            return Err(Error::Compile(diags));
        }
        checked
            .bindings
            .iter()
            .find(|(n, _)| n == "__type_of__")
            .map(|(_, t)| TypePrinter::new().poly(t))
            .ok_or_else(|| Error::Invalid(format!("`{expr}` has no type")))
    }

    /// Every name an entry can use: the prelude's and the session's own, sorted.
    pub fn names(&mut self) -> Vec<String> {
        self.interp.checker().names_in(&self.scope)
    }

    /// The members of the package imported as `alias`, sorted, or `None` when `alias` is
    /// not an imported package.
    pub fn members(&mut self, alias: &str) -> Option<Vec<String>> {
        match self.interp.checker().lookup_in(&self.scope, alias)? {
            Lookup::Package(p) => Some(p.members.keys().cloned().collect()),
            Lookup::Value(_) => None,
        }
    }

    /// Every package path that can be imported.
    pub fn package_paths(&mut self) -> Vec<String> {
        self.interp.checker().package_paths()
    }

    /// The parameter names of the function `callee` (`name` or `package.name`), pipe
    /// parameter excluded, required ones first; `None` when it is not a function.
    pub fn parameters(&mut self, callee: &str) -> Option<Vec<String>> {
        let ty = match callee.split_once('.') {
            None => match self.interp.checker().lookup_in(&self.scope, callee)? {
                Lookup::Value(t) => t,
                Lookup::Package(_) => return None,
            },
            Some((alias, member)) => match self.interp.checker().lookup_in(&self.scope, alias)? {
                Lookup::Package(p) => p.members.get(member)?.ty.clone(),
                Lookup::Value(_) => return None,
            },
        };
        match &ty.ty {
            MonoType::Fun(f) => Some(f.req.keys().chain(f.opt.keys()).cloned().collect()),
            _ => None,
        }
    }
}
