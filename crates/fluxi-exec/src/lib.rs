//! Table operators: the transformations of a Flux pipeline over whole tables.
//!
//! Operators work row by row through [`fluxi_value::Table`] for now; vectorised Arrow
//! kernels replace them one by one where profiles show they matter.

pub mod builder;
pub mod diff;
pub mod error;
pub mod ops;
pub mod window;

pub use builder::TableBuilder;
pub use error::{ExecError, Result};
