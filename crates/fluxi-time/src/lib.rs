//! Calendar arithmetic (proleptic Gregorian, UTC) and RFC 3339 text, with no dependencies,
//! so both the syntax layer (date-time literals) and the value layer (CSV, output) share one
//! implementation.

/// Nanoseconds per second.
pub const NANOS_PER_SECOND: i64 = 1_000_000_000;

/// Days since 1970-01-01 of a date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Year, month, day of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Whether a year is a leap year.
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in a month (1-12) of a year.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// The parts of an RFC 3339 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// Seconds since the epoch, UTC.
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
    /// The UTC offset written, in seconds.
    pub offset_seconds: i32,
}

impl DateTime {
    /// Nanoseconds since the epoch, if they fit in 64 bits.
    /// Computed in 128 bits: for the earliest times (1677-09-21) the whole seconds alone
    /// are below i64's range in nanoseconds, the fraction bringing the sum back in.
    pub fn unix_nanos(&self) -> Option<i64> {
        let n = i128::from(self.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos);
        i64::try_from(n).ok()
    }
}

/// Why a date-time did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A time of day without `Z` or `±hh:mm`.
    MissingOffset,
    /// Anything else, described.
    Invalid(String),
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::MissingOffset => f.write_str("the time has no UTC offset"),
            ParseError::Invalid(m) => f.write_str(m),
        }
    }
}

/// Parse `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`.
pub fn parse_rfc3339(text: &str) -> Result<DateTime, ParseError> {
    let invalid = |m: String| Err(ParseError::Invalid(m));
    let num = |s: &str| -> Result<i64, ParseError> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::Invalid(format!("`{s}` is not a number")));
        }
        s.parse::<i64>()
            .map_err(|_| ParseError::Invalid(format!("`{s}` is not a number")))
    };
    let (date, time) = match text.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut fields = date.split('-');
    let (Some(y), Some(mo), Some(d), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return invalid(format!("`{text}` is not a date (YYYY-MM-DD)"));
    };
    let (year, month, day) = (num(y)?, num(mo)?, num(d)?);
    if !(1..=12).contains(&month) {
        return invalid(format!("month {month} is not between 1 and 12"));
    }
    let dim = days_in_month(year, month);
    if day < 1 || day > dim {
        return invalid(format!(
            "day {day} does not exist in {year:04}-{month:02}, which has {dim} days"
        ));
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    let mut nanos = 0u32;
    let mut offset_seconds = 0i32;
    if let Some(time) = time {
        let (clock, offset) = if let Some(stripped) = time.strip_suffix(['Z', 'z']) {
            (stripped, None)
        } else if let Some(i) = time.rfind(['+', '-']) {
            (&time[..i], Some(&time[i..]))
        } else {
            return Err(ParseError::MissingOffset);
        };
        let (hms, frac) = match clock.split_once('.') {
            Some((h, f)) => (h, Some(f)),
            None => (clock, None),
        };
        let mut hms_fields = hms.split(':');
        let (Some(h), Some(mi), Some(s), None) = (
            hms_fields.next(),
            hms_fields.next(),
            hms_fields.next(),
            hms_fields.next(),
        ) else {
            return invalid(format!("`{clock}` is not a time of day (hh:mm:ss)"));
        };
        let (hour, minute, second) = (num(h)?, num(mi)?, num(s)?);
        if hour > 23 || minute > 59 || second > 59 {
            return invalid(format!("{hms} is not a valid time of day"));
        }
        seconds += hour * 3600 + minute * 60 + second;
        if let Some(frac) = frac {
            if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return invalid("a `.` must be followed by fraction digits".into());
            }
            let digits = &frac[..frac.len().min(9)];
            let scale = 10u32.pow(9 - digits.len() as u32);
            nanos = digits
                .parse::<u32>()
                .map_err(|_| ParseError::Invalid("bad fraction".into()))?
                * scale;
        }
        if let Some(off) = offset {
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let Some((oh, om)) = off[1..].split_once(':') else {
                return invalid(format!("`{off}` is not an offset like +07:00"));
            };
            let (oh, om) = (num(oh)?, num(om)?);
            if oh > 23 || om > 59 {
                return invalid(format!("{off} is not a valid offset"));
            }
            offset_seconds = i32::try_from(sign * (oh * 3600 + om * 60)).unwrap_or(0);
            seconds -= i64::from(offset_seconds);
        }
    }
    Ok(DateTime {
        seconds,
        nanos,
        offset_seconds,
    })
}

