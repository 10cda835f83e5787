//! `fluxi task create|list|update|delete|run|runs|retry|cancel|logs` against a server
//! (`/api/v2/tasks`); `fluxi task run FILE --from T --to T` backfills locally
//! (`crate::backfill`).

use super::{failed, print_table, usage, RemoteArgs, API_TIMEOUT};
use crate::out::outln;
use fluxi_client::{NewTask, Task, TaskChanges};
use std::path::PathBuf;
use std::process::ExitCode;

// `fluxi task ...` (not a doc comment: see `Command` in main.rs).
#[derive(clap::Subcommand, Debug)]
pub enum TaskCommand {
    /// Create a task on the server from a script with `option task` (its name and
    /// schedule come from there).
    Create {
        /// The script (`-` for standard input).
        script: Option<String>,
        /// Read the script from this file.
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// What it is for.
        #[arg(long, short)]
        description: Option<String>,
        /// Create it inactive: it runs only when asked (`fluxi task run --id`).
        #[arg(long)]
        inactive: bool,
    },
    /// List the tasks.
    List {
        /// Only this task.
        #[arg(long, short)]
        id: Option<String>,
        /// Only tasks of this name.
        #[arg(long, short)]
        name: Option<String>,
    },
    /// Change a task: its script, status, or (written into its `option task`) its name,
    /// every, cron or offset.
    Update {
        /// The task's ID.
        #[arg(long, short)]
        id: String,
        /// A new script (`-` for standard input).
        script: Option<String>,
        /// Read the new script from this file.
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// `active` or `inactive`.
        #[arg(long)]
        status: Option<String>,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new interval, such as 1h (replaces cron).
        #[arg(long)]
        every: Option<String>,
        /// A new cron expression (replaces every).
        #[arg(long)]
        cron: Option<String>,
        /// A new offset, such as 5m (`""` removes it).
        #[arg(long)]
        offset: Option<String>,
        /// A new description.
        #[arg(long, short)]
        description: Option<String>,
    },
    /// Delete a task and its runs.
    Delete {
        /// The task's ID.
        #[arg(long, short)]
        id: String,
    },
    /// Run a task on the server now (`--id`), or backfill a script locally for each of
    /// its scheduled times in (--from, --to] against a store (`FILE --from T --to T`).
    Run {
        /// A task script to backfill locally (`-` for standard input).
        file: Option<String>,
        /// The server's task to run now.
        #[arg(long, short, conflicts_with = "file")]
        id: Option<String>,
        /// With --id: the run's `now()` (RFC 3339; default: the server's time).
        #[arg(long, value_name = "TIME", requires = "id")]
        scheduled_for: Option<String>,
        /// Backfill the scheduled times after this (RFC 3339)...
        #[arg(long, value_name = "TIME", requires = "file")]
        from: Option<String>,
        /// ...up to and including this (RFC 3339; default: now).
        #[arg(long, value_name = "TIME", requires = "file")]
        to: Option<String>,
        /// The store a backfill reads and writes (default: $FLUXI_DATA, else a per-user
        /// directory).
        #[arg(long, value_name = "DIR", requires = "file")]
        data: Option<PathBuf>,
        /// The most runs a backfill may have (more is an error before anything runs).
        #[arg(long, value_name = "N", default_value_t = 10_000, requires = "file")]
        max_runs: usize,
    },
    /// List a task's runs, by scheduled time.
    Runs {
        /// The task's ID.
        #[arg(long, short)]
        id: String,
        /// Only the latest N.
        #[arg(long)]
        limit: Option<usize>,
        /// Only runs scheduled after this time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        after_time: Option<String>,
        /// Only runs scheduled before this time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        before_time: Option<String>,
    },
    /// Run a finished run's scheduled time again, as a new run.
    Retry {
        /// The task's ID.
        #[arg(long, short)]
        id: String,
        /// The run's ID (`fluxi task runs`).
        #[arg(long)]
        run_id: String,
    },
    /// Cancel a run that has not finished.
    Cancel {
        /// The task's ID.
        #[arg(long, short)]
        id: String,
        /// The run's ID.
        #[arg(long)]
        run_id: String,
    },
    /// Print the log of a task's runs (or of one run), oldest first.
    Logs {
        /// The task's ID.
        #[arg(long, short)]
        id: String,
        /// Only this run.
        #[arg(long)]
        run_id: Option<String>,
    },
}

/// The script given as text, `-` (standard input) or `--file`.
fn script(text: Option<String>, file: Option<PathBuf>) -> Result<Option<String>, ExitCode> {
    match (text, file) {
        (Some(_), Some(_)) => Err(usage("give the script as text or with --file, not both")),
        (Some(t), None) if t == "-" => {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| usage(&format!("cannot read the script from standard input: {e}")))?;
            Ok(Some(s))
        }
        (Some(t), None) => Ok(Some(t)),
        (None, Some(f)) => std::fs::read_to_string(&f)
            .map(Some)
            .map_err(|e| usage(&format!("cannot read {}: {e}", f.display()))),
        (None, None) => Ok(None),
    }
}

