//! Cron expressions and the times they name.
//!
//! What parses (the forms InfluxDB's task cron accepts):
//!
//! * five fields, `minute hour day-of-month month day-of-week`; six, with a leading
//!   `second`; seven, with a trailing `year` (1970–2099);
//! * in each field `*`, a number, a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from `a`
//!   to the field's end), and lists of those separated by commas; `?` is `*` in the two
//!   day fields; months may be named `JAN`–`DEC` and days of the week `SUN`–`SAT` (in any
//!   case), and day of week `7` is Sunday as `0` is;
//! * the descriptors `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily`
//!   (`@midnight`), `@hourly`, and `@every D` with a duration such as `1h30m`.
//!
//! When both day fields are restricted (neither is `*` or `?`), a day matches when either
//! matches, as in Vixie cron: `0 0 1 * MON` runs on the 1st and on every Monday.
//!
//! Times are computed on the wall clock of a [`Location`] (UTC unless a task says
//! otherwise). A wall-clock time skipped by a daylight-saving change runs at the instant
//! the clock jumped (several skipped times run once there); a time that happens twice
//! when the clock goes back runs at its first instant only.
//!
//! `@every D` is not a wall-clock schedule: its times are the multiples of `D` since the
//! Unix epoch, as a task's `every: D` (whose schedule it is).

use fluxi::Location;
use std::fmt;

const NS: i64 = 1_000_000_000;

/// The latest year the year field may name, and the end of every search: times are
/// nanoseconds in an `i64`, which ends in 2262.
const MAX_YEAR: i32 = 2099;
const MIN_YEAR: i32 = 1970;

/// How many years ahead a schedule without a year field is searched for its next time
/// before it is taken to never run (the longest gap a valid expression can have is eight
/// years: February 29th across 2100, which is not a leap year).
const SEARCH_YEARS: i32 = 12;

/// Why a cron expression does not parse. The message says which field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CronError(pub String);

fn bad(message: impl Into<String>) -> CronError {
    CronError(message.into())
}

/// A parsed cron expression.
#[derive(Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    kind: Kind,
}

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    /// `@every D`: the multiples of `D` nanoseconds since the epoch.
    Every(i64),
    Fields(Box<Fields>),
}

/// The allowed values of each field as bit sets (bit `v` set when `v` is allowed).
#[derive(Clone, PartialEq, Eq)]
struct Fields {
    seconds: u64,
    minutes: u64,
    hours: u64,
    /// Days of the month, bits 1–31.
    days: u64,
    /// Months, bits 1–12.
    months: u64,
    /// Days of the week, bits 0–6 (Sunday is 0).
    weekdays: u64,
    /// Whether the day-of-month field was `*` or `?`.
    any_day: bool,
    /// Whether the day-of-week field was `*` or `?`.
    any_weekday: bool,
    /// Allowed years (1970–2099), when the expression has a year field.
    years: Option<Vec<bool>>,
}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cron({:?})", self.text)
    }
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One field's name, its range and the names its values may have.
struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const SECOND: FieldSpec = FieldSpec {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
};
const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY: FieldSpec = FieldSpec {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
};
/// Day of week: 0–7, where 7 is Sunday again.
const WEEKDAY: FieldSpec = FieldSpec {
    name: "day of week",
    min: 0,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};
const YEAR: FieldSpec = FieldSpec {
    name: "year",
    min: MIN_YEAR as u32,
    max: MAX_YEAR as u32,
    names: &[],
};