/// How many fraction digits to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fraction {
    /// Nanoseconds with trailing zeros trimmed (and no `.` for whole seconds): annotated CSV.
    Trimmed,
    /// Always nine digits: the CLI's table text and string conversion.
    Nine,
}

/// "00" to "99": the two-digit numbers' text, one after another.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Format nanoseconds since the epoch as RFC 3339 in UTC.
pub fn format_rfc3339(unix_nanos: i64, fraction: Fraction) -> String {
    let mut out = String::with_capacity(30);
    write_rfc3339(&mut out, unix_nanos, fraction);
    out
}

/// Append nanoseconds since the epoch as RFC 3339 in UTC to `out` (the text of
/// [`format_rfc3339`], without allocating).
pub fn write_rfc3339(out: &mut String, unix_nanos: i64, fraction: Fraction) {
    TimeText::default().write(out, unix_nanos, fraction);
}

/// Writes RFC 3339 text of one time after another, as [`write_rfc3339`] does, keeping the
/// text of the last one's hour: times of the same hour (most of a column of times, which
/// are sorted or nearly) copy `YYYY-MM-DDTHH:` and take `MM:SS` from a table, computing
/// no date and checking no text. Result encoders keep one per table they write.
#[derive(Debug, Clone)]
pub struct TimeText {
    /// Hours since the epoch of `hour_text`, `i64::MIN` before the first time.
    hour: i64,
    /// `YYYY-MM-DDTHH:` of `hour`.
    hour_text: String,
}

impl Default for TimeText {
    fn default() -> Self {
        TimeText {
            hour: i64::MIN,
            hour_text: String::with_capacity(HOUR_TEXT),
        }
    }
}

/// The length of `YYYY-MM-DDTHH:`.
const HOUR_TEXT: usize = 14;

/// The length of each `MM:SS` in [`MINUTES_SECONDS`].
const MM_SS: usize = 5;

/// `00:00`, `00:01`, … `59:59`: the minutes and seconds of each second of an hour.
static MINUTES_SECONDS_BYTES: [u8; 3600 * MM_SS] = {
    let mut out = [0u8; 3600 * MM_SS];
    let mut s = 0;
    while s < 3600 {
        let (m, sec) = (s / 60, s % 60);
        let at = s * MM_SS;
        out[at] = b'0' + (m / 10) as u8;
        out[at + 1] = b'0' + (m % 10) as u8;
        out[at + 2] = b':';
        out[at + 3] = b'0' + (sec / 10) as u8;
        out[at + 4] = b'0' + (sec % 10) as u8;
        s += 1;
    }
    out
};

/// [`MINUTES_SECONDS_BYTES`] as text (all ASCII, so it is; the empty fallback is never
/// taken, and a slice of it that is not there would go the slow way).
static MINUTES_SECONDS: &str = match std::str::from_utf8(&MINUTES_SECONDS_BYTES) {
    Ok(s) => s,
    Err(_) => "",
};

