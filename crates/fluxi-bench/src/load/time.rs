//! Unix nanoseconds to and from RFC 3339 in UTC (what Flux literals and annotated CSV
//! use), for the years 1970 to 9999.

const NS: i64 = 1_000_000_000;

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of days since 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, trailing zeros of the fraction left out.
pub fn format(nanos: i64) -> String {
    let secs = nanos.div_euclid(NS);
    let frac = nanos.rem_euclid(NS);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if frac > 0 {
        s.push('.');
        s.push_str(format!("{frac:09}").trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// The nanoseconds of a `YYYY-MM-DDTHH:MM:SS[.fraction]Z` time.
pub fn parse(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    if b.len() < 20 || b.last() != Some(&b'Z') {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let frac = match &text[19..text.len() - 1] {
        "" => 0,
        f => {
            let digits = f.strip_prefix('.')?;
            if digits.is_empty() || digits.len() > 9 {
                return None;
            }
            num(20..20 + digits.len())? * 10i64.pow(9 - digits.len() as u32)
        }
    };
    let days = days_from_civil(y, mo, d);
    Some((days * 86_400 + h * 3600 + mi * 60 + s) * NS + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_go_both_ways() {
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(1_704_067_201_500_000_000), "2024-01-01T00:00:01.5Z");
        assert_eq!(
            parse("2024-01-01T00:00:01.5Z"),
            Some(1_704_067_201_500_000_000)
        );
        assert_eq!(parse("2000-02-29T00:00:00Z"), Some(951_782_400_000_000_000));
        for t in [
            0,
            1,
            951_782_400_000_000_123,
            1_704_067_200_000_000_000,
            4_102_444_800_999_999_999,
        ] {
            assert_eq!(parse(&format(t)), Some(t), "{t}");
        }
        assert_eq!(parse("2024-01-01T00:00:01.5"), None);
        assert_eq!(parse("2024-13-01T00:00:00Z"), None);
    }
}