impl FieldSpec {
    fn value(&self, text: &str) -> Result<u32, CronError> {
        if let Some(at) = self.names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            // Month names start at 1, day names at 0.
            return Ok(self.min + at as u32);
        }
        let v: u32 = text.parse().map_err(|_| {
            let hint = if self.names.is_empty() {
                String::new()
            } else {
                format!(" or a name such as {}", self.names[0])
            };
            bad(format!(
                "{:?} in the {} field is not a number{hint}",
                text, self.name
            ))
        })?;
        if v < self.min || v > self.max {
            return Err(bad(format!(
                "{} {v} is out of range {}-{}",
                self.name, self.min, self.max
            )));
        }
        Ok(v)
    }

    /// The values a field's text allows, as a list of flags indexed from 0.
    fn parse(&self, text: &str, wildcard_ok: bool) -> Result<(Vec<bool>, bool), CronError> {
        let mut allowed = vec![false; self.max as usize + 1];
        let mut any = false;
        if text.is_empty() {
            return Err(bad(format!("the {} field is empty", self.name)));
        }
        for item in text.split(',') {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => {
                    let step: u32 = s.parse().map_err(|_| {
                        bad(format!(
                            "step {s:?} in the {} field is not a whole number",
                            self.name
                        ))
                    })?;
                    if step == 0 {
                        return Err(bad(format!("step 0 in the {} field", self.name)));
                    }
                    (r, Some(step))
                }
                None => (item, None),
            };
            let (start, end) = if range == "*" || (range == "?" && wildcard_ok) {
                if step.is_none() {
                    any = true;
                }
                (self.min, if self.max == 7 { 6 } else { self.max })
            } else if range == "?" {
                return Err(bad(format!(
                    "? is allowed only in the day-of-month and day-of-week fields, not in the {} field",
                    self.name
                )));
            } else if let Some((a, b)) = range.split_once('-') {
                let (a, b) = (self.value(a)?, self.value(b)?);
                if a > b {
                    return Err(bad(format!(
                        "range {range} in the {} field runs backwards",
                        self.name
                    )));
                }
                (a, b)
            } else {
                let a = self.value(range)?;
                // `a/n` runs from `a` to the field's end.
                (a, if step.is_some() { self.max } else { a })
            };
            let step = step.unwrap_or(1);
            let mut v = start;
            while v <= end {
                allowed[v as usize] = true;
                v = match v.checked_add(step) {
                    Some(n) => n,
                    None => break,
                };
            }
        }
        Ok((allowed, any))
    }

    fn bits(&self, text: &str, wildcard_ok: bool) -> Result<(u64, bool), CronError> {
        let (allowed, any) = self.parse(text, wildcard_ok)?;
        let mut bits = 0u64;
        for (v, on) in allowed.iter().enumerate() {
            if *on {
                // Day of week 7 is Sunday.
                bits |= 1 << if self.max == 7 && v == 7 { 0 } else { v };
            }
        }
        Ok((bits, any))
    }
}

/// Parse a duration of `@every`: Flux or Go units (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`,
/// `d`, `w`), such as `1h30m`. Months and years have no fixed length and are refused.
pub(crate) fn parse_fixed_duration(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("an empty duration".into());
    }
    let mut total: i64 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("{text:?} is not a duration such as 1h30m"));
        }
        let magnitude: i64 = rest[..digits]
            .parse()
            .map_err(|_| format!("{text:?} is too large a duration"))?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: i64 = match unit {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => NS,
            "m" => 60 * NS,
            "h" => 3600 * NS,
            "d" => 86_400 * NS,
            "w" => 7 * 86_400 * NS,
            "mo" | "y" => {
                return Err(format!(
                    "{text:?} has no fixed length (months and years vary); use a cron expression such as @monthly"
                ))
            }
            "" => return Err(format!("{text:?} lacks a unit after {magnitude}")),
            other => return Err(format!("{other:?} in {text:?} is not a duration unit")),
        };
        total = magnitude
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("{text:?} is too large a duration"))?;
    }
    Ok(total)
}

