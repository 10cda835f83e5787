//! The column-wise path of `filter` and `map` must give exactly what the row-by-row
//! interpreter gives: the same tables, or the same error. Random tables and random typed
//! row functions are run both ways ([`fluxi::EngineBuilder::vectorize`]) and compared.
#![allow(clippy::unwrap_used)]

use fluxi::Engine;
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::sync::OnceLock;

/// The engine that runs row functions column-wise where it can (`true`) or row by row.
fn engine(vectorize: bool) -> &'static Engine {
    static ENGINES: OnceLock<[Engine; 2]> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        let build = |on| Engine::builder().vectorize(on).build().unwrap();
        [build(false), build(true)]
    });
    &engines[usize::from(vectorize)]
}

/// Run a script; the results as annotated CSV or the error's message, and the number of
/// tables that took the vectorised path. `None` when the script does not compile cleanly.
fn run(src: &str, vectorize: bool) -> Option<(Result<String, String>, u64)> {
    let engine = engine(vectorize);
    let program = engine.compile(src).ok()?;
    if !program.warnings().is_empty() {
        return None;
    }
    let (out, stats) = engine.execute_with_stats(&program);
    Some((
        out.map(|r| r.to_csv_lf()).map_err(|e| e.to_string()),
        stats.vectorized_tables,
    ))
}

/// Both ways; panics (with the script) when they disagree. Returns the vectorised count.
fn same_both_ways(src: &str) -> Option<u64> {
    let (vec, count) = run(src, true)?;
    let (row, row_count) = run(src, false)?;
    assert_eq!(row_count, 0, "the row path must not vectorise");
    assert_eq!(vec, row, "vectorised and row results differ for:\n{src}");
    Some(count)
}

