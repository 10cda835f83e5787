#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Runs `examples/embed.rs` and checks what it reports against values computed here.

#[path = "../../../examples/embed.rs"]
mod embed;

#[test]
fn the_embedding_example_reports_what_it_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let report = embed::run(dir.path()).unwrap();
    assert_eq!(report.written, 1200);
    let mut expected = Vec::new();
    for endpoint in ["/api", "/search"] {
        for minute in 0..10i64 {
            let sum: f64 = (minute * 60..(minute + 1) * 60)
                .map(|i| embed::latency(endpoint, i))
                .sum();
            let mean = sum / 60.0;
            expected.push(embed::Minute {
                endpoint: endpoint.to_string(),
                time: embed::START + (minute + 1) * 60_000_000_000,
                mean_ms: mean,
                grade: if mean > 95.0 { "slow" } else { "ok" }.to_string(),
            });
        }
    }
    let mut got = report.minutes.clone();
    got.sort_by(|a, b| (&a.endpoint, a.time).cmp(&(&b.endpoint, b.time)));
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(
            (&g.endpoint, g.time, &g.grade),
            (&e.endpoint, e.time, &e.grade)
        );
        assert!((g.mean_ms - e.mean_ms).abs() < 1e-9, "{g:?} vs {e:?}");
    }
    // Only /search is slow, in every minute.
    let rows: Vec<&str> = report
        .slow_csv
        .lines()
        .filter(|l| l.starts_with(",,"))
        .collect();
    assert_eq!(rows.len(), 10, "{}", report.slow_csv);
    assert!(
        rows.iter().all(|r| r.contains("/search")),
        "{}",
        report.slow_csv
    );
    // The store was closed with everything in it: reopening it finds every point.
    let e = fluxi::Engine::open(dir.path()).unwrap();
    let r = e
        .query("from(bucket: \"app\") |> range(start: 2026-01-01T00:00:00Z, stop: 2026-01-02T00:00:00Z) |> count()")
        .unwrap();
    let csv = r.to_csv();
    assert_eq!(
        csv.lines().filter(|l| l.ends_with(",600")).count(),
        4,
        "{csv}"
    );
}
