//! Every diagnostic code is unique and documented in docs/errors.md.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use std::collections::HashSet;

#[test]
fn codes_are_unique_and_documented() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(root.join("src/error.rs")).expect("read error.rs");
    let docs =
        std::fs::read_to_string(root.join("../../docs/errors.md")).expect("read docs/errors.md");
    let mut seen = HashSet::new();
    let mut count = 0;
    for part in source.split("code(").skip(1) {
        let code: String = part
            .chars()
            .take_while(|c| *c != ')' && *c != ',')
            .collect();
        if !code.starts_with("fluxi::") {
            continue;
        }
        count += 1;
        assert!(seen.insert(code.clone()), "code {code} is used twice");
        assert!(
            docs.contains(&format!("`{code}`")),
            "code {code} is missing from docs/errors.md"
        );
    }
    assert!(
        count >= 20,
        "found only {count} codes; did the source layout change?"
    );
}
