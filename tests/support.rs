#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test harness code
//! `docs/support.md` lists, per package, which declared functions run and which fail with
//! `not implemented`. It is generated from the stdlib declarations and the builtin registry,
//! and this test fails when it is out of date (`FLUXI_BLESS=1` rewrites it).

use fluxi_semantic::nodes::Statement;
use fluxi_semantic::Checker;
use std::path::Path;

fn generate() -> String {
    let registry = fluxi_stdlib::registry();
    let mut checker = Checker::new();
    let mut out = String::from(
        "# Supported functions\n\nGenerated from `stdlib/` and the builtin registry by `tests/support.rs`; do not edit by hand\n(`FLUXI_BLESS=1 cargo test -p fluxi-conformance --test support` rewrites it).\n\nEvery function listed type-checks. Those under *not implemented yet* fail at run time with\n`not implemented: NAME`.\n",
    );
    let (mut total_yes, mut total_no) = (0, 0);
    let mut sections = String::new();
    for path in checker.package_paths() {
        if checker.package(&path).is_err() {
            continue;
        }
        let Some(graph) = checker.package_graph(&path) else {
            continue;
        };
        let mut yes = Vec::new();
        let mut no = Vec::new();
        for s in &graph.body {
            match s {
                Statement::Builtin { name, .. } => {
                    if registry.implements(&path, name) {
                        yes.push(name.clone());
                    } else {
                        no.push(name.clone());
                    }
                }
                Statement::Variable { name, .. }
                | Statement::Option {
                    package: None,
                    name,
                    ..
                } => yes.push(name.clone()),
                _ => {}
            }
        }
        if path.starts_with("internal/boolean") || path == "system" {
            continue;
        }
        yes.sort();
        no.sort();
        total_yes += yes.len();
        total_no += no.len();
        sections.push_str(&format!("\n## `{path}`\n\n"));
        let list = |v: &[String]| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        sections.push_str(&format!("- runs ({}): {}\n", yes.len(), list(&yes)));
        sections.push_str(&format!(
            "- not implemented yet ({}): {}\n",
            no.len(),
            list(&no)
        ));
    }
    out.push_str(&format!(
        "\nIn all: {total_yes} run, {total_no} not implemented yet.\n"
    ));
    out.push_str(&sections);
    out
}

#[test]
fn support_table_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/support.md");
    let actual = generate();
    if std::env::var_os("FLUXI_BLESS").is_some() {
        std::fs::write(&path, &actual)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(expected == actual, "docs/support.md is out of date; run FLUXI_BLESS=1 cargo test -p fluxi-conformance --test support");
}