const DATA: &str = r#"import "csv"
import "strings"
thr = 1
data = csv.from(csv: "
#datatype,string,long,string,long,long,unsignedLong,double,string,boolean,dateTime:RFC3339
#group,false,false,true,false,false,false,false,false,false,false
#default,_result,,,,,,,,,
,result,table,k,i,j,u,f,s,b,_time
,,0,a,1,2,3,1.5,ab,true,2020-01-01T00:00:00Z
,,0,a,,0,0,-0.0,b,false,2020-01-01T00:00:01Z
,,0,a,-4,-4,7,,,,2020-01-01T00:00:02Z
,,0,a,0,3,1,2.0,a,true,2020-01-01T00:00:03Z
,,1,b,5,0,2,0.0,ab,,2020-01-01T00:00:00Z
,,1,b,4611686018427387903,1,4,-1.5,b,false,2020-01-01T00:00:01Z
,,2,c,,,,,,,2020-01-01T00:00:00Z
")
"#;

#[test]
fn common_row_functions_run_column_wise() {
    let cases = [
        "data |> filter(fn: (r) => r.i > 0 and r.s == \"ab\")",
        "data |> filter(fn: (r) => r.f >= 0.0 or not exists r.b)",
        "data |> filter(fn: (r) => r.s =~ /^a/ and r.i != thr)",
        "data |> map(fn: (r) => ({r with x: r.i * 2 + thr, y: r.f / 2.0}))",
        "data |> map(fn: (r) => ({k: r.k, v: if r.b then r.f else -r.f}))",
        "data |> map(fn: (r) => { x = r.j + 1\n return {r with x: x, big: x > 2} })",
    ];
    for body in cases {
        let src = format!("{DATA}{body}");
        let count = same_both_ways(&src);
        // Three input tables, all three vectorised.
        assert_eq!(
            count,
            Some(3),
            "expected every table to run column-wise: {body}"
        );
    }
}

#[test]
fn fallbacks_give_the_row_path_result() {
    // Integer division by zero is an error the row path reports (with its span); a key
    // column rewritten per row splits tables; calls on row values are not compiled.
    let cases = [
        ("data |> map(fn: (r) => ({r with x: r.i / r.j}))", 0),
        ("data |> filter(fn: (r) => r.j == 0 or r.i / r.j > 0)", 0),
        // Splits table a (fallback); b and c keep one key value each.
        (
            "data |> map(fn: (r) => ({r with k: if r.i > 0 then \"p\" else r.k}))",
            2,
        ),
        (
            "data |> filter(fn: (r) => strings.hasPrefix(v: r.k, prefix: \"a\"))",
            0,
        ),
        ("data |> map(fn: (r) => ({r with x: r.i + r.f}))", 0),
    ];
    for (body, vectorized_at_least) in cases {
        let src = format!("{DATA}{body}");
        let count = same_both_ways(&src).unwrap_or_else(|| panic!("did not check: {body}"));
        assert!(count >= vectorized_at_least, "{body}: {count}");
    }
    // An integer overflow (table b holds 2^62 - 1) falls back to the row path, which
    // fails with `fluxi::eval::overflow`, the same both ways.
    let big = format!("{DATA}data |> map(fn: (r) => ({{r with x: r.i * 4}}))");
    same_both_ways(&big).unwrap_or_else(|| panic!("did not check: {big}"));
    let overflow = run(&big, true);
    assert!(
        matches!(&overflow, Some((Err(e), _)) if e.contains("integer overflow")),
        "{overflow:?}"
    );
    let div = run(
        &format!("{DATA}data |> map(fn: (r) => ({{r with x: r.i / r.j}}))"),
        true,
    );
    assert!(
        matches!(&div, Some((Err(e), _)) if e.contains("divide by zero")),
        "{div:?}"
    );
}

/// Two sides for the `join` package: key `k` (left has a and b, right a and c), `id` with
/// nulls and repeats, `s`, `v` and `_time`.
const SIDES: &str = r#"import "csv"
import "join"
side = (t) => csv.from(csv: t)
left = side(t: "
#datatype,string,long,string,long,string,double,dateTime:RFC3339
#group,false,false,true,false,false,false,false
#default,_result,,,,,,
,result,table,k,id,s,v,_time
,,0,a,1,x,1.5,2020-01-01T00:00:00Z
,,0,a,2,y,-0.0,2020-01-01T00:00:01Z
,,0,a,,x,2.0,2020-01-01T00:00:02Z
,,0,a,1,y,,2020-01-01T00:00:03Z
,,1,b,1,x,4.0,2020-01-01T00:00:00Z
")
right = side(t: "
#datatype,string,long,string,long,string,double,dateTime:RFC3339
#group,false,false,true,false,false,false,false
#default,_result,,,,,,
,result,table,k,id,s,v,_time
,,0,a,1,y,10.0,2020-01-01T00:00:01Z
,,0,a,3,x,11.0,2020-01-01T00:00:00Z
,,0,a,1,x,12.0,2020-01-01T00:00:03Z
,,0,a,,x,13.0,2020-01-01T00:00:02Z
,,1,c,5,z,14.0,2020-01-01T00:00:00Z
")
"#;

#[test]
fn join_as_functions_run_column_wise() {
    // Each case: the call, and how many output tables must take the column-wise path.
    let cases = [
        ("join.inner(left: left, right: right, on: (l, r) => l.id == r.id, as: (l, r) => ({l with rv: r.v}))", 1),
        ("join.left(left: left, right: right, on: (l, r) => l.id == r.id, as: (l, r) => ({l with rv: r.v, sum: l.v + r.v}))", 2),
        ("join.right(left: left, right: right, on: (l, r) => l.id == r.id and l.s == r.s, as: (l, r) => ({r with lv: l.v, ls: l.s}))", 2),
        ("join.full(left: left, right: right, on: (l, r) => l.id == r.id, as: (l, r) => ({k: l.k, id: if exists l.id then l.id else r.id, lv: l.v, rv: r.v}))", 3),
        ("join.time(left: left, right: right, as: (l, r) => { d = r.v - l.v\n return {l with d: d, late: d > 9.0} })", 1),
        ("join.full(left: left, right: right, on: (l, r) => l._time == r._time, as: (l, r) => ({r with lid: l.id}))", 3),
    ];
    for (call, vectorized) in cases {
        let src = format!("{SIDES}{call}");
        let count = same_both_ways(&src).unwrap_or_else(|| panic!("did not check: {call}"));
        assert_eq!(count, vectorized, "{call}");
    }
    // A record that changes or drops a group-key value is the row path's error, both ways.
    for call in [
        "join.inner(left: left, right: right, on: (l, r) => l.id == r.id, as: (l, r) => ({l with k: \"z\"}))",
        "join.left(left: left, right: right, on: (l, r) => l.id == r.id, as: (l, r) => ({v: l.v}))",
    ] {
        let src = format!("{SIDES}{call}");
        same_both_ways(&src).unwrap_or_else(|| panic!("did not check: {call}"));
        let out = run(&src, true);
        assert!(
            matches!(&out, Some((Err(e), 0)) if e.contains("join cannot modify group key")),
            "{call}: {out:?}"
        );
    }
}

#[test]
fn pivot_gathers_columns_as_the_row_path_builds_rows() {
    // Every choice of row key, column key and value column over DATA's columns (nulls,
    // repeats, 0 and -0, strings, booleans, a key column), both ways.
    let row_keys = [
        "[\"_time\"]",
        "[\"i\"]",
        "[\"s\", \"b\"]",
        "[\"f\"]",
        "[\"_time\", \"k\"]",
    ];
    let column_keys = [
        "[\"s\"]",
        "[\"k\"]",
        "[\"b\"]",
        "[\"f\"]",
        "[\"s\", \"k\"]",
        "[\"u\"]",
    ];
    let value_columns = ["i", "f", "s", "j"];
    let mut columnar = 0;
    for rk in row_keys {
        for ck in column_keys {
            for vc in value_columns {
                if rk.contains(&format!("\"{vc}\"")) || ck.contains(&format!("\"{vc}\"")) {
                    continue;
                }
                let call =
                    format!("data |> pivot(rowKey: {rk}, columnKey: {ck}, valueColumn: \"{vc}\")");
                let count = same_both_ways(&format!("{DATA}{call}"))
                    .unwrap_or_else(|| panic!("did not check: {call}"));
                columnar += usize::from(count > 0);
            }
        }
    }
    // Of the 90 cases, only those whose row key reads a column table c lacks (its `s`
    // and `b` are all null) leave the column-wise path.
    assert!(columnar >= 84, "{columnar} cases ran column-wise");
    // A new column named like a row-key column is the row path's error, both ways.
    let clash = format!(
        "{DATA}data |> map(fn: (r) => ({{r with c: \"s\"}})) |> pivot(rowKey: [\"s\"], columnKey: [\"c\"], valueColumn: \"i\")"
    );
    same_both_ways(&clash).unwrap_or_else(|| panic!("did not check: {clash}"));
    assert!(
        matches!(run(&clash, true), Some((Err(e), _)) if e.contains("collides")),
        "{:?}",
        run(&clash, true)
    );
    // Value columns of different types within one output group: the column-wise path
    // declines and the row path answers (one column per type).
    let mixed = format!(
        "{DATA}union(tables: [data |> filter(fn: (r) => r.k == \"a\") |> map(fn: (r) => ({{r with v: r.i}})), data |> filter(fn: (r) => r.k == \"b\") |> map(fn: (r) => ({{r with v: r.f}}))]) |> pivot(rowKey: [\"_time\"], columnKey: [\"k\"], valueColumn: \"v\")"
    );
    same_both_ways(&mixed).unwrap_or_else(|| panic!("did not check: {mixed}"));
    assert!(matches!(run(&mixed, true), Some((Ok(_), _))));
}

#[test]
fn reduce_folds_compiled_functions_as_the_interpreter_does() {
    // Each case with how many of DATA's three tables must take the compiled path.
    let cases = [
        ("reduce(fn: (r, accumulator) => ({sum: accumulator.sum + r.f, n: accumulator.n + 1}), identity: {sum: 0.0, n: 0})", 3),
        ("reduce(fn: (r, accumulator) => ({m: if r.i > accumulator.m then r.i else accumulator.m, tag: accumulator.tag}), identity: {m: -100, tag: \"x\"})", 3),
        ("reduce(fn: (r, accumulator) => ({any: accumulator.any or r.b, all: accumulator.all and r.b, none: not exists r.b}), identity: {any: false, all: true, none: false})", 3),
        ("reduce(fn: (r, accumulator) => ({s: accumulator.s + r.s, k: \"z\", u: accumulator.u + r.u}), identity: {s: \"\", k: \"z\", u: uint(v: 0)})", 3),
        ("reduce(fn: (r, accumulator) => { x = r.j * 2\n return {t: accumulator.t + x, last: r._time} }, identity: {t: 0, last: 2000-01-01T00:00:00Z})", 3),
        // A call on row values does not compile: the interpreter runs every table.
        ("reduce(fn: (r, accumulator) => ({s: accumulator.s + string(v: r.i)}), identity: {s: \"\"})", 0),
    ];
    for (call, compiled) in cases {
        let src = format!("{DATA}data |> {call}");
        let count = same_both_ways(&src).unwrap_or_else(|| panic!("did not check: {call}"));
        assert_eq!(count, compiled, "{call}");
    }
    // An overflow in table b (2^62 - 1 times 4) declines that table; the interpreter
    // reports it the same way, with its span.
    let overflow = format!(
        "{DATA}data |> reduce(fn: (r, accumulator) => ({{s: accumulator.s + r.i * 4}}), identity: {{s: 0}})"
    );
    same_both_ways(&overflow).unwrap_or_else(|| panic!("did not check: {overflow}"));
    assert!(
        matches!(run(&overflow, true), Some((Err(e), _)) if e.contains("integer overflow")),
        "{:?}",
        run(&overflow, true)
    );
}

#[test]
fn universe_join_matches_coded_values_as_the_merge_does() {
    // Each case: the call, and whether its table pairs may take the coded path.
    let zero = "l = left |> map(fn: (r) => ({r with z: r.v * 0.0}))\nr = right |> map(fn: (r) => ({r with z: r.v * -0.0}))\n";
    let nan = "l = left |> map(fn: (r) => ({r with z: (r.v - r.v) / 0.0}))\nr = right |> map(fn: (r) => ({r with z: (r.v - r.v) / 0.0}))\n";
    let mixed = "l = left\nr = right |> map(fn: (r) => ({r with id: float(v: r.id)}))\n";
    let cases = [
        (
            "",
            "join(tables: {a: left, b: right}, on: [\"k\", \"id\"])",
            true,
        ),
        (
            "",
            "join(tables: {a: left, b: right}, on: [\"k\", \"_time\"])",
            true,
        ),
        (
            "",
            "join(tables: {b: right, a: left}, on: [\"s\", \"k\", \"id\"])",
            true,
        ),
        ("", "join(tables: {a: left, b: right}, on: [\"id\"])", true),
        // 0 meets -0 as equal values.
        (zero, "join(tables: {a: l, b: r}, on: [\"k\", \"z\"])", true),
        // NaN, and an int column against a float one: only the merge is exact.
        (nan, "join(tables: {a: l, b: r}, on: [\"k\", \"z\"])", false),
        (
            mixed,
            "join(tables: {a: l, b: r}, on: [\"k\", \"id\"])",
            false,
        ),
    ];
    // Without `import "join"`, whose name would hide universe `join`.
    let sides = SIDES.replace("import \"join\"\n", "");
    for (prelude, call, coded) in cases {
        let src = format!("{sides}{prelude}{call}");
        let count = same_both_ways(&src).unwrap_or_else(|| panic!("did not check: {call}"));
        let (out, _) = run(&src, true).unwrap();
        assert!(out.is_ok(), "{call}: {out:?}");
        // The map in a prelude vectorises its own tables; count only what the join adds.
        let maps = if prelude.is_empty() {
            0
        } else {
            same_both_ways(&format!("{sides}{prelude}union(tables: [l, r])")).unwrap_or(0)
        };
        assert_eq!(count > maps, coded, "{call}: {count} vs {maps}");
    }
}

fn ops(list: &[&'static str]) -> impl Strategy<Value = &'static str> + Clone {
    prop::sample::select(list.to_vec())
}

fn int_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("r.i".to_string()),
        Just("r.j".to_string()),
        Just("thr".to_string()),
        (-3i64..4).prop_map(|v| if v < 0 {
            format!("({v})")
        } else {
            v.to_string()
        }),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                ops(&["+", "-", "*", "/", "%"]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("(-{a})")),
            (bool_leaf(), inner.clone(), inner)
                .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
        ]
    })
}

fn float_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("r.f".to_string()),
        Just("0.0".to_string()),
        Just("1.5".to_string()),
        Just("float(v: \"NaN\")".to_string()),
    ];
    leaf.prop_recursive(2, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), ops(&["+", "-", "*", "/"]), inner.clone())
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("(-{a})")),
            (bool_leaf(), inner.clone(), inner)
                .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
        ]
    })
}

