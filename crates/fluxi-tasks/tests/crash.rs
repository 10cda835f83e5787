//! Crashes for real: the downsampling task's 48 hours run in a child process (this test
//! binary again) that is killed (SIGKILL) at random moments — in the middle of runs, of
//! journal writes, of store writes — and started again, several times; a last child runs
//! to the end. Every hour is then in the run history exactly once, successful, and the
//! hourly bucket holds exactly the means computed by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::guide::{assert_means, generate, hourly, SCRIPT};
use common::*;
use fluxi_tasks::{AllAccess, ManualClock, NewTask, RunFilter, RunStatus, Scheduler};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set in a child: the directory it works in.
const CHILD: &str = "FLUXI_TASKS_CRASH_CHILD";
const D0: &str = "2024-01-01T00:00:00Z";

fn open(root: &Path, clock: &Arc<ManualClock>) -> (fluxi::Engine, Scheduler) {
    let probes = Arc::new(Probes::default());
    let (engine, _) = disk_engine(&root.join("store"), &probes);
    let scheduler = Scheduler::open(
        &root.join("tasks"),
        engine.clone(),
        Arc::clone(clock) as Arc<dyn fluxi_tasks::Clock>,
        Arc::new(AllAccess),
        config(),
    )
    .unwrap();
    (engine, scheduler)
}

/// The child: from where the task's schedule stands, step the clock an hour at a time
/// to the 48th, letting every run finish.
#[test]
fn crash_child() {
    let Ok(root) = std::env::var(CHILD) else {
        return; // only as a child
    };
    let d0 = t(D0);
    let clock = ManualClock::new(d0);
    let (_engine, s) = open(Path::new(&root), &clock);
    let task = s.tasks(&Default::default()).pop().unwrap();
    let claimed = (task.latest_scheduled - d0).div_euclid(H);
    for h in claimed.max(1)..=48 {
        clock.set(d0 + h * H + 5 * M);
        settle(&s);
        // Progress, for the parent to choose when to kill.
        println!("hour {h}");
        let _ = std::io::Write::flush(&mut std::io::stdout());
    }
    println!("child finished");
}

#[test]
fn killed_at_random_moments_every_hour_still_runs_exactly_once() {
    if std::env::var(CHILD).is_ok() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let d0 = t(D0);
    let (lp, expected) = generate(d0);
    {
        let clock = ManualClock::new(d0);
        let (engine, s) = open(root.path(), &clock);
        let store = engine.storage().unwrap();
        store.create_bucket("metrics", None).unwrap();
        store.create_bucket("hourly", None).unwrap();
        engine.write_line_protocol("metrics", &lp).unwrap();
        s.create_task(NewTask {
            flux: SCRIPT.into(),
            ..Default::default()
        })
        .unwrap();
    }
    let child = || {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD, root.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Each child is killed a pseudo-random number of hours into its work (1-4) plus a
    // pseudo-random 0-7 ms, which lands in the middle of the next hour's claim, run or
    // writes; the sequence is fixed (xorshift), so a failure can be replayed.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut killed = 0;
    let mut finished = false;
    while killed < 8 && !finished {
        let mut c = child();
        let mut lines = BufReader::new(c.stdout.take().unwrap()).lines();
        let target = 1 + next() % 4;
        let mut seen = 0;
        while seen < target {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("hour ") => seen += 1,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            }
        }
        if seen < target {
            // The child ran out of work before the kill.
            let status = c.wait().unwrap();
            assert!(status.success());
            finished = true;
        } else {
            std::thread::sleep(Duration::from_millis(next() % 8));
            c.kill().unwrap();
            c.wait().unwrap();
            killed += 1;
        }
    }
    assert!(
        killed >= 6,
        "only {killed} children were killed before finishing"
    );
    // The last child runs to the end.
    let mut last = child();
    let deadline = Instant::now() + Duration::from_secs(300);
    while last.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the last child did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = last.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("child finished"));

    let clock = ManualClock::new(d0 + 48 * H + 5 * M);
    let (engine, s) = open(root.path(), &clock);
    settle(&s);
    let task = s.tasks(&Default::default()).pop().unwrap();
    let runs = s.runs(&task.id, &RunFilter::default()).unwrap();
    let hours: Vec<i64> = runs.iter().map(|r| r.scheduled_for).collect();
    assert_eq!(hours, (1..=48).map(|h| d0 + h * H).collect::<Vec<_>>());
    assert!(
        runs.iter().all(|r| r.status == RunStatus::Success),
        "{runs:#?}"
    );
    assert_eq!(task.latest_success, Some(d0 + 48 * H));
    assert_means(&hourly(&engine), &expected);
    println!(
        "{killed} kills; {} runs were interrupted and run again",
        runs.iter()
            .filter(|r| r.log.iter().any(|l| l.message.contains("in progress")))
            .count()
    );
}
