//! Backfill: run a task's script for each of its scheduled times in a past interval, in
//! order, without a scheduler or a task store (`fluxi task run FILE --from T --to T`).
//!
//! Each run is what the scheduler's would be: `now()` is the scheduled time, and
//! `tasks.lastSuccess` sees the latest scheduled time that succeeded earlier in the
//! backfill (or `last_success` given by the caller). Runs are not retried; a failed run is
//! reported and the backfill goes on, so one bad hour does not hide the others.

use crate::options::TaskOptions;
use crate::runner::run_engine;
use crate::{Result, TaskError};
use fluxi::{Access, Engine};

/// One run of a backfill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillRun {
    /// Its scheduled time (its `now()`), Unix nanoseconds.
    pub scheduled_for: i64,
    /// `None` when it succeeded; else the error, with its code.
    pub error: Option<String>,
}

/// What to backfill.
#[derive(Debug, Clone)]
pub struct Backfill {
    /// Run the scheduled times after this (exclusive)...
    pub from: i64,
    /// ...up to this (inclusive), as the scheduler would have by then.
    pub to: i64,
    /// The most runs one backfill may have; more is an error before anything runs.
    pub max_runs: usize,
    /// What `tasks.lastSuccess` returns before the first success of the backfill.
    pub last_success: Option<i64>,
    /// The buckets the runs may read and write.
    pub access: Access,
}

/// The scheduled times of `options` in `(from, to]`, in order; an error when there are
/// more than `max_runs`.
pub fn scheduled_times(
    options: &TaskOptions,
    from: i64,
    to: i64,
    max_runs: usize,
) -> Result<Vec<i64>> {
    if from >= to {
        return Err(TaskError::Invalid(format!(
            "the backfill's start {} is not before its end {}",
            crate::rfc3339(from),
            crate::rfc3339(to)
        )));
    }
    let mut times = Vec::new();
    let mut at = from;
    while let Some(next) = options.schedule.next_after(at).filter(|t| *t <= to) {
        if times.len() == max_runs {
            return Err(TaskError::Invalid(format!(
                "the task is scheduled more than {max_runs} times from {} to {}; backfill a \
                 shorter interval or allow more runs",
                crate::rfc3339(from),
                crate::rfc3339(to)
            )));
        }
        times.push(next);
        at = next;
    }
    Ok(times)
}

/// Run `script` (a task with `option task`) for each of its scheduled times that
/// `backfill` covers, in order, telling `on_run` about each as it ends. Returns every
/// run; an error only when the script's options are invalid or there are too many runs.
pub fn backfill(
    engine: &Engine,
    script: &str,
    backfill: &Backfill,
    mut on_run: impl FnMut(&BackfillRun),
) -> Result<Vec<BackfillRun>> {
    let options = TaskOptions::from_script(script)?;
    let times = scheduled_times(&options, backfill.from, backfill.to, backfill.max_runs)?;
    let mut last_success = backfill.last_success;
    let mut runs = Vec::with_capacity(times.len());
    for t in times {
        let e = run_engine(engine, t, last_success, backfill.access.clone());
        let outcome = e
            .compile_named("task.flux", script)
            .and_then(|p| e.execute(&p).map(|_| ()));
        let run = BackfillRun {
            scheduled_for: t,
            error: outcome.err().map(|e| match e.code() {
                Some(code) => format!("{e} ({code})"),
                None => e.to_string(),
            }),
        };
        if run.error.is_none() {
            last_success = Some(last_success.map_or(t, |l| l.max(t)));
        }
        on_run(&run);
        runs.push(run);
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluxi::Buckets;

    fn all() -> Access {
        Access {
            read: Buckets::All,
            write: Buckets::All,
        }
    }

    fn t(s: &str) -> i64 {
        fluxi::parse_time(s).unwrap()
    }

    #[test]
    fn scheduled_times_are_those_after_the_start_up_to_the_end() {
        let o = TaskOptions::from_script("option task = {name: \"x\", every: 1h}").unwrap();
        let times =
            scheduled_times(&o, t("2024-01-01T00:00:00Z"), t("2024-01-01T03:00:00Z"), 10).unwrap();
        let want: Vec<i64> = ["01", "02", "03"]
            .iter()
            .map(|h| t(&format!("2024-01-01T{h}:00:00Z")))
            .collect();
        assert_eq!(times, want);
        let e = scheduled_times(&o, t("2024-01-01T00:00:00Z"), t("2024-01-02T00:00:00Z"), 5)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more than 5 times"), "{e}");
        let e = scheduled_times(&o, 5, 5, 5).unwrap_err().to_string();
        assert!(e.contains("is not before its end"), "{e}");
        let cron =
            TaskOptions::from_script("option task = {name: \"x\", cron: \"30 6 * * *\"}").unwrap();
        let times = scheduled_times(
            &cron,
            t("2024-01-01T00:00:00Z"),
            t("2024-01-03T06:30:00Z"),
            9,
        )
        .unwrap();
        assert_eq!(
            times,
            vec![
                t("2024-01-01T06:30:00Z"),
                t("2024-01-02T06:30:00Z"),
                t("2024-01-03T06:30:00Z")
            ]
        );
    }

    #[test]
    fn each_run_sees_its_own_now_and_the_last_success_before_it() {
        let engine = Engine::in_memory();
        let store = engine.storage().unwrap();
        store.create_bucket("out", None).unwrap();
        // Fails in hour 2 (a division by zero), succeeds otherwise; writes what it saw.
        let script = r#"import "array"
import "influxdata/influxdb/tasks"
option task = {name: "probe", every: 1h}
h = date.hour(t: now())
x = 10 / (h - 2)
array.from(rows: [{_time: now(), _measurement: "m", _field: "last",
    _value: int(v: tasks.lastSuccess(orTime: 1970-01-01T00:00:00Z)) + x * 0}])
    |> to(bucket: "out")
"#;
        let script = format!("import \"date\"\n{script}");
        let mut seen = Vec::new();
        let runs = backfill(
            &engine,
            &script,
            &Backfill {
                from: t("2024-01-01T00:00:00Z"),
                to: t("2024-01-01T04:00:00Z"),
                max_runs: 100,
                last_success: None,
                access: all(),
            },
            |r| seen.push(r.clone()),
        )
        .unwrap();
        assert_eq!(runs, seen);
        let failed: Vec<i64> = runs
            .iter()
            .filter(|r| r.error.is_some())
            .map(|r| r.scheduled_for)
            .collect();
        assert_eq!(failed, vec![t("2024-01-01T02:00:00Z")], "{runs:?}");
        assert!(
            runs[1]
                .error
                .as_deref()
                .unwrap_or("")
                .contains("cannot divide by zero (fluxi::eval::divide_by_zero)"),
            "{runs:?}"
        );
        let query = engine
            .compile(
                "from(bucket: \"out\") |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z) |> keep(columns: [\"_time\", \"_value\"])",
            )
            .unwrap();
        let out = engine.execute(&query).unwrap().to_csv_lf();
        // Hour 1 saw no success yet; hour 3 saw hour 1 (hour 2 failed); hour 4 saw hour 3.
        for (time, last) in [
            ("2024-01-01T01:00:00Z", 0),
            ("2024-01-01T03:00:00Z", t("2024-01-01T01:00:00Z")),
            ("2024-01-01T04:00:00Z", t("2024-01-01T03:00:00Z")),
        ] {
            assert!(
                out.contains(&format!("{time},{last}")),
                "{time} {last}: {out}"
            );
        }
        assert!(!out.contains("2024-01-01T02:00:00Z"), "{out}");
    }
}
