//! The byte-level scanner: which bytes form a line, and where the measurement, tags,
//! fields and timestamp of a line begin and end.
//!
//! The rules, including their oddities, are those of InfluxDB 2.7's `models` package
//! (`scanLine`, `scanKey`, `scanFields`, `walkFields`, `scanTime`), re-implemented here.
//! That parser looks at the same bytes with two notions of "escaped", and both are kept
//! because they decide which lines are accepted:
//!
//! * "previous byte is a backslash" (measurement, tags, the split of the field section
//!   into key and value, [`line_end`] never), and
//! * "a backslash and the byte after it form a pair" ([`line_end`] and the validation of
//!   the field section).
//!
//! The scanner only finds spans and validates syntax; unescaping and value conversion
//! happen in the parent module. Nothing here allocates except the scratch vectors, which
//! are reused from line to line.

use super::LineErrorKind;

/// Largest series key, and series key plus field key (plus 4), InfluxDB accepts.
pub(super) const MAX_KEY_LENGTH: usize = 65535;

/// The smallest timestamp InfluxDB stores (`math.MinInt64 + 2`).
pub(super) const MIN_NANO_TIME: i64 = i64::MIN + 2;

/// The largest timestamp InfluxDB stores (`math.MaxInt64 - 1`).
pub(super) const MAX_NANO_TIME: i64 = i64::MAX - 1;

/// A half-open byte range within one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The bytes of this span, or an empty slice if it does not lie within `buf`.
    pub fn of<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.start..self.end).unwrap_or_default()
    }
}

/// Reusable per-line storage for the spans the scanner finds.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    /// Raw tag key and value spans, in line order.
    pub tags: Vec<(Span, Span)>,
    /// Raw field key and value spans, in line order (duplicates kept).
    pub fields: Vec<(Span, Span)>,
    /// Tag indexes, sorted by raw key, for the duplicate check of long tag lists.
    order: Vec<usize>,
}

/// A line that scanned cleanly.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scanned {
    /// The raw (still escaped) measurement.
    pub measurement: Span,
    /// The timestamp in nanoseconds, if the line has one.
    pub time: Option<i64>,
}

/// Where the line starting at `start` ends: the index of the newline that ends it, or
/// `buf.len()`. A newline inside a quoted field value, or right after a backslash, does
/// not end a line.
pub(super) fn line_end(buf: &[u8], start: usize) -> usize {
    let n = buf.len();
    let mut i = start;
    let mut quoted = false;
    let mut fields = false;
    let mut equals = 0usize;
    let mut commas = 0usize;
    while let Some(&c) = buf.get(i) {
        if c == b'\\' && i + 2 < n {
            i += 2;
            continue;
        }
        if c == b' ' {
            fields = true;
        }
        if fields {
            if !quoted && c == b'=' {
                i += 1;
                equals += 1;
                continue;
            }
            if !quoted && c == b',' {
                i += 1;
                commas += 1;
                continue;
            }
            if c == b'"' && equals > commas {
                i += 1;
                quoted = !quoted;
                continue;
            }
        }
        if c == b'\n' && !quoted {
            break;
        }
        i += 1;
    }
    i.min(n)
}

