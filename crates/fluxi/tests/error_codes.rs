#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Errors keep the code of the layer they come from all the way up to `fluxi::Error`: a
//! missing bucket is `fluxi::storage::bucket_not_found`, not the generic
//! `fluxi::eval::runtime`, and its message still says which bucket and which there are.

use fluxi::{Engine, Error, Problem, StorageError, StorageErrorKind};
use miette::Diagnostic;

/// The single problem of a runtime error.
fn runtime_problem(err: &Error) -> Problem {
    let Error::Runtime(d) = err else {
        panic!("expected a runtime error, got {err:?}")
    };
    let problems = d.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems.into_iter().next().unwrap()
}

fn engine_with(buckets: &[&str]) -> Engine {
    let e = Engine::in_memory();
    for b in buckets {
        e.storage().unwrap().create_bucket(b, None).unwrap();
    }
    e
}

#[test]
fn a_missing_bucket_keeps_its_storage_code_and_names_the_buckets() {
    let e = engine_with(&["metrics", "power"]);
    let err = e
        .query("from(bucket: \"nope\") |> range(start: -1h)")
        .unwrap_err();
    let p = runtime_problem(&err);
    assert_eq!(p.code, "fluxi::storage::bucket_not_found", "{p:?}");
    assert_eq!(
        p.message,
        "bucket \"nope\" not found (the store has \"metrics\", \"power\")"
    );
    assert!(!p.warning);
    // It still points at the read in the script.
    assert_eq!((p.line, p.column), (1, 1), "{p:?}");
    assert!(p.span.is_some());
    // The same code through the error itself, and through miette.
    assert_eq!(
        err.code().as_deref(),
        Some("fluxi::storage::bucket_not_found")
    );
    let diagnostic: &dyn Diagnostic = &err;
    assert_eq!(
        diagnostic.code().map(|c| c.to_string()).as_deref(),
        Some("fluxi::storage::bucket_not_found")
    );
    // And in the miette report of the diagnostics.
    let reports = err.diagnostics().unwrap().reports();
    assert_eq!(
        reports[0].code().map(|c| c.to_string()).as_deref(),
        Some("fluxi::storage::bucket_not_found")
    );
}

#[test]
fn a_missing_bucket_in_an_empty_store_says_there_are_none() {
    let e = engine_with(&[]);
    let err = e
        .query("x = 1\nfrom(bucket: \"nope\")\n    |> range(start: -1h)\n    |> filter(fn: (r) => r._field == \"f\")")
        .unwrap_err();
    let p = runtime_problem(&err);
    assert_eq!(p.code, "fluxi::storage::bucket_not_found");
    assert_eq!(
        p.message,
        "bucket \"nope\" not found (the store has no buckets)"
    );
    assert_eq!(p.line, 2);
}

#[test]
fn an_aggregate_pushed_into_a_missing_bucket_keeps_the_code_too() {
    // `count()` is pushed into the store (a different read path from `range` alone).
    let e = engine_with(&["metrics"]);
    let err = e
        .query("from(bucket: \"nope\") |> range(start: 0) |> count()")
        .unwrap_err();
    let p = runtime_problem(&err);
    assert_eq!(p.code, "fluxi::storage::bucket_not_found", "{p:?}");
    assert!(
        p.message
            .contains("bucket \"nope\" not found (the store has \"metrics\")"),
        "{p:?}"
    );
}

#[test]
fn a_bad_line_of_line_protocol_keeps_its_storage_code() {
    let e = engine_with(&["m"]);
    let err = e
        .write_line_protocol("m", "cpu usage=1 1\ncpu,host=a 2\n")
        .unwrap_err();
    let Error::Storage(StorageError::LineProtocol(lp)) = &err else {
        panic!("expected a line-protocol error, got {err:?}")
    };
    assert_eq!(lp.lines.len(), 1);
    assert_eq!(lp.lines[0].line, 2);
    assert_eq!(err.code().as_deref(), Some("fluxi::storage::line_protocol"));
    assert!(matches!(&err, Error::Storage(e) if e.kind() == StorageErrorKind::LineProtocol));
    let diagnostic: &dyn Diagnostic = &err;
    assert_eq!(
        diagnostic.code().map(|c| c.to_string()).as_deref(),
        Some("fluxi::storage::line_protocol")
    );
    // The message is the store's, unchanged.
    assert_eq!(
        err.to_string(),
        "storage: unable to parse 'cpu,host=a 2': invalid field format"
    );
    // Nothing of the batch was written.
    let r = e
        .query("from(bucket: \"m\") |> range(start: 0) |> count()")
        .unwrap();
    assert!(r.get("_result").unwrap().tables.is_empty());
}

