//! The scheduler's behaviour on a manual clock: retries with backoff, the time limit,
//! permissions, cron schedules, the catch-up limit, `tasks.lastSuccess` and the `task`
//! option in scripts, manual runs, cancelling, concurrency, and task changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use fluxi::{Access, Buckets, Engine};
use fluxi_tasks::{
    AllAccess, Authorizer, Config, ManualClock, NewTask, OptionChanges, Run, RunFilter, RunStatus,
    Scheduler, StaticAccess, TaskErrorKind, TaskStatus, TaskUpdate,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const D0: &str = "2024-01-01T00:00:00Z";

fn start(
    dir: &Path,
    engine: &Engine,
    clock: &Arc<ManualClock>,
    authorizer: Arc<dyn Authorizer>,
    config: Config,
) -> Scheduler {
    Scheduler::open(
        dir,
        engine.clone(),
        Arc::clone(clock) as Arc<dyn fluxi_tasks::Clock>,
        authorizer,
        config,
    )
    .unwrap()
}

fn create(s: &Scheduler, flux: &str) -> fluxi_tasks::Task {
    s.create_task(NewTask {
        flux: flux.into(),
        ..Default::default()
    })
    .unwrap()
}

fn runs(s: &Scheduler, task: &str) -> Vec<Run> {
    s.runs(task, &RunFilter::default()).unwrap()
}

fn messages(run: &Run) -> Vec<String> {
    run.log.iter().map(|l| l.message.clone()).collect()
}

fn has_line(run: &Run, text: &str) -> bool {
    run.log.iter().any(|l| l.message.contains(text))
}

#[test]
fn failed_runs_are_retried_with_growing_delays() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    // Fails on its first two attempts, then succeeds.
    let flaky = create(
        &s,
        r#"import "array"
import "fluxitest"
option task = {name: "flaky", every: 1h, retry: 3}
n = fluxitest.count(name: "flaky")
array.from(rows: [{v: if n < 3 then die(msg: "transient failure ${string(v: n)}") else n}])
"#,
    );
    // Always fails: one try and two retries.
    let broken = create(
        &s,
        r#"option task = {name: "broken", every: 1h, retry: 2}
from(bucket: "no-such-bucket") |> range(start: -task.every)
"#,
    );
    clock.set(d0 + H);
    settle(&s);
    let r = &runs(&s, &flaky.id)[0];
    assert_eq!((r.status, r.attempts), (RunStatus::Scheduled, 1));
    assert_eq!(r.retry_at, Some(d0 + H + M));
    assert!(has_line(r, "transient failure 1"), "{:?}", messages(r));
    assert!(has_line(
        r,
        "attempt 1 of 4 failed; retrying in 1m (at 2024-01-01T01:01:00Z)"
    ));
    // Not before its time.
    clock.set(d0 + H + M - S);
    settle(&s);
    assert_eq!(runs(&s, &flaky.id)[0].attempts, 1);
    // The second attempt fails too and waits twice as long.
    clock.set(d0 + H + M);
    settle(&s);
    let r = &runs(&s, &flaky.id)[0];
    assert_eq!((r.status, r.attempts), (RunStatus::Scheduled, 2));
    assert_eq!(r.retry_at, Some(d0 + H + 3 * M));
    assert!(has_line(r, "transient failure 2"));
    assert!(has_line(r, "retrying in 2m"));
    // The third succeeds.
    clock.set(d0 + H + 3 * M);
    settle(&s);
    let r = &runs(&s, &flaky.id)[0];
    assert_eq!((r.status, r.attempts), (RunStatus::Success, 3));
    assert_eq!(r.finished_at, Some(d0 + H + 3 * M));
    assert_eq!(r.error, None);
    assert!(has_line(r, "Completed(success)"));

    // The broken task ran out of retries: failed, with its error in its log and on the
    // task.
    let r = &runs(&s, &broken.id)[0];
    assert_eq!(
        (r.status, r.attempts),
        (RunStatus::Failed, 3),
        "{:?}",
        messages(r)
    );
    let error = r.error.clone().unwrap();
    assert!(error.contains("no-such-bucket"), "{error}");
    assert!(
        error.contains("fluxi::storage::bucket_not_found"),
        "{error}"
    );
    assert_eq!(
        r.log.iter().filter(|l| l.message == error).count(),
        3,
        "{:?}",
        messages(r)
    );
    assert!(has_line(r, "Completed(failed)"));
    let task = s.task(&broken.id).unwrap();
    assert_eq!(task.last_run_status, Some(RunStatus::Failed));
    assert_eq!(task.last_run_error.as_deref(), Some(error.as_str()));
    assert_eq!(task.latest_failure, Some(d0 + H));
    assert_eq!(task.latest_success, None);
    assert_eq!(task.latest_completed, Some(d0 + H));
    // A run waiting for its retry does not hold up the next hour's run.
    clock.set(d0 + 2 * H);
    settle(&s);
    let later = runs(&s, &broken.id);
    assert_eq!(later.len(), 2);
    assert_eq!(later[1].scheduled_for, d0 + 2 * H);
    assert_eq!(later[1].status, RunStatus::Scheduled);
    assert_eq!(later[1].attempts, 1);
}

