//! The scheduler: runs every active task at each of its scheduled times, exactly once,
//! across restarts.
//!
//! **Exactly once.** The runs of a task's due times are created together with the task's
//! checkpoint (its latest scheduled time) in one durable change of the store, before any
//! of them starts. A time after the checkpoint has no run yet; a time at or before it has
//! exactly one (or was skipped for the catch-up limit, with a log line). After a restart:
//! times missed while the scheduler was down are after the checkpoint and get their runs
//! in order, once each; runs that were waiting are still waiting; a run that was in
//! progress is still `started` in the store and runs again (its `to()` writes the same
//! points again, which replaces them).
//!
//! **Timing.** The run for scheduled time `T` is due at `T + offset` and runs with
//! `now()` = `T`. A task runs at most `concurrency` runs at once, the oldest due first;
//! the scheduler runs at most [`Config::max_running`] runs of all tasks at once.
//!
//! **Retries.** A failed attempt is tried again, up to `retry` more times, after a delay
//! that doubles with each failure: [`Config::retry_delay`], twice that, four times, ... but
//! never more than [`Config::retry_delay_max`] (with the defaults 1 min, 2 min, 4 min, …,
//! 30 min). A run waiting for its retry does not hold up the task's later runs. An attempt
//! interrupted by a stop or crash does not count.
//!
//! **Time limit.** An attempt still running [`Config::time_limit`] after it started is
//! cancelled (at its next function call) and the run ends `canceled`, with a log line
//! saying so; it is not retried.
//!
//! **Catch-up.** When more than [`Config::catch_up_limit`] scheduled times of a task are
//! due at once (after downtime), only the latest that many run; the older ones are
//! skipped, and the first run that does get a log line naming how many were skipped and
//! their range.

use crate::clock::Clock;
use crate::due::due_slots;
use crate::error::{Result, TaskError};
use crate::model::{duration_text, rfc3339, LogEvent, Run, RunStatus, Task, TaskStatus};
use crate::options::{update_script, OptionChanges, TaskOptions};
use crate::runner::{self, Attempt, Outcome};
use crate::store::{Change, Recovery, Store, StoreOptions};
use fluxi::{Access, Buckets, Engine};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

/// Turns a task's authorization into the buckets its runs may read and write.
pub trait Authorizer: Send + Sync + 'static {
    /// What a run of `task` may read and write, or why it may not run (the run fails with
    /// that message).
    fn access(&self, task: &Task) -> std::result::Result<Access, String>;

    /// The secrets `secrets.get` reads in a run of `task` (none by default).
    fn secrets(&self, _task: &Task) -> Option<Arc<dyn fluxi::SecretStore>> {
        None
    }
}

/// Every task may read and write every bucket (for a single-user embedding).
#[derive(Debug, Clone, Copy, Default)]
pub struct AllAccess;

impl Authorizer for AllAccess {
    fn access(&self, _task: &Task) -> std::result::Result<Access, String> {
        Ok(Access {
            read: Buckets::All,
            write: Buckets::All,
        })
    }
}

/// The access of each authorization id, fixed when made.
#[derive(Debug, Clone, Default)]
pub struct StaticAccess(pub BTreeMap<String, Access>);

impl Authorizer for StaticAccess {
    fn access(&self, task: &Task) -> std::result::Result<Access, String> {
        self.0.get(&task.authorization_id).cloned().ok_or_else(|| {
            format!(
                "the task's authorization {:?} does not exist (anymore); give the task another",
                task.authorization_id
            )
        })
    }
}

/// How the scheduler behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The most scheduled times of one task that run when they are due at once (after
    /// downtime); older ones are skipped with a log line. At least 1. Default 100.
    pub catch_up_limit: usize,
    /// How long an attempt may run before it is cancelled (`None`: no limit). Default 1 h.
    pub time_limit: Option<Duration>,
    /// The delay before the first retry of a failed run; each later retry waits twice as
    /// long as the one before. Default 1 min.
    pub retry_delay: Duration,
    /// The longest delay before a retry. Default 30 min.
    pub retry_delay_max: Duration,
    /// The most runs (of all tasks) running at once; more wait their turn. At least 1.
    /// Default 4.
    pub max_running: usize,
    /// Finished runs kept per task, with their logs; older ones are dropped. At least 1.
    /// Default 1,000.
    pub history_limit: usize,
    /// Store changes after which its journal is folded into a snapshot. Default 1,000.
    pub compact_after: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            catch_up_limit: 100,
            time_limit: Some(Duration::from_secs(3600)),
            retry_delay: Duration::from_secs(60),
            retry_delay_max: Duration::from_secs(30 * 60),
            max_running: 4,
            history_limit: 1000,
            compact_after: 1000,
        }
    }
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

