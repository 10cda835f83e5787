//! Formatting points as line protocol, escaped so that [`super::parse`] reads them back.

use std::fmt::Write as _;

use super::{FieldValue, Point};

/// Formats `point` as one line of line protocol (without a trailing newline), with its
/// timestamp in nanoseconds.
///
/// Names and values are escaped per element (§1.2 of the wire notes): commas and spaces
/// everywhere, `=` in tag keys, tag values and field keys, `"` and `\` in string values;
/// a `=` or `"` in a measurement or field key is escaped only when it follows a
/// backslash, since only then would the parser drop that backslash. Tags with an empty
/// value are left out, as InfluxDB drops them from the series key.
///
/// Some points have no line-protocol form, and the line this function writes for them
/// does not read back as the same point: NaN or infinite floats, no fields, an empty
/// measurement or key, an element ending in a backslash or containing a newline, a
/// backslash directly before `,`, `=`, `"` or a space (InfluxDB's line splitter pairs
/// the two backslashes differently than its element scanner), a measurement starting
/// with `#`, a measurement or first field key starting with a tab or NUL, reserved tag
/// keys, and timestamps outside InfluxDB's range.
pub fn to_line(point: &Point) -> String {
    let mut line = String::with_capacity(64);
    write_line(&mut line, point);
    line
}

/// Appends [`to_line`]`(point)` to `out`.
pub fn write_line(out: &mut String, point: &Point) {
    escape_name(out, &point.measurement, &[',', ' '], &['=', '"']);
    for (key, value) in &point.tags {
        if value.is_empty() {
            continue;
        }
        out.push(',');
        escape_tag(out, key);
        out.push('=');
        escape_tag(out, value);
    }
    for (i, (key, value)) in point.fields.iter().enumerate() {
        out.push(if i == 0 { ' ' } else { ',' });
        escape_name(out, key, &[',', ' ', '='], &['"']);
        out.push('=');
        write_value(out, value);
    }
    out.push(' ');
    // Writing to a String cannot fail.
    let _ = write!(out, "{}", point.time);
}

/// Escapes a measurement or field key: the characters of `always` always get a
/// backslash, those of `after_backslash` only when they follow a backslash.
fn escape_name(out: &mut String, text: &str, always: &[char], after_backslash: &[char]) {
    let mut previous = '\0';
    for ch in text.chars() {
        if always.contains(&ch) || (previous == '\\' && after_backslash.contains(&ch)) {
            out.push('\\');
        }
        out.push(ch);
        previous = ch;
    }
}

fn escape_tag(out: &mut String, text: &str) {
    for ch in text.chars() {
        if matches!(ch, ',' | '=' | ' ') {
            out.push('\\');
        }
        out.push(ch);
    }
}

fn write_value(out: &mut String, value: &FieldValue) {
    match value {
        // `{:?}` is the shortest text that reads back as the same float, with an
        // exponent for very large and small magnitudes (`1e300`, `1.5e-7`), which the
        // parser accepts.
        FieldValue::Float(f) => {
            let _ = write!(out, "{f:?}");
        }
        FieldValue::Int(i) => {
            let _ = write!(out, "{i}i");
        }
        FieldValue::UInt(u) => {
            let _ = write!(out, "{u}u");
        }
        FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        FieldValue::String(s) => {
            out.push('"');
            for ch in s.chars() {
                if ch == '"' || ch == '\\' {
                    out.push('\\');
                }
                out.push(ch);
            }
            out.push('"');
        }
    }
}