impl TimeText {
    /// Append the RFC 3339 text of `unix_nanos` (UTC) to `out`.
    pub fn write(&mut self, out: &mut String, unix_nanos: i64, fraction: Fraction) {
        let secs = unix_nanos.div_euclid(NANOS_PER_SECOND);
        let nanos = unix_nanos.rem_euclid(NANOS_PER_SECOND);
        let hour = secs.div_euclid(3600);
        // Both in range: `rem_euclid` of a positive divisor.
        let second_of_hour = secs.rem_euclid(3600) as usize;
        if hour != self.hour && !self.set_hour(hour) {
            let days = secs.div_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            out.push_str(&format_wide_year(
                y,
                m,
                d,
                secs.rem_euclid(86_400),
                nanos,
                fraction,
            ));
            return;
        }
        // Always `YYYY-MM-DDTHH:` here: a copy of known length, not a call to `memcpy`.
        match self.hour_text.get(..HOUR_TEXT) {
            Some(hour_text) => out.push_str(hour_text),
            None => out.push_str(&self.hour_text),
        }
        let at = second_of_hour * MM_SS;
        match MINUTES_SECONDS.get(at..at + MM_SS) {
            Some(mm_ss) => out.push_str(mm_ss),
            None => out.push_str(&format!(
                "{:02}:{:02}",
                second_of_hour / 60,
                second_of_hour % 60
            )),
        }
        let width = match fraction {
            Fraction::Nine => 9,
            Fraction::Trimmed if nanos == 0 => 0,
            Fraction::Trimmed => {
                let mut w = 9;
                let mut n = nanos;
                while n % 10 == 0 {
                    n /= 10;
                    w -= 1;
                }
                w
            }
        };
        if width > 0 {
            // All nine digits, two at a time from `PAIRS`, then only `width` of them kept.
            // `PAIRS` is indexed by `(v % 100) * 2 + {0, 1}` < 200.
            let mut digits = [b'0'; 9];
            digits[0] = b'0' + (nanos / 100_000_000) as u8;
            for (k, v) in [
                nanos / 1_000_000 % 100,
                nanos / 10_000 % 100,
                nanos / 100 % 100,
                nanos % 100,
            ]
            .into_iter()
            .enumerate()
            {
                let i = v as usize * 2;
                digits[1 + 2 * k] = PAIRS[i];
                digits[2 + 2 * k] = PAIRS[i + 1];
            }
            out.push('.');
            if let Ok(text) = std::str::from_utf8(&digits[..width]) {
                out.push_str(text);
            }
        }
        out.push('Z');
    }

    /// Makes `hour_text` the text of `hour` (hours since the epoch); `false` for a year
    /// outside 0000–9999, which RFC 3339's four digits cannot hold.
    fn set_hour(&mut self, hour: i64) -> bool {
        let (y, m, d) = civil_from_days(hour.div_euclid(24));
        if !(0..=9999).contains(&y) {
            self.hour = i64::MIN;
            return false;
        }
        // Each part is in range: the year checked above, the month 1–12, the day 1–31,
        // the hour 0–23 (`rem_euclid`).
        let mut text = [0u8; 14];
        let put2 = |buf: &mut [u8], at: usize, v: i64| {
            let i = (v as usize % 100) * 2;
            buf[at] = PAIRS[i];
            buf[at + 1] = PAIRS[i + 1];
        };
        put2(&mut text, 0, y / 100);
        put2(&mut text, 2, y % 100);
        text[4] = b'-';
        put2(&mut text, 5, m);
        text[7] = b'-';
        put2(&mut text, 8, d);
        text[10] = b'T';
        put2(&mut text, 11, hour.rem_euclid(24));
        text[13] = b':';
        self.hour_text.clear();
        match std::str::from_utf8(&text) {
            Ok(t) => self.hour_text.push_str(t),
            Err(_) => return false,
        }
        self.hour = hour;
        true
    }
}

