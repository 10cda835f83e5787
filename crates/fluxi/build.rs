//! Check the embedded standard library now, at build time, so an engine decodes the
//! packages a query imports instead of checking them at start-up (see
//! `fluxi_semantic::snapshot`). Writes `$OUT_DIR/stdlib.snapshot`.
use std::path::PathBuf;

fn main() {
    // Rerun when the standard library changes (a change in the checker rebuilds this
    // script, as it is a build dependency).
    let stdlib = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../stdlib");
    println!("cargo:rerun-if-changed={}", stdlib.display());
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("stdlib.snapshot");
    let bytes = match fluxi_semantic::snapshot_standard_library() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot snapshot the standard library: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = std::fs::write(&out, bytes) {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