impl Config {
    /// The delay before retrying after the `failed`-th failed attempt (1-based).
    pub fn retry_delay_after(&self, failed: u32) -> Duration {
        let doubled = self
            .retry_delay
            .checked_mul(
                1u32.checked_shl(failed.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .unwrap_or(self.retry_delay_max);
        doubled.min(self.retry_delay_max)
    }
}

/// A task to create.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    /// The script, with its `option task`.
    pub flux: String,
    /// The organization's id.
    pub org_id: String,
    /// The organization's name.
    pub org: String,
    /// The owner.
    pub owner_id: String,
    /// The authorization its runs use.
    pub authorization_id: String,
    /// Active (the default) or inactive.
    pub status: TaskStatus,
    /// A description.
    pub description: String,
}

/// Changes to a task; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TaskUpdate {
    /// A new script.
    pub flux: Option<String>,
    /// Activate or deactivate. Reactivating starts the schedule from the time it is done:
    /// times that passed while the task was inactive never run.
    pub status: Option<TaskStatus>,
    /// A new description.
    pub description: Option<String>,
    /// Changes of name, every, cron and offset, written into the (new) script's `option
    /// task`.
    pub options: OptionChanges,
}

/// Which tasks [`Scheduler::tasks`] lists.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only tasks of this name.
    pub name: Option<String>,
    /// Only tasks of this organization.
    pub org_id: Option<String>,
    /// Only tasks of this owner.
    pub owner_id: Option<String>,
    /// Only active or only inactive tasks.
    pub status: Option<TaskStatus>,
    /// Only tasks whose id sorts after this one (paging).
    pub after: Option<String>,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

/// Which runs [`Scheduler::runs`] lists.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only runs scheduled after this time.
    pub after_time: Option<i64>,
    /// Only runs scheduled before this time.
    pub before_time: Option<i64>,
    /// At most this many (`None`: all): the most recently scheduled.
    pub limit: Option<usize>,
}

/// What the scheduler is doing.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// What opening the store found.
    pub recovery: Recovery,
    /// Runs running now.
    pub running: usize,
    /// The last error of the scheduling loop (a change the store could not write), if
    /// its latest pass had one.
    pub error: Option<String>,
    /// Tasks whose stored script no longer gives valid options (they do not run), with
    /// why.
    pub unschedulable: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CancelReason {
    TimeLimit,
    Request,
    Stop,
}

struct Running {
    task_id: String,
    cancel: Arc<AtomicBool>,
    deadline: Option<i64>,
    reason: Option<CancelReason>,
}

struct State {
    store: Store,
    options: HashMap<String, TaskOptions>,
    unschedulable: BTreeMap<String, String>,
    running: HashMap<String, Running>,
    workers: Vec<JoinHandle<()>>,
    stopping: bool,
    /// The clock's time at the end of the latest pass.
    processed: i64,
    error: Option<String>,
    recovery: Recovery,
}

/// Told about each run that has finished (succeeded, failed for good, or was cancelled),
/// after it is recorded in the task store, with the task as it is then.
pub type RunObserver = Arc<dyn Fn(&Task, &Run) + Send + Sync>;

struct Shared {
    observer: Mutex<Option<RunObserver>>,
    state: Mutex<State>,
    changed: Condvar,
    clock: Arc<dyn Clock>,
    engine: Engine,
    authorizer: Arc<dyn Authorizer>,
    config: Config,
}

/// The task scheduler over a task store in a directory (see the module documentation).
/// Dropping it stops it ([`Scheduler::stop`]).
pub struct Scheduler {
    shared: Arc<Shared>,
    driver: Mutex<Option<JoinHandle<()>>>,
}

/// The longest the scheduling loop sleeps without looking at the clock again.
const MAX_SLEEP: Duration = Duration::from_secs(1);

