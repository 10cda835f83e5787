#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Checks and notifications end to end, in a disk store: a five-minute high-CPU check
//! (`monitor.check`) runs six times over half an hour of host metrics and writes its
//! statuses into `_monitoring`, which its first write makes; `monitor.from`,
//! `stateChanges` and `stateChangesOnly` read them back; a notification rule
//! (`monitor.notify` with a Flux endpoint) records notifications that `monitor.logs`
//! reads back. Every expected row is computed here from the metrics written. Then the
//! `experimental` pieces monitor is built on, on their own.

use fluxi::{Engine, Value};
use std::collections::BTreeMap;

/// 2024-01-01T00:00:00Z in nanoseconds.
const JAN1: i64 = 1_704_067_200_000_000_000;

/// The start of the metrics: an hour before the current five minutes, since
/// `_monitoring` keeps seven days and the store drops older partitions when it opens.
fn t0() -> i64 {
    static T0: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *T0.get_or_init(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        now - now.rem_euclid(PERIOD) - 12 * PERIOD
    })
}
const SECOND: i64 = 1_000_000_000;
const PERIOD: i64 = 300 * SECOND;
/// How many periods (check runs) the metrics cover.
const RUNS: usize = 6;
/// Seconds between two metric points.
const STEP: i64 = 10;
const HOSTS: [&str; 2] = ["web1", "web2"];

/// The CPU use (percent) host `h` hovers around in period `p`.
fn base(h: usize, p: usize) -> f64 {
    [
        [50.0, 85.0, 95.0, 97.0, 70.0, 92.0],
        [20.0, 30.0, 40.0, 88.0, 91.0, 20.0],
    ][h][p]
}

/// The `i`th point of host `h` (time in ns, usage_user): the period's base plus a
/// deterministic wobble of at most ±1.5.
fn point(h: usize, i: i64) -> (i64, f64) {
    let p = (i * STEP * SECOND / PERIOD) as usize;
    let wobble = ((i * 7 + h as i64 * 3) % 13) as f64 * 0.25 - 1.5;
    (t0() + i * STEP * SECOND, base(h, p) + wobble)
}

fn points_per_host() -> i64 {
    RUNS as i64 * PERIOD / (STEP * SECOND)
}

fn line_protocol() -> String {
    let mut lp = String::new();
    for (h, host) in HOSTS.iter().enumerate() {
        for i in 0..points_per_host() {
            let (t, v) = point(h, i);
            lp.push_str(&format!(
                "cpu,cpu=cpu-total,host={host} usage_user={v:?},usage_system=1.5 {t}\n"
            ));
            // Another cpu, which the check's filter leaves out.
            lp.push_str(&format!("cpu,cpu=cpu0,host={host} usage_user=99.5 {t}\n"));
        }
    }
    lp
}

/// The mean usage_user of host `h` over period `p` (`[t0() + p*5m, t0() + (p+1)*5m)`).
fn period_mean(h: usize, p: usize) -> f64 {
    let (start, stop) = (t0() + p as i64 * PERIOD, t0() + (p as i64 + 1) * PERIOD);
    let values: Vec<f64> = (0..points_per_host())
        .map(|i| point(h, i))
        .filter(|(t, _)| *t >= start && *t < stop)
        .map(|(_, v)| v)
        .collect();
    assert_eq!(values.len(), (PERIOD / (STEP * SECOND)) as usize);
    values.iter().sum::<f64>() / values.len() as f64
}

/// The level the check gives a mean.
fn level(mean: f64) -> &'static str {
    if mean > 90.0 {
        "crit"
    } else if mean > 80.0 {
        "warn"
    } else {
        "ok"
    }
}

const CHECK: &str = r#"
import "influxdata/influxdb/monitor"
import "influxdata/influxdb/schema"

option task = {name: "High CPU", every: 5m}

check = {
    _check_id: "0000000000000001",
    _check_name: "High CPU",
    _type: "threshold",
    tags: {team: "ops"},
}

