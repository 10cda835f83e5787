//! Table operators: the transformations of a Flux pipeline over whole tables.
//!
//! Row functions of `filter` and `map` run over whole Arrow columns when they compile to
//! a [`vector::VExpr`], and row by row otherwise; other operators are being moved from
//! row-at-a-time loops to Arrow kernels where profiles show they matter.

pub mod builder;
mod codes;
pub mod diff;
pub mod error;
pub mod join;
pub mod logical;
pub mod ops;
pub mod pivot;
pub mod plan;
pub mod rules;
pub mod vector;
pub mod window;

pub use builder::TableBuilder;
pub use error::{ExecError, ExecErrorKind, Result};