/// The end of the line if it contains neither a quote nor a backslash (the common case),
/// found eight bytes at a time without the bookkeeping of [`line_end`]; `None` when the
/// full scan is needed.
pub(super) fn simple_line_end(buf: &[u8], start: usize) -> Option<usize> {
    let rest = buf.get(start..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut offset = 0;
    for chunk in chunks.by_ref() {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(bytes);
        let found = matches(word, b'\n') | matches(word, b'"') | matches(word, b'\\');
        if found != 0 {
            let at = offset + (found.trailing_zeros() / 8) as usize;
            return match rest.get(at) {
                Some(b'\n') => Some(start + at),
                _ => None,
            };
        }
        offset += 8;
    }
    for (i, &c) in chunks.remainder().iter().enumerate() {
        match c {
            b'\n' => return Some(start + offset + i),
            b'"' | b'\\' => return None,
            _ => {}
        }
    }
    Some(buf.len())
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that equals `byte`, and possibly of bytes above
/// such a byte: the lowest bit set is always a true match.
fn matches(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGH
}

/// The high bit of each byte of `word` that equals `byte`, exactly.
fn matches_exactly(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    // Per byte: the high bit of (low 7 bits + 0x7f) is set unless the byte is 0 or 0x80.
    !((x & !HIGH).wrapping_add(!HIGH & (ONES * 0x7f)) | x) & HIGH
}

/// The number of newlines in `buf`.
pub(super) fn count_newlines(buf: &[u8]) -> usize {
    let mut chunks = buf.chunks_exact(8);
    let mut count = 0;
    for chunk in chunks.by_ref() {
        if let Ok(bytes) = <[u8; 8]>::try_from(chunk) {
            count += matches_exactly(u64::from_le_bytes(bytes), b'\n').count_ones() as usize;
        }
    }
    count + chunks.remainder().iter().filter(|&&c| c == b'\n').count()
}

/// Skips spaces, tabs and NUL bytes.
pub(super) fn skip_whitespace(buf: &[u8], mut i: usize) -> usize {
    while let Some(&c) = buf.get(i) {
        if c != b' ' && c != b'\t' && c != 0 {
            break;
        }
        i += 1;
    }
    i
}

/// Scans one line (leading whitespace and the trailing newline already removed).
/// `multiplier` converts the timestamp's unit into nanoseconds. `simple` says that the
/// line has neither a backslash nor a quote, so that the field validation can also split
/// the fields (the second pass InfluxDB makes finds the same spans then).
pub(super) fn scan_point(
    buf: &[u8],
    multiplier: i64,
    simple: bool,
    scratch: &mut Scratch,
) -> Result<Scanned, LineErrorKind> {
    scratch.tags.clear();
    scratch.fields.clear();

    let (measurement, has_tags) = scan_measurement(buf)?;
    let key_end = if has_tags {
        scan_tags(buf, measurement.end + 1, &mut scratch.tags)?
    } else {
        measurement.end
    };

    for (key, _) in &scratch.tags {
        if let Some(name) = reserved_tag_key(key.of(buf)) {
            return Err(LineErrorKind::ReservedTagKey(name));
        }
    }
    if has_duplicate_keys(buf, &scratch.tags, &mut scratch.order) {
        return Err(LineErrorKind::DuplicateTags);
    }
    if key_end > MAX_KEY_LENGTH {
        return Err(LineErrorKind::MaxKeyLengthExceeded(key_end));
    }

    let fields = scan_fields(buf, key_end, simple.then_some(&mut scratch.fields))?;
    if fields.start == fields.end {
        return Err(LineErrorKind::MissingFields);
    }
    if simple {
        for (key, _) in &scratch.fields {
            let size = key_end + 4 + (key.end - key.start);
            if size > MAX_KEY_LENGTH {
                return Err(LineErrorKind::MaxKeyLengthExceeded(size));
            }
        }
    } else {
        walk_fields(buf, fields, key_end, &mut scratch.fields)?;
    }

    let (ts, ts_end) = scan_time(buf, fields.end)?;
    let time = if ts.start == ts.end {
        None
    } else {
        let value = parse_timestamp(ts.of(buf))?;
        let nanos = value
            .checked_mul(multiplier)
            .filter(|t| (MIN_NANO_TIME..=MAX_NANO_TIME).contains(t))
            .ok_or(LineErrorKind::TimeOutsideRange)?;
        if buf
            .get(ts_end..)
            .unwrap_or_default()
            .iter()
            .any(|&c| c != b' ')
        {
            return Err(LineErrorKind::PointIsInvalid);
        }
        Some(nanos)
    };
    Ok(Scanned { measurement, time })
}

/// The measurement: up to the first comma or space not preceded by a backslash. Returns
/// its span and whether tags follow.
fn scan_measurement(buf: &[u8]) -> Result<(Span, bool), LineErrorKind> {
    match buf.first() {
        None | Some(b',') => return Err(LineErrorKind::MissingMeasurement),
        Some(_) => {}
    }
    let mut i = 0;
    loop {
        i += 1;
        let Some(&c) = buf.get(i) else {
            return Err(LineErrorKind::MissingFields);
        };
        if buf[i - 1] == b'\\' {
            continue;
        }
        match c {
            b',' => return Ok((Span::new(0, i), true)),
            b' ' => return Ok((Span::new(0, i), false)),
            _ => {}
        }
    }
}

/// The tag list starting at `i` (just after the comma that ends the measurement).
/// Returns the index of the space that ends the series key.
fn scan_tags(
    buf: &[u8],
    mut i: usize,
    tags: &mut Vec<(Span, Span)>,
) -> Result<usize, LineErrorKind> {
    let unescaped = |i: usize| i == 0 || buf[i - 1] != b'\\';
    loop {
        // The key: at least one byte, up to an `=` not preceded by a backslash.
        let key_start = i;
        match buf.get(i) {
            None | Some(b' ' | b',' | b'=') => return Err(LineErrorKind::MissingTagKey),
            Some(_) => {}
        }
        loop {
            i += 1;
            let Some(&c) = buf.get(i) else {
                return Err(LineErrorKind::MissingTagValue);
            };
            if (c == b' ' || c == b',') && unescaped(i) {
                return Err(LineErrorKind::MissingTagValue);
            }
            if c == b'=' && unescaped(i) {
                break;
            }
        }
        let key = Span::new(key_start, i);
        i += 1;

        // The value: at least one byte, up to a comma or space not preceded by a
        // backslash; an `=` not preceded by a backslash is an error (but not as the
        // first byte).
        let value_start = i;
        match buf.get(i) {
            None | Some(b',' | b' ') => return Err(LineErrorKind::MissingTagValue),
            Some(_) => {}
        }
        let more = loop {
            i += 1;
            let Some(&c) = buf.get(i) else {
                return Err(LineErrorKind::MissingFields);
            };
            if !unescaped(i) {
                continue;
            }
            match c {
                b'=' => return Err(LineErrorKind::InvalidTagFormat),
                b',' => break true,
                b' ' => break false,
                _ => {}
            }
        };
        tags.push((key, Span::new(value_start, i)));
        if !more {
            return Ok(i);
        }
        i += 1;
    }
}

/// The reserved tag keys, as Go's `%q` prints them (without the quotes): InfluxDB's
/// (`_measurement`, `_field`, `time`, `\x00`, `\xff`) and the other columns every
/// query result has (`_time`, `_value`, `_start`, `_stop`), which a tag could only
/// collide with, leaving every query of the bucket failing.
fn reserved_tag_key(key: &[u8]) -> Option<&'static str> {
    match key {
        b"\xff" => Some("\\xff"),
        b"\x00" => Some("\\x00"),
        b"_field" => Some("_field"),
        b"_measurement" => Some("_measurement"),
        b"time" => Some("time"),
        b"_time" => Some("_time"),
        b"_value" => Some("_value"),
        b"_start" => Some("_start"),
        b"_stop" => Some("_stop"),
        _ => None,
    }
}

/// Whether two tags have the same raw key. Raw keys are equal exactly when the unescaped
/// keys are (each `,`, `=` and space in a raw key is preceded by a backslash, and
/// unescaping removes exactly those backslashes).
fn has_duplicate_keys(buf: &[u8], tags: &[(Span, Span)], order: &mut Vec<usize>) -> bool {
    if tags.len() < 2 {
        return false;
    }
    if tags.len() <= 16 {
        for (i, (a, _)) in tags.iter().enumerate() {
            for (b, _) in &tags[i + 1..] {
                if a.of(buf) == b.of(buf) {
                    return true;
                }
            }
        }
        return false;
    }
    order.clear();
    order.extend(0..tags.len());
    order.sort_unstable_by(|&a, &b| tags[a].0.of(buf).cmp(tags[b].0.of(buf)));
    order
        .windows(2)
        .any(|w| tags[w[0]].0.of(buf) == tags[w[1]].0.of(buf))
}

/// Validates the field section, which starts after the whitespace following `i`.
/// Returns its span (it ends at the first space outside quotes). With `split`, also
/// records the key and value spans (only right for lines without backslash and quote).
fn scan_fields(
    buf: &[u8],
    i: usize,
    mut split: Option<&mut Vec<(Span, Span)>>,
) -> Result<Span, LineErrorKind> {
    let n = buf.len();
    let start = skip_whitespace(buf, i);
    let mut i = start;
    let mut key_start = start;
    let mut quoted = false;
    let mut equals = 0usize;
    let mut commas = 0usize;
    let before = |i: usize, back: usize| i.checked_sub(back).and_then(|j| buf.get(j)).copied();

    while let Some(&c) = buf.get(i) {
        if c == b'\\' && i + 1 < n {
            i += 2;
            continue;
        }
        if c == b'"' && equals > commas {
            quoted = !quoted;
            i += 1;
            continue;
        }
        if c == b'=' && !quoted {
            equals += 1;
            let prev = before(i, 1);
            let prev2 = before(i, 2);
            if (prev == Some(b' ') || prev == Some(b',')) && prev2 != Some(b'\\') {
                return Err(LineErrorKind::MissingFieldKey);
            }
            let Some(&next) = buf.get(i + 1) else {
                return Err(LineErrorKind::MissingFieldValue);
            };
            if next == b',' || next == b' ' {
                return Err(LineErrorKind::MissingFieldValue);
            }
            let value_end = if is_numeric(next) || next == b'-' || next == b'N' || next == b'n' {
                Some(scan_number(buf, i + 1)?)
            } else if next != b'"' {
                Some(scan_boolean(buf, i + 1)?)
            } else {
                None // a string: the quote is handled by the next round
            };
            if let Some(end) = value_end {
                if let Some(split) = split.as_mut() {
                    split.push((Span::new(key_start, i), Span::new(i + 1, end)));
                }
                i = end;
                continue;
            }
        }
        if c == b',' && !quoted {
            commas += 1;
            key_start = i + 1;
        }
        if c == b' ' && !quoted {
            break;
        }
        i += 1;
    }
    if quoted {
        return Err(LineErrorKind::UnbalancedQuotes);
    }
    if equals == 0 || commas + 1 != equals {
        return Err(LineErrorKind::InvalidFieldFormat);
    }
    Ok(Span::new(start, i))
}

fn is_numeric(c: u8) -> bool {
    c.is_ascii_digit() || c == b'.'
}

/// Validates a number starting at `i`; returns the index after it.
fn scan_number(buf: &[u8], mut i: usize) -> Result<usize, LineErrorKind> {
    let n = buf.len();
    let start = i;
    let mut is_int = false;
    let mut is_unsigned = false;

    if buf.get(i) == Some(&b'-') {
        i += 1;
        if i == n {
            return Err(LineErrorKind::InvalidNumber);
        }
    }
    let mut decimal = false;
    let mut scientific = false;
    while let Some(&c) = buf.get(i) {
        if c.is_ascii_digit() {
            // None of the cases below applies to a digit.
            i += 1;
            continue;
        }
        if c == b',' || c == b' ' {
            break;
        }
        if (c == b'i' || c == b'u') && i > start && !(is_int || is_unsigned) {
            if c == b'i' {
                is_int = true;
            } else {
                is_unsigned = true;
            }
            i += 1;
            continue;
        }
        if c == b'.' {
            if decimal {
                return Err(LineErrorKind::InvalidNumber);
            }
            decimal = true;
        }
        if i > start && (c == b'e' || c == b'E') {
            scientific = true;
            i += 1;
            continue;
        }
        if (c == b'+' || c == b'-') && i > 0 && matches!(buf.get(i - 1), Some(b'e' | b'E')) {
            i += 1;
            continue;
        }
        if i + 2 < n && (c == b'N' || c == b'n') {
            return Err(LineErrorKind::InvalidNumber);
        }
        if !is_numeric(c) {
            return Err(LineErrorKind::InvalidNumber);
        }
        i += 1;
    }

    if (is_int || is_unsigned) && (decimal || scientific) {
        return Err(LineErrorKind::InvalidNumber);
    }
    let negative = buf.get(start) == Some(&b'-');
    let digits = (i - start)
        .saturating_sub(usize::from(is_int))
        .saturating_sub(usize::from(decimal))
        .saturating_sub(usize::from(negative));
    if digits == 0 {
        return Err(LineErrorKind::InvalidNumber);
    }

    let last = i.checked_sub(1).and_then(|j| buf.get(j)).copied();
    if is_int {
        if last != Some(b'i') {
            return Err(LineErrorKind::InvalidNumber);
        }
        let text = buf.get(start..i - 1).unwrap_or_default();
        if text.len() >= 19 && parse_ascii::<i64>(text).is_none() {
            return Err(LineErrorKind::IntegerOutOfRange(lossy(text)));
        }
    } else if is_unsigned {
        if last != Some(b'u') || negative {
            return Err(LineErrorKind::InvalidNumber);
        }
        let text = buf.get(start..i - 1).unwrap_or_default();
        if text.len() >= 20 && parse_ascii::<u64>(text).is_none() {
            return Err(LineErrorKind::UnsignedOutOfRange(lossy(text)));
        }
    } else {
        let text = buf.get(start..i).unwrap_or_default();
        let valid = || {
            std::str::from_utf8(text)
                .ok()
                .and_then(parse_float)
                .is_some()
        };
        if (scientific || text.len() >= 25) && !valid() {
            return Err(LineErrorKind::InvalidFloat);
        }
    }
    Ok(i)
}

/// Validates a boolean starting at `i` (`t`, `T`, `true`, `True`, `TRUE` and the same for
/// false); returns the index after it.
fn scan_boolean(buf: &[u8], i: usize) -> Result<usize, LineErrorKind> {
    let start = i;
    let first = buf.get(i).copied();
    if !matches!(first, Some(b't' | b'f' | b'T' | b'F')) {
        return Err(LineErrorKind::InvalidBoolean);
    }
    let mut i = i + 1;
    while let Some(&c) = buf.get(i) {
        if c == b',' || c == b' ' {
            break;
        }
        i += 1;
    }
    let word = buf.get(start..i).unwrap_or_default();
    if parse_bool(word).is_none() {
        return Err(LineErrorKind::InvalidBoolean);
    }
    Ok(i)
}

/// Splits the validated field section into raw key and value spans, as InfluxDB does when
/// it reads the fields back: the key ends at the first `=` not preceded by a backslash;
/// the value ends at the first comma outside quotes (only `\"` and `\\` are escapes).
/// Also applies the series-key-plus-field-key length limit.
fn walk_fields(
    buf: &[u8],
    section: Span,
    key_len: usize,
    fields: &mut Vec<(Span, Span)>,
) -> Result<(), LineErrorKind> {
    let end = section.end;
    let mut rest = section.start;
    while rest < end {
        let mut j = rest;
        while j < end {
            if buf[j] == b'=' && (j == rest || buf[j - 1] != b'\\') {
                break;
            }
            j += 1;
        }
        let key = Span::new(rest, j);
        if j - rest + 2 > end - rest {
            return Err(LineErrorKind::InvalidFieldValue(lossy(key.of(buf))));
        }
        let value_start = j + 1;
        let mut k = value_start;
        let mut quoted = false;
        while k < end {
            let c = buf[k];
            if c == b'\\' && k + 1 < end && (buf[k + 1] == b'"' || buf[k + 1] == b'\\') {
                k += 2;
                continue;
            }
            if c == b'"' {
                quoted = !quoted;
                k += 1;
                continue;
            }
            if c == b',' && !quoted {
                break;
            }
            k += 1;
        }
        let size = key_len + 4 + (j - rest);
        if size > MAX_KEY_LENGTH {
            return Err(LineErrorKind::MaxKeyLengthExceeded(size));
        }
        fields.push((key, Span::new(value_start, k.min(end))));
        rest = k + 1;
    }
    Ok(())
}

/// The optional timestamp after the field section: `-?[0-9]*` up to a space or newline.
/// Returns its span and the index after it.
fn scan_time(buf: &[u8], i: usize) -> Result<(Span, usize), LineErrorKind> {
    let start = skip_whitespace(buf, i);
    let mut i = start;
    while let Some(&c) = buf.get(i) {
        if c == b'\n' || c == b' ' {
            break;
        }
        if i == start && c == b'-' {
            i += 1;
            continue;
        }
        if !c.is_ascii_digit() {
            return Err(LineErrorKind::BadTimestamp);
        }
        i += 1;
    }
    Ok((Span::new(start, i), i))
}

/// Parses `-?[0-9]*` (what [`scan_time`] lets through) as Go's `strconv.ParseInt` would.
fn parse_timestamp(text: &[u8]) -> Result<i64, LineErrorKind> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(LineErrorKind::TimestampSyntax(lossy(text)));
    }
    if digits.len() <= 18 {
        // Cannot overflow.
        let value = digits
            .iter()
            .fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
        return Ok(if negative { -value } else { value });
    }
    // Accumulate negatively: |i64::MIN| does not fit in an i64.
    let mut value: i64 = 0;
    for &d in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_sub(i64::from(d - b'0')))
            .ok_or_else(|| LineErrorKind::TimestampOutOfRange(lossy(text)))?;
    }
    if negative {
        Ok(value)
    } else {
        value
            .checked_neg()
            .ok_or_else(|| LineErrorKind::TimestampOutOfRange(lossy(text)))
    }
}