impl Shared {
    /// Tell the observer (if any) that `run` finished.
    fn observed(&self, task: &Task, run: &Run) {
        let observer = self
            .observer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(o) = observer {
            o(task, run);
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state, for a change: refused once the scheduler is stopping.
    fn lock_live(&self) -> Result<MutexGuard<'_, State>> {
        let st = self.lock();
        if st.stopping {
            return Err(TaskError::Stopped("the scheduler is stopping".into()));
        }
        Ok(st)
    }
}

fn new_run(id: String, task_id: &str, scheduled_for: i64, requested_at: Option<i64>) -> Run {
    Run {
        id,
        task_id: task_id.to_string(),
        status: RunStatus::Scheduled,
        scheduled_for,
        requested_at,
        started_at: None,
        finished_at: None,
        attempts: 0,
        retry_at: None,
        error: None,
        log: Vec::new(),
    }
}

impl Scheduler {
    /// Open the task store in `dir` (created if missing) and start scheduling. Runs use
    /// `engine` (and its store), with the access `authorizer` gives each task; all times
    /// come from `clock`.
    ///
    /// Runs that were in progress when the scheduler last stopped (or crashed) are set to
    /// run again, with a log line saying so.
    pub fn open(
        dir: &Path,
        engine: Engine,
        clock: Arc<dyn Clock>,
        authorizer: Arc<dyn Authorizer>,
        config: Config,
    ) -> Result<Scheduler> {
        Scheduler::open_observed(dir, engine, clock, authorizer, config, None)
    }

    /// As [`Scheduler::open`], with `observer` told about every run that finishes from
    /// the start (see [`Scheduler::observe`]).
    pub fn open_observed(
        dir: &Path,
        engine: Engine,
        clock: Arc<dyn Clock>,
        authorizer: Arc<dyn Authorizer>,
        config: Config,
        observer: Option<RunObserver>,
    ) -> Result<Scheduler> {
        if config.catch_up_limit == 0 || config.max_running == 0 || config.history_limit == 0 {
            return Err(TaskError::Invalid(
                "the scheduler's catch-up limit, running limit and history limit must each be at least 1".into(),
            ));
        }
        let (mut store, recovery) = Store::open(
            dir,
            StoreOptions {
                compact_after: config.compact_after.max(1),
                history_limit: config.history_limit,
            },
        )?;
        let now = clock.now();
        // Runs in progress at the last stop run again; the interrupted attempt does not
        // count against the retries.
        let mut interrupted: Vec<Run> = Vec::new();
        for task in store.tasks() {
            for run in store.runs(&task.id) {
                if run.status == RunStatus::Started {
                    let mut run = run.clone();
                    run.status = RunStatus::Scheduled;
                    run.attempts = run.attempts.saturating_sub(1);
                    run.log(
                        now,
                        "the scheduler stopped while this run was in progress; running it again",
                    );
                    interrupted.push(run);
                }
            }
        }
        if !interrupted.is_empty() {
            store.commit(Change::PutRuns {
                task: None,
                runs: interrupted,
            })?;
        }
        let mut options = HashMap::new();
        let mut unschedulable = BTreeMap::new();
        for task in store.tasks() {
            match TaskOptions::from_script(&task.flux) {
                Ok(o) => {
                    options.insert(task.id.clone(), o);
                }
                Err(e) => {
                    unschedulable.insert(task.id.clone(), e.to_string());
                }
            }
        }
        let shared = Arc::new(Shared {
            observer: Mutex::new(observer),
            state: Mutex::new(State {
                store,
                options,
                unschedulable,
                running: HashMap::new(),
                workers: Vec::new(),
                stopping: false,
                processed: i64::MIN,
                error: None,
                recovery,
            }),
            changed: Condvar::new(),
            clock,
            engine,
            authorizer,
            config,
        });
        let weak: Weak<Shared> = Arc::downgrade(&shared);
        shared.clock.subscribe(Arc::new(move || {
            if let Some(s) = weak.upgrade() {
                let _guard = s.lock();
                s.changed.notify_all();
            }
        }));
        let driving = Arc::clone(&shared);
        let driver = std::thread::Builder::new()
            .name("fluxi-tasks".into())
            .spawn(move || drive(&driving))
            .map_err(|e| TaskError::Stopped(format!("cannot start the scheduler's thread: {e}")))?;
        Ok(Scheduler {
            shared,
            driver: Mutex::new(Some(driver)),
        })
    }

    /// Create a task from a script with `option task`. Its first run is for the first
    /// scheduled time after now.
    pub fn create_task(&self, new: NewTask) -> Result<Task> {
        let options = TaskOptions::from_script(&new.flux)?;
        let now = self.shared.clock.now();
        let mut st = self.shared.lock_live()?;
        let id = st.store.new_id()?;
        let task = Task {
            id: id.clone(),
            org_id: new.org_id,
            org: new.org,
            name: options.name.clone(),
            description: new.description,
            owner_id: new.owner_id,
            authorization_id: new.authorization_id,
            status: new.status,
            every: options.every().map(str::to_string),
            cron: options.cron().map(str::to_string),
            offset: options.offset_text.clone(),
            flux: new.flux,
            created_at: now,
            updated_at: now,
            latest_scheduled: now,
            latest_completed: None,
            latest_success: None,
            latest_failure: None,
            last_run_status: None,
            last_run_error: None,
        };
        st.store.commit(Change::PutTask { task: task.clone() })?;
        st.options.insert(id, options);
        self.shared.changed.notify_all();
        Ok(task)
    }