fn string_expr() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("r.s".to_string()),
        Just("r.k".to_string()),
        Just("\"ab\"".to_string()),
        Just("\"a\"".to_string()),
    ]
}

fn bool_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("r.b".to_string()),
        Just("true".to_string()),
        Just("exists r.i".to_string()),
        Just("(r.i > 0)".to_string()),
        Just("(r.s =~ /b/)".to_string()),
    ]
}

fn bool_expr() -> impl Strategy<Value = String> {
    let cmp = ops(&["==", "!=", "<", "<=", ">", ">="]);
    let leaf = prop_oneof![
        bool_leaf(),
        (int_expr(), cmp.clone(), int_expr()).prop_map(|(a, o, b)| format!("({a} {o} {b})")),
        (float_expr(), cmp.clone(), float_expr()).prop_map(|(a, o, b)| format!("({a} {o} {b})")),
        (string_expr(), cmp, string_expr()).prop_map(|(a, o, b)| format!("({a} {o} {b})")),
        (string_expr(), ops(&["=~", "!~"])).prop_map(|(a, o)| format!("({a} {o} /^a/)")),
        Just("(string(v: r.u) == \"3\")".to_string()),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), ops(&["and", "or"]), inner.clone())
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("(not {a})")),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
        ]
    })
}

fn script() -> impl Strategy<Value = String> {
    prop_oneof![
        (bool_expr(), any::<bool>()).prop_map(|(b, keep)| {
            let on_empty = if keep { ", onEmpty: \"keep\"" } else { "" };
            format!("data |> filter(fn: (r) => {b}{on_empty})")
        }),
        (int_expr(), float_expr(), bool_expr()).prop_map(|(i, f, b)| format!(
            "data |> map(fn: (r) => ({{r with x: {i}, f: {f}, z: {b}}}))"
        )),
        (int_expr(), string_expr())
            .prop_map(|(i, s)| format!("data |> map(fn: (r) => ({{k: r.k, x: {i}, s: {s}}}))")),
        (string_expr(), int_expr())
            .prop_map(|(s, i)| format!("data |> map(fn: (r) => ({{r with k: {s}, i: {i}}}))")),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 300, failure_persistence: None, ..Config::default() })]

    #[test]
    fn vectorised_equals_row_by_row(body in script()) {
        let src = format!("{DATA}{body}");
        let _ = same_both_ways(&src);
    }
}
