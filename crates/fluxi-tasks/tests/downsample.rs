//! The Flux API guide's hourly downsampling task, unchanged, over 48 simulated hours of
//! host metrics in a disk store, on a manual clock, with the scheduler and the store
//! dropped and reopened at several points (between runs, after downtime, and in the
//! middle of a run with more runs queued behind it): every scheduled hour runs exactly
//! once in the history, and the hourly bucket holds exactly the means computed here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::guide::{assert_means, generate, hourly, SCRIPT};
use common::*;
use fluxi::Engine;
use fluxi_tasks::{AllAccess, ManualClock, NewTask, RunFilter, RunStatus, Scheduler};
use std::path::Path;
use std::sync::Arc;

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
    assert!(world
        .scheduler
        .runs(&task.id, &RunFilter::default())
        .unwrap()
        .is_empty());

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
    let runs = world
        .scheduler
        .runs(&task.id, &RunFilter::default())
        .unwrap();
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
    let runs = world
        .scheduler
        .runs(&task.id, &RunFilter::default())
        .unwrap();
    let hours: Vec<i64> = runs.iter().map(|r| r.scheduled_for).collect();
    assert_eq!(hours, (1..=48).map(|h| d0 + h * H).collect::<Vec<_>>());
    assert!(
        runs.iter().all(|r| r.status == RunStatus::Success),
        "{runs:#?}"
    );
    assert!(runs.iter().all(|r| r.attempts == 1));
    // Each started at its hour plus the offset (or later, when caught up).
    for r in &runs {
        assert!(r.started_at.unwrap() >= r.scheduled_for + 5 * M, "{r:?}");
    }
    let interrupted = runs
        .iter()
        .find(|r| r.scheduled_for == d0 + 27 * H)
        .unwrap();
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
    assert_means(&hourly(&world.engine), &expected);
    let task = world.scheduler.task(&task.id).unwrap();
    assert_eq!(task.latest_scheduled, d0 + 48 * H);
    assert_eq!(task.latest_success, Some(d0 + 48 * H));
    assert_eq!(task.last_run_status, Some(RunStatus::Success));
}