    /// Change a task: its script, status, description, or (written into its script) its
    /// name, every, cron or offset.
    pub fn update_task(&self, id: &str, update: TaskUpdate) -> Result<Task> {
        let now = self.shared.clock.now();
        let mut st = self.shared.lock_live()?;
        let mut task = st
            .store
            .task(id)
            .cloned()
            .ok_or_else(|| TaskError::TaskNotFound(id.to_string()))?;
        let mut flux = update.flux.unwrap_or_else(|| task.flux.clone());
        if update.options != OptionChanges::default() {
            flux = update_script(&flux, &update.options)?;
        }
        let options = TaskOptions::from_script(&flux)?;
        task.name = options.name.clone();
        task.every = options.every().map(str::to_string);
        task.cron = options.cron().map(str::to_string);
        task.offset = options.offset_text.clone();
        task.flux = flux;
        if let Some(d) = update.description {
            task.description = d;
        }
        if let Some(status) = update.status {
            if status == TaskStatus::Active && task.status == TaskStatus::Inactive {
                task.latest_scheduled = task.latest_scheduled.max(now);
            }
            task.status = status;
        }
        task.updated_at = now;
        st.store.commit(Change::PutTask { task: task.clone() })?;
        st.options.insert(id.to_string(), options);
        st.unschedulable.remove(id);
        self.shared.changed.notify_all();
        Ok(task)
    }

    /// Delete a task and its runs; its running runs are cancelled.
    pub fn delete_task(&self, id: &str) -> Result<()> {
        let mut st = self.shared.lock_live()?;
        if st.store.task(id).is_none() {
            return Err(TaskError::TaskNotFound(id.to_string()));
        }
        st.store.commit(Change::DeleteTask { id: id.to_string() })?;
        st.options.remove(id);
        st.unschedulable.remove(id);
        for r in st.running.values_mut().filter(|r| r.task_id == id) {
            r.reason.get_or_insert(CancelReason::Request);
            r.cancel.store(true, Ordering::SeqCst);
        }
        self.shared.changed.notify_all();
        Ok(())
    }

    /// A task.
    pub fn task(&self, id: &str) -> Result<Task> {
        self.shared
            .lock()
            .store
            .task(id)
            .cloned()
            .ok_or_else(|| TaskError::TaskNotFound(id.to_string()))
    }

    /// A task's options, as its script gives them.
    pub fn task_options(&self, id: &str) -> Result<TaskOptions> {
        let st = self.shared.lock();
        if let Some(o) = st.options.get(id) {
            return Ok(o.clone());
        }
        match st.store.task(id) {
            Some(t) => Ok(TaskOptions::from_script(&t.flux)?),
            None => Err(TaskError::TaskNotFound(id.to_string())),
        }
    }

