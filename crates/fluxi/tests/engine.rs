#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The embedding API: compile, execute, results as Arrow, packages of Rust functions.

use fluxi::arrow_array::{Array, Float64Array, StringArray};
use fluxi::{Engine, Error, Package, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

const DATA: &str = "\
cpu,host=a usage=10 1000000000
cpu,host=a usage=30 2000000000
cpu,host=b usage=7.5 1000000000
mem,host=a used=512i 1000000000
";

fn engine() -> Engine {
    let e = Engine::in_memory();
    e.storage().unwrap().create_bucket("m", None).unwrap();
    assert_eq!(e.write_line_protocol("m", DATA).unwrap(), 4);
    e
}

#[test]
fn engines_are_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Engine>();
    fn sendable<T: Send>() {}
    sendable::<fluxi::Session>();
    let e = engine();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let e = e.clone();
            std::thread::spawn(move || {
                let r = e
                    .query("from(bucket: \"m\") |> range(start: 0) |> filter(fn: (r) => r._field == \"usage\") |> count()")
                    .unwrap();
                r.get("_result").unwrap().tables.len()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 2);
    }
}

#[test]
fn results_are_named_tables_with_group_keys_and_record_batches() {
    let e = engine();
    let r = e
        .query(
            r#"
            data = from(bucket: "m") |> range(start: 0) |> filter(fn: (r) => r._field == "usage")
            data |> mean() |> yield(name: "mean")
            data |> max() |> yield(name: "max")
            "#,
        )
        .unwrap();
    let names: Vec<&str> = r.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["mean", "max"]);
    let mean = &r.get("mean").unwrap().tables;
    assert_eq!(mean.len(), 2);
    let t = mean
        .iter()
        .find(|t| {
            t.key()
                .get("host")
                .is_some_and(|k| format!("{:?}", k.value).contains("\"a\""))
        })
        .expect("a table for host a");
    let batch = t.batch();
    let i = batch.schema().index_of("_value").unwrap();
    let v = batch
        .column(i)
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    assert_eq!(v.value(0), 20.0);
    let i = batch.schema().index_of("host").unwrap();
    let h = batch
        .column(i)
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    assert_eq!(h.value(0), "a");
    // The same results as text formats.
    assert!(r.to_csv().contains(",max,"));
    assert!(r.to_json_lines().contains("\"_value\":30"));
}

#[test]
fn compile_reports_every_problem_with_its_place() {
    let e = Engine::new();
    let err = e
        .compile("a = 1 + \"x\"\nb = undefinedThing\nc = range(begin: 1)")
        .unwrap_err();
    let Error::Compile(d) = &err else {
        panic!("{err}")
    };
    let problems = d.problems();
    let codes: Vec<&str> = problems.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "fluxi::types::mismatch",
            "fluxi::types::undefined",
            "fluxi::types::unknown_argument"
        ],
        "{problems:#?}"
    );
    assert_eq!(problems[1].line, 2);
    assert_eq!(problems[1].column, 5);
    #[cfg(feature = "fancy")]
    {
        let rendered = err.render(false);
        assert!(rendered.contains("b = undefinedThing"), "{rendered}");
    }
    assert!(err.to_string().contains("query.flux:2:5:"), "{err}");
    // Syntax errors stop before type checking.
    let err = e.compile("x = (1 +").unwrap_err();
    assert_eq!(
        err.diagnostics().unwrap().problems()[0].code,
        "fluxi::syntax::unexpected_end"
    );
    // A program that compiles carries its binding types.
    let p = e.compile("f = (x) => x * x\ny = f(x: 1.5)").unwrap();
    assert_eq!(
        p.types(),
        [
            (
                "f".to_string(),
                "(x: A) => A where A: Divisible".to_string()
            ),
            ("y".to_string(), "float".to_string())
        ]
    );
}

