#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Running a pipeline as a plan over a storage read (reads streamed, functions applied
//! table by table where they can be, the rest holding their input) must give exactly what
//! the same functions give over the same tables already in memory. Each pipeline runs
//! both ways — after `from(bucket:) |> range()` and after `csv.from()` of that read's
//! own annotated CSV — and the outputs (or errors) must be the same bytes.

use fluxi::Engine;

/// Series with different tag sets (so `keep`/`drop` sometimes merge tables), two
/// measurements, float, int and string fields, and a gap.
const DATA: &str = "\
cpu,host=a,region=eu usage=10,n=1i,state=\"ok\" 1000000000
cpu,host=a,region=eu usage=30,n=2i,state=\"ok\" 2000000000
cpu,host=a,region=eu usage=20,n=3i,state=\"hot\" 4000000000
cpu,host=b,region=eu usage=7.5,n=4i,state=\"ok\" 1000000000
cpu,host=b,region=eu usage=9.5,n=5i,state=\"ok\" 3000000000
cpu,host=a usage=11,n=6i 1500000000
cpu,host=c,region=us,rack=r1 usage=1,n=7i 2000000000
cpu,host=c,region=us,rack=r1 usage=2,n=8i 5000000000
mem,host=a used=512i,free=3.5 1000000000
mem,host=a used=640i,free=2.5 2000000000
mem,host=b used=100i 3000000000
";

/// The float fields (so every pipeline applies to every table).
const RANGE: &str =
    "range(start: 0, stop: 10) |> filter(fn: (r) => r._field == \"usage\" or r._field == \"free\")";

/// The pipelines: every function that joins a plan, alone and in chains.
const PIPELINES: &[&str] = &[
    "filter(fn: (r) => r._value > 5.0)",
    "filter(fn: (r) => r.host == \"a\" and r._field == \"usage\")",
    "filter(fn: (r) => r.region == \"eu\", onEmpty: \"keep\")",
    "map(fn: (r) => ({r with _value: r._value * 2.0}))",
    "map(fn: (r) => ({r with extra: r.host + \"!\"}))",
    "keep(columns: [\"_start\", \"_stop\", \"_time\", \"_value\", \"_field\", \"_measurement\", \"host\"])",
    "keep(columns: [\"_start\", \"_stop\", \"_time\", \"_value\", \"_field\", \"_measurement\", \"host\", \"region\", \"rack\"])",
    "keep(columns: [\"_time\", \"_value\", \"host\"])",
    "drop(columns: [\"region\"])",
    "drop(columns: [\"_start\", \"_stop\"])",
    "sort(columns: [\"_time\"], desc: true)",
    "group(columns: [\"host\"])",
    "group()",
    "count()",
    "sum()",
    "mean()",
    "first()",
    "last()",
    "min()",
    "max()",
    "limit(n: 1)",
    "limit(n: 2, offset: 1)",
    "tail(n: 1)",
    "fill(value: 0.0)",
    "fill(usePrevious: true)",
    "difference()",
    "cumulativeSum()",
    "elapsed()",
    "timeShift(duration: 1s)",
    "duplicate(column: \"host\", as: \"h\")",
    "set(key: \"k\", value: \"v\")",
    "aggregateWindow(every: 2s, fn: mean)",
    "aggregateWindow(every: 2s, fn: count, createEmpty: false)",
    "filter(fn: (r) => r._field == \"usage\") |> map(fn: (r) => ({r with _value: r._value + 1.0})) |> keep(columns: [\"_start\", \"_stop\", \"_time\", \"_value\", \"_field\", \"_measurement\", \"host\", \"region\", \"rack\"]) |> sum()",
    "filter(fn: (r) => r._field == \"usage\") |> drop(columns: [\"region\", \"rack\"]) |> sort() |> limit(n: 2)",
    "filter(fn: (r) => r._measurement == \"mem\") |> group(columns: [\"_field\"]) |> count()",
    "map(fn: (r) => ({r with _value: r._value / 0.0}))",
];

fn engine() -> Engine {
    let e = Engine::in_memory();
    e.storage().unwrap().create_bucket("b", None).unwrap();
    e.write_line_protocol("b", DATA).unwrap();
    e
}

/// The results as CSV, or the error's messages (without places: the two sources differ).
fn run(e: &Engine, src: &str) -> String {
    match e.query(src) {
        Ok(r) => r.to_csv(),
        Err(err) => match err.diagnostics() {
            Some(d) => d
                .problems()
                .iter()
                .map(|p| format!("error {}: {}", p.code, p.message))
                .collect::<Vec<_>>()
                .join("\n"),
            None => format!("error: {err}"),
        },
    }
}

/// Flux string literal of `s`.
fn literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn plans_compute_what_the_functions_compute_over_tables_in_memory() {
    let e = engine();
    let read = format!("from(bucket: \"b\") |> {RANGE}");
    let csv = run(&e, &read);
    assert!(csv.contains("#datatype"), "{csv}");
    // The same tables, in memory: every group key column and type as the read gives them.
    let in_memory = format!(
        "import \"csv\"\ncsv.from(csv: {}) |> {RANGE}",
        literal(&csv)
    );
    assert_eq!(
        run(&e, &in_memory),
        csv,
        "the CSV round trip changes nothing"
    );
    for p in PIPELINES {
        let planned = run(&e, &format!("{read} |> {p}"));
        let direct = run(&e, &format!("{in_memory} |> {p}"));
        assert_eq!(planned, direct, "`{p}` differs as a plan");
        assert!(!planned.starts_with("error"), "`{p}`: {planned}");
    }
}

#[test]
fn the_pipelines_are_plans() {
    // Every pipeline's functions join the plan: the logical plan explain shows has one
    // node per function above the nodes of the read itself (`range` and the field filter).
    let e = engine();
    let nodes = |src: &str| {
        let program = e.compile(src).unwrap();
        let explain = e.explain(&program).unwrap();
        assert_eq!(explain.reads.len(), 1, "{src}: {explain}");
        explain.reads[0]
            .logical
            .lines()
            .filter(|l| !l.trim_start().starts_with('|'))
            .count()
    };
    let read = format!("from(bucket: \"b\") |> {RANGE}");
    let base = nodes(&read);
    for p in PIPELINES {
        let calls = p.matches("|>").count() + 1;
        assert_eq!(
            nodes(&format!("{read} |> {p}")),
            base + calls,
            "`{p}` is not all plan nodes"
        );
    }
}