fn format_wide_year(y: i64, m: i64, d: i64, sod: i64, nanos: i64, fraction: Fraction) -> String {
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
    match fraction {
        Fraction::Nine => out.push_str(&format!(".{nanos:09}")),
        Fraction::Trimmed if nanos != 0 => {
            let f = format!("{nanos:09}");
            out.push('.');
            out.push_str(f.trim_end_matches('0'));
        }
        Fraction::Trimmed => {}
    }
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_formatter_writes_what_the_general_one_does() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..20_000 {
            // xorshift over the whole i64 range, plus times with few fraction digits.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let t = if i % 2 == 0 {
                x as i64
            } else {
                (x as i64 / 1_000_000) * 1_000
            };
            for f in [Fraction::Trimmed, Fraction::Nine] {
                let secs = t.div_euclid(NANOS_PER_SECOND);
                let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
                let general = format_wide_year(
                    y,
                    m,
                    d,
                    secs.rem_euclid(86_400),
                    t.rem_euclid(NANOS_PER_SECOND),
                    f,
                );
                assert_eq!(format_rfc3339(t, f), general, "{t}");
            }
        }
    }

    /// One `TimeText` reused over a column (sorted runs within a day, jumps across
    /// days and years, the ends of the range, before the epoch) writes what a
    /// fresh one writes for each time.
    #[test]
    fn a_reused_time_text_writes_what_a_fresh_one_does() {
        let mut x: u64 = 0x1234_5678_9abc_def1;
        let mut t: i64 = -86_400 * NANOS_PER_SECOND * 3;
        let mut reused = TimeText::default();
        for i in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t = match i % 50 {
                // Far away, now and then: to any day, or the ends of the range.
                0 => x as i64,
                1 => i64::MAX - (x % 1_000_000_000_000) as i64,
                2 => i64::MIN + (x % 1_000_000_000_000) as i64,
                // Mostly a step forward of up to an hour, sometimes back a little.
                k if k % 7 == 0 => t.saturating_sub((x % 1_000_000_000) as i64),
                _ => t.saturating_add((x % 3_600_000_000_000) as i64),
            };
            for fraction in [Fraction::Trimmed, Fraction::Nine] {
                let (mut a, mut b) = (String::new(), String::new());
                reused.write(&mut a, t, fraction);
                write_rfc3339(&mut b, t, fraction);
                assert_eq!(a, b, "{t}");
            }
        }
    }

    #[test]
    fn round_trips() {
        for (text, nanos) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2018-05-22T19:53:26Z", 1_527_018_806_000_000_000),
            ("2024-01-01T00:00:01.5Z", 1_704_067_201_500_000_000),
            ("1969-12-31T23:59:59.999999999Z", -1),
            // The extremes of i64 nanoseconds: the earliest needs its fraction to fit.
            ("1677-09-21T00:12:43.145224192Z", i64::MIN),
            ("2262-04-11T23:47:16.854775807Z", i64::MAX),
        ] {
            let dt = parse_rfc3339(text).map(|d| d.unix_nanos());
            assert_eq!(dt, Ok(Some(nanos)), "{text}");
            assert_eq!(format_rfc3339(nanos, Fraction::Trimmed), text);
        }
        assert_eq!(
            format_rfc3339(0, Fraction::Nine),
            "1970-01-01T00:00:00.000000000Z"
        );
        let off = parse_rfc3339("2018-05-22T19:53:26+07:00").map(|d| d.seconds);
        assert_eq!(off, Ok(1_527_018_806 - 7 * 3600));
        assert_eq!(
            parse_rfc3339("2019-01-01T00:00:00"),
            Err(ParseError::MissingOffset)
        );
        // One nanosecond past either extreme does not fit.
        for text in [
            "1677-09-21T00:12:43.145224191Z",
            "2262-04-11T23:47:16.854775808Z",
        ] {
            assert_eq!(
                parse_rfc3339(text).map(|d| d.unix_nanos()),
                Ok(None),
                "{text}"
            );
        }
        assert!(parse_rfc3339("2019-02-29").is_err());
        assert!(parse_rfc3339("2020-02-29").is_ok());
    }

    #[test]
    fn civil_round_trip() {
        for days in [-1_000_000, -1, 0, 1, 59, 60, 10_957, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