from(bucket: "telegraf")
    |> range(start: -task.every)
    |> filter(fn: (r) => r._measurement == "cpu" and r._field == "usage_user" and r.cpu == "cpu-total")
    |> aggregateWindow(every: task.every, fn: mean, createEmpty: false)
    |> schema.fieldsAsCols()
    |> monitor.check(
        data: check,
        messageFn: (r) => "CPU of ${r.host} is ${r._level}",
        crit: (r) => r.usage_user > 90.0,
        warn: (r) => r.usage_user > 80.0,
        ok: (r) => r.usage_user <= 80.0,
    )
"#;

/// A state-change notification rule as InfluxDB writes one: the statuses of the last two
/// periods, the changes to `crit`, the latest period's only, sent through an endpoint
/// written in Flux that marks what it sent.
const RULE: &str = r#"
import "influxdata/influxdb/monitor"
import "experimental"

option task = {name: "crit rule", every: 5m}

endpoint = (tables=<-) => tables |> map(fn: (r) => ({r with _sent: "true"}))
rule = {
    _notification_rule_id: "00000000000000aa",
    _notification_rule_name: "to crit",
    _notification_endpoint_id: "00000000000000bb",
    _notification_endpoint_name: "ops hook",
}

monitor.from(start: -10m)
    |> monitor.stateChanges(toLevel: "crit")
    |> filter(fn: (r) => r._time >= experimental.subDuration(d: task.every, from: now()))
    |> monitor.notify(data: rule, endpoint: endpoint)
"#;

/// Every row of a result's tables, as column -> value, with the group key's labels.
fn rows(results: &fluxi::Results, name: &str) -> Vec<(BTreeMap<String, Value>, Vec<String>)> {
    let mut out = Vec::new();
    for t in &results.get(name).unwrap().tables {
        let key: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        let columns = t.columns();
        for r in 0..t.num_rows() {
            let row = columns
                .iter()
                .enumerate()
                .map(|(c, (l, _))| (l.clone(), t.value(r, c)))
                .collect();
            out.push((row, key.clone()));
        }
    }
    out
}

fn string(row: &BTreeMap<String, Value>, col: &str) -> String {
    match row.get(col) {
        Some(Value::String(s)) => s.to_string(),
        other => panic!("column {col}: expected a string, found {other:?} in {row:?}"),
    }
}

fn int(row: &BTreeMap<String, Value>, col: &str) -> i64 {
    match row.get(col) {
        Some(Value::Int(i)) => *i,
        other => panic!("column {col}: expected an int, found {other:?} in {row:?}"),
    }
}

fn time(row: &BTreeMap<String, Value>, col: &str) -> i64 {
    match row.get(col) {
        Some(Value::Time(t)) => *t,
        other => panic!("column {col}: expected a time, found {other:?} in {row:?}"),
    }
}

fn float(row: &BTreeMap<String, Value>, col: &str) -> f64 {
    match row.get(col) {
        Some(Value::Float(f)) => *f,
        other => panic!("column {col}: expected a float, found {other:?} in {row:?}"),
    }
}

