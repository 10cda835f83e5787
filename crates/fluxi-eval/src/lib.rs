//! The Flux interpreter: evaluates the typed semantic graph produced by `fluxi-semantic`.
//!
//! Values come from `fluxi-value`. Builtins are Rust functions registered by package and
//! name in a [`Registry`] (the `fluxi-stdlib` crate fills it); a declared builtin without an
//! implementation fails with `not implemented: NAME` when called.

mod effects;
pub mod env;
pub mod error;
mod execute;
pub mod files;
pub mod interp;
pub mod net;
pub mod ops;
mod options;
pub mod registry;
pub mod runlog;
pub mod secrets;

pub use effects::MAX_LOG_LINES;
pub use error::{ErrorKind, EvalError};
pub use execute::{Explained, MemoryBudget, ResultSink};
pub use files::FileAccess;
pub use interp::{Closure, Entry, Interpreter, Runtime, ROW_PATH};
pub use net::Egress;
pub use registry::{Args, Builtin, BuiltinFn, DeferredCall, NativeFn, Registry};
pub use runlog::{LogLevel, LogSink};
pub use secrets::{EnvSecrets, Redactor, SecretStore};