#[test]
fn runtime_errors_point_at_the_call() {
    let e = Engine::new();
    let p = e.compile("x = 1\ny = die(msg: \"disk full\")").unwrap();
    let err = e.execute(&p).unwrap_err();
    let Error::Runtime(d) = &err else {
        panic!("{err}")
    };
    let problem = &d.problems()[0];
    assert!(problem.message.contains("disk full"), "{problem:?}");
    assert_eq!(problem.line, 2);
    // Reading without a store says so.
    let err = e
        .query("from(bucket: \"x\") |> range(start: 0)")
        .unwrap_err();
    assert!(err.to_string().contains("no storage"), "{err}");
}

#[test]
fn now_can_be_fixed() {
    let e = Engine::builder()
        .now_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .build()
        .unwrap();
    let r = e
        .query("import \"array\"\narray.from(rows: [{t: now()}])")
        .unwrap();
    let t = &r.get("_result").unwrap().tables[0];
    assert_eq!(
        format!("{:?}", t.value(0, 0)),
        format!(
            "{:?}",
            Value::Time(fluxi::parse_time("2030-01-01T00:00:00Z").unwrap())
        )
    );
    assert!(Engine::builder().now_rfc3339("yesterday").is_err());
}

#[test]
fn an_embedders_package_of_rust_functions() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let pkg = Package::new("acme/units")
        .function("toCelsius", "(f: float) => float", move |args| {
            counted.fetch_add(1, Ordering::Relaxed);
            let f = args.opt_float("f")?.unwrap_or(f64::NAN);
            Ok(Value::Float((f - 32.0) * 5.0 / 9.0))
        })
        .function("site", "() => string", |_| Ok(Value::string("plant-7")))
        .constant("absoluteZero", "float", Value::Float(-273.15))
        .flux("aboveFreezing = (f) => toCelsius(f: f) > 0.0");
    let e = Engine::builder().package(pkg).build().unwrap();
    let r = e
        .query(
            r#"
            import "array"
            import "acme/units"
            array.from(rows: [{f: 212.0}, {f: 14.0}])
                |> map(fn: (r) => ({c: units.toCelsius(f: r.f), warm: units.aboveFreezing(f: r.f), site: units.site(), zero: units.absoluteZero}))
            "#,
        )
        .unwrap();
    let text = r.to_csv();
    assert!(text.contains(",c,site,warm,zero"), "{text}");
    assert!(text.contains(",100,plant-7,true,-273.15"), "{text}");
    assert!(text.contains(",-10,plant-7,false,-273.15"), "{text}");
    assert!(calls.load(Ordering::Relaxed) >= 4, "the closure ran");
    // Its signature is checked like any builtin's.
    let err = e
        .compile("import \"acme/units\"\nx = units.toCelsius(f: \"hot\")")
        .unwrap_err();
    assert_eq!(
        err.diagnostics().unwrap().problems()[0].code,
        "fluxi::types::mismatch"
    );
    // A bad signature is reported when the engine is built.
    let bad = Package::new("acme/bad").function("f", "(x: flot) => float", |_| Ok(Value::Null));
    let err = Engine::builder()
        .package(bad)
        .build()
        .err()
        .expect("rejected");
    assert!(err.to_string().contains("acme/bad"), "{err}");
    let err = Engine::builder()
        .package(Package::new("Acme Units"))
        .build()
        .err()
        .expect("rejected");
    assert!(err.to_string().contains("not a package path"), "{err}");
    // A standard package cannot be replaced.
    let err = Engine::builder()
        .package(Package::new("strings").function("f", "() => int", |_| Ok(Value::Int(1))))
        .build()
        .err()
        .expect("rejected");
    assert!(err.to_string().contains("already defined"), "{err}");
    // An error from the function stops the script at its call.
    let failing = Package::new("acme/fail").function("f", "() => int", |_| {
        Err(fluxi::EvalError::msg("sensor offline"))
    });
    let e = Engine::builder().package(failing).build().unwrap();
    let err = e.query("import \"acme/fail\"\nx = fail.f()").unwrap_err();
    let p = &err.diagnostics().unwrap().problems()[0];
    assert!(p.message.contains("sensor offline"), "{p:?}");
    assert_eq!((p.line, p.column), (2, 5), "{p:?}");
}

