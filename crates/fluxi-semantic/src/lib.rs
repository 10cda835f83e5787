//! The Flux front end's second layer: name resolution, Hindley–Milner type inference with
//! row-polymorphic records and kinds, and the typed semantic graph the evaluator runs.
//!
//! ```
//! let src = "f = (r) => r._value * 2.0";
//! let parsed = fluxi_syntax::parse(src);
//! let mut checker = fluxi_semantic::Checker::new();
//! let checked = checker.check(&parsed.file, src);
//! assert!(checked.is_ok());
//! let (name, ty) = &checked.bindings[0];
//! assert_eq!(format!("{name} : {}", checker.print(ty)), "f : (r: {A with _value: float}) => float");
//! ```
//!
//! Builtin signatures come from `stdlib/<package>/<package>.flux`, embedded at build time.

pub mod check;
pub mod error;
pub mod library;
pub mod nodes;
pub mod snapshot;
pub mod subst;
pub mod types;

mod apply;
mod infer;
mod report;
mod scopes;
mod suggest;

pub use check::{Checked, Checker, Export, Lookup, PackageExports, SessionScope, PRELUDE};
pub use error::TypeError;
pub use library::Library;
pub use snapshot::{snapshot_standard_library, SnapshotError};
pub use types::{BasicType, Function, Kind, MonoType, PolyType, Row, TypePrinter};
