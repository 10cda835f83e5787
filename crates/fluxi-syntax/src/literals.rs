//! Decoding of literal tokens: integers, floats, durations and date-times; and writing a
//! string as a string literal.

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

pub use fluxi_time::ParseError as DateTimeError;

/// Decode `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`.
pub fn parse_date_time(text: &str) -> Result<DateTimeLit, DateTimeError> {
    fluxi_time::parse_rfc3339(text).map(|t| DateTimeLit {
        seconds: t.seconds,
        nanos: t.nanos,
        offset_seconds: t.offset_seconds,
    })
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

/// `s` as a Flux string literal on one line: quotes, backslashes, `${`, newlines, carriage
/// returns and tabs escaped, so that parsing it gives `s` back.
pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod string_literal_tests {
    use super::string_literal;

    #[test]
    fn string_literals_parse_back_to_the_string() {
        for s in [
            "plain",
            "a \"q\" b",
            "back\\slash",
            "line\nbreak\r\ttab",
            "${not} $interp",
            "",
        ] {
            let src = format!("x = {}", string_literal(s));
            let parsed = crate::parse(&src);
            assert!(parsed.errors().next().is_none(), "{src}");
            let crate::ast::StatementKind::Variable { init, .. } = &parsed.file.body[0].kind else {
                panic!("a variable: {src}");
            };
            let crate::ast::ExprKind::String(got) = &init.kind else {
                panic!("a string: {src}");
            };
            assert_eq!(got, s, "{src}");
            assert!(!string_literal(s).contains('\n'));
        }
    }
}
