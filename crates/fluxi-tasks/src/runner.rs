//! One attempt of a run: the task's script, compiled and run by the engine with `now()`
//! at the scheduled time, the buckets its owner may read and write, and
//! `tasks.lastSuccessTime` set; its results are read and thrown away (a task's effects
//! are what it writes with `to()`).

use fluxi::{Access, Engine, Value};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The package whose option tells a script when its task last succeeded.
pub const TASKS_PACKAGE: &str = "influxdata/influxdb/tasks";

/// What one attempt needs.
pub(crate) struct Attempt {
    /// The task as the attempt started (its script, its authorization).
    pub task: crate::model::Task,
    /// The run's scheduled time: `now()`.
    pub scheduled_for: i64,
    /// Set to stop the attempt at its next function call.
    pub cancel: Arc<AtomicBool>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The script ran to its end.
    Success,
    /// It failed: the error, with its code when it has one.
    Failed(String),
    /// It stopped because its cancel flag was set.
    Cancelled,
}

/// The engine a run uses: `engine` with `now()`, access and `lastSuccessTime` set.
pub fn run_engine(
    engine: &Engine,
    scheduled_for: i64,
    last_success: Option<i64>,
    access: Access,
) -> Engine {
    let mut e = engine.with_now(scheduled_for).with_access(access);
    if let Some(t) = last_success {
        e = e.with_option(TASKS_PACKAGE, "lastSuccessTime", Value::Time(t));
    }
    e
}

/// An error as a run's log shows it: the message, then its code.
fn described(e: &fluxi::Error) -> String {
    match e.code() {
        Some(code) => format!("{e} ({code})"),
        None => e.to_string(),
    }
}

/// The lines a run's script logged (`log.info` and friends): when, and `level: message`.
pub(crate) type ScriptLines = Arc<std::sync::Mutex<Vec<(i64, String)>>>;

/// Run one attempt with the access `authorizer` gives the task (asked here, on the
/// run's thread, not while the scheduler holds its lock). Never panics: a panic inside is
/// a failure of the attempt. The lines the script logs go to `lines`, timed by `clock`.
pub(crate) fn attempt(
    engine: &Engine,
    authorizer: &dyn crate::scheduler::Authorizer,
    a: &Attempt,
    clock: Arc<dyn crate::clock::Clock>,
    lines: ScriptLines,
) -> Outcome {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let access = authorizer.access(&a.task).map_err(fluxi::Error::Invalid)?;
        let mut engine = run_engine(engine, a.scheduled_for, a.task.latest_success, access);
        if let Some(secrets) = authorizer.secrets(&a.task) {
            engine = engine.with_secrets(secrets);
        }
        let engine = engine.with_log_sink(Arc::new(move |level: fluxi::LogLevel, line: &str| {
            let mut l = lines.lock().unwrap_or_else(|e| e.into_inner());
            l.push((clock.now(), format!("{}: {line}", level.as_str())));
        }));
        let program = engine.compile_named("task.flux", &a.task.flux)?;
        engine
            .execute_to(&program, Some(Arc::clone(&a.cancel)), |_, _| {
                Ok::<(), std::convert::Infallible>(())
            })
            .map_err(|e| match e {
                fluxi::SinkError::Query(e) => e,
                fluxi::SinkError::Sink(never) => match never {},
            })
    }));
    match run {
        Ok(Ok(_)) => Outcome::Success,
        Ok(Err(e)) if e.is_cancelled() => Outcome::Cancelled,
        Ok(Err(e)) => Outcome::Failed(described(&e)),
        Err(_) => Outcome::Failed(
            "internal error: the run panicked (a bug in fluxi; please report it with the script)"
                .into(),
        ),
    }
}
