//! Every diagnostic code in the source is unique and documented in docs/errors.md.

use std::collections::HashSet;
use std::path::Path;

#[test]
fn codes_are_unique_and_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let docs = std::fs::read_to_string(root.join("docs/errors.md")).unwrap_or_default();
    assert!(!docs.is_empty(), "docs/errors.md is missing");
    let mut seen = HashSet::new();
    let crates = std::fs::read_dir(root.join("crates"))
        .map(|rd| rd.filter_map(|e| e.ok()).collect::<Vec<_>>())
        .unwrap_or_default();
    for krate in crates {
        let Ok(source) = std::fs::read_to_string(krate.path().join("src/error.rs")) else {
            continue;
        };
        for part in source.split("code(").skip(1) {
            let code: String = part
                .chars()
                .take_while(|c| *c != ')' && *c != ',')
                .collect();
            if !code.starts_with("fluxi::") {
                continue;
            }
            assert!(seen.insert(code.clone()), "code {code} is used twice");
            assert!(
                docs.contains(&format!("`{code}`")),
                "code {code} is missing from docs/errors.md"
            );
        }
    }
    assert!(
        seen.len() >= 40,
        "found only {} codes; did the source layout change?",
        seen.len()
    );
}