#[test]
fn a_run_over_its_time_limit_is_cancelled_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let store = engine.storage().unwrap();
    store.create_bucket("src", None).unwrap();
    let lp: String = (0..5000)
        .map(|i| format!("m v={i}i {}\n", t(D0) + 30 * M + i * 100_000))
        .collect();
    engine.write_line_protocol("src", &lp).unwrap();
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let s = start(
        dir.path(),
        &engine,
        &clock,
        Arc::new(AllAccess),
        Config {
            time_limit: Some(Duration::from_secs(600)),
            ..Config::default()
        },
    );
    // A run that takes 5,000 × 2 ms of real time.
    let slow = create(
        &s,
        r#"import "fluxitest"
option task = {name: "slow", every: 1h}
from(bucket: "src")
    |> range(start: -task.every)
    |> map(fn: (r) => ({r with p: fluxitest.pause(ms: 2)}))
"#,
    );
    clock.set(d0 + H);
    // Wait (a bounded number of real milliseconds) until it runs.
    let mut waited = 0;
    while s.status().running == 0 {
        assert!(waited < 30_000, "the run did not start");
        std::thread::sleep(Duration::from_millis(1));
        waited += 1;
    }
    // Ten minutes of the clock pass: it is cancelled.
    clock.set(d0 + H + 10 * M);
    settle(&s);
    let r = &runs(&s, &slow.id)[0];
    assert_eq!(r.status, RunStatus::Canceled, "{:?}", messages(r));
    assert_eq!(r.attempts, 1, "a cancelled run is not retried");
    assert_eq!(
        r.error.as_deref(),
        Some("the run passed its time limit of 10m and was cancelled")
    );
    assert!(has_line(r, "time limit of 10m"));
    assert!(has_line(r, "Completed(canceled)"));
    assert_eq!(r.finished_at, Some(d0 + H + 10 * M));
    let task = s.task(&slow.id).unwrap();
    assert_eq!(task.last_run_status, Some(RunStatus::Canceled));
    assert_eq!(task.latest_success, None);
}