fn labels(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A status change: (host, time, level).
type Change = (String, i64, &'static str);

/// One expected status: (host, run time, level, mean).
type Status = (String, i64, &'static str, f64);

fn expected_statuses() -> Vec<Status> {
    let mut out = Vec::new();
    for (h, host) in HOSTS.iter().enumerate() {
        for p in 0..RUNS {
            let mean = period_mean(h, p);
            out.push((
                host.to_string(),
                t0() + (p as i64 + 1) * PERIOD,
                level(mean),
                mean,
            ));
        }
    }
    out
}

/// The statuses of `expected_statuses` whose level differs from the host's previous
/// status (in run order) and satisfies `to`, and whose previous one satisfies `from`.
fn expected_changes(from: impl Fn(&str) -> bool, to: impl Fn(&str) -> bool) -> Vec<Change> {
    let all = expected_statuses();
    let mut out = Vec::new();
    for w in all.windows(2) {
        let (prev, cur) = (&w[0], &w[1]);
        if prev.0 == cur.0 && prev.2 != cur.2 && from(prev.2) && to(cur.2) {
            out.push((cur.0.clone(), cur.1, cur.2));
        }
    }
    out.sort();
    out
}

fn status_check(row: &BTreeMap<String, Value>, key: &[String], want: &Status) {
    assert_eq!(string(row, "host"), want.0);
    assert_eq!(time(row, "_time"), want.1, "{row:?}");
    assert_eq!(string(row, "_level"), want.2, "{row:?}");
    let got = float(row, "usage_user");
    assert!(
        (got - want.3).abs() < 1e-9,
        "mean of {}: {got} != {}",
        want.0,
        want.3
    );
    // aggregateWindow's row time is the end of its window: the run's time.
    assert_eq!(int(row, "_source_timestamp"), want.1);
    assert_eq!(string(row, "_measurement"), "statuses");
    assert_eq!(string(row, "_source_measurement"), "cpu");
    assert_eq!(string(row, "_check_id"), "0000000000000001");
    assert_eq!(string(row, "_check_name"), "High CPU");
    assert_eq!(string(row, "_type"), "threshold");
    assert_eq!(string(row, "team"), "ops");
    assert_eq!(string(row, "cpu"), "cpu-total");
    assert_eq!(
        string(row, "_message"),
        format!("CPU of {} is {}", want.0, want.2)
    );
    let mut key = key.to_vec();
    key.sort();
    assert_eq!(
        key,
        labels(&[
            "_check_id",
            "_check_name",
            "_level",
            "_measurement",
            "_source_measurement",
            "_start",
            "_stop",
            "_type",
            "cpu",
            "host",
            "team",
        ])
    );
}

#[test]
fn a_five_minute_cpu_check_writes_statuses_that_monitor_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).unwrap();
    let storage = engine.storage().unwrap();
    storage.create_bucket("telegraf", None).unwrap();
    let written = engine
        .write_line_protocol("telegraf", &line_protocol())
        .unwrap();
    assert_eq!(written, 2 * 2 * points_per_host() as usize);
    assert!(!storage
        .buckets()
        .unwrap()
        .iter()
        .any(|b| b.name == "_monitoring"));

    // Reading statuses before any check ran: `_monitoring` reads as an empty bucket.
    let none = engine
        .with_now(t0())
        .query("import \"influxdata/influxdb/monitor\"\nmonitor.from(start: -1h)")
        .unwrap();
    assert!(rows(&none, "_result").is_empty());

    // The task's runs, one every five minutes; each is followed a minute later by the
    // notification rule.
    let check = engine.compile(CHECK).unwrap();
    let rule = engine.compile(RULE).unwrap();
    for run in 1..=RUNS as i64 {
        let now = t0() + run * PERIOD;
        let out = engine.with_now(now).execute(&check).unwrap();
        // The check passes its statuses on: one per host.
        assert_eq!(rows(&out, "_result").len(), HOSTS.len(), "run {run}");
        engine.with_now(now + 60 * SECOND).execute(&rule).unwrap();
    }
    // The first write made `_monitoring`, with InfluxDB's seven days of retention.
    let monitoring = storage
        .buckets()
        .unwrap()
        .into_iter()
        .find(|b| b.name == "_monitoring")
        .unwrap();
    assert_eq!(monitoring.retention, Some(7 * 24 * 3600 * SECOND));

    // Reopen the store: the statuses are on disk.
    drop(storage);
    drop(check);
    drop(rule);
    drop(engine);
    let engine = Engine::open(dir.path())
        .unwrap()
        .with_now(t0() + 40 * 60 * SECOND);

    // monitor.from: every status, with the columns check gave it.
    let out = engine
        .query(
            "import \"influxdata/influxdb/monitor\"\n\
             monitor.from(start: -1h)\n\
             |> sort(columns: [\"_time\"])",
        )
        .unwrap();
    let mut got = rows(&out, "_result");
    got.sort_by_key(|(r, _)| (string(r, "host"), time(r, "_time")));
    let want = expected_statuses();
    assert_eq!(got.len(), want.len());
    for ((row, key), want) in got.iter().zip(&want) {
        status_check(row, key, want);
    }
    // The levels the data was made to go through, so the changes below are meaningful.
    let levels: Vec<&str> = want.iter().map(|s| s.2).collect();
    assert_eq!(
        levels,
        [
            "ok", "warn", "crit", "crit", "ok", "crit", // web1
            "ok", "ok", "ok", "warn", "crit", "ok", // web2
        ]
    );

    // `fn` filters the statuses.
    let out = engine
        .query(
            "import \"influxdata/influxdb/monitor\"\n\
             monitor.from(start: -1h, fn: (r) => r._level == \"crit\")",
        )
        .unwrap();
    let crit = rows(&out, "_result");
    assert_eq!(crit.len(), want.iter().filter(|s| s.2 == "crit").count());
    assert!(crit.iter().all(|(r, _)| string(r, "_level") == "crit"));

    // stateChangesOnly, stateChanges(any, any) and two specific changes.
    let cases: Vec<(&str, Vec<Change>)> = vec![
        (
            "monitor.stateChangesOnly()",
            expected_changes(|_| true, |_| true),
        ),
        (
            "monitor.stateChanges()",
            expected_changes(|_| true, |_| true),
        ),
        (
            "monitor.stateChanges(toLevel: \"crit\")",
            expected_changes(|l| l != "crit", |l| l == "crit"),
        ),
        (
            "monitor.stateChanges(fromLevel: \"warn\", toLevel: \"crit\")",
            expected_changes(|l| l == "warn", |l| l == "crit"),
        ),
        (
            "monitor.stateChanges(fromLevel: \"crit\", toLevel: \"any\")",
            expected_changes(|l| l == "crit", |l| l != "crit"),
        ),
    ];
    for (call, want) in cases {
        let out = engine
            .query(&format!(
                "import \"influxdata/influxdb/monitor\"\n\
                 monitor.from(start: -1h) |> {call}"
            ))
            .unwrap();
        let got = rows(&out, "_result");
        let mut got_changes: Vec<Change> = got
            .iter()
            .map(|(r, _)| {
                let l = string(r, "_level");
                let l = ["ok", "info", "warn", "crit"]
                    .into_iter()
                    .find(|x| *x == l)
                    .unwrap();
                (string(r, "host"), time(r, "_time"), l)
            })
            .collect();
        got_changes.sort();
        assert_eq!(got_changes, want, "{call}");
        assert!(!want.is_empty(), "{call}: the data has such changes");
        // `_level` is back in the group key.
        assert!(got
            .iter()
            .all(|(_, key)| key.contains(&"_level".to_string())));
    }

    // The rule's notifications: one per change to crit, recorded a minute after the
    // status it is about.
    let out = engine
        .query(
            "import \"influxdata/influxdb/monitor\"\n\
             monitor.logs(start: -1h, fn: (r) => true)",
        )
        .unwrap();
    let mut got: Vec<(String, i64, i64)> = Vec::new();
    for (r, _) in rows(&out, "_result") {
        assert_eq!(string(&r, "_measurement"), "notifications");
        assert_eq!(string(&r, "_notification_rule_id"), "00000000000000aa");
        assert_eq!(string(&r, "_notification_rule_name"), "to crit");
        assert_eq!(string(&r, "_notification_endpoint_id"), "00000000000000bb");
        assert_eq!(string(&r, "_notification_endpoint_name"), "ops hook");
        assert_eq!(string(&r, "_sent"), "true");
        assert_eq!(string(&r, "_level"), "crit");
        assert_eq!(string(&r, "_check_name"), "High CPU");
        assert_eq!(
            string(&r, "_message"),
            format!("CPU of {} is crit", string(&r, "host"))
        );
        let status_time = int(&r, "_status_timestamp");
        assert_eq!(time(&r, "_time"), status_time + 60 * SECOND);
        assert_eq!(int(&r, "_source_timestamp"), status_time);
        got.push((string(&r, "host"), status_time, time(&r, "_time")));
    }
    got.sort();
    let want: Vec<(String, i64, i64)> = expected_changes(|l| l != "crit", |l| l == "crit")
        .into_iter()
        .map(|(h, t, _)| (h, t, t + 60 * SECOND))
        .collect();
    assert_eq!(got, want);
    assert_eq!(want.len(), 3, "web1 twice, web2 once");
}

/// A query's single result as rows.
fn query_rows(source: &str) -> Vec<(BTreeMap<String, Value>, Vec<String>)> {
    let results = Engine::in_memory().query(source).unwrap();
    rows(&results, "_result")
}

fn query_error(engine: &Engine, source: &str) -> String {
    engine.query(source).unwrap_err().to_string()
}

#[test]
fn experimental_set_writes_values_of_any_basic_type_and_updates_the_key() {
    let rows = query_rows(
        r#"
        import "array"
        import "experimental"
        array.from(rows: [{k: "a", v: 1}, {k: "b", v: 2}])
            |> group(columns: ["k"])
            |> experimental.set(o: {k: "z", n: 2.5, on: true, at: 2024-01-01T00:00:00Z})
        "#,
    );
    // Both tables now have k == "z" in their key, so they are one.
    assert_eq!(rows.len(), 2);
    for (r, key) in &rows {
        assert_eq!(key, &labels(&["k"]));
        assert_eq!(string(r, "k"), "z");
        assert_eq!(float(r, "n"), 2.5);
        assert!(matches!(r.get("on"), Some(Value::Bool(true))));
        assert_eq!(time(r, "at"), JAN1);
    }
    let vs: Vec<i64> = rows.iter().map(|(r, _)| int(r, "v")).collect();
    assert_eq!(vs, [1, 2]);
}

#[test]
fn experimental_group_extends_each_tables_key() {
    let rows = query_rows(
        r#"
        import "array"
        import "experimental"
        array.from(rows: [
            {k: "a", l: "x", v: 1},
            {k: "a", l: "y", v: 2},
            {k: "b", l: "x", v: 3},
        ])
            |> group(columns: ["k"])
            |> experimental.group(mode: "extend", columns: ["l"])
            |> map(fn: (r) => ({r with n: 1}))
        "#,
    );
    let got: Vec<(String, String, i64, Vec<String>)> = rows
        .iter()
        .map(|(r, key)| (string(r, "k"), string(r, "l"), int(r, "v"), key.clone()))
        .collect();
    let key = labels(&["k", "l"]);
    assert_eq!(
        got,
        [
            ("a".into(), "x".into(), 1, key.clone()),
            ("a".into(), "y".into(), 2, key.clone()),
            ("b".into(), "x".into(), 3, key),
        ]
    );
}

#[test]
fn experimental_object_keys_lists_a_records_properties_in_order() {
    let rows = query_rows(
        r#"
        import "array"
        import "experimental"
        keys = experimental.objectKeys(o: {b: 1, a: "x", c: true})
        array.from(rows: [{keys: keys[0] + keys[1] + keys[2], n: length(arr: keys)}])
        "#,
    );
    assert_eq!(string(&rows[0].0, "keys"), "bac");
    assert_eq!(int(&rows[0].0, "n"), 3);
}

#[test]
fn wrong_uses_are_clear_errors() {
    let engine = Engine::in_memory();
    engine.storage().unwrap().create_bucket("b", None).unwrap();
    let e = query_error(
        &engine,
        r#"import "array" import "experimental"
        array.from(rows: [{k: "a"}]) |> experimental.group(mode: "extend", columns: ["nope"])"#,
    );
    assert!(e.contains("unknown column \"nope\""), "{e}");
    let e = query_error(
        &engine,
        r#"import "array" import "experimental"
        array.from(rows: [{k: "a"}]) |> experimental.group(mode: "by", columns: ["k"])"#,
    );
    assert!(e.contains("the only mode is \"extend\""), "{e}");
    // Rows not pivoted: `_field` in the key.
    let e = query_error(
        &engine,
        r#"import "array" import "experimental"
        array.from(rows: [{_time: 2024-01-01T00:00:00Z, _measurement: "m", _field: "f", _value: 1.0}])
            |> group(columns: ["_measurement", "_field"])
            |> experimental.to(bucket: "b")"#,
    );
    assert!(e.contains("\"_field\" is in the group key"), "{e}");
    let e = query_error(
        &engine,
        r#"import "array" import "experimental"
        array.from(rows: [{_time: 2024-01-01T00:00:00Z, _measurement: "m", v: 1.0}])
            |> experimental.to(bucket: "b")"#,
    );
    assert!(
        e.contains("\"_measurement\" is not in the group key"),
        "{e}"
    );
    // Writes into a missing bucket fail; only the system bucket is made on first write.
    let e = query_error(
        &engine,
        r#"import "array" import "experimental"
        array.from(rows: [{_time: 2024-01-01T00:00:00Z, _measurement: "m", v: 1.0}])
            |> group(columns: ["_measurement"])
            |> experimental.to(bucket: "missing")"#,
    );
    assert!(e.contains("bucket \"missing\" not found"), "{e}");
}

#[test]
fn experimental_to_writes_key_columns_as_tags_and_the_rest_as_fields() {
    let engine = Engine::in_memory();
    engine.storage().unwrap().create_bucket("b", None).unwrap();
    engine
        .query(
            r#"import "array" import "experimental"
            array.from(rows: [
                {_time: 2024-01-01T00:00:00Z, _measurement: "m", host: "h1", a: 1.5, b: "s", c: 7},
                {_time: 2024-01-01T00:00:10Z, _measurement: "m", host: "h1", a: 2.5, b: "t", c: 8},
            ])
                |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)
                |> group(columns: ["_measurement", "host"])
                |> experimental.to(bucket: "b")"#,
        )
        .unwrap();
    let out = engine
        .query(
            r#"from(bucket: "b") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)"#,
        )
        .unwrap();
    let mut got: Vec<(String, String, i64, String)> = rows(&out, "_result")
        .iter()
        .map(|(r, _)| {
            (
                string(r, "host"),
                string(r, "_field"),
                time(r, "_time"),
                format!("{}", r.get("_value").unwrap()),
            )
        })
        .collect();
    got.sort();
    let t1 = JAN1 + 10 * SECOND;
    let want: Vec<(String, String, i64, String)> = [
        ("a", JAN1, "1.5"),
        ("a", t1, "2.5"),
        ("b", JAN1, "s"),
        ("b", t1, "t"),
        ("c", JAN1, "7"),
        ("c", t1, "8"),
    ]
    .into_iter()
    .map(|(f, t, v)| ("h1".to_string(), f.to_string(), t, v.to_string()))
    .collect();
    assert_eq!(got, want);
    // `_start` and `_stop` are neither tags nor fields.
    let tags = engine
        .query(r#"import "influxdata/influxdb/schema" schema.tagKeys(bucket: "b")"#)
        .unwrap();
    let tags: Vec<String> = rows(&tags, "_result")
        .iter()
        .map(|(r, _)| string(r, "_value"))
        .collect();
    assert!(
        !tags.iter().any(|t| t == "_start" || t == "_stop"),
        "{tags:?}"
    );
}

#[test]
fn a_script_replaces_the_packages_options_and_now_as_its_functions_run() {
    // `monitor.check` calls the package's `write` option and `now()`: both are the
    // script's, set after the package was loaded (and by a second script after that).
    let engine = Engine::in_memory();
    let script = |mark: &str| {
        format!(
            r#"
            import "array"
            import "experimental"
            import "influxdata/influxdb/monitor"
            option now = () => 2024-01-01T00:00:00Z
            option monitor.write = (tables=<-) => tables |> experimental.set(o: {{seen: "{mark}"}})
            array.from(rows: [{{_time: 2023-12-31T23:59:00Z, _measurement: "cpu", v: 1.0}}])
                |> monitor.check(
                    data: {{_check_id: "c", _check_name: "n", _type: "custom", tags: {{}}}},
                    messageFn: (r) => "level ${{r._level}}",
                    crit: (r) => r.v > 0.5,
                )
            "#
        )
    };
    for mark in ["first", "second"] {
        let out = engine.query(&script(mark)).unwrap();
        let got = rows(&out, "_result");
        assert_eq!(got.len(), 1);
        let r = &got[0].0;
        assert_eq!(string(r, "seen"), mark);
        assert_eq!(time(r, "_time"), JAN1);
        assert_eq!(int(r, "_source_timestamp"), JAN1 - 60 * SECOND);
        assert_eq!(string(r, "_level"), "crit");
        assert_eq!(string(r, "_message"), "level crit");
    }
}