fn print_tasks(tasks: &[Task]) {
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            vec![
                t.id.clone(),
                t.name.clone(),
                t.schedule(),
                t.offset.clone().unwrap_or_default(),
                t.status.clone(),
                t.last_run_status.clone().unwrap_or_default(),
                t.latest_completed.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print_table(
        &[
            "ID",
            "Name",
            "Schedule",
            "Offset",
            "Status",
            "Last run",
            "Latest completed",
        ],
        &rows,
    );
}

/// `fluxi task ...` against a server (everything but a local backfill).
pub fn task(remote: &RemoteArgs, command: TaskCommand) -> ExitCode {
    if let TaskCommand::Run {
        file: Some(file),
        from,
        to,
        data,
        max_runs,
        ..
    } = command
    {
        return crate::backfill::backfill(crate::backfill::BackfillOptions {
            file,
            from,
            to,
            data,
            max_runs,
        });
    }
    let conn = match super::require(remote, "fluxi task") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let api = match conn.api(API_TIMEOUT) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match command {
        TaskCommand::Create {
            script: text,
            file,
            description,
            inactive,
        } => {
            let flux = match script(text, file) {
                Ok(Some(s)) => s,
                Ok(None) => return usage("give the task's script (text, `-` or --file FILE)"),
                Err(code) => return code,
            };
            let org = match conn.org() {
                Ok(o) => o,
                Err(code) => return code,
            };
            let org_id = match api.org_id(org) {
                Ok(id) => id,
                Err(e) => return failed(&format!("finding organization {org}"), &e),
            };
            let new = NewTask {
                flux: &flux,
                org_id: &org_id,
                description: description.as_deref(),
                inactive,
            };
            match api.create_task(&new) {
                Ok(t) => {
                    print_tasks(&[t]);
                    ExitCode::SUCCESS
                }
                Err(e) => failed("creating the task", &e),
            }
        }
        TaskCommand::List { id, name } => {
            let listed = match &id {
                Some(id) => api.task(id).map(|t| vec![t]),
                None => {
                    let org_id = match conn.org.as_ref().map(|o| api.org_id(o)).transpose() {
                        Ok(o) => o,
                        Err(e) => return failed("finding the organization", &e),
                    };
                    api.tasks(org_id.as_deref(), name.as_deref())
                }
            };
            match listed {
                Ok(tasks) => {
                    print_tasks(&tasks);
                    ExitCode::SUCCESS
                }
                Err(e) => failed("listing tasks", &e),
            }
        }
        TaskCommand::Update {
            id,
            script: text,
            file,
            status,
            name,
            every,
            cron,
            offset,
            description,
        } => {
            let flux = match script(text, file) {
                Ok(s) => s,
                Err(code) => return code,
            };
            if let Some(s) = status
                .as_deref()
                .filter(|s| !["active", "inactive"].contains(s))
            {
                return usage(&format!("--status takes active or inactive, not {s:?}"));
            }
            let changes = TaskChanges {
                flux,
                status,
                description,
                name,
                every,
                cron,
                offset,
            };
            match api.update_task(&id, &changes) {
                Ok(t) => {
                    print_tasks(&[t]);
                    ExitCode::SUCCESS
                }
                Err(e) => failed(&format!("updating task {id}"), &e),
            }
        }
        TaskCommand::Delete { id } => match api.delete_task(&id) {
            Ok(()) => {
                outln!("deleted task {id}");
                ExitCode::SUCCESS
            }
            Err(e) => failed(&format!("deleting task {id}"), &e),
        },
        TaskCommand::Run {
            id, scheduled_for, ..
        } => {
            let Some(id) = id else {
                return usage(
                    "say which run: --id ID runs a server's task now; FILE --from T --to T backfills a script locally",
                );
            };
            match api.run_task(&id, scheduled_for.as_deref()) {
                Ok(r) => {
                    outln!(
                        "run {} of task {id} for {} is {}",
                        r.id,
                        r.scheduled_for,
                        r.status
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => failed(&format!("running task {id}"), &e),
            }
        }
        TaskCommand::Runs {
            id,
            limit,
            after_time,
            before_time,
        } => match api.runs(&id, limit, after_time.as_deref(), before_time.as_deref()) {
            Ok(runs) => {
                let rows: Vec<Vec<String>> = runs
                    .iter()
                    .map(|r| {
                        vec![
                            r.id.clone(),
                            r.scheduled_for.clone(),
                            r.status.clone(),
                            r.started_at.clone().unwrap_or_default(),
                            r.finished_at.clone().unwrap_or_default(),
                            r.requested_at.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                print_table(
                    &[
                        "ID",
                        "Scheduled for",
                        "Status",
                        "Started",
                        "Finished",
                        "Requested",
                    ],
                    &rows,
                );
                ExitCode::SUCCESS
            }
            Err(e) => failed(&format!("listing the runs of task {id}"), &e),
        },
        TaskCommand::Retry { id, run_id } => match api.retry_run(&id, &run_id) {
            Ok(r) => {
                outln!(
                    "run {} of task {id} for {} is {}",
                    r.id,
                    r.scheduled_for,
                    r.status
                );
                ExitCode::SUCCESS
            }
            Err(e) => failed(&format!("retrying run {run_id}"), &e),
        },
        TaskCommand::Cancel { id, run_id } => match api.cancel_run(&id, &run_id) {
            Ok(()) => {
                outln!("cancelled run {run_id} of task {id}");
                ExitCode::SUCCESS
            }
            Err(e) => failed(&format!("cancelling run {run_id}"), &e),
        },
        TaskCommand::Logs { id, run_id } => match api.task_logs(&id, run_id.as_deref()) {
            Ok(events) => {
                let rows: Vec<Vec<String>> = events
                    .iter()
                    .map(|e| vec![e.time.clone(), e.run_id.clone(), e.message.clone()])
                    .collect();
                print_table(&["Time", "Run", "Message"], &rows);
                ExitCode::SUCCESS
            }
            Err(e) => failed(&format!("reading the logs of task {id}"), &e),
        },
    }
}
