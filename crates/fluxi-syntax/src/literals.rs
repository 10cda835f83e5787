//! Decoding of literal tokens: integers, floats, durations and date-times.

use crate::ast::{DateTimeLit, DurationPart, DurationUnit};

/// Decode an integer literal.
pub fn parse_int(text: &str) -> Result<i64, (String, Option<String>)> {
    if text.len() > 1 && text.starts_with('0') {
        let trimmed = text.trim_start_matches('0');
        let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
        return Err((
            "an integer cannot start with 0".into(),
            Some(format!("write `{trimmed}`")),
        ));
    }
    text.parse::<i64>().map_err(|_| {
        (
            format!("{text} does not fit in a 64-bit signed integer"),
            Some(format!(
                "integers range from {} to {}; use a float (`{text}.0`) for larger magnitudes",
                i64::MIN,
                i64::MAX
            )),
        )
    })
}

/// Decode a float literal (`1.5`, `1.`, `.5`).
pub fn parse_float(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

/// Decode a duration literal such as `1h30m` or `5µs`.
pub fn parse_duration(text: &str) -> Result<Vec<DurationPart>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("expected a number in `{text}`"));
        }
        let magnitude = rest[..digits]
            .parse::<i64>()
            .map_err(|_| format!("the magnitude {} is too large", &rest[..digits]))?;
        rest = &rest[digits..];
        let units: [(&str, DurationUnit); 11] = [
            ("mo", DurationUnit::Month),
            ("ms", DurationUnit::Millisecond),
            ("us", DurationUnit::Microsecond),
            ("µs", DurationUnit::Microsecond),
            ("ns", DurationUnit::Nanosecond),
            ("y", DurationUnit::Year),
            ("w", DurationUnit::Week),
            ("d", DurationUnit::Day),
            ("h", DurationUnit::Hour),
            ("m", DurationUnit::Minute),
            ("s", DurationUnit::Second),
        ];
        let (unit_text, unit) = units
            .iter()
            .find(|(u, _)| rest.starts_with(u))
            .ok_or_else(|| format!("unknown unit in `{text}`"))?;
        rest = &rest[unit_text.len()..];
        parts.push(DurationPart {
            magnitude,
            unit: *unit,
        });
    }
    Ok(parts)
}

/// Why a date-time literal was rejected.
pub enum DateTimeError {
    /// A time of day without `Z` or `±hh:mm`.
    MissingOffset,
    /// Anything else, described.
    Invalid(String),
}

/// Decode `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`.
pub fn parse_date_time(text: &str) -> Result<DateTimeLit, DateTimeError> {
    let num = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| DateTimeError::Invalid(format!("`{s}` is not a number")))
    };
    let bad = |m: String| Err(DateTimeError::Invalid(m));
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let mut fields = date.split('-');
    let (Some(y), Some(mo), Some(d)) = (fields.next(), fields.next(), fields.next()) else {
        return bad("expected YYYY-MM-DD".into());
    };
    let (year, month, day) = (num(y)?, num(mo)?, num(d)?);
    if !(1..=12).contains(&month) {
        return bad(format!("month {month} is not between 1 and 12"));
    }
    let dim = days_in_month(year, month);
    if day < 1 || day > dim {
        return bad(format!(
            "day {day} does not exist in {year:04}-{month:02}, which has {dim} days"
        ));
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    let mut nanos = 0u32;
    let mut offset_seconds = 0i32;
    if let Some(time) = time {
        let (clock, offset) = if let Some(stripped) = time.strip_suffix('Z') {
            (stripped, None)
        } else if let Some(i) = time.rfind(['+', '-']) {
            (&time[..i], Some(&time[i..]))
        } else {
            return Err(DateTimeError::MissingOffset);
        };
        let (hms, frac) = match clock.split_once('.') {
            Some((h, f)) => (h, Some(f)),
            None => (clock, None),
        };
        let mut hms_fields = hms.split(':');
        let (Some(h), Some(mi), Some(s)) =
            (hms_fields.next(), hms_fields.next(), hms_fields.next())
        else {
            return bad("expected hh:mm:ss".into());
        };
        let (hour, minute, second) = (num(h)?, num(mi)?, num(s)?);
        if hour > 23 || minute > 59 || second > 59 {
            return bad(format!("{hms} is not a valid time of day"));
        }
        seconds += hour * 3600 + minute * 60 + second;
        if let Some(frac) = frac {
            if frac.is_empty() {
                return bad("a `.` must be followed by fraction digits".into());
            }
            let digits: String = frac.chars().take(9).collect();
            let scale = 10u32.pow(9 - digits.len() as u32);
            nanos = digits
                .parse::<u32>()
                .map_err(|_| DateTimeError::Invalid("bad fraction".into()))?
                * scale;
        }
        if let Some(off) = offset {
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let Some((oh, om)) = off[1..].split_once(':') else {
                return bad("expected an offset like +07:00".into());
            };
            let (oh, om) = (num(oh)?, num(om)?);
            if oh > 23 || om > 59 {
                return bad(format!("{off} is not a valid offset"));
            }
            offset_seconds = i32::try_from(sign * (oh * 3600 + om * 60)).unwrap_or(0);
            seconds -= i64::from(offset_seconds);
        }
    }
    Ok(DateTimeLit {
        seconds,
        nanos,
        offset_seconds,
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_offsets() {
        let t = parse_date_time("1970-01-01T00:00:00Z")
            .ok()
            .map(|t| t.seconds);
        assert_eq!(t, Some(0));
        let t = parse_date_time("2018-05-22T19:53:26+07:00").ok();
        assert_eq!(
            t.map(|t| (t.seconds, t.offset_seconds)),
            Some((1_527_018_806 - 7 * 3600, 25200))
        );
        let t = parse_date_time("2000-02-29").ok().map(|t| t.seconds);
        assert_eq!(t, Some(951_782_400));
        let t = parse_date_time("2018-05-22T19:53:26.123456789123Z")
            .ok()
            .map(|t| t.nanos);
        assert_eq!(t, Some(123_456_789));
        assert!(parse_date_time("2019-02-29").is_err());
        assert!(matches!(
            parse_date_time("2019-01-01T00:00:00"),
            Err(DateTimeError::MissingOffset)
        ));
        assert!(parse_date_time("2019-13-01").is_err());
        assert!(parse_date_time("2019-01-01T24:00:00Z").is_err());
    }

    #[test]
    fn durations() {
        let d = parse_duration("1h30m").unwrap_or_default();
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].magnitude, d[0].unit), (1, DurationUnit::Hour));
        assert_eq!((d[1].magnitude, d[1].unit), (30, DurationUnit::Minute));
        let d = parse_duration("1mo2ms5µs").unwrap_or_default();
        let units: Vec<_> = d.iter().map(|p| p.unit).collect();
        assert_eq!(
            units,
            [
                DurationUnit::Month,
                DurationUnit::Millisecond,
                DurationUnit::Microsecond
            ]
        );
        assert!(parse_duration("99999999999999999999s").is_err());
    }

    #[test]
    fn integers() {
        assert_eq!(parse_int("42").ok(), Some(42));
        assert!(parse_int("007").is_err());
        assert!(parse_int("9223372036854775808").is_err());
        assert_eq!(parse_int("0").ok(), Some(0));
    }
}
