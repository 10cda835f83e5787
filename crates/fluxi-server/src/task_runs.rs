//! Finished task runs copied into the `_tasks` system bucket, as InfluxDB 2 keeps them,
//! so that Flux can query a task's history (`from(bucket: "_tasks")`). The task store
//! (`DATA/tasks`) stays the record the scheduler and the API use; the copy is written and
//! flushed right after a run is recorded there, so only a crash between the two can leave
//! a run out of `_tasks`.

use fluxi::writer::{BufferedWriter, Point, WriterOptions};
use fluxi::{DiskStorage, Storage};
use fluxi_tasks::{rfc3339, Run, RunObserver, Task};
use std::sync::{Arc, Mutex};

/// The bucket.
pub const TASKS_BUCKET: &str = "_tasks";
/// How long runs are kept there (InfluxDB's retention of `_tasks`: 3 days).
pub const TASKS_RETENTION_NANOS: i64 = 3 * 24 * 3600 * 1_000_000_000;

/// The point of a finished run: measurement `runs`, tags `taskID`, `status` and `runID`,
/// fields `scheduledFor`, `startedAt`, `finishedAt`, `requestedAt` (RFC 3339) and `logs`
/// (the log as JSON), at the run's scheduled time. InfluxDB keeps `runID` as a field;
/// here it is a tag too, so that runs of one task finishing at the same moment, or a
/// scheduled time run again, never overwrite each other.
pub fn run_point(task: &Task, run: &Run) -> Point {
    let logs: Vec<serde_json::Value> = run
        .log
        .iter()
        .map(|e| serde_json::json!({"runID": e.run_id, "time": rfc3339(e.time), "message": e.message}))
        .collect();
    let mut p = Point::new("runs")
        .tag("taskID", task.id.as_str())
        .tag("status", run.status.as_str())
        .tag("runID", run.id.as_str())
        .field("scheduledFor", rfc3339(run.scheduled_for))
        .field("logs", serde_json::Value::Array(logs).to_string())
        .time(run.scheduled_for);
    for (name, at) in [
        ("startedAt", run.started_at),
        ("finishedAt", run.finished_at),
        ("requestedAt", run.requested_at),
    ] {
        if let Some(t) = at {
            p = p.field(name, rfc3339(t));
        }
    }
    p
}

/// The observer that writes each finished run into `_tasks` (made if missing).
pub fn observer(store: &Arc<DiskStorage>) -> Result<RunObserver, fluxi::StorageError> {
    if !store.buckets()?.iter().any(|b| b.name == TASKS_BUCKET) {
        store.create_system_bucket(TASKS_BUCKET, Some(TASKS_RETENTION_NANOS))?;
    }
    let writer = Mutex::new(BufferedWriter::new(
        Arc::clone(store) as Arc<dyn Storage>,
        TASKS_BUCKET,
        WriterOptions::default(),
    ));
    Ok(Arc::new(move |task: &Task, run: &Run| {
        let w = writer.lock().unwrap_or_else(|e| e.into_inner());
        let written = w
            .write(run_point(task, run))
            .and_then(|()| w.flush().map(|_| ()));
        if let Err(e) = written {
            eprintln!(
                "fluxi serve: run {} of task {} could not be copied into {TASKS_BUCKET}: {e}",
                run.id, task.id
            );
        }
    }))
}
