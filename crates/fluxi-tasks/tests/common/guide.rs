//! The Flux API guide's hourly downsampling task, the host metrics it runs over, and the
//! hourly means it must produce, computed here.

use super::{H, M};
use fluxi::Engine;
use std::collections::BTreeMap;

pub const SCRIPT: &str = r#"option task = {name: "downsample", every: 1h, offset: 5m}

from(bucket: "metrics")
    |> range(start: -task.every)
    |> aggregateWindow(every: 1h, fn: mean)
    |> to(bucket: "hourly")
"#;

const HOSTS: [&str; 3] = ["web-1", "web-2", "db-1"];
const FIELDS: [&str; 2] = ["usage_user", "usage_system"];

/// The generated value of a field of a host at minute `i`.
fn value(host: usize, field: usize, i: i64) -> f64 {
    let x = (i * 7919 + host as i64 * 104_729 + field as i64 * 31) % 1000;
    (x as f64) / 10.0 + ((i as f64) / 17.0).sin() * 3.0 + host as f64
}

/// One point a minute per host for 48 hours from `start`, as line protocol; and the
/// hourly means, computed here: `(host/field, hour end) -> mean`.
pub fn generate(start: i64) -> (String, BTreeMap<(String, i64), f64>) {
    let mut lp = String::new();
    let mut sums: BTreeMap<(String, i64), (f64, u32)> = BTreeMap::new();
    for i in 0..48 * 60 {
        let time = start + i * M;
        // The window [T - 1h, T) is written at T.
        let hour_end = start + (i / 60 + 1) * H;
        for (h, host) in HOSTS.iter().enumerate() {
            let f0 = value(h, 0, i);
            let f1 = value(h, 1, i);
            lp.push_str(&format!(
                "cpu,host={host} {}={f0:?},{}={f1:?} {time}\n",
                FIELDS[0], FIELDS[1]
            ));
            for (f, v) in [(0, f0), (1, f1)] {
                let e = sums
                    .entry((format!("{host}/{}", FIELDS[f]), hour_end))
                    .or_insert((0.0, 0));
                e.0 += v;
                e.1 += 1;
            }
        }
    }
    let means = sums
        .into_iter()
        .map(|(k, (sum, n))| (k, sum / f64::from(n)))
        .collect();
    (lp, means)
}

/// The points of the hourly bucket: `(host/field, time) -> value`.
pub fn hourly(engine: &Engine) -> BTreeMap<(String, i64), f64> {
    let results = engine
        .query(
            r#"from(bucket: "hourly")
                |> range(start: 2023-12-01T00:00:00Z, stop: 2024-02-01T00:00:00Z)"#,
        )
        .unwrap();
    let mut out = BTreeMap::new();
    for result in results.iter() {
        for table in &result.tables {
            let col = |n: &str| table.column_index(n).unwrap();
            let (time, value, host, field) =
                (col("_time"), col("_value"), col("host"), col("_field"));
            for row in 0..table.num_rows() {
                let fluxi::Value::Time(t) = table.value(row, time) else {
                    panic!("_time")
                };
                let fluxi::Value::Float(v) = table.value(row, value) else {
                    panic!("_value")
                };
                let text = |c: usize| match table.value(row, c) {
                    fluxi::Value::String(s) => s.to_string(),
                    v => panic!("{v:?}"),
                };
                let key = format!("{}/{}", text(host), text(field));
                assert!(out.insert((key, t), v).is_none(), "a point twice");
            }
        }
    }
    out
}

/// The hourly bucket holds exactly the expected points, with the expected values.
pub fn assert_means(got: &BTreeMap<(String, i64), f64>, expected: &BTreeMap<(String, i64), f64>) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the hourly bucket's points"
    );
    for (k, want) in expected {
        let v = got[k];
        assert!(
            (v - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{k:?}: {v} != {want}"
        );
    }
}
