//! Which scheduled times of a task are due: after its checkpoint, with `T + offset` not
//! after now, at most the catch-up limit of them (the latest), the older ones skipped.
//!
//! For `every` the times are computed, not enumerated. For cron the latest times are
//! found by looking back from now in windows that double (each probe reads at most
//! `limit` times), so the work does not grow with the length of a downtime; the skipped
//! times before that window are counted up to [`COUNT_CAP`] and then reported as "more
//! than" that many.

use crate::model::rfc3339;
use crate::options::{Schedule, TaskOptions};
use std::collections::VecDeque;

/// Skipped times are counted one by one up to this many.
pub(crate) const COUNT_CAP: u64 = 100_000;

/// Times skipped for the catch-up limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Skipped {
    /// How many (or, when not `exact`, at least how many).
    pub count: u64,
    /// Whether `count` is exact.
    pub exact: bool,
    /// The first skipped time.
    pub first: i64,
    /// The last skipped time, when known.
    pub last: Option<i64>,
}

impl Skipped {
    /// The log line of the first run after the skipped times.
    pub(crate) fn message(&self, limit: usize, first_kept: i64) -> String {
        let count = if self.exact {
            format!("{}", self.count)
        } else {
            format!("more than {}", self.count)
        };
        let plural = if self.exact && self.count == 1 {
            ""
        } else {
            "s"
        };
        let until = match self.last {
            Some(last) => format!("to {}", rfc3339(last)),
            None => format!("to before {}", rfc3339(first_kept)),
        };
        format!(
            "skipped {count} scheduled run{plural} from {} {until}: more than the catch-up limit of {limit} were due at once",
            rfc3339(self.first)
        )
    }
}

/// The due times (at most `limit`, oldest first) and what was skipped.
pub(crate) fn due_slots(
    options: &TaskOptions,
    checkpoint: i64,
    now: i64,
    limit: usize,
) -> (Vec<i64>, Option<Skipped>) {
    let end = now.saturating_sub(options.offset);
    let limit = limit.max(1);
    if end <= checkpoint {
        return (Vec::new(), None);
    }
    match &options.schedule {
        Schedule::Every { nanos, .. } => every_due(*nanos, checkpoint, end, limit),
        Schedule::Cron { .. } => cron_due(&options.schedule, checkpoint, end, limit),
    }
}

/// Multiples of `every` in (checkpoint, end].
fn every_due(every: i64, checkpoint: i64, end: i64, limit: usize) -> (Vec<i64>, Option<Skipped>) {
    let count = end.div_euclid(every) - checkpoint.div_euclid(every);
    if count <= 0 {
        return (Vec::new(), None);
    }
    let first = (checkpoint.div_euclid(every) + 1).saturating_mul(every);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let (kept_from, skipped) = if count > limit {
        let n = count - limit;
        let last = first.saturating_add((n - 1).saturating_mul(every));
        (
            last.saturating_add(every),
            Some(Skipped {
                count: u64::try_from(n).unwrap_or(u64::MAX),
                exact: true,
                first,
                last: Some(last),
            }),
        )
    } else {
        (first, None)
    };
    let kept = (0..count.min(limit))
        .map(|i| kept_from.saturating_add(i.saturating_mul(every)))
        .collect();
    (kept, skipped)
}

/// How many times of `schedule` are in (from, to], counting up to `cap`.
fn count_upto(schedule: &Schedule, from: i64, to: i64, cap: usize) -> usize {
    let mut n = 0;
    let mut at = from;
    while n < cap {
        match schedule.next_after(at) {
            Some(next) if next <= to => {
                n += 1;
                at = next;
            }
            _ => break,
        }
    }
    n
}

