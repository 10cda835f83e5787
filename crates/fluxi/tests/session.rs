#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sessions: what one entry defines, later entries see.

use fluxi::{needs_more_input, Engine, Error, Value};

fn value(s: &mut fluxi::Session, src: &str) -> Value {
    match s.eval(src) {
        Ok(o) => o.value.unwrap_or_else(|| panic!("{src:?} gave no value")),
        Err(e) => panic!("{src:?} failed: {e}"),
    }
}

fn same(a: Value, b: Value) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn a_definition_is_reused_by_later_entries() {
    let mut s = Engine::new().session();
    let o = s.eval("x = 41").unwrap();
    assert_eq!(o.defined, vec![("x".to_string(), "int".to_string())]);
    same(value(&mut s, "x + 1"), Value::Int(42));
    s.eval("add = (a, b) => a + b").unwrap();
    // Still polymorphic in a later entry.
    same(value(&mut s, "add(a: 1, b: 2)"), Value::Int(3));
    same(
        value(&mut s, "add(a: \"x\", b: \"y\")"),
        Value::string("xy"),
    );
}

#[test]
fn imports_carry_over() {
    let mut s = Engine::new().session();
    s.eval("import \"strings\"").unwrap();
    same(
        value(&mut s, "strings.toUpper(v: \"flux\")"),
        Value::string("FLUX"),
    );
}

#[test]
fn a_later_entry_may_define_a_name_again() {
    let mut s = Engine::new().session();
    s.eval("x = 1").unwrap();
    s.eval("x = \"a\"").unwrap();
    same(value(&mut s, "x + \"b\""), Value::string("ab"));
    // Within one entry, defining a name twice is still an error.
    let e = s.eval("z = 1\nz = 2").unwrap_err();
    assert!(matches!(e, Error::Compile(_)), "{e}");
}

#[test]
fn a_failed_entry_leaves_the_session_as_it_was() {
    let mut s = Engine::new().session();
    let e = s.eval("y = 1 + \"a\"").unwrap_err();
    let problems = e.diagnostics().unwrap().problems();
    assert_eq!(problems[0].code, "fluxi::types::mismatch", "{problems:?}");
    assert_eq!(
        (problems[0].line, problems[0].column),
        (1, 9),
        "{problems:?}"
    );
    // `y` was not defined by the failed entry...
    let e = s.eval("y").unwrap_err();
    assert_eq!(
        e.diagnostics().unwrap().problems()[0].code,
        "fluxi::types::undefined"
    );
    // ...and the corrected entry works.
    s.eval("y = 1 + 2").unwrap();
    same(value(&mut s, "y"), Value::Int(3));
    // A runtime failure does not keep the entry's names either.
    let e = s.eval("w = 1\nv = die(msg: \"boom\")").unwrap_err();
    assert!(matches!(e, Error::Runtime(_)), "{e}");
    assert!(e.to_string().contains("boom"), "{e}");
    assert!(s.eval("w").is_err());
}

#[test]
fn options_persist_and_now_can_be_set_from_outside() {
    let mut s = Engine::new().session();
    s.eval("option now = () => 2020-01-01T00:00:00Z").unwrap();
    same(
        value(&mut s, "now()"),
        Value::Time(fluxi::parse_time("2020-01-01T00:00:00Z").unwrap()),
    );
    let t = fluxi::parse_time("2031-05-06T07:08:09Z").unwrap();
    s.set_now(t);
    same(value(&mut s, "now()"), Value::Time(t));
}

#[test]
fn streams_come_back_as_results() {
    let engine = Engine::in_memory();
    engine.storage().unwrap().create_bucket("b", None).unwrap();
    engine
        .write_line_protocol("b", "m,host=a v=1 1000000000\nm,host=b v=2 2000000000\n")
        .unwrap();
    let mut s = engine.session();
    s.eval("data = from(bucket: \"b\") |> range(start: 0)")
        .unwrap();
    let o = s
        .eval("data |> filter(fn: (r) => r.host == \"b\")")
        .unwrap();
    let r = o.results.get("_result").unwrap();
    assert_eq!(r.tables.len(), 1);
    let t = &r.tables[0];
    let v = t.column_index("_value").unwrap();
    same(t.value(0, v), Value::Float(2.0));
    let plan = s.explain("data |> count()").unwrap();
    assert!(plan.contains("count"), "{plan}");
}

#[test]
fn types_of_expressions() {
    let mut s = Engine::new().session();
    assert_eq!(s.type_of("(x) => x + 1").unwrap(), "(x: int) => int");
    assert_eq!(s.type_of("1.5").unwrap(), "float");
    s.eval("f = (a) => a").unwrap();
    assert_eq!(s.type_of("f").unwrap(), "(a: A) => A");
    let e = s.type_of("1 + \"a\"").unwrap_err();
    assert_eq!(
        e.diagnostics().unwrap().problems()[0].code,
        "fluxi::types::mismatch"
    );
    // The failed `:type` defined nothing.
    assert!(s.eval("__type_of__").is_err());
}

#[test]
fn what_completion_needs() {
    let mut s = Engine::new().session();
    s.eval("import \"strings\"\nmyThreshold = 80.0").unwrap();
    let names = s.names();
    for n in ["from", "range", "strings", "myThreshold", "aggregateWindow"] {
        assert!(names.iter().any(|m| m == n), "{n} missing");
    }
    let members = s.members("strings").unwrap();
    assert!(members.iter().any(|m| m == "toUpper"));
    assert!(s.members("myThreshold").is_none());
    assert_eq!(s.parameters("range").unwrap(), vec!["start", "stop"]);
    assert_eq!(
        s.parameters("strings.replaceAll").unwrap(),
        vec!["t", "u", "v"]
    );
    assert!(s.parameters("myThreshold").is_none());
    assert!(s
        .package_paths()
        .iter()
        .any(|p| p == "influxdata/influxdb/schema"));
}

#[test]
fn unfinished_entries_are_recognised() {
    for src in [
        "from(bucket: \"a\") |>",
        "x = (1 +",
        "f(a: 1,",
        "x = \"abc",
        "r = {a: 1",
        "f = (r) =>",
        "data\n  |> range(start: -1h)\n  |>",
    ] {
        assert!(needs_more_input(src), "{src:?} should continue");
    }
    for src in [
        "x = 1",
        "x = 1 )",
        "from(bucket: \"a\") |> range(start: -1h)",
        "",
        "x = = 1",
    ] {
        assert!(!needs_more_input(src), "{src:?} should not continue");
    }
}

#[test]
fn warnings_come_with_the_outcome() {
    let mut s = Engine::new().session();
    let o = s.eval("x = 1").unwrap();
    assert!(o.warnings.is_none());
    // An indented call after a pipeline: probably a forgotten `|>`. It still runs.
    let o = s
        .eval("import \"array\"\ny = array.from(rows: [{a: 1}]) |> limit(n: 1)\n    now()")
        .unwrap();
    let w = o.warnings.expect("a warning").problems();
    assert_eq!(w[0].code, "fluxi::syntax::missing_pipe", "{w:?}");
    assert!(w[0].warning);
    assert_eq!((w[0].line, w[0].column), (3, 5));
}
