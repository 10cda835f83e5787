//! The Flux interpreter: evaluates the typed semantic graph produced by `fluxi-semantic`.
//!
//! Values come from `fluxi-value`. Builtins are Rust functions registered by package and
//! name in a [`Registry`] (the `fluxi-stdlib` crate fills it); a declared builtin without an
//! implementation fails with `not implemented: NAME` when called.

pub mod env;
pub mod error;
mod effects;
mod execute;
pub mod files;
pub mod interp;
pub mod net;
pub mod ops;
pub mod registry;
pub mod runlog;
pub mod secrets;

pub use error::{ErrorKind, EvalError};
pub use effects::MAX_LOG_LINES;
pub use execute::{Explained, MemoryBudget, ResultSink};
pub use files::FileAccess;
pub use net::Egress;
pub use runlog::{LogLevel, LogSink};
pub use secrets::{EnvSecrets, Redactor, SecretStore};
pub use interp::{Closure, Entry, Interpreter, Runtime};
pub use registry::{Args, Builtin, BuiltinFn, DeferredCall, NativeFn, Registry};
