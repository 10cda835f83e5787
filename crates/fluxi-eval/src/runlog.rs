//! Lines a script adds to its run's log with the `log` package (`log.info`, `log.warn`,
//! `log.error`): an engine hands them to its sink (a task's run log, say); without one
//! they go to standard error as `LEVEL: message`. Secret values read by the run are
//! blotted out of them first (see [`crate::secrets::Redactor`]).

use std::sync::Arc;

/// How serious a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `log.info`.
    Info,
    /// `log.warn`.
    Warn,
    /// `log.error`.
    Error,
}

impl LogLevel {
    /// `info`, `warn` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// Where a run's log lines go: the level and the message (secrets blotted out).
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// The most bytes of one log line; a longer message is an error (`fluxi::eval::limit`).
pub const MAX_LOG_LINE: usize = 64 << 10;