/// Parses ASCII text with `FromStr`.
fn parse_ascii<T: std::str::FromStr>(text: &[u8]) -> Option<T> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// Parses a float as Go's `strconv.ParseFloat` does for the syntax the scanner lets
/// through: out of range (infinite) is an error; NaN and infinities are never accepted.
pub(super) fn parse_float(text: &str) -> Option<f64> {
    // Rust also accepts "inf", "nan" and a leading '+', which the scanner never passes
    // here; guard anyway so no other spelling slips through.
    if !text
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Go's `strconv.ParseBool` restricted to what the line-protocol scanner accepts.
pub(super) fn parse_bool(word: &[u8]) -> Option<bool> {
    match word {
        b"t" | b"T" | b"true" | b"True" | b"TRUE" => Some(true),
        b"f" | b"F" | b"false" | b"False" | b"FALSE" => Some(false),
        _ => None,
    }
}

fn lossy(text: &[u8]) -> String {
    String::from_utf8_lossy(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(line: &str) -> Result<Scanned, LineErrorKind> {
        let simple = !line.contains(['\\', '"']);
        let mut scratch = Scratch::default();
        let fast = scan_point(line.as_bytes(), 1, simple, &mut scratch);
        let fast_fields = scratch.fields.clone();
        let slow = scan_point(line.as_bytes(), 1, false, &mut scratch);
        assert_eq!(fast.is_ok(), slow.is_ok(), "{line}");
        if fast.is_ok() {
            assert_eq!(fast_fields, scratch.fields, "{line}");
        }
        slow
    }

    #[test]
    fn line_ends_respect_quotes_and_escapes() {
        let buf = b"cpu f=\"a\nb\" 1\ncpu v=1";
        let end = line_end(buf, 0);
        assert_eq!(&buf[..end], b"cpu f=\"a\nb\" 1");
        // A quote in a tag value does not open a string.
        let buf = b"cpu,t=\"x v=1\ncpu v=2";
        assert_eq!(line_end(buf, 0), 12);
        // A backslash keeps the newline in the line.
        let buf = b"cpu,t=x\\\ny v=1\nz";
        assert_eq!(line_end(buf, 0), 14);
        assert_eq!(simple_line_end(b"ab\ncd", 0), Some(2));
        let all: Vec<u8> = (0..=255u8)
            .chain(b"\n\n\x8a\n\x0b\n".iter().copied())
            .collect();
        for start in 0..all.len() {
            let slow = all[start..].iter().filter(|&&c| c == b'\n').count();
            assert_eq!(count_newlines(&all[start..]), slow);
        }
        assert_eq!(simple_line_end(b"a\"b\ncd", 0), None);
        for text in [
            &b"0123456789abcdef\n"[..],
            b"01234567\\\n",
            b"abc",
            b"",
            b"0123456789ab\"\n",
        ] {
            for start in 0..text.len() {
                let slow = text[start..]
                    .iter()
                    .position(|&c| matches!(c, b'\n' | b'"' | b'\\'))
                    .map_or(Some(text.len()), |i| {
                        (text[start + i] == b'\n').then_some(start + i)
                    });
                assert_eq!(simple_line_end(text, start), slow, "{text:?} from {start}");
            }
        }
    }

    #[test]
    fn numbers() {
        assert!(scan("m v=1e3,w=-1.5E-2,x=.5,y=5.,z=-0,a=01").is_ok());
        assert_eq!(scan("m v=1.1.1").err(), Some(LineErrorKind::InvalidNumber));
        assert_eq!(scan("m v=1e400").err(), Some(LineErrorKind::InvalidFloat));
        assert_eq!(scan("m v=1e").err(), Some(LineErrorKind::InvalidFloat));
        assert_eq!(scan("m v=-").err(), Some(LineErrorKind::InvalidNumber));
        assert_eq!(scan("m v=-i").err(), Some(LineErrorKind::InvalidNumber));
        assert_eq!(scan("m v=1i2").err(), Some(LineErrorKind::InvalidNumber));
        assert_eq!(scan("m v=1.5i").err(), Some(LineErrorKind::InvalidNumber));
        assert_eq!(scan("m v=nan").err(), Some(LineErrorKind::InvalidNumber));
        assert_eq!(scan("m v=n").err(), Some(LineErrorKind::InvalidNumber));
        assert_eq!(
            scan("m v=18446744073709551616u").err(),
            Some(LineErrorKind::UnsignedOutOfRange(
                "18446744073709551616".into()
            ))
        );
        assert!(scan("m v=-9223372036854775808i").is_ok());
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            scan("m v=1 -").err(),
            Some(LineErrorKind::TimestampSyntax("-".into()))
        );
        assert_eq!(
            scan("m v=1 99999999999999999999").err(),
            Some(LineErrorKind::TimestampOutOfRange(
                "99999999999999999999".into()
            ))
        );
        assert_eq!(scan("m v=1 +5").err(), Some(LineErrorKind::BadTimestamp));
        assert_eq!(parse_timestamp(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_timestamp(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_timestamp(b"-0"), Ok(0));
        assert_eq!(
            parse_timestamp(b"9223372036854775808"),
            Err(LineErrorKind::TimestampOutOfRange(
                "9223372036854775808".into()
            ))
        );
        assert_eq!(scan("m v=1 --5").err(), Some(LineErrorKind::BadTimestamp));
        assert_eq!(scan("m v=1 5").ok().and_then(|s| s.time), Some(5));
        assert_eq!(scan("m v=1").ok().map(|s| s.time), Some(None));
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 3000, failure_persistence: None, ..proptest::test_runner::Config::default()
        })]

        /// For lines without backslash and quote, splitting the fields while validating
        /// them finds what InfluxDB's second pass finds.
        #[test]
        fn one_pass_field_split_matches_the_second_pass(
            line in proptest::collection::vec(
                proptest::sample::select(b"ab ,=\t#019.-+eEiutTfFN".to_vec()),
                0..40,
            ),
            prefix in proptest::sample::select(vec!["m ", "m,t=1 ", "m f=1,", ""]),
        ) {
            let line = [prefix.as_bytes(), &line].concat();
            let mut scratch = Scratch::default();
            let fast = scan_point(&line, 1, true, &mut scratch);
            let fast_fields = scratch.fields.clone();
            let slow = scan_point(&line, 1, false, &mut scratch);
            proptest::prop_assert_eq!(fast.as_ref().err(), slow.as_ref().err());
            if slow.is_ok() {
                proptest::prop_assert_eq!(fast_fields, scratch.fields.clone());
            }
        }
    }

    #[test]
    fn field_walk_uses_previous_byte_escapes() {
        // `\\=` is a pair for the validation but "escaped" for the split.
        let mut scratch = Scratch::default();
        let line = br"m a\\=1,b=2";
        assert!(scan_point(line, 1, false, &mut scratch).is_ok());
        assert_eq!(scratch.fields.len(), 1);
        assert_eq!(scratch.fields[0].0.of(line), br"a\\=1,b");
        assert_eq!(
            scan(r"m a\\=1").err(),
            Some(LineErrorKind::InvalidFieldValue(r"a\\=1".into()))
        );
    }
}
