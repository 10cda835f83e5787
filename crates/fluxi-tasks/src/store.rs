//! The task store: tasks, runs and logs, kept in memory and made durable in a directory.
//!
//! ```text
//! DIR/LOCK             held (flock) by the scheduler that has the store open
//! DIR/tasks.snapshot   every task and run as of one journal sequence number
//! DIR/tasks.journal    the changes since, one line each
//! ```
//!
//! Each change is one journal line, `CRC32 JSON\n` (the CRC-32 of the JSON in eight hex
//! digits), written and synced (`fsync`) before the change is applied in memory or any
//! caller sees it. A change is a whole record put (a task, or a set of runs together with
//! their task), or a task's deletion, and carries a sequence number, so replaying a line
//! twice changes nothing and a line the snapshot already holds is skipped.
//!
//! Opening replays the journal over the snapshot. A last line cut short (a crash in the
//! middle of a write) is dropped and the file truncated to the line before: that change
//! had not been acknowledged. A damaged line *followed by* good ones is not a crash's
//! mark but damage, and opening fails (`fluxi::tasks::corrupt`) rather than lose what the
//! lines after it say.
//!
//! After `compact_after` changes the state is written as a new snapshot (to a temporary
//! file, synced, renamed over the old one, the directory synced) and the journal starts
//! again empty. A crash between the two steps leaves the new snapshot and the old journal,
//! whose lines the sequence numbers skip.
//!
//! Finished runs beyond `history_limit` per task are dropped, oldest first (by scheduled
//! time); runs that have not finished are always kept.

use crate::error::{Result, TaskError};
use crate::model::{Run, Task};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

const LOCK: &str = "LOCK";
const SNAPSHOT: &str = "tasks.snapshot";
const JOURNAL: &str = "tasks.journal";
const FORMAT: u32 = 1;

/// A change, as the journal holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Change {
    /// Create or replace a task.
    PutTask { task: Task },
    /// Delete a task and its runs.
    DeleteTask { id: String },
    /// Create or replace runs, and their task with them (atomically).
    PutRuns { task: Option<Task>, runs: Vec<Run> },
}

#[derive(Serialize, Deserialize)]
struct Line {
    seq: u64,
    #[serde(flatten)]
    change: Change,
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: u32,
    seq: u64,
    tasks: Vec<Task>,
    runs: Vec<Run>,
}

/// How the store is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoreOptions {
    /// Changes after which the journal is folded into a new snapshot.
    pub compact_after: usize,
    /// Finished runs kept per task.
    pub history_limit: usize,
}

/// What opening found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Changes replayed from the journal.
    pub replayed: usize,
    /// Bytes of a last journal line cut short by a crash, dropped.
    pub torn_bytes: u64,
}

