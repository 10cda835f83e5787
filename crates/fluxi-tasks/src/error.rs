//! The scheduler's errors, each of a kind with a stable code (docs/errors.md).

use std::path::PathBuf;

/// What kind of error: how an API maps it (`NotFound` → 404, `Invalid`/`Options` → 400,
/// `Conflict` → 409, the rest → 500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskErrorKind {
    /// A script's `option task` is missing or invalid.
    Options,
    /// No task or run by that id.
    NotFound,
    /// A request that cannot be done as asked (retrying a run that has not finished,
    /// cancelling one that has).
    Invalid,
    /// The task store's files could not be read or written.
    Io,
    /// The task store's files are damaged.
    Corrupt,
    /// Another scheduler (in this or another process) has the task store open.
    Locked,
    /// The scheduler has stopped, or a write failed and it refuses more until reopened.
    Stopped,
}

impl TaskErrorKind {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            TaskErrorKind::Options => "fluxi::tasks::invalid_options",
            TaskErrorKind::NotFound => "fluxi::tasks::not_found",
            TaskErrorKind::Invalid => "fluxi::tasks::invalid",
            TaskErrorKind::Io => "fluxi::tasks::io",
            TaskErrorKind::Corrupt => "fluxi::tasks::corrupt",
            TaskErrorKind::Locked => "fluxi::tasks::locked",
            TaskErrorKind::Stopped => "fluxi::tasks::stopped",
        }
    }
}

/// An error of the scheduler or its store.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A script's task options are missing or invalid (InfluxDB's message).
    #[error("{0}")]
    Options(#[from] crate::options::OptionsError),
    /// No such task.
    #[error("task not found: {0}")]
    TaskNotFound(String),
    /// No such run of the task.
    #[error("run not found: {0}")]
    RunNotFound(String),
    /// A request that cannot be done as asked.
    #[error("{0}")]
    Invalid(String),
    /// The store's files could not be read or written.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The store's files are damaged.
    #[error("the task store is damaged: {0}")]
    Corrupt(String),
    /// Another scheduler has the store open.
    #[error("the task store at {} is in use: its LOCK file is held by another scheduler (or by a data store sharing the directory; give tasks a directory of their own)", .0.display())]
    Locked(PathBuf),
    /// The scheduler has stopped or refuses writes after a failed one.
    #[error("{0}")]
    Stopped(String),
}

impl TaskError {
    /// The kind.
    pub fn kind(&self) -> TaskErrorKind {
        match self {
            TaskError::Options(_) => TaskErrorKind::Options,
            TaskError::TaskNotFound(_) | TaskError::RunNotFound(_) => TaskErrorKind::NotFound,
            TaskError::Invalid(_) => TaskErrorKind::Invalid,
            TaskError::Io { .. } => TaskErrorKind::Io,
            TaskError::Corrupt(_) => TaskErrorKind::Corrupt,
            TaskError::Locked(_) => TaskErrorKind::Locked,
            TaskError::Stopped(_) => TaskErrorKind::Stopped,
        }
    }

    /// The stable code of its kind.
    pub fn code(&self) -> &'static str {
        self.kind().code()
    }
}

/// A result of the scheduler.
pub type Result<T, E = TaskError> = std::result::Result<T, E>;