#[test]
fn a_query_can_be_cancelled_from_another_thread() {
    let e = Engine::new();
    let p = e
        .compile(
            r#"
            import "strings"
            import "array"
            big = strings.split(v: strings.repeat(v: "a,", i: 100000), t: ",")
            n = array.map(arr: big, fn: (x) => length(arr: array.map(arr: big, fn: (x) => x + "b")))
            "#,
        )
        .unwrap();
    let flag = Arc::new(AtomicBool::new(false));
    let setter = Arc::clone(&flag);
    let t = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        setter.store(true, Ordering::Relaxed);
    });
    let err = e.execute_cancellable(&p, flag).unwrap_err();
    t.join().unwrap();
    assert!(err.is_cancelled(), "{err}");
}

#[test]
fn explain_shows_what_is_pushed_down() {
    let e = engine();
    let p = e
        .compile("from(bucket: \"m\") |> range(start: 0) |> filter(fn: (r) => r.host == \"a\") |> count()")
        .unwrap();
    let plan = e.explain(&p).unwrap().to_string();
    assert!(plan.contains("pushed into storage"), "{plan}");
    assert!(plan.contains("host"), "{plan}");
}

#[test]
fn the_persistent_store_keeps_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    {
        let e = Engine::open(dir.path()).unwrap();
        e.storage().unwrap().create_bucket("m", None).unwrap();
        e.write_line_protocol("m", DATA).unwrap();
    }
    let e = Engine::open(dir.path()).unwrap();
    let r = e
        .query("from(bucket: \"m\") |> range(start: 0) |> filter(fn: (r) => r._field == \"used\")")
        .unwrap();
    assert!(r.to_csv().contains(",512,"), "{}", r.to_csv());
    // Bad line protocol is rejected whole.
    let err = e
        .write_line_protocol("m", "cpu usage=1 1\ncpu usage= 2\n")
        .unwrap_err();
    assert!(err.to_string().contains("missing field value"), "{err}");
}

#[test]
fn the_prelude_and_packages_are_checked_and_evaluated_once_per_engine() {
    let e = engine();
    let q = r#"import "strings"
        from(bucket: "m") |> range(start: 0) |> map(fn: (r) => ({r with s: strings.toUpper(v: r.host)}))"#;
    e.query(q).unwrap();
    let after_first = e.packages_loaded();
    // The prelude (four packages) and "strings" at least were checked and evaluated.
    assert!(after_first.0 >= 5 && after_first.1 >= 5, "{after_first:?}");
    // More queries (from other threads and clones too) and a session load nothing again.
    for _ in 0..3 {
        e.query(q).unwrap();
    }
    let clone = e.clone();
    std::thread::spawn(move || clone.query(q).unwrap())
        .join()
        .unwrap();
    let mut session = e.session();
    session.eval("import \"strings\"").unwrap();
    session.eval("x = strings.toLower(v: \"A\")").unwrap();
    assert_eq!(e.packages_loaded(), after_first);
    // A package not used before is loaded once, then shared too.
    e.query("import \"math\"\nmath.pi").unwrap();
    let with_math = e.packages_loaded();
    assert_eq!(with_math.0, after_first.0 + 1);
    e.query("import \"math\"\nmath.e").unwrap();
    assert_eq!(e.packages_loaded(), with_math);
    // Another engine has its own.
    let other = Engine::in_memory();
    assert_eq!(other.packages_loaded(), (0, 0));
}

