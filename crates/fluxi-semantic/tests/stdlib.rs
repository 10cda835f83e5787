//! fluxi's own standard-library declarations all check, and declare what the issue asks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness code

use fluxi_semantic::Checker;

#[test]
fn every_embedded_package_type_checks() {
    let mut checker = Checker::new();
    let paths = checker.package_paths();
    assert!(paths.len() >= 20, "only {} packages embedded", paths.len());
    for path in paths {
        if let Err(e) = checker.package(&path) {
            panic!("package {path} does not check: {e}");
        }
    }
}

#[test]
fn required_packages_are_declared() {
    let mut checker = Checker::new();
    for (path, members) in [
        (
            "universe",
            &[
                "range",
                "filter",
                "map",
                "aggregateWindow",
                "join",
                "pivot",
                "reduce",
                "yield",
                "now",
            ][..],
        ),
        ("array", &["from"][..]),
        ("csv", &["from"][..]),
        (
            "testing",
            &[
                "diff",
                "assertEqualValues",
                "shouldError",
                "assertEmpty",
                "load",
                "tags",
            ][..],
        ),
        ("testing/expect", &["planner"][..]),
        ("strings", &["toUpper", "split", "replaceAll"][..]),
        ("regexp", &["compile", "matchRegexpString"][..]),
        ("math", &["pi", "sqrt"][..]),
        ("date", &["truncate", "hour", "add"][..]),
        ("dict", &["get", "insert", "fromList"][..]),
        ("join", &["inner", "left", "time"][..]),
        ("timezone", &["location", "fixed", "utc"][..]),
        ("experimental", &["diff", "catch", "addDuration"][..]),
        (
            "internal/debug",
            &["pass", "opaque", "null", "sink", "slurp"][..],
        ),
        (
            "planner",
            &["disablePhysicalRules", "disableLogicalRules"][..],
        ),
        ("influxdata/influxdb", &["from", "to", "buckets"][..]),
        (
            "influxdata/influxdb/schema",
            &["fieldsAsCols", "tagValues", "measurements"][..],
        ),
    ] {
        let exports = checker
            .package(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        for m in members {
            assert!(exports.members.contains_key(*m), "{path} lacks {m}");
        }
    }
}

#[test]
fn options_are_exported_as_options() {
    let mut checker = Checker::new();
    let universe = checker.package("universe").unwrap();
    assert!(universe.members["now"].option);
    assert!(!universe.members["filter"].option);
    let testing = checker.package("testing").unwrap();
    assert!(testing.members["tags"].option);
}

#[test]
fn signatures_print_as_declared() {
    let mut checker = Checker::new();
    let universe = checker.package("universe").unwrap();
    let count = &universe.members["count"].ty;
    assert_eq!(
        checker.print(count),
        "(<-tables: stream[A], ?column: string) => stream[B] where A: Record, B: Record"
    );
    let filter = &universe.members["filter"].ty;
    assert_eq!(
        checker.print(filter),
        "(<-tables: stream[A], fn: (r: A) => bool, ?onEmpty: string) => stream[A] where A: Record"
    );
}

#[test]
fn a_registered_package_can_be_imported() {
    let mut checker = Checker::new();
    checker.register_package(
        "acme/units",
        "package units\n\nbuiltin toC : (f: float) => float\nscale = 2.0\n",
    );
    let src = "import \"acme/units\"\nx = units.toC(f: units.scale)\n";
    let parsed = fluxi_syntax::parse(src);
    let checked = checker.check(&parsed.file, src);
    assert!(checked.is_ok(), "{:?}", checked.diagnostics);
    assert_eq!(checker.print(&checked.bindings[0].1), "float");
}

#[test]
fn import_cycles_are_reported() {
    let mut checker = Checker::new();
    checker.register_package("a", "package a\nimport \"b\"\nx = 1\n");
    checker.register_package("b", "package b\nimport \"a\"\ny = 1\n");
    let src = "import \"a\"\n";
    let parsed = fluxi_syntax::parse(src);
    let checked = checker.check(&parsed.file, src);
    let text = checked
        .diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("import cycle: a -> b -> a"), "{text}");
}
