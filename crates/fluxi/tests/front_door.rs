#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! What the `fluxi` command and the test suites use the facade for, besides running
//! queries: checking, formatting and syntax trees, the upstream-style test runner, run
//! statistics, and the store opened on first use.

use fluxi::{CheckLevel, Engine, Error, TestFailure, TestFileError};
use std::path::Path;
use std::sync::Arc;

#[test]
fn check_keeps_every_problem_and_the_types() {
    let engine = Engine::new();

    let ok = engine.check("a.flux", "x = 1\nf = (v) => v + x\n", CheckLevel::Types);
    assert!(!ok.has_errors() && ok.diagnostics().is_empty());
    assert_eq!(
        ok.types().unwrap(),
        [
            ("x".to_string(), "int".to_string()),
            ("f".to_string(), "(v: int) => int".to_string())
        ]
    );

    // Type errors: the problems, and the types as far as they were inferred.
    let bad = engine.check(
        "a.flux",
        "x = 1\ny = x + \"s\"\nz = nope\n",
        CheckLevel::Types,
    );
    assert!(bad.has_errors());
    let problems = bad.diagnostics().problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].code, "fluxi::types::mismatch");
    assert_eq!((problems[0].line, problems[0].column), (2, 9));
    assert_eq!(problems[1].code, "fluxi::types::undefined");
    assert_eq!(bad.types().unwrap()[0].0, "x");

    // Syntax only: nothing is type-checked, so no type errors and no types.
    let syntax = engine.check("a.flux", "y = 1 + \"s\"\n", CheckLevel::Syntax);
    assert!(!syntax.has_errors() && syntax.types().is_none());

    // Syntax errors stop before types; warnings are kept and are not errors.
    let broken = engine.check("a.flux", "x = (1 +\n", CheckLevel::Types);
    assert!(broken.has_errors() && broken.types().is_none());
    let missing_pipe = "import \"array\"\narray.from(rows: [{a: 1}]) |> limit(n: 1)\n    filter(fn: (r) => true)\n";
    let warned = engine.check("a.flux", missing_pipe, CheckLevel::Syntax);
    let problems = warned.diagnostics().problems();
    assert!(!warned.has_errors(), "{problems:?}");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].warning && problems[0].code == "fluxi::syntax::missing_pipe");
    // Checked for types too, the warning comes first, then the type error it explains.
    let both = engine.check("a.flux", missing_pipe, CheckLevel::Types);
    let codes: Vec<String> = both
        .diagnostics()
        .problems()
        .into_iter()
        .map(|p| p.code)
        .collect();
    assert_eq!(
        codes,
        ["fluxi::syntax::missing_pipe", "fluxi::types::pipe_argument"]
    );
    assert!(both.has_errors());
}

#[test]
fn formatting_and_syntax_trees() {
    assert_eq!(
        fluxi::format_source("a.flux", "x=1+2\n").unwrap(),
        "x = 1 + 2\n"
    );
    let err = fluxi::format_source("a.flux", "x = (1 +\n").unwrap_err();
    assert!(matches!(err, Error::Compile(_)), "{err:?}");
    assert_eq!(err.code().as_deref(), Some("fluxi::syntax::unexpected_end"));
    assert!(err.to_string().starts_with("a.flux:1:9: "), "{err}");

    let (tree, problems) = fluxi::syntax_tree("a.flux", "x = 1\n", false);
    assert!(problems.is_empty());
    let (spanned, _) = fluxi::syntax_tree("a.flux", "x = 1\n", true);
    assert!(
        spanned.len() > tree.len() && spanned.contains('@'),
        "{spanned}"
    );
    // A broken source still has the tree of what parsed, and its errors.
    let (partial, problems) = fluxi::syntax_tree("a.flux", "x = 1\ny = (\n", false);
    assert!(partial.contains('x') && problems.has_errors(), "{partial}");
}