fn cron_due(
    schedule: &Schedule,
    checkpoint: i64,
    end: i64,
    limit: usize,
) -> (Vec<i64>, Option<Skipped>) {
    // A window (start, end] that holds at least `limit` times, or reaches the checkpoint.
    let mut back: i64 = 1_000_000_000;
    let start = loop {
        let s = end.saturating_sub(back).max(checkpoint);
        if s == checkpoint || count_upto(schedule, s, end, limit) >= limit {
            break s;
        }
        back = back.saturating_mul(2);
    };
    // The window's times: the last `limit` are due, the ones before them skipped.
    let mut kept: VecDeque<i64> = VecDeque::new();
    let mut skipped: Option<Skipped> = None;
    let mut at = start;
    while let Some(next) = schedule.next_after(at) {
        if next > end {
            break;
        }
        kept.push_back(next);
        if kept.len() > limit {
            if let Some(dropped) = kept.pop_front() {
                match &mut skipped {
                    None => {
                        skipped = Some(Skipped {
                            count: 1,
                            exact: true,
                            first: dropped,
                            last: Some(dropped),
                        })
                    }
                    Some(s) => {
                        s.count += 1;
                        s.last = Some(dropped);
                    }
                }
            }
        }
        at = next;
    }
    if start == checkpoint {
        return (kept.into(), skipped);
    }
    // Times in (checkpoint, start] are skipped too.
    let mut before: Option<Skipped> = None;
    let mut at = checkpoint;
    while let Some(next) = schedule.next_after(at) {
        if next > start {
            break;
        }
        match &mut before {
            None => {
                before = Some(Skipped {
                    count: 1,
                    exact: true,
                    first: next,
                    last: Some(next),
                })
            }
            Some(b) => {
                b.count += 1;
                b.last = Some(next);
                if b.count >= COUNT_CAP {
                    let more = schedule.next_after(next).is_some_and(|n| n <= start);
                    if more {
                        b.exact = false;
                        b.last = None;
                    }
                    break;
                }
            }
        }
        at = next;
    }
    let merged = match (before, skipped) {
        (None, s) => s,
        (Some(b), None) => Some(b),
        (Some(b), Some(s)) => Some(Skipped {
            count: b.count + s.count,
            exact: b.exact,
            first: b.first,
            last: s.last,
        }),
    };
    (kept.into(), merged)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const S: i64 = 1_000_000_000;
    const H: i64 = 3600 * S;

    fn options(record: &str) -> TaskOptions {
        TaskOptions::from_script(&format!("option task = {record}\n")).unwrap()
    }

    fn skip(count: u64, first: i64, last: i64) -> Option<Skipped> {
        Some(Skipped {
            count,
            exact: true,
            first,
            last: Some(last),
        })
    }

    #[test]
    fn due_slots_of_every() {
        let o = options(r#"{name: "a", every: 1h, offset: 5m}"#);
        let m5 = 5 * 60 * S;
        // Created at 2:30: nothing due until 3:05.
        assert_eq!(
            due_slots(&o, 2 * H + H / 2, 3 * H + m5 - 1, 10),
            (vec![], None)
        );
        assert_eq!(
            due_slots(&o, 2 * H + H / 2, 3 * H + m5, 10),
            (vec![3 * H], None)
        );
        // The checkpoint's own time is not due again.
        assert_eq!(due_slots(&o, 3 * H, 4 * H, 10), (vec![], None));
        // Five due, a limit of 2: the latest two run, three are skipped.
        assert_eq!(
            due_slots(&o, 0, 5 * H + m5, 2),
            (vec![4 * H, 5 * H], skip(3, H, 3 * H))
        );
    }

    #[test]
    fn cron_and_every_agree() {
        let every = options(r#"{name: "a", every: 1h}"#);
        let cron = options(r#"{name: "a", cron: "0 * * * *"}"#);
        let at_every = options(r#"{name: "a", cron: "@every 1h"}"#);
        for (from, to, limit) in [
            (0, 10 * H, 100),
            (H / 2, 7 * H + 1, 3),
            (5, 5, 1),
            (0, 3 * H, 3),
            (0, 3 * H, 2),
            (-H, 400 * H, 1),
            (7 * S, 1000 * H + 17, 64),
        ] {
            let want = due_slots(&every, from, to, limit);
            assert_eq!(
                due_slots(&cron, from, to, limit),
                want,
                "{from} {to} {limit}"
            );
            assert_eq!(
                due_slots(&at_every, from, to, limit),
                want,
                "{from} {to} {limit}"
            );
        }
    }

    #[test]
    fn a_long_downtime_of_a_dense_cron_is_not_enumerated_whole() {
        // Every second, down for a year: the latest three run; the skipped ones are
        // counted up to the cap.
        let o = options(r#"{name: "a", cron: "* * * * * *"}"#);
        let year = 365 * 24 * H;
        let (kept, skipped) = due_slots(&o, 0, year, 3);
        assert_eq!(kept, [year - 2 * S, year - S, year]);
        let skipped = skipped.unwrap();
        assert!(!skipped.exact);
        assert_eq!(skipped.first, S);
        // The last skipped is known from the window looked at last.
        assert_eq!(skipped.last, Some(year - 3 * S));
        assert!(skipped.count >= COUNT_CAP);
        assert_eq!(
            skipped.message(3, year - 2 * S),
            format!(
                "skipped more than {} scheduled runs from 1970-01-01T00:00:01Z to 1970-12-31T23:59:57Z: more than the catch-up limit of 3 were due at once",
                skipped.count
            )
        );
        // Without it, the line names the first time that runs.
        let unknown = Skipped {
            last: None,
            ..skipped
        };
        assert!(unknown
            .message(3, year - 2 * S)
            .contains("to before 1970-12-31T23:59:58Z"));
        // An exact count when there are fewer.
        let (kept, skipped) = due_slots(&o, 0, 1000 * S, 10);
        assert_eq!(kept.len(), 10);
        assert_eq!(skipped, skip(990, S, 990 * S));
        assert_eq!(
            skipped.unwrap().message(10, 991 * S),
            "skipped 990 scheduled runs from 1970-01-01T00:00:01Z to 1970-01-01T00:16:30Z: more than the catch-up limit of 10 were due at once"
        );
        // Sparse times far apart: the window grows until it holds them.
        let yearly = options(r#"{name: "a", cron: "@yearly"}"#);
        let (kept, skipped) = due_slots(&yearly, 0, 30 * year, 2);
        // 1971 to 1999 (30 × 365 days from 1970 end in December 1999).
        let day = 24 * H;
        assert_eq!(kept, [10227 * day, 10592 * day]);
        assert_eq!(rfc3339(kept[1]), "1999-01-01T00:00:00Z");
        let skipped = skipped.unwrap();
        assert_eq!((skipped.count, skipped.exact), (27, true));
        assert_eq!(rfc3339(skipped.first), "1971-01-01T00:00:00Z");
        assert_eq!(rfc3339(skipped.last.unwrap()), "1997-01-01T00:00:00Z");
    }
}