    /// The tasks `filter` selects, by id.
    pub fn tasks(&self, filter: &TaskFilter) -> Vec<Task> {
        let st = self.shared.lock();
        st.store
            .tasks()
            .filter(|t| filter.name.as_ref().is_none_or(|n| *n == t.name))
            .filter(|t| filter.org_id.as_ref().is_none_or(|o| *o == t.org_id))
            .filter(|t| filter.owner_id.as_ref().is_none_or(|o| *o == t.owner_id))
            .filter(|t| filter.status.is_none_or(|s| s == t.status))
            .filter(|t| filter.after.as_ref().is_none_or(|a| t.id > *a))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// A task's runs that `filter` selects, by scheduled time (then id).
    pub fn runs(&self, task_id: &str, filter: &RunFilter) -> Result<Vec<Run>> {
        let st = self.shared.lock();
        if st.store.task(task_id).is_none() {
            return Err(TaskError::TaskNotFound(task_id.to_string()));
        }
        let mut runs: Vec<Run> = st
            .store
            .runs(task_id)
            .filter(|r| filter.after_time.is_none_or(|t| r.scheduled_for > t))
            .filter(|r| filter.before_time.is_none_or(|t| r.scheduled_for < t))
            .cloned()
            .collect();
        runs.sort_by(|a, b| (a.scheduled_for, &a.id).cmp(&(b.scheduled_for, &b.id)));
        if let Some(limit) = filter.limit {
            let skip = runs.len().saturating_sub(limit);
            runs.drain(..skip);
        }
        Ok(runs)
    }

    /// One run of a task.
    pub fn run(&self, task_id: &str, run_id: &str) -> Result<Run> {
        let st = self.shared.lock();
        if st.store.task(task_id).is_none() {
            return Err(TaskError::TaskNotFound(task_id.to_string()));
        }
        st.store
            .run(task_id, run_id)
            .cloned()
            .ok_or_else(|| TaskError::RunNotFound(run_id.to_string()))
    }

    /// The log of one run, or of all a task's runs (by time), oldest first.
    pub fn logs(&self, task_id: &str, run_id: Option<&str>) -> Result<Vec<LogEvent>> {
        match run_id {
            Some(r) => Ok(self.run(task_id, r)?.log),
            None => {
                let mut events: Vec<LogEvent> = self
                    .runs(task_id, &RunFilter::default())?
                    .into_iter()
                    .flat_map(|r| r.log)
                    .collect();
                events.sort_by_key(|e| e.time);
                Ok(events)
            }
        }
    }

    /// Run a task now, for `scheduled_for` (its `now()`; the clock's time when `None`),
    /// outside its schedule (active or not): to fill history, or to try a change.
    pub fn run_now(&self, task_id: &str, scheduled_for: Option<i64>) -> Result<Run> {
        let now = self.shared.clock.now();
        let mut st = self.shared.lock_live()?;
        if st.store.task(task_id).is_none() {
            return Err(TaskError::TaskNotFound(task_id.to_string()));
        }
        if !st.options.contains_key(task_id) {
            let why = st.unschedulable.get(task_id).cloned().unwrap_or_default();
            return Err(TaskError::Invalid(format!("the task cannot run: {why}")));
        }
        let mut run = new_run(
            st.store.new_id()?,
            task_id,
            scheduled_for.unwrap_or(now),
            Some(now),
        );
        run.log(
            now,
            format!("run requested for {}", rfc3339(run.scheduled_for)),
        );
        st.store.commit(Change::PutRuns {
            task: None,
            runs: vec![run.clone()],
        })?;
        self.shared.changed.notify_all();
        Ok(run)
    }

    /// Run a finished run's scheduled time again, as a new manual run.
    pub fn retry_run(&self, task_id: &str, run_id: &str) -> Result<Run> {
        let old = self.run(task_id, run_id)?;
        if !old.status.is_finished() {
            return Err(TaskError::Invalid(format!(
                "run {run_id} is {}; only a finished run can be retried",
                old.status.as_str()
            )));
        }
        self.run_now(task_id, Some(old.scheduled_for))
    }

    /// Cancel a run that has not finished: a waiting one ends now, a running one at its
    /// next function call. Either ends `canceled`.
    pub fn cancel_run(&self, task_id: &str, run_id: &str) -> Result<()> {
        let now = self.shared.clock.now();
        let mut st = self.shared.lock_live()?;
        if st.store.task(task_id).is_none() {
            return Err(TaskError::TaskNotFound(task_id.to_string()));
        }
        let run = st
            .store
            .run(task_id, run_id)
            .cloned()
            .ok_or_else(|| TaskError::RunNotFound(run_id.to_string()))?;
        if let Some(r) = st.running.get_mut(run_id) {
            r.reason.get_or_insert(CancelReason::Request);
            r.cancel.store(true, Ordering::SeqCst);
            return Ok(());
        }
        if run.status.is_finished() {
            return Err(TaskError::Invalid(format!(
                "run {run_id} has already finished ({})",
                run.status.as_str()
            )));
        }
        let mut run = run;
        run.status = RunStatus::Canceled;
        run.finished_at = Some(now);
        run.retry_at = None;
        run.error = Some("canceled by request".into());
        run.log(now, "Completed(canceled): canceled by request");
        let task = st.store.task(task_id).cloned();
        st.store.commit(Change::PutRuns {
            task: None,
            runs: vec![run.clone()],
        })?;
        self.shared.changed.notify_all();
        drop(st);
        if let Some(task) = task {
            self.shared.observed(&task, &run);
        }
        Ok(())
    }

    /// Call `observer` for every run that finishes from now on (once each, after it is
    /// recorded; not on the scheduler's lock, so it may take its time): a server copies
    /// the runs into its `_tasks` bucket. Replaces an earlier observer.
    pub fn observe(&self, observer: RunObserver) {
        *self
            .shared
            .observer
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(observer);
    }

    /// What the scheduler is doing.
    pub fn status(&self) -> Status {
        let st = self.shared.lock();
        Status {
            recovery: st.recovery.clone(),
            running: st.running.len(),
            error: st
                .error
                .clone()
                .or_else(|| st.store.compaction_error.clone()),
            unschedulable: st
                .unschedulable
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// Wait (up to `timeout` of real time) until the scheduler has caught up with its
    /// clock: every run due by the clock's current time has finished or is waiting for a
    /// retry, and nothing is running. Returns whether it got there. For tests, and for
    /// running a backfill to its end.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        // The clock's time now: with the system clock, later times keep coming.
        let target = self.shared.clock.now();
        let mut st = self.shared.lock();
        loop {
            if is_idle(&st, target) {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            st = self
                .shared
                .changed
                .wait_timeout(st, left.min(MAX_SLEEP))
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// Stop: cancel the running runs and wait for them. They stay `started` in the store
    /// and run again when the store is next opened.
    pub fn stop(self) {
        self.shutdown();
    }

    /// Begin stopping without waiting: from now on nothing starts, nothing more is
    /// recorded (runs in progress stay `started` and run again at the next open), and the
    /// running runs are cancelled. [`Scheduler::stop`] (or dropping) then waits for them.
    pub fn begin_stop(&self) {
        let mut st = self.shared.lock();
        st.stopping = true;
        for r in st.running.values_mut() {
            r.reason.get_or_insert(CancelReason::Stop);
            r.cancel.store(true, Ordering::SeqCst);
        }
        self.shared.changed.notify_all();
    }

    /// Stop as [`Scheduler::stop`] does, for an owner that shares the scheduler (a
    /// server that holds it behind an `Arc`): after this returns nothing runs, and every
    /// later change is refused with `fluxi::tasks::stopped`.
    pub fn shutdown(&self) {
        self.begin_stop();
        let driver = self.driver.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(d) = driver {
            let _ = d.join();
        }
        let workers = std::mem::take(&mut self.shared.lock().workers);
        for w in workers {
            let _ = w.join();
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Whether the scheduler has done everything due by `target`: a pass at or after it,
/// nothing running, no run due by then waiting, no failed write.
fn is_idle(st: &State, target: i64) -> bool {
    if st.stopping || st.processed < target || !st.running.is_empty() || st.error.is_some() {
        return false;
    }
    !st.store.tasks().any(|t| {
        st.options.get(&t.id).is_some_and(|o| {
            st.store
                .runs(&t.id)
                .any(|r| r.status == RunStatus::Scheduled && r.due_at(o.offset) <= target)
        })
    })
}

/// The scheduling loop: a pass, then sleep until the next thing is due or something
/// changes.
fn drive(shared: &Arc<Shared>) {
    let mut st = shared.lock();
    loop {
        if st.stopping {
            return;
        }
        pass(shared, &mut st);
        shared.changed.notify_all();
        // After a failed write, try again a little later rather than at once.
        let sleep = match st.error {
            Some(_) => MAX_SLEEP,
            None => next_wake(&st)
                .and_then(|t| shared.clock.real_wait(t))
                .map_or(MAX_SLEEP, |d| d.min(MAX_SLEEP)),
        };
        // Even when something is due at once, let callers in between passes.
        let sleep = sleep.max(Duration::from_millis(1));
        st = shared
            .changed
            .wait_timeout(st, sleep)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0);
    }
}

/// When the next thing is due: a task's next scheduled time (plus offset), a waiting
/// run, a running run's time limit.
fn next_wake(st: &State) -> Option<i64> {
    let mut next: Option<i64> = None;
    let mut consider = |t: i64| next = Some(next.map_or(t, |n| n.min(t)));
    for task in st.store.tasks() {
        let Some(options) = st.options.get(&task.id) else {
            continue;
        };
        if task.status == TaskStatus::Active {
            if let Some(t) = options.schedule.next_after(task.latest_scheduled) {
                consider(t.saturating_add(options.offset));
            }
        }
        for r in st.store.runs(&task.id) {
            if r.status == RunStatus::Scheduled && r.due_at(options.offset) > st.processed {
                consider(r.due_at(options.offset));
            }
        }
    }
    for r in st.running.values() {
        if let (Some(d), None) = (r.deadline, r.reason) {
            consider(d);
        }
    }
    next
}

/// One pass: cancel runs past their time limit, create the runs of due scheduled times,
/// start the runs that may start.
fn pass(shared: &Arc<Shared>, st: &mut State) {
    let now = shared.clock.now();
    st.workers.retain(|w| !w.is_finished());
    st.error = None;
    for r in st.running.values_mut() {
        if matches!(r.deadline, Some(d) if d <= now) && r.reason.is_none() {
            r.reason = Some(CancelReason::TimeLimit);
            r.cancel.store(true, Ordering::SeqCst);
        }
    }
    // Claim due scheduled times: their runs and the checkpoint in one change.
    let active: Vec<(Task, TaskOptions)> = st
        .store
        .tasks()
        .filter(|t| t.status == TaskStatus::Active)
        .filter_map(|t| st.options.get(&t.id).map(|o| (t.clone(), o.clone())))
        .collect();
    for (mut task, options) in active {
        let (slots, skipped) = due_slots(
            &options,
            task.latest_scheduled,
            now,
            shared.config.catch_up_limit,
        );
        let Some(&last) = slots.last() else {
            continue;
        };
        let mut runs = Vec::with_capacity(slots.len());
        for slot in slots {
            match st.store.new_id() {
                Ok(id) => runs.push(new_run(id, &task.id, slot, None)),
                Err(e) => {
                    st.error = Some(e.to_string());
                    return;
                }
            }
        }
        if let (Some(skipped), Some(run)) = (skipped, runs.first_mut()) {
            let line = skipped.message(shared.config.catch_up_limit, run.scheduled_for);
            run.log(now, line);
        }
        task.latest_scheduled = last;
        if let Err(e) = st.store.commit(Change::PutRuns {
            task: Some(task),
            runs,
        }) {
            st.error = Some(e.to_string());
            return;
        }
    }
    // Start what may start: per task the oldest due first, within its concurrency and the
    // scheduler's running limit.
    let mut due: Vec<(i64, i64, String, String)> = Vec::new();
    for task in st.store.tasks() {
        let Some(options) = st.options.get(&task.id) else {
            continue;
        };
        for r in st.store.runs(&task.id) {
            if r.status == RunStatus::Scheduled && r.due_at(options.offset) <= now {
                due.push((
                    r.scheduled_for,
                    r.due_at(options.offset),
                    task.id.clone(),
                    r.id.clone(),
                ));
            }
        }
    }
    due.sort();
    for (_, _, task_id, run_id) in due {
        if st.running.len() >= shared.config.max_running {
            break;
        }
        let concurrency = st
            .options
            .get(&task_id)
            .map_or(1, |o| o.concurrency as usize);
        if st.running.values().filter(|r| r.task_id == task_id).count() >= concurrency {
            continue;
        }
        if let Err(e) = start(shared, st, &task_id, &run_id, now) {
            st.error = Some(e.to_string());
            return;
        }
    }
    st.processed = now;
}

/// Start an attempt of a run on its own thread.
fn start(
    shared: &Arc<Shared>,
    st: &mut State,
    task_id: &str,
    run_id: &str,
    now: i64,
) -> Result<()> {
    let (Some(task), Some(run)) = (
        st.store.task(task_id).cloned(),
        st.store.run(task_id, run_id).cloned(),
    ) else {
        return Ok(());
    };
    let retries = st.options.get(task_id).map_or(1, |o| o.retry);
    let mut run = run;
    run.status = RunStatus::Started;
    run.attempts += 1;
    run.started_at = Some(now);
    run.retry_at = None;
    run.log(
        now,
        format!(
            "Started task from script (attempt {} of {}) with now() = {}",
            run.attempts,
            retries + 1,
            rfc3339(run.scheduled_for)
        ),
    );
    st.store.commit(Change::PutRuns {
        task: None,
        runs: vec![run.clone()],
    })?;
    let cancel = Arc::new(AtomicBool::new(false));
    let attempt = Attempt {
        task,
        scheduled_for: run.scheduled_for,
        cancel: Arc::clone(&cancel),
    };
    st.running.insert(
        run.id.clone(),
        Running {
            task_id: task_id.to_string(),
            cancel,
            deadline: shared
                .config
                .time_limit
                .map(|l| now.saturating_add(nanos(l))),
            reason: None,
        },
    );
    let worker = Arc::clone(shared);
    let (task_id, run_id) = (task_id.to_string(), run.id.clone());
    let spawned = std::thread::Builder::new()
        .name("fluxi-task-run".into())
        .spawn(move || {
            let lines = runner::ScriptLines::default();
            let outcome = runner::attempt(
                &worker.engine,
                worker.authorizer.as_ref(),
                &attempt,
                Arc::clone(&worker.clock),
                Arc::clone(&lines),
            );
            let lines = std::mem::take(&mut *lines.lock().unwrap_or_else(|e| e.into_inner()));
            finish(&worker, &task_id, &run_id, outcome, lines);
        });
    match spawned {
        Ok(handle) => {
            st.workers.push(handle);
            Ok(())
        }
        Err(e) => {
            // The run stays `started` and runs again at the next open; nothing more can
            // start now.
            st.running.remove(&run.id);
            Err(TaskError::Stopped(format!(
                "cannot start a run's thread: {e}"
            )))
        }
    }
}

/// Record how an attempt ended, after the lines its script logged.
fn finish(
    shared: &Shared,
    task_id: &str,
    run_id: &str,
    outcome: Outcome,
    lines: Vec<(i64, String)>,
) {
    let mut st = shared.lock();
    let running = st.running.remove(run_id);
    shared.changed.notify_all();
    if st.stopping {
        // Not recorded: the run is still `started` and runs again at the next open.
        return;
    }
    let (Some(mut task), Some(mut run)) = (
        st.store.task(task_id).cloned(),
        st.store.run(task_id, run_id).cloned(),
    ) else {
        return; // deleted meanwhile
    };
    let now = shared.clock.now();
    let reason = running.and_then(|r| r.reason);
    let retries = st.options.get(task_id).map_or(1, |o| o.retry);
    let limit = shared
        .config
        .time_limit
        .map_or_else(String::new, |l| duration_text(nanos(l)));
    let (status, error) = match (outcome, reason) {
        (Outcome::Success, _) => (RunStatus::Success, None),
        (Outcome::Cancelled | Outcome::Failed(_), Some(CancelReason::TimeLimit)) => (
            RunStatus::Canceled,
            Some(format!(
                "the run passed its time limit of {limit} and was cancelled"
            )),
        ),
        (Outcome::Cancelled | Outcome::Failed(_), Some(CancelReason::Request)) => {
            (RunStatus::Canceled, Some("canceled by request".to_string()))
        }
        (Outcome::Cancelled, _) => (
            RunStatus::Canceled,
            Some("the run was cancelled".to_string()),
        ),
        (Outcome::Failed(e), _) => (RunStatus::Failed, Some(e)),
    };
    for (time, line) in lines {
        run.log(time, line);
    }
    if let Some(e) = &error {
        run.log(now, e.clone());
    }
    run.error = error.clone();
    if status == RunStatus::Failed && run.attempts <= retries {
        let delay = shared.config.retry_delay_after(run.attempts);
        let at = now.saturating_add(nanos(delay));
        run.status = RunStatus::Scheduled;
        run.retry_at = Some(at);
        run.log(
            now,
            format!(
                "attempt {} of {} failed; retrying in {} (at {})",
                run.attempts,
                retries + 1,
                duration_text(nanos(delay)),
                rfc3339(at)
            ),
        );
        if let Err(e) = st.store.commit(Change::PutRuns {
            task: None,
            runs: vec![run],
        }) {
            st.error = Some(e.to_string());
        }
        return;
    }
    run.status = status;
    run.finished_at = Some(now);
    run.log(now, format!("Completed({})", status.as_str()));
    let at = run.scheduled_for;
    let latest = |old: Option<i64>| Some(old.map_or(at, |o| o.max(at)));
    task.latest_completed = latest(task.latest_completed);
    match status {
        RunStatus::Success => task.latest_success = latest(task.latest_success),
        RunStatus::Failed => task.latest_failure = latest(task.latest_failure),
        _ => {}
    }
    task.last_run_status = Some(status);
    task.last_run_error = error;
    let finished = (task.clone(), run.clone());
    if let Err(e) = st.store.commit(Change::PutRuns {
        task: Some(task),
        runs: vec![run],
    }) {
        st.error = Some(e.to_string());
        return;
    }
    drop(st);
    shared.observed(&finished.0, &finished.1);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn retry_delays_double_up_to_the_maximum() {
        let c = Config::default();
        let secs: Vec<u64> = (1..=7).map(|k| c.retry_delay_after(k).as_secs()).collect();
        assert_eq!(secs, [60, 120, 240, 480, 960, 1800, 1800]);
        assert_eq!(c.retry_delay_after(40).as_secs(), 1800);
    }
}