impl Cron {
    /// Parse a cron expression (see the module's documentation for the forms).
    pub fn parse(text: &str) -> Result<Cron, CronError> {
        let trimmed = text.trim();
        let kind = if let Some(descriptor) = trimmed.strip_prefix('@') {
            let (word, rest) = descriptor
                .split_once(char::is_whitespace)
                .unwrap_or((descriptor, ""));
            let fields = match word.to_ascii_lowercase().as_str() {
                "yearly" | "annually" => "0 0 0 1 1 *",
                "monthly" => "0 0 0 1 * *",
                "weekly" => "0 0 0 * * 0",
                "daily" | "midnight" => "0 0 0 * * *",
                "hourly" => "0 0 * * * *",
                "every" => {
                    let every = parse_fixed_duration(rest).map_err(bad)?;
                    if every < NS {
                        return Err(bad(format!(
                            "@every {} is shorter than a second",
                            rest.trim()
                        )));
                    }
                    if every % NS != 0 {
                        return Err(bad(format!(
                            "@every {} is not a whole number of seconds",
                            rest.trim()
                        )));
                    }
                    return Ok(Cron {
                        text: trimmed.to_string(),
                        kind: Kind::Every(every),
                    });
                }
                _ => {
                    return Err(bad(format!(
                        "unknown descriptor @{word}; use @yearly, @monthly, @weekly, @daily, @hourly or @every"
                    )))
                }
            };
            if !rest.trim().is_empty() {
                return Err(bad(format!("@{word} takes nothing after it")));
            }
            Kind::Fields(Box::new(Self::fields(fields)?))
        } else {
            Kind::Fields(Box::new(Self::fields(trimmed)?))
        };
        Ok(Cron {
            text: trimmed.to_string(),
            kind,
        })
    }

    fn fields(text: &str) -> Result<Fields, CronError> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let (second, rest, year) = match parts.len() {
            5 => ("0", &parts[..], None),
            6 => (parts[0], &parts[1..], None),
            7 => (parts[0], &parts[1..6], Some(parts[6])),
            n => {
                return Err(bad(format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, or 7 with a year last; found {n}"
                )))
            }
        };
        let (seconds, _) = SECOND.bits(second, false)?;
        let (minutes, _) = MINUTE.bits(rest[0], false)?;
        let (hours, _) = HOUR.bits(rest[1], false)?;
        let (days, any_day) = DAY.bits(rest[2], true)?;
        let (months, _) = MONTH.bits(rest[3], false)?;
        let (weekdays, any_weekday) = WEEKDAY.bits(rest[4], true)?;
        let years = match year {
            None => None,
            Some("*") => None,
            Some(y) => {
                let (allowed, _) = YEAR.parse(y, false)?;
                Some(allowed)
            }
        };
        let fields = Fields {
            seconds,
            minutes,
            hours,
            days,
            months,
            weekdays,
            any_day,
            any_weekday,
            years,
        };
        // A day that no month has (`30 2`, `31 4,6`) alone never matches.
        if fields.any_weekday && !fields.day_possible() {
            return Err(bad(format!(
                "{text:?} never runs: no month it names has the days it names"
            )));
        }
        Ok(fields)
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// For `@every D`, `D` in nanoseconds.
    pub fn every(&self) -> Option<i64> {
        match self.kind {
            Kind::Every(d) => Some(d),
            Kind::Fields(_) => None,
        }
    }

    /// The first time the expression names strictly after `after` (Unix nanoseconds), on
    /// the wall clock of `location`; `None` when there is none before 2100 (or within
    /// twelve years, for an expression without a year field).
    pub fn next_after(&self, after: i64, location: &Location) -> Option<i64> {
        match &self.kind {
            Kind::Every(every) => after.div_euclid(*every).checked_add(1)?.checked_mul(*every),
            Kind::Fields(f) => f.next_after(after, location),
        }
    }
}

