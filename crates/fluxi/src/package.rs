//! Packages of an embedder's own functions: Rust closures with Flux type signatures,
//! imported by scripts like any standard package.

use crate::error::{Error, Result};
use fluxi_eval::{Args, EvalError, NativeFn, Registry};
use fluxi_value::Value;
use std::fmt::Write;
use std::sync::Arc;

/// A package of Rust functions a script can `import`.
///
/// ```
/// use fluxi::{Engine, Package, Value};
///
/// let units = Package::new("acme/units")
///     .function("toCelsius", "(f: float) => float", |args| {
///         let f = args.opt_float("f")?.unwrap_or(f64::NAN);
///         Ok(Value::Float((f - 32.0) * 5.0 / 9.0))
///     });
/// let engine = Engine::builder().package(units).build()?;
/// let results = engine.query(r#"
///     import "array"
///     import "acme/units"
///     array.from(rows: [{_value: units.toCelsius(f: 212.0)}])
/// "#)?;
/// let table = &results.get("_result").unwrap().tables[0];
/// assert!(matches!(table.value(0, 0), Value::Float(c) if c == 100.0));
/// # Ok::<(), fluxi::Error>(())
/// ```
pub struct Package {
    path: String,
    functions: Vec<(String, String, NativeFn)>,
    constants: Vec<(String, String, Value)>,
    flux: String,
}

impl Package {
    /// A package imported as `import "PATH"` (segments of letters, digits and `_`,
    /// separated by `/`); its members are used as `LAST_SEGMENT.name`.
    pub fn new(path: &str) -> Package {
        Package {
            path: path.to_string(),
            functions: Vec::new(),
            constants: Vec::new(),
            flux: String::new(),
        }
    }

    /// A function: its name, its Flux type (`(v: float, ?places: int) => float`; a
    /// parameter with `?` is optional, `<-` marks the piped one) and its implementation.
    /// Arguments are read from [`Args`] by name; an `Err` stops the script with that error
    /// placed at the call.
    pub fn function(
        mut self,
        name: &str,
        signature: &str,
        f: impl Fn(&mut Args) -> Result<Value, EvalError> + Send + Sync + 'static,
    ) -> Package {
        let f: NativeFn = Arc::new(move |_, args| f(args));
        self.functions
            .push((name.to_string(), signature.to_string(), f));
        self
    }

    /// A constant of a Flux type (`string`, `float`, ...).
    pub fn constant(mut self, name: &str, ty: &str, value: Value) -> Package {
        self.constants
            .push((name.to_string(), ty.to_string(), value));
        self
    }

    /// Members written in Flux itself, which may use the package's functions.
    pub fn flux(mut self, source: &str) -> Package {
        self.flux.push_str(source);
        self.flux.push('\n');
        self
    }

    /// Register the implementations; returns the path and the package's Flux source.
    pub(crate) fn install(self, registry: &mut Registry) -> Result<(String, String)> {
        let segments: Vec<&str> = self.path.split('/').collect();
        let valid = |s: &str| {
            !s.is_empty()
                && !s.starts_with(|c: char| c.is_ascii_digit())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if !segments.iter().all(|s| valid(s)) {
            return Err(Error::Invalid(format!(
                "{:?} is not a package path: use segments of letters, digits and `_` \
                 separated by `/`, such as \"acme/units\"",
                self.path
            )));
        }
        let name = segments.last().copied().unwrap_or_default();
        let mut source = format!("package {name}\n\n");
        for (member, ty, value) in self.constants {
            if !valid(&member) {
                return Err(Error::Invalid(format!("{member:?} is not a Flux name")));
            }
            let _ = writeln!(source, "builtin {member} : {ty}");
            registry.constant(self.path.clone(), member, value);
        }
        for (member, signature, f) in self.functions {
            if !valid(&member) {
                return Err(Error::Invalid(format!("{member:?} is not a Flux name")));
            }
            let _ = writeln!(source, "builtin {member} : {signature}");
            registry.register(self.path.clone(), member, move |i, a| f(i, a));
        }
        source.push_str(&self.flux);
        Ok((self.path, source))
    }
}