#[test]
fn a_task_runs_with_its_owners_access() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, recording) = memory_engine(&probes);
    let store = engine.storage().unwrap();
    for b in ["src", "allowed", "forbidden"] {
        store.create_bucket(b, None).unwrap();
    }
    engine
        .write_line_protocol("src", &format!("m v=1 {}\n", t(D0) + 30 * M))
        .unwrap();
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let mut auths = BTreeMap::new();
    auths.insert(
        "writer-of-allowed".to_string(),
        Access {
            read: Buckets::All,
            write: Buckets::Named(BTreeSet::from(["allowed".to_string()])),
        },
    );
    let s = start(
        dir.path(),
        &engine,
        &clock,
        Arc::new(StaticAccess(auths)),
        config(),
    );
    let task = |name: &str, bucket: &str, auth: &str| {
        s.create_task(NewTask {
            flux: format!(
                "option task = {{name: \"{name}\", every: 1h}}\nfrom(bucket: \"src\") |> range(start: -task.every) |> to(bucket: \"{bucket}\")\n"
            ),
            authorization_id: auth.into(),
            ..Default::default()
        })
        .unwrap()
    };
    let ok = task("ok", "allowed", "writer-of-allowed");
    let denied = task("denied", "forbidden", "writer-of-allowed");
    let orphan = task("orphan", "allowed", "deleted-token");
    clock.set(d0 + H);
    settle(&s);
    assert_eq!(runs(&s, &ok.id)[0].status, RunStatus::Success);
    let r = &runs(&s, &denied.id)[0];
    let error = r.error.clone().unwrap_or_default();
    assert!(
        error.contains("user not authorized to write into bucket \"forbidden\""),
        "{error}"
    );
    assert!(
        error.contains("fluxi::storage::permission_denied"),
        "{error}"
    );
    assert!(has_line(r, "not authorized to write"));
    let r = &runs(&s, &orphan.id)[0];
    assert!(
        r.error
            .clone()
            .unwrap_or_default()
            .contains("\"deleted-token\" does not exist"),
        "{:?}",
        r.error
    );
    // Nothing reached the forbidden bucket.
    assert_eq!(recording.writes_to("allowed").len(), 1);
    assert!(recording.writes_to("forbidden").is_empty());
}

/// The scheduled times of a task's runs.
fn scheduled(s: &Scheduler, task: &str) -> Vec<String> {
    runs(s, task)
        .iter()
        .map(|r| fluxi_tasks::rfc3339(r.scheduled_for))
        .collect()
}

#[test]
fn cron_schedules_run_at_their_times() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let d0 = t(D0);
    let clock = ManualClock::new(d0 + 10 * M);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    let script = |name: &str, schedule: &str| {
        format!("import \"array\"\noption task = {{name: \"{name}\", {schedule}}}\narray.from(rows: [{{v: 1}}])\n")
    };
    let every = create(&s, &script("every", "cron: \"@every 30m\""));
    let daily = create(&s, &script("daily", "cron: \"@daily\", offset: 1h"));
    let six = create(&s, &script("six", "cron: \"0 */6 * * *\""));
    let ny = create(
        &s,
        &script("ny", "cron: \"0 2 * * *\", location: \"America/New_York\""),
    );
    // Two days, in steps of 20 minutes.
    for step in 1..=(2 * 24 * 3) {
        clock.set(d0 + 10 * M + step * 20 * M);
        settle(&s);
    }
    // 00:10 + 48h = 2024-01-03T00:10.
    let every_times = scheduled(&s, &every.id);
    assert_eq!(every_times.len(), 96);
    assert_eq!(every_times[0], "2024-01-01T00:30:00Z");
    assert_eq!(every_times[95], "2024-01-03T00:00:00Z");
    // The offset delays the run, not its time: 2024-01-03T00:00 is not due until 01:00.
    assert_eq!(scheduled(&s, &daily.id), ["2024-01-02T00:00:00Z"]);
    let daily_run = &runs(&s, &daily.id)[0];
    assert_eq!(daily_run.started_at, Some(t("2024-01-02T01:10:00Z")));
    assert_eq!(
        scheduled(&s, &six.id),
        [
            "2024-01-01T06:00:00Z",
            "2024-01-01T12:00:00Z",
            "2024-01-01T18:00:00Z",
            "2024-01-02T00:00:00Z",
            "2024-01-02T06:00:00Z",
            "2024-01-02T12:00:00Z",
            "2024-01-02T18:00:00Z",
            "2024-01-03T00:00:00Z"
        ]
    );
    assert_eq!(
        scheduled(&s, &ny.id),
        ["2024-01-01T07:00:00Z", "2024-01-02T07:00:00Z"]
    );
    for task in [&every, &daily, &six, &ny] {
        assert!(runs(&s, &task.id)
            .iter()
            .all(|r| r.status == RunStatus::Success));
    }
}

