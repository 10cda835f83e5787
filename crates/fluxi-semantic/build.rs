//! Embed every `stdlib/**/*.flux` file: generates `stdlib_files.rs`, a table of
//! (package path, source) pairs.
use std::path::{Path, PathBuf};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "flux") {
            let rel = path
                .parent()
                .and_then(|p| p.strip_prefix(root).ok())
                .map(|p| p.to_string_lossy().replace('\\', "/"));
            if let Some(rel) = rel {
                out.push((rel, path.clone()));
            }
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    let mut code = String::from("/// (package path, file name, source) of every embedded stdlib file.\npub static STDLIB_FILES: &[(&str, &str, &str)] = &[\n");
    for (pkg, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let abs = path.canonicalize().unwrap_or_else(|_| path.clone());
        code.push_str(&format!(
            "    ({pkg:?}, {name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    code.push_str("];\n");
    // A fingerprint of the embedded sources, so a snapshot of checked packages made from
    // other sources is never used (see `snapshot.rs`). FNV-1a over paths, names and texts.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (pkg, path) in &files {
        let text = std::fs::read(path).unwrap_or_default();
        let name = path
            .file_name()
            .map(|n| n.as_encoded_bytes())
            .unwrap_or_default();
        for bytes in [pkg.as_bytes(), name, &text] {
            for b in bytes.iter().chain(&[0xff]) {
                hash = (hash ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    code.push_str(&format!(
        "/// A fingerprint of the embedded sources.\npub const STDLIB_FINGERPRINT: u64 = {hash:#x};\n"
    ));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("stdlib_files.rs");
    if let Err(e) = std::fs::write(&out, code) {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