#[test]
fn other_store_errors_through_the_engine_keep_their_codes() {
    let e = engine_with(&["m"]);
    let err = e
        .write_line_protocol("absent", "cpu usage=1 1")
        .unwrap_err();
    assert_eq!(
        err.code().as_deref(),
        Some("fluxi::storage::bucket_not_found")
    );
    e.write_line_protocol("m", "cpu usage=1.5 1").unwrap();
    let err = e.write_line_protocol("m", "cpu usage=2i 2").unwrap_err();
    assert_eq!(
        err.code().as_deref(),
        Some("fluxi::storage::field_type_conflict"),
        "{err}"
    );
    let err = e
        .storage()
        .unwrap()
        .create_bucket("m", None)
        .map_err(Error::from)
        .unwrap_err();
    assert_eq!(err.code().as_deref(), Some("fluxi::storage::bucket_exists"));
}

#[test]
fn a_write_by_to_that_the_store_refuses_keeps_the_storage_code() {
    let e = engine_with(&["m"]);
    e.write_line_protocol("m", "cpu usage=1.5 1").unwrap();
    let err = e
        .query(
            "import \"array\"\n\
             array.from(rows: [{_time: 1970-01-01T00:00:00.000000002Z, _measurement: \"cpu\", _field: \"usage\", _value: \"high\"}])\n\
                 |> to(bucket: \"m\")",
        )
        .unwrap_err();
    let p = runtime_problem(&err);
    assert_eq!(p.code, "fluxi::storage::field_type_conflict", "{p:?}");
    assert!(
        p.message
            .contains("to: field type conflict: input field \"usage\""),
        "{p:?}"
    );
}

#[test]
fn operator_and_value_errors_keep_their_codes() {
    let e = engine_with(&["metrics"]);
    // A read that no range bounds: an operator's own kind.
    let err = e
        .query("from(bucket: \"metrics\") |> filter(fn: (r) => r._value > 1.0)")
        .unwrap_err();
    let p = runtime_problem(&err);
    assert_eq!(p.code, "fluxi::exec::unbounded_read", "{p:?}");
    assert_eq!(
        p.message,
        "filter: cannot submit unbounded read to \"metrics\"; try bounding 'from' with a call to 'range'"
    );
    // Malformed annotated CSV: the value layer's kind.
    let err = e
        .query("import \"csv\"\ncsv.from(csv: \"#datatype,string,long,double\\n#group,false,false,false\\n#default,_result,,\\n,result,table,v\\n,,0,x\\n\")")
        .unwrap_err();
    let p = runtime_problem(&err);
    assert_eq!(p.code, "fluxi::value::csv", "{p:?}");
    assert!(p.message.starts_with("csv.from: "), "{p:?}");
    // Errors of the interpreter itself are unchanged.
    let err = e.query("x = 1 / 0").unwrap_err();
    assert_eq!(runtime_problem(&err).code, "fluxi::eval::divide_by_zero");
}

#[test]
fn api_misuse_has_no_code() {
    let err = Engine::new()
        .write_line_protocol("m", "cpu usage=1 1")
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert_eq!(err.code(), None);
}

/// A store error drawn for a person starts with its code, like every other diagnostic.
#[cfg(feature = "fancy")]
#[test]
fn a_rendered_store_error_shows_its_code() {
    let e = engine_with(&["m"]);
    let err = e.write_line_protocol("m", "cpu,host=a 2").unwrap_err();
    let text = err.render(false);
    assert_eq!(
        text.lines().next(),
        Some("fluxi::storage::line_protocol"),
        "{text}"
    );
    assert!(
        text.contains("unable to parse 'cpu,host=a 2': invalid field format"),
        "{text}"
    );
}