#[test]
fn catch_up_is_limited_and_the_skipped_runs_are_logged() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let limited = Config {
        catch_up_limit: 3,
        ..config()
    };
    let s = start(
        dir.path(),
        &engine,
        &clock,
        Arc::new(AllAccess),
        limited.clone(),
    );
    let task = create(
        &s,
        "import \"array\"\noption task = {name: \"c\", every: 1h}\narray.from(rows: [{v: 1}])\n",
    );
    clock.set(d0 + H);
    settle(&s);
    drop(s);
    // Ten hours down.
    clock.set(d0 + 11 * H);
    let s = start(
        dir.path(),
        &engine,
        &clock,
        Arc::new(AllAccess),
        limited.clone(),
    );
    settle(&s);
    assert_eq!(
        scheduled(&s, &task.id),
        [
            "2024-01-01T01:00:00Z",
            "2024-01-01T09:00:00Z",
            "2024-01-01T10:00:00Z",
            "2024-01-01T11:00:00Z"
        ]
    );
    let first = &runs(&s, &task.id)[1];
    assert_eq!(
        messages(first)[0],
        "skipped 7 scheduled runs from 2024-01-01T02:00:00Z to 2024-01-01T08:00:00Z: more than the catch-up limit of 3 were due at once"
    );
    assert_eq!(s.task(&task.id).unwrap().latest_scheduled, d0 + 11 * H);
    // Within the limit, nothing is skipped.
    drop(s);
    clock.set(d0 + 14 * H);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), limited);
    settle(&s);
    let all = runs(&s, &task.id);
    assert_eq!(all.len(), 7);
    assert!(all[4..].iter().all(|r| !has_line(r, "skipped")));
}

#[test]
fn scripts_see_last_success_and_their_task_option() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    engine
        .storage()
        .unwrap()
        .create_bucket("out", None)
        .unwrap();
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    // Fails at its second hour's first attempt: that attempt writes nothing, and its
    // retry (due at 02:01, run before hour 3 at 03:00) still sees hour 1 as the last
    // success.
    create(
        &s,
        r#"import "array"
import "fluxitest"
import "influxdata/influxdb/tasks"
option task = {name: "probe", every: 1h}
n = fluxitest.count(name: "probe")
last = tasks.lastSuccess(orTime: 2000-01-01T00:00:00Z)
array.from(rows: [
    {_time: now(), _measurement: task.name, _field: "last", _value: int(v: last)},
    {_time: now(), _measurement: task.name, _field: "every", _value: int(v: task.every)},
    {_time: now(), _measurement: task.name, _field: "n", _value: if n == 2 then die(msg: "second hour fails") else n},
])
    |> to(bucket: "out")
"#,
    );
    for h in 1..=4 {
        clock.set(d0 + h * H);
        settle(&s);
    }
    let got = rows(
        &engine,
        r#"from(bucket: "out") |> range(start: 2023-01-01T00:00:00Z) |> filter(fn: (r) => r._field == "last" or r._field == "every")"#,
        "_field",
    );
    let last: Vec<(i64, f64)> = got
        .iter()
        .filter(|r| r.0 == "last")
        .map(|r| (r.1, r.2))
        .collect();
    let never = t("2000-01-01T00:00:00Z") as f64;
    assert_eq!(
        last,
        [
            (d0 + H, never),
            (d0 + 2 * H, (d0 + H) as f64),
            (d0 + 3 * H, (d0 + 2 * H) as f64),
            (d0 + 4 * H, (d0 + 3 * H) as f64),
        ]
    );
    assert!(got
        .iter()
        .filter(|r| r.0 == "every")
        .all(|r| r.2 == H as f64));
}

