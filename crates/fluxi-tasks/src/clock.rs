//! The scheduler's clock: the system's, or one a test moves by hand.
//!
//! Every time the scheduler uses — when a slot is due, when a run started and finished,
//! when a retry is due, when a run passes its time limit — comes from its [`Clock`]. With
//! a [`ManualClock`], time stands still until the test moves it, and the scheduler wakes
//! when it does; nothing waits on wall time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Called when a manual clock is moved.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A source of time for the scheduler.
pub trait Clock: Send + Sync + 'static {
    /// The current time, in nanoseconds since the Unix epoch.
    fn now(&self) -> i64;

    /// How long to wait, in real time, for this clock to reach `deadline`: `None` when
    /// waiting cannot make it come (a manual clock moves only when told, and says so
    /// through [`Clock::subscribe`]).
    fn real_wait(&self, deadline: i64) -> Option<Duration>;

    /// Call `wake` whenever the clock is moved by hand (never, for the system clock).
    fn subscribe(&self, wake: Waker);
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }

    fn real_wait(&self, deadline: i64) -> Option<Duration> {
        let left = deadline.saturating_sub(self.now()).max(0);
        Some(Duration::from_nanos(u64::try_from(left).unwrap_or(0)))
    }

    fn subscribe(&self, _wake: Waker) {}
}

/// A clock that stands still until it is moved ([`ManualClock::set`],
/// [`ManualClock::advance`]); for tests.
pub struct ManualClock {
    now: Mutex<i64>,
    wakers: Mutex<Vec<Waker>>,
}

impl std::fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ManualClock({})", self.now())
    }
}

impl ManualClock {
    /// A clock showing `unix_nanos`.
    pub fn new(unix_nanos: i64) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: Mutex::new(unix_nanos),
            wakers: Mutex::new(Vec::new()),
        })
    }

    /// Move the clock to `unix_nanos`. A clock never goes back: an earlier time leaves it
    /// where it is (and returns `false`).
    pub fn set(&self, unix_nanos: i64) -> bool {
        {
            let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
            if unix_nanos < *now {
                return false;
            }
            *now = unix_nanos;
        }
        let wakers: Vec<Waker> = self
            .wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for wake in wakers {
            wake();
        }
        true
    }

    /// Move the clock forward by `nanos`.
    pub fn advance(&self, nanos: i64) {
        let to = self.now().saturating_add(nanos.max(0));
        self.set(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn real_wait(&self, deadline: i64) -> Option<Duration> {
        (deadline <= self.now()).then_some(Duration::ZERO)
    }

    fn subscribe(&self, wake: Waker) {
        self.wakers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(wake);
    }
}

/// A clock whose time is the content of a file: an RFC 3339 time or Unix nanoseconds,
/// written by another program (a test that drives a server process through simulated
/// days). Like a [`ManualClock`] it moves only when the file changes, and never back; a
/// thread looks at the file every 10 ms and wakes the subscribers when the time moved.
/// A later write that is not a valid time (or an earlier one) leaves the clock where it
/// is.
pub struct FileClock {
    path: std::path::PathBuf,
    inner: Arc<ManualClock>,
}

impl std::fmt::Debug for FileClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "FileClock({}, {})",
            self.path.display(),
            self.inner.now()
        )
    }
}

impl FileClock {
    /// A clock reading `path`, which must hold a valid time now.
    pub fn open(path: &std::path::Path) -> std::io::Result<Arc<FileClock>> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("cannot read the clock file {}: {e}", path.display()),
            )
        })?;
        let start = time_of(&text).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the clock file {} holds {:?}, not an RFC 3339 time or Unix nanoseconds",
                    path.display(),
                    text.trim()
                ),
            )
        })?;
        let clock = Arc::new(FileClock {
            path: path.to_path_buf(),
            inner: ManualClock::new(start),
        });
        let weak = Arc::downgrade(&clock);
        std::thread::Builder::new()
            .name("fluxi-file-clock".into())
            .spawn(move || {
                while let Some(c) = weak.upgrade() {
                    c.refresh();
                    drop(c);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })?;
        Ok(clock)
    }

    /// Read the file and move the clock to its time (when valid and later).
    fn refresh(&self) {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return;
        };
        if let Some(t) = time_of(&text) {
            if t > self.inner.now() {
                self.inner.set(t);
            }
        }
    }
}

/// The time a clock file holds: Unix nanoseconds or an RFC 3339 time.
fn time_of(text: &str) -> Option<i64> {
    let text = text.trim();
    text.parse::<i64>()
        .ok()
        .or_else(|| fluxi::parse_time(text).ok())
}

impl Clock for FileClock {
    fn now(&self) -> i64 {
        self.inner.now()
    }

    fn real_wait(&self, deadline: i64) -> Option<Duration> {
        self.inner.real_wait(deadline)
    }

    fn subscribe(&self, wake: Waker) {
        self.inner.subscribe(wake);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_manual_clock_moves_only_forward_and_wakes_its_subscribers() {
        let clock = ManualClock::new(100);
        let woken = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&woken);
        clock.subscribe(Arc::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }));
        assert_eq!(clock.now(), 100);
        assert_eq!(clock.real_wait(150), None);
        assert_eq!(clock.real_wait(100), Some(Duration::ZERO));
        clock.advance(50);
        assert_eq!(clock.now(), 150);
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        assert!(!clock.set(10));
        assert_eq!(clock.now(), 150);
        assert_eq!(woken.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_file_clock_follows_its_file_forward_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("now");
        assert!(FileClock::open(&path).is_err());
        std::fs::write(&path, "soon").unwrap();
        let e = FileClock::open(&path).err().unwrap().to_string();
        assert!(e.contains("not an RFC 3339 time"), "{e}");
        std::fs::write(&path, "5").unwrap();
        let clock = FileClock::open(&path).unwrap();
        assert_eq!(clock.now(), 5);
        std::fs::write(&path, "2024-01-01T00:00:00Z").unwrap();
        let want = 1_704_067_200_000_000_000;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while clock.now() != want && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(clock.now(), want);
        std::fs::write(&path, "1000").unwrap();
        std::fs::write(&path, "not a time").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(clock.now(), want);
        std::fs::write(&path, format!("{}", want + 7)).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while clock.now() != want + 7 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(clock.now(), want + 7);
    }

    #[test]
    fn the_system_clock_waits_for_the_difference() {
        let clock = SystemClock;
        let now = clock.now();
        assert!(now > 1_600_000_000_000_000_000);
        assert_eq!(clock.real_wait(now - 1), Some(Duration::ZERO));
        let wait = clock.real_wait(now + 5_000_000_000).unwrap_or_default();
        assert!(wait <= Duration::from_secs(5) && wait > Duration::from_secs(4));
    }
}
