//! Scheduled Flux: InfluxDB's tasks, usable without a server.
//!
//! A task is a Flux script with an `option task = {name, every | cron, offset,
//! concurrency, retry}` record ([`TaskOptions`]). A [`Scheduler`] keeps tasks in a
//! directory, runs each active one at its scheduled times — the multiples of `every`
//! since the Unix epoch, or the times of its [`Cron`] expression — with `now()` set to
//! the scheduled time and the buckets its owner may use ([`Authorizer`]), and records
//! every run with its log. It runs each scheduled time exactly once across restarts and
//! crashes, catches up times missed while it was down (in order, up to a limit), retries
//! failed runs with a growing delay, and cancels runs that pass a time limit. Time comes
//! from a [`Clock`], which tests replace with a [`ManualClock`].
//!
//! ```
//! use fluxi::Engine;
//! use fluxi_tasks::{AllAccess, Config, ManualClock, NewTask, RunStatus, Scheduler};
//! use std::sync::Arc;
//! use std::time::Duration;
//!
//! let dir = tempfile::tempdir()?;
//! let engine = Engine::in_memory();
//! let store = engine.storage().unwrap();
//! store.create_bucket("src", None)?;
//! store.create_bucket("dst", None)?;
//! engine.write_line_protocol("src", "cpu v=1 1700000000000000000\n")?;
//!
//! let clock = ManualClock::new(fluxi::parse_time("2023-11-14T22:00:00Z")?);
//! let scheduler = Scheduler::open(&dir.path().join("tasks"), engine.clone(), clock.clone(),
//!     Arc::new(AllAccess), Config::default())?;
//! let task = scheduler.create_task(NewTask {
//!     flux: r#"option task = {name: "copy", every: 1h}
//!              from(bucket: "src") |> range(start: -task.every) |> to(bucket: "dst")"#.into(),
//!     ..Default::default()
//! })?;
//! clock.set(fluxi::parse_time("2023-11-14T23:00:00Z")?);
//! assert!(scheduler.wait_idle(Duration::from_secs(30)));
//! let runs = scheduler.runs(&task.id, &Default::default())?;
//! assert_eq!(runs.len(), 1);
//! assert_eq!(runs[0].status, RunStatus::Success);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backfill;
pub mod clock;
pub mod cron;
mod due;
mod error;
mod model;
pub mod options;
mod runner;
mod scheduler;
mod store;

pub use backfill::{backfill, scheduled_times, Backfill, BackfillRun};
pub use clock::{Clock, FileClock, ManualClock, SystemClock, Waker};
pub use cron::{Cron, CronError};
pub use error::{Result, TaskError, TaskErrorKind};
pub use model::{duration_text, rfc3339, LogEvent, Run, RunStatus, Task, TaskStatus};
pub use options::{update_script, OptionChanges, OptionsError, Schedule, TaskOptions};
pub use runner::{run_engine, TASKS_PACKAGE};
pub use scheduler::{
    AllAccess, Authorizer, Config, NewTask, RunFilter, RunObserver, Scheduler, StaticAccess,
    Status, TaskFilter, TaskUpdate,
};
pub use store::Recovery;