#[test]
fn manual_runs_retries_and_cancelling() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    let task = create(
        &s,
        r#"import "array"
import "fluxitest"
option task = {name: "m", every: 1h}
n = fluxitest.count(name: "m")
array.from(rows: [{v: if n == 2 then die(msg: "boom") else n}])
"#,
    );
    // A manual run for a past time: runs now, outside the schedule.
    let manual = s.run_now(&task.id, Some(d0 - 5 * H)).unwrap();
    assert_eq!(manual.requested_at, Some(d0));
    settle(&s);
    let r = s.run(&task.id, &manual.id).unwrap();
    assert_eq!(
        (r.status, r.scheduled_for),
        (RunStatus::Success, d0 - 5 * H)
    );
    assert_eq!(s.task(&task.id).unwrap().latest_scheduled, d0);
    // The next scheduled run fails (n == 2) and waits for its retry; cancel it.
    clock.set(d0 + H);
    settle(&s);
    let waiting = runs(&s, &task.id)
        .into_iter()
        .find(|r| r.scheduled_for == d0 + H)
        .unwrap();
    assert_eq!(waiting.status, RunStatus::Scheduled);
    s.cancel_run(&task.id, &waiting.id).unwrap();
    let r = s.run(&task.id, &waiting.id).unwrap();
    assert_eq!(r.status, RunStatus::Canceled);
    assert_eq!(r.error.as_deref(), Some("canceled by request"));
    let err = s.cancel_run(&task.id, &waiting.id).unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::Invalid);
    // Retrying it makes a new run for the same time.
    let again = s.retry_run(&task.id, &waiting.id).unwrap();
    assert_ne!(again.id, waiting.id);
    assert_eq!(again.scheduled_for, d0 + H);
    settle(&s);
    assert_eq!(
        s.run(&task.id, &again.id).unwrap().status,
        RunStatus::Success
    );
    let err = s.retry_run(&task.id, "0000000000000000").unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::NotFound);
    assert_eq!(err.code(), "fluxi::tasks::not_found");
    // Logs of the task: every run's lines, oldest first.
    let logs = s.logs(&task.id, None).unwrap();
    assert!(logs.windows(2).all(|w| w[0].time <= w[1].time));
    assert!(logs
        .iter()
        .any(|l| l.message == "canceled by request" || l.message.contains("canceled by request")));
    assert_eq!(
        s.logs(&task.id, Some(&again.id)).unwrap(),
        s.run(&task.id, &again.id).unwrap().log
    );
}

