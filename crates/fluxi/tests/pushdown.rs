//! Pushing `range`, `filter`, aggregates and `aggregateWindow` into storage must never
//! change a result: every query here runs with pushdown on and off
//! ([`fluxi::EngineBuilder::without_pushdown`]) over the same store and the outputs (or
//! errors) must be byte for byte the same. The run's statistics
//! ([`fluxi::Engine::execute_with_stats`]) show the pushed path really ran.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fluxi::{Engine, MemoryStorage, ParseOptions, Precision, Storage};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::sync::Arc;

struct Run {
    out: Result<String, String>,
    pushed: u64,
    filters: u64,
    reads: u64,
}

fn run_on(storage: Arc<dyn Storage>, src: &str, pushdown: bool) -> Run {
    let mut builder = Engine::builder()
        .storage(storage)
        .now(1_700_000_000_000_000_000);
    if !pushdown {
        builder = builder.without_pushdown();
    }
    let engine = builder.build().unwrap();
    let program = engine.compile(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    assert!(
        program.warnings().is_empty(),
        "{src}: {}",
        program.warnings()
    );
    let (out, stats) = engine.execute_with_stats(&program);
    Run {
        out: out.map(|r| r.to_csv_lf()).map_err(|e| e.to_string()),
        pushed: stats.aggregates_pushed_down,
        filters: stats.filters_pushed_down,
        reads: stats.storage_reads,
    }
}

/// Run both ways, assert the same output; return the pushed-down run.
fn same_both_ways(storage: &Arc<dyn Storage>, src: &str) -> Run {
    let on = run_on(Arc::clone(storage), src, true);
    let off = run_on(Arc::clone(storage), src, false);
    assert_eq!(on.out, off.out, "pushdown changed the result of:\n{src}");
    assert_eq!(off.pushed + off.filters, 0);
    on
}

const T0: i64 = 1_600_000_000; // 2020-09-13T12:26:40Z, in seconds

fn store(lines: &str) -> Arc<dyn Storage> {
    let s = MemoryStorage::new();
    s.create_bucket("b", None).unwrap();
    s.write_line_protocol(
        "b",
        lines.as_bytes(),
        &ParseOptions::new(Precision::Seconds, 0),
    )
    .unwrap();
    Arc::new(s)
}

fn sample() -> Arc<dyn Storage> {
    let mut lines = String::new();
    for i in 0..40 {
        let t = T0 + i * 7;
        lines.push_str(&format!(
            "cpu,host=a,region=eu usage={}.5,n={}i,ok={} {t}\n",
            i % 9,
            i % 4,
            i % 3 == 0
        ));
        if i % 2 == 0 {
            lines.push_str(&format!(
                "cpu,host=b usage={}.25,name=\"x{}\" {t}\n",
                i % 5,
                i % 2
            ));
        }
        if i % 5 == 0 {
            lines.push_str(&format!("mem,host=a used={}u {t}\n", i * 3));
        }
    }
    store(&lines)
}

fn query(body: &str) -> String {
    format!(
        "import \"regexp\"\nstart = {}\nstop = {}\ndata = from(bucket: \"b\") |> range(start: time(v: start * 1000000000), stop: time(v: stop * 1000000000))\n{body}",
        T0 + 3,
        T0 + 250
    )
}

#[test]
fn filters_on_series_columns_are_pushed_and_agree() {
    let s = sample();
    for body in [
        r#"data |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage")"#,
        r#"data |> filter(fn: (r) => r.region != "eu")"#,
        r#"data |> filter(fn: (r) => r.host =~ /^[ab]$/ and r._field !~ /^n/)"#,
        r#"data |> filter(fn: (r) => r._field == "usage" or r._measurement == "mem")"#,
        r#"m = "cpu"
data |> filter(fn: (r) => r._measurement == m and r._field == "usage" and r._value > 2.0)"#,
        r#"data |> filter(fn: (r) => r._field == "usage") |> filter(fn: (r) => r.host == "b")"#,
        r#"data |> filter(fn: (r) => r.nosuchtag == "")"#,
        r#"option v = {measurement: "cpu", fields: "^(usage|n)$"}
data |> filter(fn: (r) => r._measurement == v.measurement and r._field =~ regexp.compile(v: v.fields))"#,
        r#"data |> filter(fn: (r) => r._field == "usage", onEmpty: "keep")"#,
    ] {
        let on = same_both_ways(&s, &query(body));
        assert!(on.out.is_ok(), "{body}: {:?}", on.out);
        assert_eq!(on.reads, 1, "{body}");
        let expect_pushed = !body.contains("onEmpty");
        assert_eq!(on.filters > 0, expect_pushed, "{body}");
    }
}

#[test]
fn aggregates_and_windows_agree_with_the_engine() {
    let s = sample();
    for f in ["mean", "sum", "count", "min", "max", "first", "last"] {
        for (every, extra) in [
            ("1m", ""),
            ("30s", ", createEmpty: false"),
            ("45s", ", offset: 15s"),
            ("1h", ""),
        ] {
            let body = format!(
                "data |> filter(fn: (r) => r._field == \"usage\" or r._field == \"n\") |> aggregateWindow(every: {every}, fn: {f}{extra})"
            );
            let on = same_both_ways(&s, &query(&body));
            assert!(on.out.is_ok(), "{body}: {:?}", on.out);
            assert_eq!(on.pushed, 1, "storage did not compute {body}");
        }
        let body = format!("data |> filter(fn: (r) => r._field == \"usage\") |> {f}()");
        let on = same_both_ways(&s, &query(&body));
        assert_eq!(on.pushed, 1, "storage did not compute {body}");
    }
}

#[test]
fn aggregates_storage_cannot_compute_fall_back_to_the_engine() {
    let s = sample();
    // Strings have no mean; min over strings is an error either way.
    for body in [
        r#"data |> filter(fn: (r) => r._field == "name") |> aggregateWindow(every: 1m, fn: sum)"#,
        r#"data |> filter(fn: (r) => r._field == "name") |> mean()"#,
        r#"data |> filter(fn: (r) => r._field == "name") |> min()"#,
        r#"data |> aggregateWindow(every: 1mo, fn: count)"#,
        r#"data |> aggregateWindow(every: 1m, fn: (column, tables=<-) => tables |> count(column))"#,
    ] {
        let on = same_both_ways(&s, &query(body));
        assert_eq!(on.pushed, 0, "{body}");
    }
}

#[test]
fn a_read_without_range_is_an_error_that_says_so() {
    let s = sample();
    let r = run_on(
        s,
        r#"from(bucket: "b") |> filter(fn: (r) => r._value > 0)"#,
        true,
    );
    let err = r.out.unwrap_err();
    assert!(
        err.contains("cannot submit unbounded read to \"b\""),
        "{err}"
    );
}

#[test]
fn a_missing_bucket_is_named() {
    let s = sample();
    let r = run_on(s, r#"from(bucket: "nope") |> range(start: 0)"#, true);
    assert!(r.out.unwrap_err().contains("bucket \"nope\" not found"));
}

#[test]
fn to_writes_rows_that_from_reads_back() {
    let s = sample();
    let src = query(
        r#"data |> filter(fn: (r) => r._field == "usage" and r.host == "b")
  |> map(fn: (r) => ({r with _value: r._value * 2.0, _measurement: "doubled"}))
  |> to(bucket: "b")
  |> yield(name: "written")
from(bucket: "b") |> range(start: 0) |> filter(fn: (r) => r._measurement == "doubled")
  |> sum() |> yield(name: "back")"#,
    );
    let r = run_on(Arc::clone(&s), &src, true);
    let out = r.out.unwrap();
    // host b wrote usage = (i % 5) + 0.25 for even i in 3..250 s: sum of doubled values.
    let mut expect = 0.0;
    for i in 0..40 {
        let t = i * 7;
        if i % 2 == 0 && (3..250).contains(&t) {
            expect += ((i % 5) as f64 + 0.25) * 2.0;
        }
    }
    assert!(
        out.contains(&format!(",doubled,b,{expect}\n")),
        "{expect}: {out}"
    );
    assert_eq!(
        s.measurements("b").unwrap(),
        vec!["cpu".to_string(), "doubled".into(), "mem".into()]
    );
}

#[test]
fn schema_questions_are_answered_per_series() {
    let s = sample();
    for body in [
        r#"import "influxdata/influxdb/schema"
schema.measurements(bucket: "b", start: 0)"#,
        r#"import "influxdata/influxdb/schema"
schema.tagValues(bucket: "b", tag: "host", start: 0)"#,
        r#"import "influxdata/influxdb/schema"
schema.tagKeys(bucket: "b", start: 0, predicate: (r) => r._measurement == "cpu")"#,
        r#"import "influxdata/influxdb/schema"
schema.measurementFieldKeys(bucket: "b", measurement: "cpu", start: 0)"#,
        r#"import "influxdata/influxdb/schema"
schema.measurementTagValues(bucket: "b", measurement: "mem", tag: "host", start: 0)"#,
    ] {
        let on = same_both_ways(&s, body);
        assert!(on.out.is_ok(), "{body}: {:?}", on.out);
    }
}

#[test]
fn buckets_lists_the_store() {
    let s = sample();
    s.create_bucket("other", Some(3_600_000_000_000)).unwrap();
    let out = run_on(s, "buckets()", true).out.unwrap();
    assert!(out.contains(",b,"), "{out}");
    assert!(
        out.contains(",other,") && out.contains(",3600000000000"),
        "{out}"
    );
}

fn arb_lines() -> impl Strategy<Value = String> {
    let point = (
        prop::sample::select(vec!["cpu", "mem"]),
        prop::option::of(prop::sample::select(vec!["a", "b", "c"])),
        prop::sample::select(vec!["f", "g"]),
        -50i64..50,
        0i64..600,
    );
    prop::collection::vec(point, 1..60).prop_map(|ps| {
        ps.into_iter()
            .map(|(m, host, field, v, t)| {
                let tags = host.map(|h| format!(",host={h}")).unwrap_or_default();
                // `g` is an int field, `f` a float one, in every measurement.
                let value = if field == "g" {
                    format!("{v}i")
                } else {
                    format!("{}", v as f64 / 4.0)
                };
                format!("{m}{tags} {field}={value} {}\n", T0 + t)
            })
            .collect()
    })
}

fn arb_query() -> impl Strategy<Value = String> {
    let filter = prop::sample::select(vec![
        "",
        r#"|> filter(fn: (r) => r._measurement == "cpu")"#,
        r#"|> filter(fn: (r) => r.host != "a")"#,
        r#"|> filter(fn: (r) => r.host == "b" or r._field == "g")"#,
        r#"|> filter(fn: (r) => r._field =~ /f/ and r._value > 0.0)"#,
    ]);
    let agg = prop::sample::select(vec![
        "", "mean", "sum", "count", "min", "max", "first", "last",
    ]);
    let every = prop::sample::select(vec!["", "10s", "1m", "7m", "2h"]);
    (filter, agg, every, 0i64..300, 1i64..400, any::<bool>()).prop_map(
        |(filter, agg, every, start, len, empty)| {
            let tail = match (agg, every) {
                ("", _) => String::new(),
                (f, "") => format!("|> {f}()"),
                (f, e) => format!("|> aggregateWindow(every: {e}, fn: {f}, createEmpty: {empty})"),
            };
            format!(
                "from(bucket: \"b\") |> range(start: time(v: {}), stop: time(v: {})) {filter} {tail}",
                (T0 + start) * 1_000_000_000,
                (T0 + start + len) * 1_000_000_000
            )
        },
    )
}

proptest! {
    #![proptest_config(Config { cases: 150, ..Config::default() })]
    #[test]
    fn random_reads_agree_both_ways(lines in arb_lines(), q in arb_query()) {
        let s = store(&lines);
        same_both_ways(&s, &q);
    }
}

#[test]
fn to_with_field_fn_keeps_the_columns_it_reads_out_of_the_tags() {
    let s = sample();
    let src = r#"import "array"
array.from(rows: [{_time: 2020-01-01T00:00:00Z, _measurement: "w", host: "a", unit: "C", temp: 21.5}])
  |> to(bucket: "b", fieldFn: (r) => ({temp: r.temp, unit: r.unit}))"#;
    run_on(Arc::clone(&s), src, true).out.unwrap();
    assert_eq!(
        s.tag_keys("b", Some("w")).unwrap(),
        vec!["host".to_string()]
    );
    assert_eq!(
        s.field_keys("b", Some("w")).unwrap(),
        vec!["temp".to_string(), "unit".into()]
    );
}
