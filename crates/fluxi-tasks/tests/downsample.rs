//! The Flux API guide's hourly downsampling task, unchanged, over 48 simulated hours of
//! host metrics in a disk store, on a manual clock, with the scheduler and the store
//! dropped and reopened at several points (between runs, after downtime, and in the
//! middle of a run with more runs queued behind it): every scheduled hour runs exactly
//! once in the history, and the hourly bucket holds exactly the means computed here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use fluxi::Engine;
use fluxi_tasks::{AllAccess, ManualClock, NewTask, RunFilter, RunStatus, Scheduler};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const SCRIPT: &str = r#"option task = {name: "downsample", every: 1h, offset: 5m}

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
fn generate(start: i64) -> (String, BTreeMap<(String, i64), f64>) {
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
fn hourly(engine: &Engine) -> BTreeMap<(String, i64), f64> {
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
            let (time, value, host, field) = (col("_time"), col("_value"), col("host"), col("_field"));
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

struct World {
    engine: Engine,
    recording: Arc<Recording>,
    scheduler: Scheduler,
}

/// Open the store and the scheduler; with `hold`, writes to that bucket are held from
/// the start.
fn open(root: &Path, clock: &Arc<ManualClock>, probes: &Arc<Probes>, hold: Option<&str>) -> World {
    let (engine, recording) = disk_engine(&root.join("store"), probes);
    if let Some(bucket) = hold {
        recording.hold.arm(bucket);
    }
    let scheduler = Scheduler::open(
        &root.join("tasks"),
        engine.clone(),
        Arc::clone(clock) as Arc<dyn fluxi_tasks::Clock>,
        Arc::new(AllAccess),
        config(),
    )
    .unwrap();
    World {
        engine,
        recording,
        scheduler,
    }
}

/// Drop everything (scheduler, engine, store), keeping the hour each write to the
/// hourly bucket was for.
fn close(world: World, written: &mut Vec<i64>) {
    for times in world.recording.writes_to("hourly") {
        assert_eq!(times.len(), 1, "one hour per run: {times:?}");
        written.push(times[0]);
    }
    drop(world.scheduler);
    drop(world.engine);
    drop(world.recording);
}

#[test]
fn the_guides_downsampling_task_runs_every_hour_exactly_once_across_restarts() {
    let root = tempfile::tempdir().unwrap();
    let d0 = t("2024-01-01T00:00:00Z");
    let clock = ManualClock::new(d0);
    let probes = Arc::new(Probes::default());
    let (lp, expected) = generate(d0);

    let mut world = open(root.path(), &clock, &probes, None);
    let store = world.engine.storage().unwrap();
    store.create_bucket("metrics", None).unwrap();
    store.create_bucket("hourly", None).unwrap();
    drop(store);
    world.engine.write_line_protocol("metrics", &lp).unwrap();
    let task = world
        .scheduler
        .create_task(NewTask {
            flux: SCRIPT.into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(task.every.as_deref(), Some("1h"));
    assert_eq!(task.offset.as_deref(), Some("5m"));
    let mut written: Vec<i64> = Vec::new();

    // The first hour's run is due at 01:05, not before.
    clock.set(d0 + H + 4 * M);
    settle(&world.scheduler);
    assert!(world.scheduler.runs(&task.id, &RunFilter::default()).unwrap().is_empty());

    // Hours 1-12, one at a time.
    for h in 1..=12 {
        clock.set(d0 + h * H + 5 * M);
        settle(&world.scheduler);
    }
    // Restart between runs.
    close(world, &mut written);
    world = open(root.path(), &clock, &probes, None);
    for h in 13..=20 {
        clock.set(d0 + h * H + 5 * M);
        settle(&world.scheduler);
    }

    // Down from hour 20 to hour 26: hours 21-26 are caught up, in order, at reopening.
    close(world, &mut written);
    clock.set(d0 + 26 * H + 5 * M);
    world = open(root.path(), &clock, &probes, None);
    settle(&world.scheduler);
    assert_eq!(
        world.recording.writes_to("hourly").concat(),
        (21..=26).map(|h| d0 + h * H).collect::<Vec<_>>()
    );

    // Down again to hour 30; at reopening hour 27's run writes its points and the store
    // "crashes" before the run finishes, with hours 28-30 waiting behind it.
    close(world, &mut written);
    clock.set(d0 + 30 * H + 5 * M);
    world = open(root.path(), &clock, &probes, Some("hourly"));
    world.recording.hold.wait_arrival();
    world.scheduler.begin_stop();
    world.recording.hold.release();
    let runs = world.scheduler.runs(&task.id, &RunFilter::default()).unwrap();
    let by_status = |s: RunStatus| runs.iter().filter(|r| r.status == s).count();
    assert_eq!(by_status(RunStatus::Started), 1, "{runs:#?}");
    assert_eq!(by_status(RunStatus::Scheduled), 3);
    assert_eq!(by_status(RunStatus::Success), 26);
    close(world, &mut written);

    // Reopened: hour 27 runs again (rewriting its points), then 28-30, once each.
    world = open(root.path(), &clock, &probes, None);
    settle(&world.scheduler);
    assert_eq!(
        world.recording.writes_to("hourly").concat(),
        (27..=30).map(|h| d0 + h * H).collect::<Vec<_>>()
    );
    for h in 31..=40 {
        clock.set(d0 + h * H + 5 * M);
        settle(&world.scheduler);
    }
    close(world, &mut written);
    world = open(root.path(), &clock, &probes, None);
    for h in 41..=48 {
        clock.set(d0 + h * H + 5 * M);
        settle(&world.scheduler);
    }

    // History: every hour exactly once, all successful.
    let runs = world.scheduler.runs(&task.id, &RunFilter::default()).unwrap();
    let hours: Vec<i64> = runs.iter().map(|r| r.scheduled_for).collect();
    assert_eq!(hours, (1..=48).map(|h| d0 + h * H).collect::<Vec<_>>());
    assert!(runs.iter().all(|r| r.status == RunStatus::Success), "{runs:#?}");
    assert!(runs.iter().all(|r| r.attempts == 1));
    // Each started at its hour plus the offset (or later, when caught up).
    for r in &runs {
        assert!(r.started_at.unwrap() >= r.scheduled_for + 5 * M, "{r:?}");
    }
    let interrupted = runs.iter().find(|r| r.scheduled_for == d0 + 27 * H).unwrap();
    assert!(
        interrupted
            .log
            .iter()
            .any(|l| l.message.contains("stopped while this run was in progress")),
        "{:?}",
        interrupted.log
    );
    // Writes: each hour once, and hour 27 a second time (its rerun) — in order.
    written.extend(world.recording.writes_to("hourly").concat());
    let mut once: Vec<i64> = (1..=48).map(|h| d0 + h * H).collect();
    once.insert(27, d0 + 27 * H);
    assert_eq!(written, once);

    // Output: exactly the hourly means computed here.
    let got = hourly(&world.engine);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "the hourly bucket's points"
    );
    for (k, want) in &expected {
        let v = got[k];
        assert!(
            (v - want).abs() <= 1e-9 * want.abs().max(1.0),
            "{k:?}: {v} != {want}"
        );
    }
    let task = world.scheduler.task(&task.id).unwrap();
    assert_eq!(task.latest_scheduled, d0 + 48 * H);
    assert_eq!(task.latest_success, Some(d0 + 48 * H));
    assert_eq!(task.last_run_status, Some(RunStatus::Success));
}