/// The store: its state in memory and the files that make it durable.
pub(crate) struct Store {
    dir: PathBuf,
    journal: File,
    journal_len: u64,
    _lock: File,
    seq: u64,
    since_snapshot: usize,
    options: StoreOptions,
    tasks: BTreeMap<String, Task>,
    runs: BTreeMap<String, BTreeMap<String, Run>>,
    run_ids: HashSet<String>,
    /// Why writes are refused: a write failed and the journal could not be put back.
    broken: Option<String>,
    /// The last compaction's failure (the journal still holds everything).
    pub(crate) compaction_error: Option<String>,
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> TaskError {
    let path = path.to_path_buf();
    move |source| TaskError::Io {
        action,
        path,
        source,
    }
}

/// `CRC JSON\n` for a value.
fn encode<T: Serialize>(value: &T) -> Result<String> {
    let json = serde_json::to_string(value)
        .map_err(|e| TaskError::Corrupt(format!("cannot encode a record: {e}")))?;
    Ok(format!("{:08x} {json}\n", crc32fast::hash(json.as_bytes())))
}

/// The value of a `CRC JSON` line (without its newline), if it is intact.
fn decode<T: for<'de> Deserialize<'de>>(line: &[u8]) -> std::result::Result<T, String> {
    let text = std::str::from_utf8(line).map_err(|_| "not UTF-8".to_string())?;
    let (crc, json) = text
        .split_once(' ')
        .ok_or_else(|| "no checksum".to_string())?;
    let crc = u32::from_str_radix(crc, 16).map_err(|_| "a bad checksum field".to_string())?;
    if crc32fast::hash(json.as_bytes()) != crc {
        return Err("its checksum does not match".into());
    }
    serde_json::from_str(json).map_err(|e| format!("it does not decode: {e}"))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync", dir))
}

/// Write `bytes` to `path` through a synced temporary file renamed over it.
fn replace_file(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(io("create", &tmp))?;
    f.write_all(bytes).map_err(io("write", &tmp))?;
    f.sync_all().map_err(io("sync", &tmp))?;
    std::fs::rename(&tmp, path).map_err(io("replace", path))?;
    sync_dir(dir)
}

impl Store {
    /// Open (or create) the store in `dir`.
    pub(crate) fn open(dir: &Path, options: StoreOptions) -> Result<(Store, Recovery)> {
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        let lock_path = dir.join(LOCK);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(TaskError::Locked(dir.to_path_buf()))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io("lock", &lock_path)(e)),
        }
        let mut tasks = BTreeMap::new();
        let mut runs: BTreeMap<String, BTreeMap<String, Run>> = BTreeMap::new();
        let mut seq = 0;
        let snapshot_path = dir.join(SNAPSHOT);
        match std::fs::read(&snapshot_path) {
            Ok(bytes) => {
                let line = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
                let snap: Snapshot = decode(line).map_err(|why| {
                    TaskError::Corrupt(format!("{}: {why}", snapshot_path.display()))
                })?;
                if snap.format != FORMAT {
                    return Err(TaskError::Corrupt(format!(
                        "{} has format {}; this fluxi reads format {FORMAT}",
                        snapshot_path.display(),
                        snap.format
                    )));
                }
                seq = snap.seq;
                for t in snap.tasks {
                    tasks.insert(t.id.clone(), t);
                }
                for r in snap.runs {
                    runs.entry(r.task_id.clone())
                        .or_default()
                        .insert(r.id.clone(), r);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("read", &snapshot_path)(e)),
        }
        let run_ids = runs.values().flat_map(|m| m.keys().cloned()).collect();
        let journal_path = dir.join(JOURNAL);
        let bytes = match std::fs::read(&journal_path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io("read", &journal_path)(e)),
        };
        let journal = File::options()
            .create(true)
            .append(true)
            .open(&journal_path)
            .map_err(io("open", &journal_path))?;
        let mut store = Store {
            dir: dir.to_path_buf(),
            journal,
            journal_len: 0,
            _lock: lock,
            seq,
            since_snapshot: 0,
            options,
            tasks,
            runs,
            run_ids,
            broken: None,
            compaction_error: None,
        };
        let mut recovery = Recovery::default();
        let mut good_end = 0usize;
        let mut at = 0usize;
        let mut line_no = 0usize;
        while at < bytes.len() {
            line_no += 1;
            let end = bytes[at..].iter().position(|b| *b == b'\n').map(|p| at + p);
            let line = &bytes[at..end.unwrap_or(bytes.len())];
            let decoded: std::result::Result<Line, String> = match end {
                None => Err("it is cut short".into()),
                Some(_) => decode(line),
            };
            let next = end.map_or(bytes.len(), |e| e + 1);
            match decoded {
                Ok(l) => {
                    if l.seq > store.seq {
                        store.seq = l.seq;
                        store.apply(l.change);
                        recovery.replayed += 1;
                    }
                    store.since_snapshot += 1;
                    good_end = next;
                }
                Err(why) if next >= bytes.len() => {
                    // The last line: a write the crash cut short, never acknowledged.
                    let _ = why;
                    break;
                }
                Err(why) => {
                    return Err(TaskError::Corrupt(format!(
                        "{} line {line_no}: {why}, and good lines follow it",
                        journal_path.display()
                    )))
                }
            }
            at = next;
        }
        if good_end < bytes.len() {
            recovery.torn_bytes = (bytes.len() - good_end) as u64;
            store
                .journal
                .set_len(good_end as u64)
                .map_err(io("truncate", &journal_path))?;
            store
                .journal
                .sync_all()
                .map_err(io("sync", &journal_path))?;
        }
        store.journal_len = good_end as u64;
        Ok((store, recovery))
    }

    /// Make a change durable, then apply it.
    pub(crate) fn commit(&mut self, change: Change) -> Result<()> {
        if let Some(why) = &self.broken {
            return Err(TaskError::Stopped(format!(
                "the task store refuses changes after a failed write ({why}); reopen it"
            )));
        }
        let line = encode(&Line {
            seq: self.seq + 1,
            change,
        })?;
        let path = self.dir.join(JOURNAL);
        let written = self
            .journal
            .write_all(line.as_bytes())
            .and_then(|()| self.journal.sync_data());
        if let Err(e) = written {
            // Take the partial line back, so the next change does not follow garbage.
            if let Err(e2) = self
                .journal
                .set_len(self.journal_len)
                .and_then(|()| self.journal.sync_data())
            {
                self.broken = Some(format!("{e}; then {e2}"));
            }
            return Err(io("write", &path)(e));
        }
        self.journal_len += line.len() as u64;
        self.seq += 1;
        self.since_snapshot += 1;
        // The line is durable: apply what it says (decoded back, so memory holds exactly
        // what a replay would).
        let applied: std::result::Result<Line, String> =
            decode(line.trim_end_matches('\n').as_bytes());
        match applied {
            Ok(l) => self.apply(l.change),
            Err(why) => {
                return Err(TaskError::Corrupt(format!(
                    "a record does not round-trip: {why}"
                )))
            }
        }
        if self.since_snapshot >= self.options.compact_after {
            self.compaction_error = self.compact().err().map(|e| e.to_string());
        }
        Ok(())
    }

    fn apply(&mut self, change: Change) {
        match change {
            Change::PutTask { task } => {
                self.tasks.insert(task.id.clone(), task);
            }
            Change::DeleteTask { id } => {
                self.tasks.remove(&id);
                if let Some(runs) = self.runs.remove(&id) {
                    for r in runs.keys() {
                        self.run_ids.remove(r);
                    }
                }
            }
            Change::PutRuns { task, runs } => {
                let mut touched = Vec::new();
                if let Some(task) = task {
                    touched.push(task.id.clone());
                    self.tasks.insert(task.id.clone(), task);
                }
                for run in runs {
                    touched.push(run.task_id.clone());
                    self.run_ids.insert(run.id.clone());
                    self.runs
                        .entry(run.task_id.clone())
                        .or_default()
                        .insert(run.id.clone(), run);
                }
                touched.sort();
                touched.dedup();
                for id in touched {
                    self.prune(&id);
                }
            }
        }
    }

    /// Drop the oldest finished runs of a task beyond the history limit.
    fn prune(&mut self, task_id: &str) {
        let Some(runs) = self.runs.get_mut(task_id) else {
            return;
        };
        let mut finished: Vec<(i64, i64, String)> = runs
            .values()
            .filter(|r| r.status.is_finished())
            .map(|r| {
                (
                    r.scheduled_for,
                    r.finished_at.unwrap_or(i64::MIN),
                    r.id.clone(),
                )
            })
            .collect();
        if finished.len() <= self.options.history_limit {
            return;
        }
        finished.sort();
        let excess = finished.len() - self.options.history_limit;
        for (_, _, id) in finished.into_iter().take(excess) {
            runs.remove(&id);
            self.run_ids.remove(&id);
        }
    }

    /// Fold the journal into a new snapshot.
    pub(crate) fn compact(&mut self) -> Result<()> {
        let snapshot = Snapshot {
            format: FORMAT,
            seq: self.seq,
            tasks: self.tasks.values().cloned().collect(),
            runs: self
                .runs
                .values()
                .flat_map(|m| m.values().cloned())
                .collect(),
        };
        let text = encode(&snapshot)?;
        replace_file(&self.dir, &self.dir.join(SNAPSHOT), text.as_bytes())?;
        let journal_path = self.dir.join(JOURNAL);
        replace_file(&self.dir, &journal_path, b"")?;
        self.journal = File::options()
            .append(true)
            .open(&journal_path)
            .map_err(io("open", &journal_path))?;
        self.journal_len = 0;
        self.since_snapshot = 0;
        Ok(())
    }

    /// A new id, unused by any task or run: 16 hexadecimal digits.
    pub(crate) fn new_id(&self) -> Result<String> {
        for _ in 0..64 {
            let mut bytes = [0u8; 8];
            getrandom::getrandom(&mut bytes)
                .map_err(|e| TaskError::Stopped(format!("no randomness for a new id: {e}")))?;
            // The top bit set: always 16 digits, never 0.
            let id = format!("{:016x}", u64::from_be_bytes(bytes) | 1 << 63);
            if !self.tasks.contains_key(&id) && !self.run_ids.contains(&id) {
                return Ok(id);
            }
        }
        Err(TaskError::Stopped("could not find an unused id".into()))
    }

    pub(crate) fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks.values()
    }

    pub(crate) fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.get(id)
    }

    /// A task's runs, in no particular order.
    pub(crate) fn runs(&self, task_id: &str) -> impl Iterator<Item = &Run> {
        self.runs.get(task_id).into_iter().flat_map(|m| m.values())
    }

    pub(crate) fn run(&self, task_id: &str, run_id: &str) -> Option<&Run> {
        self.runs.get(task_id).and_then(|m| m.get(run_id))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::{RunStatus, TaskStatus};

    const OPTIONS: StoreOptions = StoreOptions {
        compact_after: 1000,
        history_limit: 1000,
    };

    fn task(id: &str) -> Task {
        Task {
            id: id.into(),
            org_id: "o".into(),
            org: "org".into(),
            name: "t".into(),
            description: String::new(),
            owner_id: String::new(),
            authorization_id: String::new(),
            status: TaskStatus::Active,
            flux: "option task = {name: \"t\", every: 1h}\n".into(),
            every: Some("1h".into()),
            cron: None,
            offset: None,
            created_at: 0,
            updated_at: 0,
            latest_scheduled: 0,
            latest_completed: None,
            latest_success: None,
            latest_failure: None,
            last_run_status: None,
            last_run_error: None,
        }
    }

    fn run(task: &str, id: &str, at: i64, status: RunStatus) -> Run {
        Run {
            id: id.into(),
            task_id: task.into(),
            status,
            scheduled_for: at,
            requested_at: None,
            started_at: None,
            finished_at: None,
            attempts: 0,
            retry_at: None,
            error: None,
            log: Vec::new(),
        }
    }

    fn put_runs(store: &mut Store, runs: Vec<Run>) {
        store.commit(Change::PutRuns { task: None, runs }).unwrap();
    }

    #[test]
    fn changes_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut s, rec) = Store::open(dir.path(), OPTIONS).unwrap();
            assert_eq!(rec, Recovery::default());
            s.commit(Change::PutTask { task: task("a") }).unwrap();
            s.commit(Change::PutTask { task: task("b") }).unwrap();
            put_runs(&mut s, vec![run("a", "r1", 10, RunStatus::Scheduled)]);
            put_runs(&mut s, vec![run("a", "r1", 10, RunStatus::Success)]);
            s.commit(Change::DeleteTask { id: "b".into() }).unwrap();
            // A second scheduler cannot open it meanwhile.
            assert!(matches!(
                Store::open(dir.path(), OPTIONS),
                Err(TaskError::Locked(_))
            ));
        }
        let (s, rec) = Store::open(dir.path(), OPTIONS).unwrap();
        assert_eq!(rec.replayed, 5);
        assert_eq!(s.tasks().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["a"]);
        assert_eq!(s.run("a", "r1").unwrap().status, RunStatus::Success);
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_damage_before_good_lines_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut s, _) = Store::open(dir.path(), OPTIONS).unwrap();
            s.commit(Change::PutTask { task: task("a") }).unwrap();
            put_runs(&mut s, vec![run("a", "r1", 10, RunStatus::Scheduled)]);
        }
        let path = dir.path().join(JOURNAL);
        let good = std::fs::read(&path).unwrap();
        // A crash in the middle of the third line's write.
        let third = encode(&Line {
            seq: 3,
            change: Change::PutRuns {
                task: None,
                runs: vec![run("a", "r1", 10, RunStatus::Success)],
            },
        })
        .unwrap();
        let mut torn = good.clone();
        torn.extend_from_slice(&third.as_bytes()[..third.len() / 2]);
        std::fs::write(&path, &torn).unwrap();
        {
            let (mut s, rec) = Store::open(dir.path(), OPTIONS).unwrap();
            assert_eq!(rec.torn_bytes, (third.len() / 2) as u64);
            assert_eq!(rec.replayed, 2);
            assert_eq!(s.run("a", "r1").unwrap().status, RunStatus::Scheduled);
            // The file was cut back, so the next change follows a good line.
            assert_eq!(std::fs::read(&path).unwrap(), good);
            put_runs(&mut s, vec![run("a", "r1", 10, RunStatus::Failed)]);
        }
        let (s, _) = Store::open(dir.path(), OPTIONS).unwrap();
        assert_eq!(s.run("a", "r1").unwrap().status, RunStatus::Failed);
        drop(s);
        // A whole last line with a bad checksum is a torn write too.
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 3] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let (s, rec) = Store::open(dir.path(), OPTIONS).unwrap();
        assert!(rec.torn_bytes > 0);
        assert_eq!(s.run("a", "r1").unwrap().status, RunStatus::Scheduled);
        drop(s);
        // Damage in the middle is refused, naming the line.
        let mut bytes = good.clone();
        bytes[12] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        match Store::open(dir.path(), OPTIONS) {
            Err(TaskError::Corrupt(m)) => assert!(m.contains("line 1"), "{m}"),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn compaction_keeps_everything_and_a_crash_between_its_steps_replays_nothing_twice() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            compact_after: 3,
            history_limit: 1000,
        };
        {
            let (mut s, _) = Store::open(dir.path(), options).unwrap();
            s.commit(Change::PutTask { task: task("a") }).unwrap();
            put_runs(&mut s, vec![run("a", "r1", 10, RunStatus::Scheduled)]);
            put_runs(&mut s, vec![run("a", "r1", 10, RunStatus::Started)]);
            // Compacted: the journal is empty again.
            assert_eq!(std::fs::read(dir.path().join(JOURNAL)).unwrap().len(), 0);
            put_runs(&mut s, vec![run("a", "r1", 10, RunStatus::Success)]);
        }
        let journal = std::fs::read(dir.path().join(JOURNAL)).unwrap();
        {
            let (s, rec) = Store::open(dir.path(), options).unwrap();
            assert_eq!(rec.replayed, 1);
            assert_eq!(s.run("a", "r1").unwrap().status, RunStatus::Success);
        }
        // A crash after the snapshot was replaced but before the journal was emptied: the
        // old lines (sequence numbers the snapshot holds) must not be replayed over it.
        let old = [
            encode(&Line {
                seq: 2,
                change: Change::PutRuns {
                    task: None,
                    runs: vec![run("a", "r1", 10, RunStatus::Scheduled)],
                },
            })
            .unwrap(),
            String::from_utf8(journal).unwrap(),
        ]
        .concat();
        std::fs::write(dir.path().join(JOURNAL), old).unwrap();
        let (s, rec) = Store::open(dir.path(), options).unwrap();
        assert_eq!(rec.replayed, 1);
        assert_eq!(s.run("a", "r1").unwrap().status, RunStatus::Success);
    }

    #[test]
    fn history_is_pruned_oldest_finished_first() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            compact_after: 1000,
            history_limit: 2,
        };
        let (mut s, _) = Store::open(dir.path(), options).unwrap();
        s.commit(Change::PutTask { task: task("a") }).unwrap();
        put_runs(
            &mut s,
            vec![
                run("a", "r1", 10, RunStatus::Success),
                run("a", "r2", 20, RunStatus::Failed),
                run("a", "r0", 5, RunStatus::Scheduled),
                run("a", "r3", 30, RunStatus::Success),
            ],
        );
        let mut ids: Vec<&str> = s.runs("a").map(|r| r.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["r0", "r2", "r3"]);
        let id = s.new_id().unwrap();
        assert_eq!(id.len(), 16);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