/// The smallest set bit of `bits` at or above `from`, up to `max`.
fn next_bit(bits: u64, from: u32, max: u32) -> Option<u32> {
    if from > max || from >= 64 {
        return None;
    }
    let masked = bits & (u64::MAX << from);
    if masked == 0 {
        return None;
    }
    let v = masked.trailing_zeros();
    (v <= max).then_some(v)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Day of the week (Sunday 0) of a civil date.
fn weekday(year: i32, month: u32, day: u32) -> u32 {
    use chrono::Datelike;
    chrono::NaiveDate::from_ymd_opt(year, month, day)
        .map_or(0, |d| d.weekday().num_days_from_sunday())
}

/// A wall-clock time: civil fields, seconds resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Civil {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Civil {
    fn from_seconds(secs: i64) -> Option<Civil> {
        use chrono::{Datelike, Timelike};
        let t = chrono::DateTime::from_timestamp(secs, 0)?.naive_utc();
        Some(Civil {
            year: t.year(),
            month: t.month(),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
        })
    }

    fn seconds(&self) -> Option<i64> {
        let date = chrono::NaiveDate::from_ymd_opt(self.year, self.month, self.day)?;
        let t = date.and_hms_opt(self.hour, self.minute, self.second)?;
        Some(t.and_utc().timestamp())
    }
}

impl Fields {
    /// Whether some month the expression names has some day it names.
    fn day_possible(&self) -> bool {
        (1..=12).any(|m| {
            self.months & (1 << m) != 0
                && (1..=days_in_month(2000, m)).any(|d| self.days & (1 << d) != 0)
        })
    }

    fn year_ok(&self, year: i32) -> bool {
        match &self.years {
            None => true,
            Some(allowed) => usize::try_from(year)
                .ok()
                .and_then(|y| allowed.get(y))
                .copied()
                .unwrap_or(false),
        }
    }

    fn day_ok(&self, year: i32, month: u32, day: u32) -> bool {
        let by_day = self.days & (1 << day) != 0;
        let by_weekday = self.weekdays & (1 << weekday(year, month, day)) != 0;
        match (self.any_day, self.any_weekday) {
            (true, true) => true,
            (false, true) => by_day,
            (true, false) => by_weekday,
            (false, false) => by_day || by_weekday,
        }
    }

    /// The first wall-clock time at or after `t` that the fields allow.
    fn next_civil(&self, mut t: Civil, last_year: i32) -> Option<Civil> {
        // Each pass either returns or moves `t` to the start of a later unit, so the
        // passes are bounded by the units between `t` and `last_year`'s end.
        loop {
            if t.year > last_year {
                return None;
            }
            if !self.year_ok(t.year) {
                t = Civil {
                    year: t.year + 1,
                    month: 1,
                    day: 1,
                    hour: 0,
                    minute: 0,
                    second: 0,
                };
                continue;
            }
            match next_bit(self.months, t.month, 12) {
                Some(m) if m == t.month => {}
                Some(m) => {
                    t = Civil {
                        month: m,
                        day: 1,
                        hour: 0,
                        minute: 0,
                        second: 0,
                        ..t
                    };
                }
                None => {
                    t = Civil {
                        year: t.year + 1,
                        month: 1,
                        day: 1,
                        hour: 0,
                        minute: 0,
                        second: 0,
                    };
                    continue;
                }
            }
            let last_day = days_in_month(t.year, t.month);
            let day = (t.day..=last_day).find(|d| self.day_ok(t.year, t.month, *d));
            match day {
                Some(d) if d == t.day => {}
                Some(d) => {
                    t = Civil {
                        day: d,
                        hour: 0,
                        minute: 0,
                        second: 0,
                        ..t
                    };
                }
                None => {
                    t = next_month(t);
                    continue;
                }
            }
            match next_bit(self.hours, t.hour, 23) {
                Some(h) if h == t.hour => {}
                Some(h) => {
                    t = Civil {
                        hour: h,
                        minute: 0,
                        second: 0,
                        ..t
                    };
                }
                None => {
                    t = next_day(t);
                    continue;
                }
            }
            match next_bit(self.minutes, t.minute, 59) {
                Some(m) if m == t.minute => {}
                Some(m) => {
                    t = Civil {
                        minute: m,
                        second: 0,
                        ..t
                    };
                }
                None => {
                    t = next_hour(t);
                    continue;
                }
            }
            match next_bit(self.seconds, t.second, 59) {
                Some(s) => return Some(Civil { second: s, ..t }),
                None => {
                    t = next_minute(t);
                    continue;
                }
            }
        }
    }