#[test]
fn standard_packages_come_checked_from_the_build() {
    let e = Engine::in_memory();
    // The build checked (nearly) every standard package; an engine decodes them.
    let standard = e.session().package_paths().len();
    assert!(
        e.prechecked_packages() * 10 >= standard * 9,
        "{} of {standard} standard packages pre-checked",
        e.prechecked_packages()
    );
    // A decoded package types and runs like a checked one, errors included.
    let r = e
        .query("import \"strings\"\nimport \"array\"\narray.from(rows: [{s: strings.toUpper(v: \"ab\")}])")
        .unwrap();
    assert!(format!("{r:?}").contains("AB"), "{r:?}");
    let err = e
        .compile("import \"strings\"\nstrings.toUpper(v: 1)")
        .unwrap_err();
    assert!(
        err.to_string().contains("expected string but found int"),
        "{err}"
    );
}

#[test]
fn a_panicking_function_fails_its_query_and_the_engine_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = Package::new("acme/buggy").function("boom", "(n: int) => int", |args| {
        let n = args.opt_int("n")?.unwrap_or(0);
        let table = [1_i64, 2, 3];
        // A bug: indexes past the end.
        Ok(Value::Int(table[n as usize]))
    });
    let e = Engine::builder()
        .package(pkg)
        .open_lazily(dir.path())
        .build()
        .unwrap();
    e.storage().unwrap().create_bucket("m", None).unwrap();
    e.write_line_protocol("m", "cpu v=1 1000000000\n").unwrap();
    let err = e
        .query("import \"acme/buggy\"\nimport \"array\"\narray.from(rows: [{x: buggy.boom(n: 7)}])")
        .unwrap_err();
    assert_eq!(
        err.code().as_deref(),
        Some("fluxi::eval::internal"),
        "{err}"
    );
    assert!(err.to_string().contains("index out of bounds"), "{err}");
    // The same engine, its sessions and its store go on working.
    let ok = e
        .query("import \"acme/buggy\"\nimport \"array\"\narray.from(rows: [{x: buggy.boom(n: 1)}])")
        .unwrap();
    let table = &ok.get("_result").unwrap().tables[0];
    assert!(matches!(
        table.value(0, table.column_index("x").unwrap()),
        Value::Int(2)
    ));
    let rows = e
        .query("from(bucket: \"m\") |> range(start: 0) |> count()")
        .unwrap();
    let table = &rows.get("_result").unwrap().tables[0];
    let col = table.column_index("_value").unwrap();
    assert!(matches!(table.value(0, col), Value::Int(1)));
    let mut session = e.session();
    assert!(session
        .eval("import \"acme/buggy\"\nbuggy.boom(n: 9)")
        .is_err());
    assert!(session.eval("y = 1 + 1").is_ok());
}

/// The one value of a one-row, one-column query.
fn single(engine: &Engine, query: &str) -> Value {
    let results = engine.query(query).unwrap();
    results.get("_result").unwrap().tables[0].value(0, 0)
}

#[test]
fn options_can_be_set_from_outside_and_a_scripts_own_option_wins() {
    let t0 = 1_700_000_000_000_000_000;
    let engine = Engine::new().with_now(t0);
    let script = r#"import "array"
import "influxdata/influxdb/tasks"
array.from(rows: [{t: tasks.lastSuccess(orTime: -1h)}])"#;
    // Not set: the default, counted from now().
    assert!(matches!(single(&engine, script), Value::Time(t) if t == t0 - 3_600_000_000_000));
    let set = engine.with_option(
        "influxdata/influxdb/tasks",
        "lastSuccessTime",
        Value::Time(t0 - 5),
    );
    assert!(matches!(single(&set, script), Value::Time(t) if t == t0 - 5));
    // Setting it again replaces it; the engine it was made from is unchanged.
    let again = set.with_option(
        "influxdata/influxdb/tasks",
        "lastSuccessTime",
        Value::Time(7),
    );
    assert!(matches!(single(&again, script), Value::Time(7)));
    assert!(matches!(single(&engine, script), Value::Time(t) if t == t0 - 3_600_000_000_000));
    // The script's own option statement wins.
    let own = r#"import "array"
import "influxdata/influxdb/tasks"
option tasks.lastSuccessTime = 2020-01-01T00:00:00Z
array.from(rows: [{t: tasks.lastSuccess(orTime: -1h)}])"#;
    assert!(matches!(
        single(&set, own),
        Value::Time(1_577_836_800_000_000_000)
    ));
}

