//! The library of the `fluxi-bench` binary: [`load`], concurrent writers and readers
//! against a running `fluxi serve`, shared by `fluxi-bench load` and the durability test
//! `crates/fluxi-cli/tests/load.rs`.

pub mod load;
pub mod metrics;
