//! `fluxi task run FILE --from T --to T`: run a task script for each of its scheduled
//! times in (T, T'] against a local store, in order, as the scheduler would have
//! (`fluxi_tasks::backfill`): `now()` at each time, `tasks.lastSuccess` the latest
//! success before it. One line per run on standard output; exit status 1 when any run
//! failed.

use crate::out::outln;
use crate::{EXIT_ERROR, EXIT_USAGE};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// What the command was given.
pub struct BackfillOptions {
    /// The script file (`-`: standard input).
    pub file: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub data: Option<PathBuf>,
    pub max_runs: usize,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

fn time(flag: &str, text: &str) -> Result<i64, ExitCode> {
    fluxi::parse_time(text).map_err(|e| usage(&format!("{flag}: {e}")))
}

pub fn backfill(o: BackfillOptions) -> ExitCode {
    let script = if o.file == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            return usage(&format!("cannot read the script from standard input: {e}"));
        }
        s
    } else {
        match std::fs::read_to_string(&o.file) {
            Ok(s) => s,
            Err(e) => return usage(&format!("cannot read {}: {e}", o.file)),
        }
    };
    let Some(from) = o.from else {
        return usage("a backfill needs --from TIME (and --to TIME, default now)");
    };
    let from = match time("--from", &from) {
        Ok(t) => t,
        Err(code) => return code,
    };
    let to = match o.to {
        Some(t) => match time("--to", &t) {
            Ok(t) => t,
            Err(code) => return code,
        },
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
    };
    if o.max_runs == 0 {
        return usage("--max-runs must be at least 1");
    }
    // Check the options and count the runs before opening (and locking) the store.
    let times = fluxi_tasks::TaskOptions::from_script(&script)
        .map_err(fluxi_tasks::TaskError::from)
        .and_then(|opts| fluxi_tasks::scheduled_times(&opts, from, to, o.max_runs));
    if let Err(e) = times {
        eprintln!("error: {e} ({})", e.code());
        return ExitCode::from(EXIT_ERROR);
    }
    let dir = match crate::store::data_dir(o.data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    let store = match crate::store::open(&dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let engine = match crate::run::file_access(
        fluxi::Engine::builder().storage(Arc::clone(&store) as Arc<dyn fluxi::Storage>),
        &[],
    )
    .build()
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let plan = fluxi_tasks::Backfill {
        from,
        to,
        max_runs: o.max_runs,
        last_success: None,
        access: fluxi::Access {
            read: fluxi::Buckets::All,
            write: fluxi::Buckets::All,
        },
    };
    let runs = fluxi_tasks::backfill(&engine, &script, &plan, |r| {
        let at = fluxi_tasks::rfc3339(r.scheduled_for);
        match &r.error {
            None => outln!("{at}\tsuccess"),
            Some(e) => outln!("{at}\tfailed\t{e}"),
        }
    });
    let flushed = store.flush();
    let runs = match runs {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e} ({})", e.code());
            return ExitCode::from(EXIT_ERROR);
        }
    };
    if let Err(e) = flushed {
        eprintln!("error: the store could not be flushed after the backfill: {e}");
        return ExitCode::from(EXIT_ERROR);
    }
    let failed = runs.iter().filter(|r| r.error.is_some()).count();
    eprintln!(
        "backfilled {} runs: {} succeeded, {failed} failed",
        runs.len(),
        runs.len() - failed
    );
    if failed > 0 {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    }
}
