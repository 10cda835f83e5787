//! What the scheduler keeps: tasks, their runs and the runs' log lines. Times are
//! nanoseconds since the Unix epoch.

use serde::{Deserialize, Serialize};

/// Whether a task is scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TaskStatus {
    /// Runs at its scheduled times.
    #[default]
    Active,
    /// Does not run on schedule (manual runs still do); slots that pass while it is
    /// inactive are never run.
    Inactive,
}

impl TaskStatus {
    /// `active` or `inactive`, as InfluxDB writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            TaskStatus::Active => "active",
            TaskStatus::Inactive => "inactive",
        }
    }
}

/// A task: a Flux script with `option task`, who owns it, and where its schedule stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Its id: 16 hexadecimal digits.
    pub id: String,
    /// The organization it belongs to (the embedder's id; opaque here).
    pub org_id: String,
    /// The organization's name.
    pub org: String,
    /// `option task`'s `name`.
    pub name: String,
    /// A description.
    pub description: String,
    /// Who owns it (opaque here).
    pub owner_id: String,
    /// The authorization it runs with; the [`crate::Authorizer`] turns it into the buckets
    /// a run may read and write.
    pub authorization_id: String,
    /// Active or inactive.
    pub status: TaskStatus,
    /// The script.
    pub flux: String,
    /// `every` as written, for tasks scheduled by a duration.
    pub every: Option<String>,
    /// `cron` as written, for tasks scheduled by a cron expression.
    pub cron: Option<String>,
    /// `offset` as written, when there is one.
    pub offset: Option<String>,
    /// When it was created.
    pub created_at: i64,
    /// When it was last changed.
    pub updated_at: i64,
    /// The checkpoint: every scheduled time up to this one has its run (or was skipped
    /// for the catch-up limit, with a log line); the next run is for the first scheduled
    /// time after it. Starts at the creation (or reactivation) time.
    pub latest_scheduled: i64,
    /// The latest scheduled time of a run that finished (any way).
    pub latest_completed: Option<i64>,
    /// The latest scheduled time of a run that succeeded (what `tasks.lastSuccess` gives).
    pub latest_success: Option<i64>,
    /// The latest scheduled time of a run that failed.
    pub latest_failure: Option<i64>,
    /// How its last finished run ended.
    pub last_run_status: Option<RunStatus>,
    /// The error of its last run, when that failed or was cancelled.
    pub last_run_error: Option<String>,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Waiting to start: its time (plus the task's offset) has not come, the task is at
    /// its concurrency, or a failed attempt waits for its retry.
    Scheduled,
    /// Running.
    Started,
    /// Finished without error.
    Success,
    /// Failed (after its retries).
    Failed,
    /// Cancelled: by request, or because it passed the run time limit.
    Canceled,
}

impl RunStatus {
    /// `scheduled`, `started`, `success`, `failed` or `canceled`, as InfluxDB writes them.
    pub fn as_str(&self) -> &'static str {
        match self {
            RunStatus::Scheduled => "scheduled",
            RunStatus::Started => "started",
            RunStatus::Success => "success",
            RunStatus::Failed => "failed",
            RunStatus::Canceled => "canceled",
        }
    }

    /// Whether the run has ended.
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            RunStatus::Success | RunStatus::Failed | RunStatus::Canceled
        )
    }
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEvent {
    /// The run it belongs to.
    pub run_id: String,
    /// When it was written.
    pub time: i64,
    /// What happened.
    pub message: String,
}

/// One run of a task, for one scheduled time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// Its id: 16 hexadecimal digits.
    pub id: String,
    /// Its task.
    pub task_id: String,
    /// Where it is.
    pub status: RunStatus,
    /// The scheduled time: the run's `now()`.
    pub scheduled_for: i64,
    /// When it was asked for, for a manual run (run now, retry).
    pub requested_at: Option<i64>,
    /// When its latest attempt started.
    pub started_at: Option<i64>,
    /// When it finished.
    pub finished_at: Option<i64>,
    /// How many attempts have started.
    pub attempts: u32,
    /// When the retry of a failed attempt is due.
    pub retry_at: Option<i64>,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// Its log, oldest first.
    pub log: Vec<LogEvent>,
}

impl Run {
    /// When it may start: its retry time, its request time (a manual run), or its
    /// scheduled time plus the task's offset.
    pub(crate) fn due_at(&self, offset: i64) -> i64 {
        self.retry_at
            .or(self.requested_at)
            .unwrap_or_else(|| self.scheduled_for.saturating_add(offset))
    }

    pub(crate) fn log(&mut self, time: i64, message: impl Into<String>) {
        self.log.push(LogEvent {
            run_id: self.id.clone(),
            time,
            message: message.into(),
        });
    }
}

/// A time as RFC 3339 (UTC, seconds, fractions when there are any), for log lines.
pub fn rfc3339(unix_nanos: i64) -> String {
    let secs = unix_nanos.div_euclid(1_000_000_000);
    let nanos = u32::try_from(unix_nanos.rem_euclid(1_000_000_000)).unwrap_or(0);
    match chrono::DateTime::from_timestamp(secs, nanos) {
        Some(t) if nanos == 0 => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string(),
        None => format!("{unix_nanos}ns"),
    }
}

/// A duration in nanoseconds as Flux writes it (`1h30m`, `45s`, `250ms`).
pub fn duration_text(nanos: i64) -> String {
    fluxi::Duration::from_nanos(nanos).to_string()
}