    fn next_after(&self, after: i64, location: &Location) -> Option<i64> {
        let last_year = |from: i32| match self.years {
            Some(_) => MAX_YEAR,
            None => (from + SEARCH_YEARS).min(2261),
        };
        // The wall-clock second after `after`'s.
        let mut from = location.to_local(after).div_euclid(NS).checked_add(1)?;
        let horizon = last_year(Civil::from_seconds(from)?.year);
        // Each candidate is later on the wall clock than the one before; a candidate whose
        // instant is not after `after` (the clock went back) is passed over.
        for _ in 0..100_000 {
            let t = self.next_civil(Civil::from_seconds(from)?, horizon)?;
            let local = t.seconds()?;
            let utc = location.to_utc(local.checked_mul(NS)?);
            if utc > after {
                return Some(utc);
            }
            from = local.checked_add(1)?;
        }
        None
    }
}

fn next_minute(t: Civil) -> Civil {
    if t.minute >= 59 {
        next_hour(t)
    } else {
        Civil {
            minute: t.minute + 1,
            second: 0,
            ..t
        }
    }
}

fn next_hour(t: Civil) -> Civil {
    if t.hour >= 23 {
        next_day(t)
    } else {
        Civil {
            hour: t.hour + 1,
            minute: 0,
            second: 0,
            ..t
        }
    }
}

fn next_day(t: Civil) -> Civil {
    if t.day >= days_in_month(t.year, t.month) {
        next_month(t)
    } else {
        Civil {
            day: t.day + 1,
            hour: 0,
            minute: 0,
            second: 0,
            ..t
        }
    }
}

