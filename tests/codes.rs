//! Every diagnostic code in the source is defined once and documented in docs/errors.md,
//! and docs/errors.md lists no code the source does not have.
//!
//! A code is found in every `.rs` file under `crates/*/src` in either form the source uses:
//! a string literal `"fluxi::<layer>::<name>"` (the `code()` of a kind enum) or a miette
//! derive attribute `code(fluxi::<layer>::<name>)`. Comment lines are skipped, so doc
//! comments may mention codes freely.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The codes written in one source text, in order of appearance.
fn codes_in(source: &str) -> Vec<String> {
    let mut codes = Vec::new();
    for line in source.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for (prefix, ends) in [("\"fluxi::", &['"'][..]), ("code(fluxi::", &[')', ','][..])] {
            let mut rest = line;
            while let Some(at) = rest.find(prefix) {
                let after = &rest[at + prefix.len()..];
                let path: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let closed = after[path.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| ends.contains(&c));
                let parts: Vec<&str> = path.split("::").collect();
                if closed && parts.len() == 2 && parts.iter().all(|p| !p.is_empty()) {
                    codes.push(format!("fluxi::{path}"));
                }
                rest = &after[path.len()..];
            }
        }
    }
    codes
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The codes of the documentation's tables: the first cell of each row, such as
/// "| `fluxi::eval::runtime` | ...".
fn documented(docs: &str) -> BTreeSet<String> {
    docs.lines()
        .filter_map(|l| l.strip_prefix("| `fluxi::"))
        .filter_map(|l| l.split('`').next())
        .map(|c| format!("fluxi::{c}"))
        .collect()
}

#[test]
fn codes_are_unique_and_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let docs = std::fs::read_to_string(root.join("docs/errors.md")).unwrap_or_default();
    assert!(!docs.is_empty(), "docs/errors.md is missing");

    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    crates.sort();
    let mut files = Vec::new();
    for krate in &crates {
        rust_files(&krate.join("src"), &mut files);
    }
    assert!(files.len() >= 50, "found only {} source files", files.len());

    // Where each code is written.
    let mut places: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap_or_default();
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        for code in codes_in(&source) {
            places.entry(code).or_default().push(name.clone());
        }
    }

    let rows = documented(&docs);
    for (code, at) in &places {
        assert!(
            at.len() == 1,
            "code {code} is written {} times ({}); define each code once (in its kind's \
             code()) and refer to it from there",
            at.len(),
            at.join(", ")
        );
        assert!(
            rows.contains(code),
            "code {code} ({}) has no row in docs/errors.md",
            at[0]
        );
    }
    for code in &rows {
        assert!(
            places.contains_key(code),
            "docs/errors.md lists {code}, which no source defines"
        );
    }
    // Syntax, types, eval, storage, exec and value codes: the scan must not pass because
    // it found nothing.
    for layer in ["syntax", "types", "eval", "storage", "exec", "value"] {
        assert!(
            places
                .keys()
                .any(|c| c.starts_with(&format!("fluxi::{layer}::"))),
            "no fluxi::{layer}:: code found; did the source layout change?"
        );
    }
    assert!(
        places.len() >= 70,
        "found only {} codes; did the source layout change?",
        places.len()
    );
}

#[test]
fn the_scan_finds_both_forms_and_skips_comments() {
    let source = r#"
        /// Mentions "fluxi::doc::ignored" in a doc comment.
        #[diagnostic(code(fluxi::syntax::one), help("x"))]
        #[diagnostic(code(fluxi::syntax::two))]
        Kind::A => "fluxi::storage::three", Kind::B => "fluxi::storage::four",
        // "fluxi::comment::ignored"
        use fluxi::eval::EvalError; let s = "fluxi::too::many::parts"; let t = "fluxi::x";
        let u = "fluxi::not closed;
    "#;
    assert_eq!(
        codes_in(source),
        [
            "fluxi::syntax::one",
            "fluxi::syntax::two",
            "fluxi::storage::three",
            "fluxi::storage::four",
        ]
    );
    let docs =
        "| code | meaning |\n|---|---|\n| `fluxi::eval::runtime` | x |\nsee `fluxi::eval::other`\n";
    assert_eq!(
        documented(docs),
        BTreeSet::from(["fluxi::eval::runtime".to_string()])
    );
}
