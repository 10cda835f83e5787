//! What a query may do outside itself besides storage: send requests (within the egress
//! policy), read secrets, and add lines to its run's log. The interpreter holds the
//! policy, the secret store, the sink and the values to keep out of messages; builtins
//! reach them only through these methods.

use crate::error::{ErrorKind, EvalError, Result};
use crate::interp::Interpreter;
use crate::net::{Egress, Request, Response};
use crate::runlog::{LogLevel, LogSink, MAX_LOG_LINE};
use crate::secrets::{Redactor, SecretStore};
use std::sync::Arc;
use std::time::Duration;

/// The most lines one run may add to its log (more is an error, `fluxi::eval::limit`).
pub const MAX_LOG_LINES: usize = 10_000;

impl Interpreter {
    /// Where the query's requests may go (nowhere by default; see [`crate::net`]).
    pub fn set_egress(&mut self, egress: Arc<Egress>) {
        self.egress = egress;
    }

    /// Send a request as the egress policy allows and read its answer. When explaining
    /// (`set_explain_only`), nothing is sent: the answer is status 0 with no body.
    pub fn send(&mut self, req: &Request) -> Result<Response> {
        if self.explain_only {
            self.count("requests not sent (explain)", 1);
            return Ok(Response {
                status: 0,
                headers: Vec::new(),
                body: Vec::new(),
                elapsed: Duration::ZERO,
            });
        }
        self.check_cancelled()?;
        let answer = self.egress.send(req);
        if answer.is_ok() {
            self.count("requests sent", 1);
        }
        answer
    }

    /// The store `secrets.get` reads (none by default: every key is missing).
    pub fn set_secrets(&mut self, store: Option<Arc<dyn SecretStore>>) {
        self.secrets = store;
    }

    /// The value of secret `key`, remembered so that no message shows it.
    pub fn secret(&mut self, key: &str) -> Result<String> {
        let Some(store) = &self.secrets else {
            return Err(EvalError::new(
                ErrorKind::SecretNotFound,
                format!("secret key {key:?} not found: this engine has no secret store"),
            )
            .with_hint(
                "give secrets with `--secrets-from-env PREFIX` on the command line (key k is \
                 $PREFIXk), the server's secret store, or `EngineBuilder::secrets` when \
                 embedding; see docs/egress.md",
            ));
        };
        match store.get(key) {
            Ok(Some(v)) => {
                self.redactor.add(&v);
                Ok(v)
            }
            Ok(None) => Err(EvalError::new(
                ErrorKind::SecretNotFound,
                format!("secret key {key:?} not found"),
            )),
            Err(why) => Err(EvalError::msg(format!(
                "cannot read secret {key:?}: {}",
                self.redactor.redact(&why)
            ))),
        }
    }

    /// Share a redactor with whoever prints for this run (its values are blotted out of
    /// this run's errors and log lines too).
    pub fn set_redactor(&mut self, redactor: Redactor) {
        self.redactor = redactor;
    }

    /// The secret values read so far, to keep out of what is printed.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// `e` with the secret values read so far blotted out of its message and hint.
    pub fn redact_error(&self, mut e: EvalError) -> EvalError {
        if self.redactor.is_empty() {
            return e;
        }
        e.message = self.redactor.redact(&e.message);
        e.hint = e.hint.map(|h| self.redactor.redact(&h));
        e
    }

    /// Where `log` lines go (standard error when none is set).
    pub fn set_log_sink(&mut self, sink: Option<LogSink>) {
        self.log_sink = sink;
    }

    /// Add a line to the run's log (secret values blotted out).
    pub fn log(&mut self, level: LogLevel, message: &str) -> Result<()> {
        if message.len() > MAX_LOG_LINE {
            return Err(EvalError::new(
                ErrorKind::Limit,
                format!(
                    "a log line has {} bytes, more than the limit of {MAX_LOG_LINE}",
                    message.len()
                ),
            ));
        }
        if self.log_lines >= MAX_LOG_LINES {
            return Err(EvalError::new(
                ErrorKind::Limit,
                format!("a run may add at most {MAX_LOG_LINES} lines to its log"),
            )
            .with_hint("log a summary (a count, the first rows) instead of every row"));
        }
        self.log_lines += 1;
        let line = self.redactor.redact(message);
        match &self.log_sink {
            Some(sink) => sink(level, &line),
            None => eprintln!("{}: {line}", level.as_str()),
        }
        Ok(())
    }
}