#[test]
fn concurrency_lets_several_runs_of_a_task_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    let script = |name: &str, concurrency: u32| {
        format!(
            "import \"array\"\nimport \"fluxitest\"\noption task = {{name: \"{name}\", every: 1h, concurrency: {concurrency}}}\narray.from(rows: [{{v: fluxitest.pause(ms: 300)}}])\n"
        )
    };
    let two = create(&s, &script("two", 2));
    clock.set(d0 + 4 * H);
    let mut most = 0;
    for _ in 0..20_000 {
        most = most.max(s.status().running);
        if most == 2 {
            break;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    assert_eq!(most, 2);
    settle(&s);
    assert!(runs(&s, &two.id)
        .iter()
        .all(|r| r.status == RunStatus::Success));
    assert_eq!(runs(&s, &two.id).len(), 4);
}

#[test]
fn tasks_are_created_changed_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    // Invalid options are refused with InfluxDB's message.
    let err = s
        .create_task(NewTask {
            flux: "option task = {name: \"x\", every: 1h, cron: \"@daily\"}\n".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.kind(), TaskErrorKind::Options);
    assert_eq!(err.code(), "fluxi::tasks::invalid_options");
    assert_eq!(
        err.to_string(),
        "cannot use both cron and every in task options"
    );
    // An inactive task does not run; reactivated, it starts from then.
    let task = s
        .create_task(NewTask {
            flux: "import \"array\"\noption task = {name: \"t\", every: 1h}\narray.from(rows: [{v: 1}])\n".into(),
            status: TaskStatus::Inactive,
            org_id: "org1".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(task.id.len(), 16);
    clock.set(d0 + 5 * H + 30 * M);
    settle(&s);
    assert!(runs(&s, &task.id).is_empty());
    let task = s
        .update_task(
            &task.id,
            TaskUpdate {
                status: Some(TaskStatus::Active),
                options: OptionChanges {
                    name: Some("renamed".into()),
                    every: Some("30m".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(task.name, "renamed");
    assert_eq!(task.every.as_deref(), Some("30m"));
    assert!(
        task.flux
            .contains("option task = {name: \"renamed\", every: 30m}"),
        "{}",
        task.flux
    );
    clock.set(d0 + 7 * H);
    settle(&s);
    assert_eq!(
        scheduled(&s, &task.id),
        [
            "2024-01-01T06:00:00Z",
            "2024-01-01T06:30:00Z",
            "2024-01-01T07:00:00Z"
        ]
    );
    // Listing.
    let filter = fluxi_tasks::TaskFilter {
        org_id: Some("org1".into()),
        ..Default::default()
    };
    assert_eq!(s.tasks(&filter).len(), 1);
    let filter = fluxi_tasks::TaskFilter {
        name: Some("t".into()),
        ..Default::default()
    };
    assert!(s.tasks(&filter).is_empty());
    // Deleted: gone with its runs, also after a restart.
    s.delete_task(&task.id).unwrap();
    assert_eq!(
        s.task(&task.id).unwrap_err().kind(),
        TaskErrorKind::NotFound
    );
    assert_eq!(
        s.runs(&task.id, &RunFilter::default()).unwrap_err().kind(),
        TaskErrorKind::NotFound
    );
    drop(s);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    assert!(s.tasks(&Default::default()).is_empty());
    // A second scheduler cannot open the same store.
    let err = Scheduler::open(
        dir.path(),
        engine.clone(),
        Arc::clone(&clock) as Arc<dyn fluxi_tasks::Clock>,
        Arc::new(AllAccess),
        config(),
    )
    .err()
    .unwrap();
    assert_eq!(err.kind(), TaskErrorKind::Locked);
}

#[test]
fn on_the_system_clock_a_manual_run_runs_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let probes = Arc::new(Probes::default());
    let (engine, _) = memory_engine(&probes);
    let s = Scheduler::open(
        dir.path(),
        engine,
        Arc::new(fluxi_tasks::SystemClock),
        Arc::new(AllAccess),
        config(),
    )
    .unwrap();
    let task = create(
        &s,
        "import \"array\"\noption task = {name: \"now\", every: 1d}\narray.from(rows: [{v: 1}])\n",
    );
    let before = fluxi_tasks::Clock::now(&fluxi_tasks::SystemClock);
    let run = s.run_now(&task.id, None).unwrap();
    assert!(s.wait_idle(Duration::from_secs(60)));
    let run = s.run(&task.id, &run.id).unwrap();
    assert_eq!(run.status, RunStatus::Success);
    assert!(run.scheduled_for >= before);
    assert!(run.finished_at.unwrap() >= run.started_at.unwrap());
    s.stop();
}

#[test]
fn log_lines_of_the_script_are_in_the_runs_log() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::new();
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let s = start(dir.path(), &engine, &clock, Arc::new(AllAccess), config());
    let task = create(
        &s,
        r#"import "log"
import "array"
option task = {name: "talk", every: 1h}
said = log.info(message: "checking " + task.name)
array.from(rows: [{v: 1}, {v: 2}])
    |> map(fn: (r) => ({r with note: log.warn(message: "row " + string(v: r.v))}))
    |> filter(fn: (r) => if r.v == 2 then die(msg: "stop here") else true)
"#,
    );
    clock.set(d0 + H);
    settle(&s);
    let all = runs(&s, &task.id);
    let first = &all[0];
    let lines = messages(first);
    // The script's lines in order, before the failure and the retry note.
    let pos = |text: &str| {
        lines
            .iter()
            .position(|l| l == text)
            .unwrap_or_else(|| panic!("{text:?} not in {lines:?}"))
    };
    let (a, b, c) = (
        pos("info: checking talk"),
        pos("warn: row 1"),
        pos("warn: row 2"),
    );
    assert!(a < b && b < c, "{lines:?}");
    let failure = lines
        .iter()
        .position(|l| l.contains("stop here"))
        .unwrap_or_else(|| panic!("no failure line in {lines:?}"));
    assert!(c < failure, "{lines:?}");
}