/// A test module in a scratch directory: `fluxtest.root` naming module `m`, and files.
fn module(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fluxtest.root"), "{\"name\": \"m\"}\n").unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const BASICS: &str = r#"package basics_test

import "array"
import "testing"

want = array.from(rows: [{v: 1}])

testcase equal {
    testing.diff(got: array.from(rows: [{v: 1}]), want: want)
}

testcase differs {
    option testing.tags = ["slow"]

    testing.diff(got: array.from(rows: [{v: 2}]), want: want)
}

testcase divides {
    x = 1 / 0
    testing.assertEqualValues(got: x, want: 0)
}

testcase mistyped {
    y = 1 + "s"
}

testcase again extends "m/sub/basics_test.equal" {
    super()
}
"#;

const OTHER: &str = r#"package other_test

import "testing"

testcase extended extends "m/sub/basics_test.equal" {
    x = testing.assertEqualValues
    super()
}

testcase lost extends "m/sub/basics_test.nothere" {
    super()
}
"#;

#[test]
fn testcases_are_found_put_together_and_run() {
    let dir = module(&[("sub/basics_test.flux", BASICS), ("other_test.flux", OTHER)]);
    let basics = fluxi::testcases(&dir.path().join("sub/basics_test.flux"));
    assert!(basics.errors.is_empty(), "{:?}", basics.errors);
    let names: Vec<&str> = basics.cases.iter().map(|c| c.name()).collect();
    assert_eq!(names, ["equal", "differs", "divides", "mistyped", "again"]);
    let differs = &basics.cases[1];
    assert_eq!(differs.package(), "basics");
    assert_eq!(differs.tags(), ["slow"]);
    assert!(differs.is_named("differs") && differs.is_named("basics.differs"));
    assert!(!differs.is_named("other.differs") && !differs.is_named("basics"));
    assert!(differs.to_string().ends_with("basics_test.flux: differs"));

    let engine = Engine::new();
    let outcome = |name: &str| {
        let case = basics.cases.iter().find(|c| c.name() == name).unwrap();
        engine.run_testcase(case)
    };
    assert!(outcome("equal").is_ok());
    assert!(outcome("again").is_ok(), "{:?}", outcome("again"));
    match outcome("differs") {
        Err(TestFailure::ErrorOutput(tables)) => assert_eq!(tables.len(), 1),
        other => panic!("{other:?}"),
    }
    let text = outcome("differs").unwrap_err().to_string();
    assert!(
        text.starts_with("Table: keys: []") && text.contains("_diff"),
        "{text}"
    );
    let divides = outcome("divides").unwrap_err();
    assert!(matches!(divides, TestFailure::Runtime(_)), "{divides:?}");
    assert_eq!(divides.to_string(), "19:9: cannot divide by zero");
    assert_eq!(
        divides.diagnostics().unwrap().problems()[0].code,
        "fluxi::eval::divide_by_zero"
    );
    let mistyped = outcome("mistyped").unwrap_err();
    assert!(
        mistyped
            .to_string()
            .starts_with("type error: 24:13: expected int but found string"),
        "{mistyped}"
    );

    // `extends` across files brings the other file's imports and preamble; a testcase
    // that names nothing is reported and left out.
    let other = fluxi::testcases(&dir.path().join("other_test.flux"));
    assert_eq!(other.cases.len(), 1);
    assert!(
        engine.run_testcase(&other.cases[0]).is_ok(),
        "{:?}",
        engine.run_testcase(&other.cases[0])
    );
    assert_eq!(other.errors.len(), 1);
    let lost = &other.errors[0];
    assert!(matches!(lost, TestFileError::Extends { case, .. } if case == "lost"));
    assert!(
        lost.to_string()
            .contains("other_test.flux: lost: no testcase `nothere` in "),
        "{lost}"
    );
    assert_eq!(
        miette::Diagnostic::code(lost).unwrap().to_string(),
        "fluxi::test::extends"
    );
}

#[test]
fn test_files_that_cannot_be_used_say_why() {
    let dir = module(&[
        (
            "broken_test.flux",
            "package broken_test\ntestcase t {\n  x = (\n}\n",
        ),
        ("nomodule/a_test.flux", ""),
    ]);
    std::fs::write(dir.path().join("binary_test.flux"), [0xff, 0xfe]).unwrap();

    let broken = fluxi::testcases(&dir.path().join("broken_test.flux"));
    assert!(broken.cases.is_empty());
    assert!(matches!(&broken.errors[..], [TestFileError::Syntax { .. }]));
    assert!(
        broken.errors[0]
            .to_string()
            .ends_with("broken_test.flux: unexpected `}`; expected `)` or an expression"),
        "{}",
        broken.errors[0]
    );

    let binary = fluxi::testcases(&dir.path().join("binary_test.flux"));
    assert!(matches!(
        &binary.errors[..],
        [TestFileError::Unreadable { .. }]
    ));
    assert!(binary.errors[0]
        .to_string()
        .ends_with("binary_test.flux: cannot read"));
    let missing = fluxi::testcases(&dir.path().join("missing_test.flux"));
    assert!(matches!(
        &missing.errors[..],
        [TestFileError::Unreadable { .. }]
    ));

    // No testcases, no problems.
    let empty = fluxi::testcases(&dir.path().join("nomodule/a_test.flux"));
    assert!(empty.cases.is_empty() && empty.errors.is_empty());
}

#[test]
fn testcases_run_with_the_engines_store_now_and_memory_limit() {
    let dir = module(&[(
        "store_test.flux",
        r#"package store_test

import "testing"

testcase reads {
    n = from(bucket: "b")
        |> range(start: 2020-01-01T00:00:00Z)
        |> sort()
        |> count()
        |> findRecord(fn: (key) => true, idx: 0)
    testing.assertEqualValues(got: n._value, want: 3)
}

testcase now {
    testing.assertEqualValues(got: now(), want: 2030-01-01T00:00:00Z)
}
"#,
    )]);
    let store: Arc<dyn fluxi::Storage> = Arc::new(fluxi::MemoryStorage::new());
    store.create_bucket("b", None).unwrap();
    let options = fluxi::ParseOptions::new(fluxi::Precision::Seconds, 0);
    store
        .write_line_protocol(
            "b",
            b"m v=1 1600000000\nm v=2 1600000001\nm v=3 1600000002\n",
            &options,
        )
        .unwrap();
    let found = fluxi::testcases(&dir.path().join("store_test.flux"));
    let [reads, now] = &found.cases[..] else {
        panic!("{:?}", found.cases)
    };

    let engine = Engine::builder()
        .storage(Arc::clone(&store))
        .now_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .build()
        .unwrap();
    assert!(
        engine.run_testcase(reads).is_ok(),
        "{:?}",
        engine.run_testcase(reads)
    );
    assert!(
        engine.run_testcase(now).is_ok(),
        "{:?}",
        engine.run_testcase(now)
    );

    // Without a store, or with too little memory for sort, the test fails and says why.
    let bare = Engine::new();
    assert!(bare.run_testcase(now).is_err());
    let failure = bare.run_testcase(reads).unwrap_err();
    assert!(failure.to_string().contains("no storage"), "{failure}");
    let tight = Engine::builder()
        .storage(store)
        .memory_limit(Some(16))
        .build()
        .unwrap();
    let failure = tight.run_testcase(reads).unwrap_err();
    assert_eq!(
        failure.diagnostics().unwrap().problems()[0].code,
        "fluxi::exec::memory_limit",
        "{failure}"
    );
    assert!(failure.to_string().contains("sort"), "{failure}");
}

fn stats_engine(pushdown: bool, vectorize: bool) -> Engine {
    let store: Arc<dyn fluxi::Storage> = Arc::new(fluxi::MemoryStorage::new());
    store.create_bucket("b", None).unwrap();
    let options = fluxi::ParseOptions::new(fluxi::Precision::Seconds, 0);
    store
        .write_line_protocol(
            "b",
            b"cpu,host=a v=1 1600000000\ncpu,host=b v=5 1600000001\nmem,host=a u=2 1600000000\n",
            &options,
        )
        .unwrap();
    let mut builder = Engine::builder().storage(store).vectorize(vectorize);
    if !pushdown {
        builder = builder.without_pushdown();
    }
    builder.build().unwrap()
}

#[test]
fn run_statistics_count_what_was_pushed_and_vectorised() {
    let filtered = r#"from(bucket: "b")
    |> range(start: 2020-01-01T00:00:00Z, stop: 2021-01-01T00:00:00Z)
    |> filter(fn: (r) => r._measurement == "cpu")
    |> map(fn: (r) => ({r with _value: r._value * 2.0}))"#;
    let aggregated = r#"from(bucket: "b")
    |> range(start: 2020-01-01T00:00:00Z)
    |> filter(fn: (r) => r._field == "v")
    |> max()"#;
    let run = |engine: &Engine, src: &str| {
        let (results, stats) = engine.execute_with_stats(&engine.compile(src).unwrap());
        (results.unwrap().to_csv_lf(), stats)
    };

    let fast = stats_engine(true, true);
    let (out, stats) = run(&fast, filtered);
    assert!(!out.contains('\r') && out.contains(",10,b\n"), "{out}");
    assert_eq!(stats.storage_reads, 1);
    assert_eq!(stats.filters_pushed_down, 1);
    assert_eq!(stats.aggregates_pushed_down, 0);
    assert_eq!(stats.vectorized_tables, 2, "{stats:?}");
    let (_, stats) = run(&fast, aggregated);
    assert_eq!((stats.storage_reads, stats.aggregates_pushed_down), (0, 1));

    // With both paths off the results are the same and nothing is counted for them.
    let slow = stats_engine(false, false);
    let (same, stats) = run(&slow, filtered);
    assert_eq!(same, out);
    assert_eq!(stats.storage_reads, 1);
    assert_eq!(
        stats.filters_pushed_down + stats.vectorized_tables,
        0,
        "{stats:?}"
    );
    assert_eq!(run(&slow, aggregated).1.aggregates_pushed_down, 0);

    // Written points are counted; a failed run still returns its counts.
    let (_, stats) = run(
        &fast,
        r#"import "array"
array.from(rows: [{_time: 2020-01-01T00:00:00Z, _measurement: "w", _field: "f", _value: 1.0}])
    |> to(bucket: "b")"#,
    );
    assert_eq!(stats.points_written, 1);
    let program = fast
        .compile(r#"from(bucket: "b") |> range(start: 2020-01-01T00:00:00Z) |> filter(fn: (r) => r._field == "v") |> map(fn: (r) => ({r with x: die(msg: "no")}))"#)
        .unwrap();
    let (results, stats) = fast.execute_with_stats(&program);
    assert!(results.is_err());
    assert_eq!((stats.storage_reads, stats.filters_pushed_down), (1, 1));
}

/// Whether another writer can open the store in `dir` now (no process or engine holds it).
fn free_to_open(dir: &Path) -> bool {
    match fluxi::DiskStorage::open(dir) {
        Ok(_) => true,
        Err(fluxi::StorageError::InUse(_)) => false,
        Err(e) => panic!("opening {}: {e}", dir.display()),
    }
}

#[test]
fn a_store_is_opened_while_a_script_calling_it_is_checked_and_only_then() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("store");
    {
        let engine = Engine::open(&dir).unwrap();
        engine.storage().unwrap().create_bucket("b", None).unwrap();
        engine
            .write_line_protocol("b", "m v=1 1\nm v=2 2\n")
            .unwrap();
    }
    let reads = r#"from(bucket: "b") |> range(start: 0) |> sum()"#;
    let lazily = || Engine::builder().open_lazily(&dir).build().unwrap();

    // Scripts that do not call the store, or do not compile, leave it alone.
    let engine = lazily();
    for src in [
        "x = 1 + 1",
        "import \"csv\"\ncsv.from(csv: \"\")",
        "from(bucket: \"b\") |> range(start: 0) |>",
    ] {
        let _ = engine.compile(src);
        engine.persist().unwrap();
        assert!(free_to_open(&dir), "{src}");
    }

    // Compiling one that reads it opens it (on another thread: `persist` waits for it),
    // before anything is executed, and what the script then reads is the same.
    let program = engine.compile(reads).unwrap();
    engine.persist().unwrap();
    assert!(
        !free_to_open(&dir),
        "checking a read left the store unopened"
    );
    let sum = |e: &Engine, p: &fluxi::Program| {
        let results = e.execute(p).unwrap();
        let table = &results.get("_result").unwrap().tables[0];
        table.value(0, table.column_index("_value").unwrap())
    };
    let opened_early = format!("{:?}", sum(&engine, &program));
    drop(program);
    drop(engine);
    assert!(free_to_open(&dir));
    let engine = Engine::open(&dir).unwrap();
    let program = engine.compile(reads).unwrap();
    assert_eq!(opened_early, format!("{:?}", sum(&engine, &program)));
    assert_eq!(opened_early, format!("{:?}", fluxi::Value::Float(3.0)));
    drop((program, engine));

    // Where there is no store, a script that would read one creates none by being checked.
    let nowhere = scratch.path().join("none");
    let engine = Engine::builder().open_lazily(&nowhere).build().unwrap();
    engine.compile(reads).unwrap();
    engine.persist().unwrap();
    assert!(!nowhere.exists());

    // A store that cannot be opened fails the query that needs it, with its kind, as
    // when it is opened on first use.
    let damaged = scratch.path().join("damaged");
    std::fs::create_dir(&damaged).unwrap();
    std::fs::write(damaged.join("MANIFEST"), "not a manifest").unwrap();
    let engine = Engine::builder().open_lazily(&damaged).build().unwrap();
    let program = engine.compile(reads).unwrap();
    let err = engine.execute(&program).unwrap_err();
    assert_eq!(
        err.code().as_deref(),
        Some("fluxi::storage::corrupt"),
        "{err}"
    );
}

#[test]
fn a_lazily_opened_store_is_created_only_when_a_query_needs_it() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("store");
    let engine = Engine::builder().open_lazily(&dir).build().unwrap();
    engine.query("x = 1 + 1").unwrap();
    assert!(!dir.exists(), "a query without buckets created the store");
    let storage = engine.storage().unwrap();
    storage.create_bucket("b", None).unwrap();
    assert!(dir.exists());
    engine.write_line_protocol("b", "m v=1 1\n").unwrap();
    let results = engine
        .query(r#"from(bucket: "b") |> range(start: 0)"#)
        .unwrap();
    assert_eq!(results.get("_result").unwrap().tables.len(), 1);

    // A directory that cannot hold a store: each use says why and where.
    let file = scratch.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let engine = Engine::builder().open_lazily(&file).build().unwrap();
    let err = engine
        .query(r#"from(bucket: "b") |> range(start: 0)"#)
        .unwrap_err();
    assert!(
        err.to_string().contains(&format!(
            "cannot open the store at {}",
            Path::new(&file).display()
        )),
        "{err}"
    );
}