fn next_month(t: Civil) -> Civil {
    if t.month >= 12 {
        Civil {
            year: t.year + 1,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
        }
    } else {
        Civil {
            month: t.month + 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
            ..t
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn t(s: &str) -> i64 {
        fluxi::parse_time(s).unwrap()
    }

    fn show(ns: i64) -> String {
        chrono::DateTime::from_timestamp(ns.div_euclid(NS), 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    /// The next `n` times of `expr` after `from`, in UTC.
    fn next_n(expr: &str, from: &str, n: usize) -> Vec<String> {
        next_n_in(expr, from, n, &Location::UTC)
    }

    fn next_n_in(expr: &str, from: &str, n: usize, loc: &Location) -> Vec<String> {
        let cron = Cron::parse(expr).unwrap();
        let mut at = t(from);
        let mut out = Vec::new();
        for _ in 0..n {
            at = cron.next_after(at, loc).unwrap();
            out.push(show(at));
        }
        out
    }

    #[test]
    fn every_minute_and_steps() {
        assert_eq!(
            next_n("* * * * *", "2024-01-01T00:00:30Z", 2),
            ["2024-01-01T00:01:00Z", "2024-01-01T00:02:00Z"]
        );
        // Strictly after: a time on the schedule is not its own next time.
        assert_eq!(
            next_n("*/15 * * * *", "2024-01-01T00:15:00Z", 3),
            [
                "2024-01-01T00:30:00Z",
                "2024-01-01T00:45:00Z",
                "2024-01-01T01:00:00Z"
            ]
        );
        assert_eq!(
            next_n("5-20/5 3 * * *", "2024-01-01T00:00:00Z", 5),
            [
                "2024-01-01T03:05:00Z",
                "2024-01-01T03:10:00Z",
                "2024-01-01T03:15:00Z",
                "2024-01-01T03:20:00Z",
                "2024-01-02T03:05:00Z"
            ]
        );
        // `a/n` runs to the end of the field.
        assert_eq!(
            next_n("50/5 * * * *", "2024-01-01T00:00:00Z", 3),
            [
                "2024-01-01T00:50:00Z",
                "2024-01-01T00:55:00Z",
                "2024-01-01T01:50:00Z"
            ]
        );
        assert_eq!(
            next_n("0 9,17 * * *", "2024-01-01T12:00:00Z", 3),
            [
                "2024-01-01T17:00:00Z",
                "2024-01-02T09:00:00Z",
                "2024-01-02T17:00:00Z"
            ]
        );
    }

    #[test]
    fn month_ends_are_skipped_by_days_they_lack() {
        // The 31st: only months that have one.
        assert_eq!(
            next_n("0 0 31 * *", "2024-01-31T00:00:00Z", 4),
            [
                "2024-03-31T00:00:00Z",
                "2024-05-31T00:00:00Z",
                "2024-07-31T00:00:00Z",
                "2024-08-31T00:00:00Z"
            ]
        );
        // The 30th skips February, leap year or not.
        assert_eq!(
            next_n("0 12 30 * *", "2024-01-30T12:00:00Z", 2),
            ["2024-03-30T12:00:00Z", "2024-04-30T12:00:00Z"]
        );
        // Year end rolls over.
        assert_eq!(
            next_n("59 23 31 12 *", "2024-06-01T00:00:00Z", 2),
            ["2024-12-31T23:59:00Z", "2025-12-31T23:59:00Z"]
        );
    }

    #[test]
    fn leap_days() {
        assert_eq!(
            next_n("0 0 29 2 *", "2024-03-01T00:00:00Z", 3),
            [
                "2028-02-29T00:00:00Z",
                "2032-02-29T00:00:00Z",
                "2036-02-29T00:00:00Z"
            ]
        );
        // 2100 is not a leap year: none in 2097-2099.
        let cron = Cron::parse("0 0 0 29 2 * 2097-2099").unwrap();
        assert_eq!(
            cron.next_after(t("2090-01-01T00:00:00Z"), &Location::UTC),
            None
        );
        // The last day of February, either way.
        assert_eq!(
            next_n("0 0 28,29 2 *", "2023-01-01T00:00:00Z", 3),
            [
                "2023-02-28T00:00:00Z",
                "2024-02-28T00:00:00Z",
                "2024-02-29T00:00:00Z"
            ]
        );
    }

    #[test]
    fn days_of_week_and_names() {
        // 2024-01-01 is a Monday.
        assert_eq!(
            next_n("0 8 * * MON-FRI", "2024-01-05T09:00:00Z", 2),
            ["2024-01-08T08:00:00Z", "2024-01-09T08:00:00Z"]
        );
        // Sunday is 0 and 7, and names are case-insensitive.
        assert_eq!(
            next_n("0 0 * * 7", "2024-01-01T00:00:00Z", 1),
            next_n("0 0 * * sun", "2024-01-01T00:00:00Z", 1)
        );
        assert_eq!(
            next_n("0 0 * * 0", "2024-01-01T00:00:00Z", 1),
            ["2024-01-07T00:00:00Z"]
        );
        assert_eq!(
            next_n("0 0 1 jan-mar/2 *", "2024-01-02T00:00:00Z", 2),
            ["2024-03-01T00:00:00Z", "2025-01-01T00:00:00Z"]
        );
        // Both day fields restricted: either matches.
        assert_eq!(
            next_n("0 0 13 * FRI", "2024-09-01T00:00:00Z", 4),
            [
                "2024-09-06T00:00:00Z",
                "2024-09-13T00:00:00Z",
                "2024-09-20T00:00:00Z",
                "2024-09-27T00:00:00Z"
            ]
        );
        // `?` is a wildcard in the day fields.
        assert_eq!(
            next_n("0 0 ? * 1", "2024-01-01T00:00:00Z", 1),
            ["2024-01-08T00:00:00Z"]
        );
    }

    #[test]
    fn seconds_and_years() {
        assert_eq!(
            next_n("*/20 * * * * *", "2024-01-01T00:00:00Z", 3),
            [
                "2024-01-01T00:00:20Z",
                "2024-01-01T00:00:40Z",
                "2024-01-01T00:01:00Z"
            ]
        );
        assert_eq!(
            next_n("0 0 0 1 1 * 2030", "2024-01-01T00:00:00Z", 1),
            ["2030-01-01T00:00:00Z"]
        );
        let once = Cron::parse("0 0 0 1 1 * 2030").unwrap();
        assert_eq!(
            once.next_after(t("2030-01-01T00:00:00Z"), &Location::UTC),
            None
        );
    }

    #[test]
    fn descriptors() {
        let from = "2024-02-15T10:30:00Z";
        assert_eq!(next_n("@hourly", from, 1), ["2024-02-15T11:00:00Z"]);
        assert_eq!(
            next_n("@daily", from, 2),
            ["2024-02-16T00:00:00Z", "2024-02-17T00:00:00Z"]
        );
        assert_eq!(next_n("@midnight", from, 1), ["2024-02-16T00:00:00Z"]);
        // 2024-02-18 is a Sunday.
        assert_eq!(next_n("@weekly", from, 1), ["2024-02-18T00:00:00Z"]);
        assert_eq!(next_n("@monthly", from, 1), ["2024-03-01T00:00:00Z"]);
        assert_eq!(next_n("@yearly", from, 1), ["2025-01-01T00:00:00Z"]);
        assert_eq!(next_n("@annually", from, 1), ["2025-01-01T00:00:00Z"]);
        assert_eq!(next_n("@DAILY", from, 1), ["2024-02-16T00:00:00Z"]);
    }

    #[test]
    fn every_is_multiples_of_the_duration_since_the_epoch() {
        assert_eq!(
            next_n("@every 1h", "2024-02-15T02:30:00Z", 2),
            ["2024-02-15T03:00:00Z", "2024-02-15T04:00:00Z"]
        );
        assert_eq!(
            next_n("@every 1h30m", "1970-01-01T00:00:00Z", 3),
            [
                "1970-01-01T01:30:00Z",
                "1970-01-01T03:00:00Z",
                "1970-01-01T04:30:00Z"
            ]
        );
        // A day is a multiple of 24 h since the epoch: midnight UTC, whatever the location.
        let paris = Location::new("Europe/Paris", 0).unwrap();
        assert_eq!(
            next_n_in("@every 1d", "2024-07-01T12:00:00Z", 1, &paris),
            ["2024-07-02T00:00:00Z"]
        );
        assert_eq!(Cron::parse("@every 90s").unwrap().every(), Some(90 * NS));
        // Before the epoch too.
        let every = Cron::parse("@every 1h").unwrap();
        assert_eq!(every.next_after(-1, &Location::UTC), Some(0));
    }

    #[test]
    fn locations_and_daylight_saving() {
        let ny = Location::new("America/New_York", 0).unwrap();
        // 02:00 in New York is 07:00Z in winter and 06:00Z in summer.
        assert_eq!(
            next_n_in("0 2 * * *", "2024-01-10T00:00:00Z", 1, &ny),
            ["2024-01-10T07:00:00Z"]
        );
        assert_eq!(
            next_n_in("0 2 * * *", "2024-07-10T00:00:00Z", 1, &ny),
            ["2024-07-10T06:00:00Z"]
        );
        // Spring forward, 2024-03-10: 02:30 does not exist, so it runs at the jump
        // (03:00 EDT = 07:00Z), once.
        assert_eq!(
            next_n_in("30 2 * * *", "2024-03-09T12:00:00Z", 3, &ny),
            [
                "2024-03-10T07:00:00Z",
                "2024-03-11T06:30:00Z",
                "2024-03-12T06:30:00Z"
            ]
        );
        // Every 15 minutes across the gap: the skipped times run once at the jump.
        assert_eq!(
            next_n_in("*/15 * * * *", "2024-03-10T06:40:00Z", 4, &ny),
            [
                "2024-03-10T06:45:00Z",
                "2024-03-10T07:00:00Z",
                "2024-03-10T07:15:00Z",
                "2024-03-10T07:30:00Z"
            ]
        );
        // Fall back, 2024-11-03: 01:30 happens twice (05:30Z and 06:30Z); it runs once.
        assert_eq!(
            next_n_in("30 1 * * *", "2024-11-02T12:00:00Z", 2, &ny),
            ["2024-11-03T05:30:00Z", "2024-11-04T06:30:00Z"]
        );
        // Hourly across the fall-back: the repeated hour is not run again, and the times
        // keep increasing.
        assert_eq!(
            next_n_in("0 * * * *", "2024-11-03T04:30:00Z", 3, &ny),
            [
                "2024-11-03T05:00:00Z",
                "2024-11-03T07:00:00Z",
                "2024-11-03T08:00:00Z"
            ]
        );
        // From inside the repeated hour's second pass, the next time is still later.
        assert_eq!(
            next_n_in("*/30 * * * *", "2024-11-03T06:10:00Z", 2, &ny),
            ["2024-11-03T07:00:00Z", "2024-11-03T07:30:00Z"]
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let err = |s: &str| Cron::parse(s).unwrap_err().to_string();
        assert!(
            err("* * * *").contains("expected 5 fields"),
            "{}",
            err("* * * *")
        );
        assert!(err("61 * * * *").contains("minute 61 is out of range 0-59"));
        assert!(err("* 24 * * *").contains("hour 24 is out of range 0-23"));
        assert!(err("* * 0 * *").contains("day of month 0 is out of range 1-31"));
        assert!(err("* * * 13 *").contains("month 13 is out of range 1-12"));
        assert!(err("* * * * 8").contains("day of week 8 is out of range 0-7"));
        assert!(err("* * * FOO *").contains("\"FOO\" in the month field is not a number"));
        assert!(err("*/0 * * * *").contains("step 0"));
        assert!(err("5-2 * * * *").contains("runs backwards"));
        assert!(err("? * * * *").contains("? is allowed only"));
        assert!(err("@fortnightly").contains("unknown descriptor @fortnightly"));
        assert!(err("@every 500ms").contains("shorter than a second"));
        assert!(err("@every 1500ms").contains("whole number of seconds"));
        assert!(err("@every 1mo").contains("no fixed length"));
        assert!(err("@every").contains("empty duration"));
        assert!(err("@every 5x").contains("not a duration unit"));
        assert!(err("@daily 5").contains("takes nothing after it"));
        assert!(err("0 0 30 2 *").contains("never runs"));
        assert!(err("0 0 0 1 1 * 1969").contains("year 1969 is out of range"));
        // A day no month has, but with a weekday too, still runs on the weekday.
        assert!(Cron::parse("0 0 30 2 MON").is_ok());
    }

    #[test]
    fn fixed_durations() {
        assert_eq!(parse_fixed_duration("1h30m"), Ok(5400 * NS));
        assert_eq!(parse_fixed_duration("2d"), Ok(2 * 86_400 * NS));
        assert_eq!(parse_fixed_duration("1w"), Ok(7 * 86_400 * NS));
        assert_eq!(parse_fixed_duration("1s500ms"), Ok(1_500_000_000));
        assert!(parse_fixed_duration("99999999999999999999h").is_err());
        assert!(parse_fixed_duration("h").is_err());
        assert!(parse_fixed_duration("10").is_err());
    }
}