#[test]
fn option_statements_are_found_with_their_places() {
    let src = "x = 1\noption task = {name: \"a\", every: 1h, n}\noption now = () => 2020-01-01T00:00:00Z\n";
    let found = fluxi::option_statements("q.flux", src).unwrap();
    assert_eq!(found.len(), 2);
    let task = &found[0];
    assert_eq!(
        (task.package.as_deref(), task.name.as_str()),
        (None, "task")
    );
    assert_eq!(
        &src[task.span.clone()],
        "option task = {name: \"a\", every: 1h, n}"
    );
    assert_eq!(&src[task.value.clone()], "{name: \"a\", every: 1h, n}");
    let props = task.properties.as_ref().unwrap();
    let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["name", "every", "n"]);
    assert_eq!(&src[props[1].value.clone().unwrap()], "1h");
    assert_eq!(&src[props[1].span.clone()], "every: 1h");
    assert_eq!(props[2].value, None);
    assert_eq!(found[1].properties, None);
    // Syntax errors come back as such.
    let err = fluxi::option_statements("q.flux", "option task = {").unwrap_err();
    assert!(matches!(err, Error::Compile(_)), "{err}");
}

#[test]
fn chain_reads_second_after_first_has_written() {
    let e = engine();
    // `second` is written before `first`: the order of the arguments does not matter.
    let r = e
        .query(
            r#"
            import "array"
            import "experimental"

            write = array.from(rows: [{_time: 1970-01-01T00:00:05Z, _measurement: "cpu", _field: "usage", host: "c", _value: 99.0}])
                |> to(bucket: "m")
            experimental.chain(
                second: from(bucket: "m") |> range(start: 0) |> filter(fn: (r) => r.host == "c"),
                first: write,
            )
            "#,
        )
        .unwrap();
    let csv = r.to_csv();
    assert!(csv.contains(",99,"), "{csv}");
    assert_eq!(r.get("_result").unwrap().tables.len(), 1, "{csv}");
}

#[test]
fn v1_databases_are_the_buckets_as_virtual_dbrp_mappings() {
    let q = "import \"influxdata/influxdb/v1\"\nv1.databases()";
    let empty = Engine::in_memory();
    let err = empty.query(q).unwrap_err();
    assert_eq!(
        err.code().as_deref(),
        Some("fluxi::storage::bucket_not_found")
    );
    assert!(err.to_string().contains("no 1.x databases found"), "{err}");
    let e = Engine::in_memory();
    let storage = e.storage().unwrap();
    storage
        .create_bucket("telegraf/weekly", Some(604_800_000_000_000))
        .unwrap();
    storage.create_bucket("app", None).unwrap();
    let csv = e.query(q).unwrap().to_csv_lf();
    let id = |name: &str| {
        let q = format!(
            "buckets() |> filter(fn: (r) => r.name == {name:?}) |> keep(columns: [\"id\"])"
        );
        let csv = e.query(&q).unwrap().to_csv_lf();
        csv.trim_end().rsplit(',').next().unwrap().to_string()
    };
    let (app, weekly) = (id("app"), id("telegraf/weekly"));
    assert_eq!(app.len(), 16, "{app}");
    assert!(
        csv.contains(&format!(",,0,,app,autogen,0,true,{app}\n")),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(
            ",,0,,telegraf,weekly,604800000000000,false,{weekly}\n"
        )),
        "{csv}"
    );
}
