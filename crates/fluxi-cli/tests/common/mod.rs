//! What the integration tests that drive the `fluxi` binary as users do share.

/// The binary under test: `$FLUXI_TEST_BIN` when set (`scripts/test.sh` runs these tests a
/// second time over the binary as shipped, from `scripts/build.sh`), else the one cargo
/// built for the tests.
pub fn fluxi_bin() -> std::ffi::OsString {
    std::env::var_os("FLUXI_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_fluxi").into())
}
