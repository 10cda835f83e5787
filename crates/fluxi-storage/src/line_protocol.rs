//! InfluxDB line protocol, parsed exactly as InfluxDB OSS 2.7 parses it.
//!
//! ```text
//! measurement[,tagkey=tagvalue...] fieldkey=fieldvalue[,fieldkey=fieldvalue...] [timestamp]
//! ```
//!
//! The rules follow `../shared/design/influxdb-wire.md` §1 and the 2.7 parser it was
//! established from, oddities included: which lines are accepted, the reason text of
//! every rejection (§1.9), escaping per element (§1.2), the types of field values (§1.3),
//! reserved tag keys (§1.4), timestamps and precision (§1.5) and duplicate points (§1.6).
//!
//! Two entry points:
//!
//! * [`parse`] returns owned, canonical [`Point`]s: tags and fields sorted by key, a field
//!   repeated on a line keeps its last value, and points with the same series and time
//!   are merged field by field, the later line winning.
//! * [`parse_batch`] is the ingest fast path. It returns a [`Batch`] that borrows the
//!   input: names without escapes and string values without escapes are not copied, and
//!   the points of a batch share three vectors, so a line costs no allocation of its own.
//!   Points are kept in line order, unmerged, with fields as written (see [`PointRef`]).
//!
//! Either way a batch is all or nothing: if any line is bad, the result is a
//! [`LineProtocolError`] listing every bad line with its line number and reason, and no
//! point. An empty batch, or one of comments and blank lines only, is a valid batch of no
//! points.
//!
//! Where fluxi departs from InfluxDB (both on purpose):
//!
//! * Names and string values must be UTF-8; a line that is otherwise valid but is not
//!   gets the reason `invalid UTF-8`. (InfluxDB stores the bytes as they are.)
//! * [`ParseOptions::accept_crlf`] can strip a carriage return before the newline.
//!   It is off by default, as in InfluxDB, where `cpu v=1\r\n` is `invalid number`.
//!
//! A field named `time` parses (InfluxDB's parser accepts it too); the storage layer has
//! to refuse or drop it, as §1.3 describes.

mod scan;
mod write;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

pub use write::{to_line, write_line};

use scan::{Scanned, Scratch, Span};

/// The unit of the timestamps in a batch (the `precision` parameter of `/api/v2/write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Precision {
    /// `ns`, the default.
    #[default]
    Nanoseconds,
    /// `us`.
    Microseconds,
    /// `ms`.
    Milliseconds,
    /// `s`.
    Seconds,
}

impl Precision {
    /// Nanoseconds per unit.
    pub const fn multiplier(self) -> i64 {
        match self {
            Precision::Nanoseconds => 1,
            Precision::Microseconds => 1_000,
            Precision::Milliseconds => 1_000_000,
            Precision::Seconds => 1_000_000_000,
        }
    }

    /// The parameter spelling: `ns`, `us`, `ms` or `s`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Precision::Nanoseconds => "ns",
            Precision::Microseconds => "us",
            Precision::Milliseconds => "ms",
            Precision::Seconds => "s",
        }
    }

    /// Rounds a time in nanoseconds down to a whole unit, as InfluxDB does with the time
    /// it gives points that have none.
    pub fn truncate(self, nanos: i64) -> i64 {
        let m = self.multiplier();
        nanos.checked_sub(nanos.rem_euclid(m)).unwrap_or(nanos)
    }

    /// The precision of a write request: absent or empty means nanoseconds, as in
    /// InfluxDB; the 1.x spellings `n`, `u`, `m`, `h` are refused.
    pub fn from_query_param(param: Option<&str>) -> Result<Precision, InvalidPrecision> {
        match param {
            None | Some("") => Ok(Precision::Nanoseconds),
            Some(text) => text.parse(),
        }
    }
}

impl FromStr for Precision {
    type Err = InvalidPrecision;

    fn from_str(text: &str) -> Result<Precision, InvalidPrecision> {
        match text {
            "ns" => Ok(Precision::Nanoseconds),
            "us" => Ok(Precision::Microseconds),
            "ms" => Ok(Precision::Milliseconds),
            "s" => Ok(Precision::Seconds),
            other => Err(InvalidPrecision(other.to_owned())),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A precision other than `ns`, `us`, `ms` or `s` (the rejected text is kept). The message
/// is InfluxDB's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid precision; valid precision units are ns, us, ms, and s")]
pub struct InvalidPrecision(pub String);

impl miette::Diagnostic for InvalidPrecision {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("fluxi::storage::invalid_precision"))
    }
}

/// The value of a field; the syntax decides the type (§1.3).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A bare number: `1`, `-1.5`, `1e3`.
    Float(f64),
    /// `123i`.
    Int(i64),
    /// `123u`.
    UInt(u64),
    /// `"text"`.
    String(String),
    /// `t`, `true`, `F`, `FALSE`, ...
    Bool(bool),
}

impl FieldValue {
    /// The type's name as InfluxDB spells it in type-conflict messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldValue::Float(_) => "float",
            FieldValue::Int(_) => "integer",
            FieldValue::UInt(_) => "unsigned",
            FieldValue::String(_) => "string",
            FieldValue::Bool(_) => "boolean",
        }
    }
}

/// Field values from Rust values (for building points in code): floats, signed and
/// unsigned integers, booleans and strings. An integer literal without a suffix is an
/// `i32`, so it becomes an [`FieldValue::Int`].
macro_rules! field_value_from {
    ($($t:ty => $variant:ident($conv:expr)),* $(,)?) => {
        $(impl From<$t> for FieldValue {
            fn from(v: $t) -> Self {
                FieldValue::$variant($conv(v))
            }
        })*
    };
}

field_value_from! {
    f64 => Float(|v| v),
    f32 => Float(f64::from),
    i64 => Int(|v| v),
    i32 => Int(i64::from),
    u64 => UInt(|v| v),
    u32 => UInt(u64::from),
    bool => Bool(|v| v),
    String => String(|v| v),
    &str => String(str::to_string),
    &String => String(String::clone),
}

/// A field value that borrows its string from the input when it can.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValueRef<'a> {
    /// A bare number.
    Float(f64),
    /// `123i`.
    Int(i64),
    /// `123u`.
    UInt(u64),
    /// `"text"`, unescaped.
    String(Cow<'a, str>),
    /// A boolean.
    Bool(bool),
}

impl FieldValueRef<'_> {
    /// An owned copy.
    pub fn to_owned_value(&self) -> FieldValue {
        match self {
            FieldValueRef::Float(f) => FieldValue::Float(*f),
            FieldValueRef::Int(i) => FieldValue::Int(*i),
            FieldValueRef::UInt(u) => FieldValue::UInt(*u),
            FieldValueRef::String(s) => FieldValue::String(s.clone().into_owned()),
            FieldValueRef::Bool(b) => FieldValue::Bool(*b),
        }
    }
}

/// One point: a series (measurement and tag set) with field values at one time.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The measurement, unescaped.
    pub measurement: String,
    /// The tags, unescaped, sorted by key (byte order), keys unique.
    pub tags: Vec<(String, String)>,
    /// The fields, unescaped, sorted by key (byte order), keys unique.
    pub fields: Vec<(String, FieldValue)>,
    /// Nanoseconds since the Unix epoch.
    pub time: i64,
}

impl Point {
    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.tags[i].1.as_str())
    }

    /// The value of field `key`.
    pub fn field(&self, key: &str) -> Option<&FieldValue> {
        self.fields
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| &self.fields[i].1)
    }
}

/// A point of a [`Batch`], borrowing from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointRef<'b> {
    /// The measurement, unescaped.
    pub measurement: &'b str,
    /// The tags, unescaped, sorted by key, keys unique.
    pub tags: &'b [(Cow<'b, str>, Cow<'b, str>)],
    /// The fields, unescaped, in line order. A key written twice on the line appears
    /// twice; the later value is the one that counts.
    pub fields: &'b [(Cow<'b, str>, FieldValueRef<'b>)],
    /// Nanoseconds since the Unix epoch.
    pub time: i64,
}

impl PointRef<'_> {
    /// The owned, canonical point: fields sorted by key, the last value of a repeated
    /// key kept.
    pub fn to_point(&self) -> Point {
        let mut fields: Vec<(String, FieldValue)> = self
            .fields
            .iter()
            .map(|(k, v)| (k.clone().into_owned(), v.to_owned_value()))
            .collect();
        if !fields.windows(2).all(|w| w[0].0 < w[1].0) {
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            fields.dedup_by(|later, earlier| {
                if later.0 == earlier.0 {
                    std::mem::swap(later, earlier);
                    true
                } else {
                    false
                }
            });
        }
        Point {
            measurement: self.measurement.to_owned(),
            tags: self
                .tags
                .iter()
                .map(|(k, v)| (k.clone().into_owned(), v.clone().into_owned()))
                .collect(),
            fields,
            time: self.time,
        }
    }
}

#[derive(Debug, Clone)]
struct Slot<'a> {
    measurement: Cow<'a, str>,
    tags: Range<usize>,
    fields: Range<usize>,
    time: i64,
}

/// The points of a valid batch, borrowing names and strings from the input where no
/// unescaping was needed. Points are in line order and not merged.
#[derive(Debug, Clone, Default)]
pub struct Batch<'a> {
    points: Vec<Slot<'a>>,
    tags: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    fields: Vec<(Cow<'a, str>, FieldValueRef<'a>)>,
}

impl<'a> Batch<'a> {
    /// The number of points (lines that are not blank or comments).
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether the batch has no point.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The `i`th point.
    pub fn get(&self, i: usize) -> Option<PointRef<'_>> {
        self.points.get(i).map(|slot| self.view(slot))
    }

    /// The points in line order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = PointRef<'_>> + '_ {
        self.points.iter().map(|slot| self.view(slot))
    }

    fn view<'b>(&'b self, slot: &'b Slot<'a>) -> PointRef<'b> {
        PointRef {
            measurement: &slot.measurement,
            tags: self.tags.get(slot.tags.clone()).unwrap_or_default(),
            fields: self.fields.get(slot.fields.clone()).unwrap_or_default(),
            time: slot.time,
        }
    }

    /// Owned, canonical points with duplicates merged (§1.6): points with the same
    /// measurement, tags and time become one, at the place of the first; a field present
    /// in several takes the value of the last line that has it, other fields are kept.
    pub fn into_points(self) -> Vec<Point> {
        merge_duplicates(self.iter().map(|p| p.to_point()).collect())
    }
}

/// Options of [`parse_batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseOptions {
    /// The unit of the timestamps written in the batch.
    pub precision: Precision,
    /// The time, in nanoseconds, of points written without one: the server's clock, read
    /// once per request. It is truncated to `precision`, as InfluxDB does.
    pub default_time: i64,
    /// Strip one carriage return at the end of each line (off in InfluxDB).
    pub accept_crlf: bool,
}

impl ParseOptions {
    /// InfluxDB's behaviour with the given precision and default time.
    pub fn new(precision: Precision, default_time: i64) -> ParseOptions {
        ParseOptions {
            precision,
            default_time,
            accept_crlf: false,
        }
    }
}

/// Why a line was rejected. The `Display` text is InfluxDB 2.7's reason, byte for byte
/// (§1.9), except for [`LineErrorKind::InvalidUtf8`] and [`LineErrorKind::OnlyNulBytes`],
/// which InfluxDB does not have, and the tag keys fluxi reserves besides InfluxDB's
/// (`_time`, `_value`, `_start`, `_stop`: the columns of every query result).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineErrorKind {
    /// Empty line start or a measurement starting with `,`.
    #[error("missing measurement")]
    MissingMeasurement,
    /// No field section.
    #[error("missing fields")]
    MissingFields,
    /// An empty tag key.
    #[error("missing tag key")]
    MissingTagKey,
    /// A tag without `=value`.
    #[error("missing tag value")]
    MissingTagValue,
    /// An unescaped `=` in a tag value.
    #[error("invalid tag format")]
    InvalidTagFormat,
    /// A tag key given twice.
    #[error("duplicate tags")]
    DuplicateTags,
    /// A reserved tag key (`_measurement`, `_field`, `time`, `\x00`, `\xff`), as Go's
    /// `%q` prints it, without the quotes.
    #[error("cannot use reserved tag key \"{0}\"")]
    ReservedTagKey(&'static str),
    /// A field without a key.
    #[error("missing field key")]
    MissingFieldKey,
    /// `key=` with nothing after the `=`.
    #[error("missing field value")]
    MissingFieldValue,
    /// Fields not of the form `k=v,k=v`.
    #[error("invalid field format")]
    InvalidFieldFormat,
    /// A string value without its closing quote.
    #[error("unbalanced quotes")]
    UnbalancedQuotes,
    /// A malformed number, NaN or infinity.
    #[error("invalid number")]
    InvalidNumber,
    /// A float out of range (or a malformed exponent).
    #[error("invalid float")]
    InvalidFloat,
    /// A bare word that is not a boolean.
    #[error("invalid boolean")]
    InvalidBoolean,
    /// An integer out of range; the digits as written.
    #[error("unable to parse integer {0}: strconv.ParseInt: parsing \"{0}\": value out of range")]
    IntegerOutOfRange(String),
    /// An unsigned integer out of range; the digits as written.
    #[error(
        "unable to parse unsigned {0}: strconv.ParseUint: parsing \"{0}\": value out of range"
    )]
    UnsignedOutOfRange(String),
    /// A timestamp that is not `-?[0-9]+`.
    #[error("bad timestamp")]
    BadTimestamp,
    /// A timestamp that does not fit in 64 bits; the digits as written.
    #[error("strconv.ParseInt: parsing \"{0}\": value out of range")]
    TimestampOutOfRange(String),
    /// A timestamp of a sign only.
    #[error("strconv.ParseInt: parsing \"{0}\": invalid syntax")]
    TimestampSyntax(String),
    /// A timestamp outside the storable range once converted to nanoseconds.
    #[error("time outside range -9223372036854775806 - 9223372036854775806")]
    TimeOutsideRange,
    /// Something other than spaces after the timestamp.
    #[error("point is invalid")]
    PointIsInvalid,
    /// Series key, or series key plus 4 plus field key, over 65535 bytes.
    #[error("max key length exceeded: {0} > 65535")]
    MaxKeyLengthExceeded(usize),
    /// A field key whose `=` is preceded by a backslash at the end of the fields (an
    /// oddity of InfluxDB's field splitter); the raw key.
    #[error("invalid value: field-key={0}")]
    InvalidFieldValue(String),
    /// A name or string value that is not UTF-8 (fluxi only).
    #[error("invalid UTF-8")]
    InvalidUtf8,
    /// A line of nothing but NUL bytes (and blanks), which InfluxDB skips without a word;
    /// usually a damaged or zero-filled file (fluxi only).
    #[error("the line holds only NUL bytes (a damaged or zero-filled file?)")]
    OnlyNulBytes,
}

/// One rejected line. `Display` is InfluxDB's message for it:
/// `unable to parse '<text>': <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unable to parse '{text}': {kind}")]
pub struct LineError {
    /// 1-based number of the (physical) line where the rejected line starts.
    pub line: usize,
    /// The line without its leading whitespace and newline (lossily decoded if it is not
    /// UTF-8).
    pub text: String,
    /// Why it was rejected.
    pub kind: LineErrorKind,
}

impl LineError {
    /// The reason text, e.g. `missing fields`.
    pub fn reason(&self) -> String {
        self.kind.to_string()
    }
}

/// A rejected batch: every bad line, in order. `Display` is the message of InfluxDB's 400
/// response: one `unable to parse ...` per bad line, joined with newlines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.lines))]
pub struct LineProtocolError {
    /// The bad lines, never empty.
    pub lines: Vec<LineError>,
}

fn join_lines(lines: &[LineError]) -> String {
    let mut message = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            message.push('\n');
        }
        message.push_str(&line.to_string());
    }
    message
}

/// The 1-based number of the first line of `input` holding a point of `measurement` whose
/// `field` has the type named `type_name` (as [`FieldValue::type_name`] spells it): where
/// a field type conflict reported for a whole batch comes from. `None` when no line does.
pub fn line_with_field(
    input: &[u8],
    options: &ParseOptions,
    measurement: &str,
    field: &str,
    type_name: &str,
) -> Option<usize> {
    input
        .split(|&b| b == b'\n')
        .position(|line| {
            parse_batch(line, options).is_ok_and(|batch| {
                batch.into_points().iter().any(|p| {
                    p.measurement == measurement
                        && p.fields
                            .iter()
                            .any(|(k, v)| k == field && v.type_name() == type_name)
                })
            })
        })
        .map(|i| i + 1)
}

/// Parses a batch into owned, canonical points, merging duplicates (see [`Batch::into_points`]).
/// `default_time` (nanoseconds) is the time of points written without one, truncated to
/// `precision`.
pub fn parse(
    batch: &[u8],
    precision: Precision,
    default_time: i64,
) -> Result<Vec<Point>, LineProtocolError> {
    Ok(parse_batch(batch, &ParseOptions::new(precision, default_time))?.into_points())
}

/// Parses a batch without copying what needs no unescaping; see the module documentation.
pub fn parse_batch<'a>(
    input: &'a [u8],
    options: &ParseOptions,
) -> Result<Batch<'a>, LineProtocolError> {
    let source = Source::new(input);
    let multiplier = options.precision.multiplier();
    let default_time = options.precision.truncate(options.default_time);
    // As many points as lines, at most; the tag and field vectors are sized after the
    // first point.
    let lines = scan::count_newlines(input) + 1;
    let mut batch = Batch {
        points: Vec::with_capacity(lines.min(input.len() / 4 + 1)),
        ..Batch::default()
    };
    let mut sized = false;
    let mut scratch = Scratch::default();
    let mut errors: Vec<(usize, String, LineErrorKind)> = Vec::new();

    let n = input.len();
    let mut pos = 0;
    while pos < n {
        let (end, simple) = match scan::simple_line_end(input, pos) {
            Some(end) => (end, true),
            None => (scan::line_end(input, pos), false),
        };
        let block = pos..end;
        pos = end + 1;
        let Some(block_bytes) = input.get(block.clone()) else {
            continue;
        };
        let start = block.start + scan::skip_whitespace(block_bytes, 0);
        if start >= end && block_bytes.contains(&0) {
            // Blanks and NULs only: InfluxDB skips such a line; it is almost always damage.
            let text = String::from_utf8_lossy(block_bytes)
                .escape_debug()
                .to_string();
            errors.push((block.start, text, LineErrorKind::OnlyNulBytes));
            continue;
        }
        if start >= end || input.get(start) == Some(&b'#') {
            continue;
        }
        let mut stop = end;
        if input.get(stop - 1) == Some(&b'\n') {
            stop -= 1;
        }
        if options.accept_crlf && stop > start && input.get(stop - 1) == Some(&b'\r') {
            stop -= 1;
            if stop == start {
                continue;
            }
        }
        let line = input.get(start..stop).unwrap_or_default();
        let escaped = !simple && line.contains(&b'\\');
        let result = scan::scan_point(line, multiplier, simple, &mut scratch).and_then(|scanned| {
            let line = Line {
                start,
                scanned,
                escaped,
            };
            add_point(&source, line, &scratch, default_time, &mut batch)
        });
        if !sized && batch.points.len() == 1 {
            // Expect the other lines to look like the first. A tag or field takes four
            // bytes of input at least, which bounds the guess.
            sized = true;
            let remaining = batch.points.capacity().saturating_sub(1);
            let most = n / 4;
            batch.tags.reserve((remaining * batch.tags.len()).min(most));
            batch
                .fields
                .reserve((remaining * batch.fields.len()).min(most));
        }
        if let Err(kind) = result {
            errors.push((start, String::from_utf8_lossy(line).into_owned(), kind));
        }
    }

    if errors.is_empty() {
        Ok(batch)
    } else {
        Err(LineProtocolError {
            lines: number_lines(input, errors),
        })
    }
}

/// Turns byte offsets into 1-based line numbers (offsets are increasing).
fn number_lines(input: &[u8], errors: Vec<(usize, String, LineErrorKind)>) -> Vec<LineError> {
    let mut line = 1;
    let mut counted = 0;
    errors
        .into_iter()
        .map(|(offset, text, kind)| {
            let upto = offset.min(input.len()).max(counted);
            line += input
                .get(counted..upto)
                .unwrap_or_default()
                .iter()
                .filter(|&&c| c == b'\n')
                .count();
            counted = upto;
            LineError { line, text, kind }
        })
        .collect()
}

/// The input as text: when the whole batch is UTF-8 (the usual case) slicing it is free;
/// otherwise each element is checked on its own.
struct Source<'a> {
    bytes: &'a [u8],
    text: Option<&'a str>,
}

impl<'a> Source<'a> {
    fn new(bytes: &'a [u8]) -> Source<'a> {
        Source {
            bytes,
            text: std::str::from_utf8(bytes).ok(),
        }
    }

    fn str(&self, start: usize, span: Span) -> Result<&'a str, LineErrorKind> {
        let range = start + span.start..start + span.end;
        let text = match self.text {
            Some(text) => text.get(range),
            None => self
                .bytes
                .get(range)
                .and_then(|b| std::str::from_utf8(b).ok()),
        };
        text.ok_or(LineErrorKind::InvalidUtf8)
    }
}

/// A scanned line.
#[derive(Clone, Copy)]
struct Line {
    /// Where it starts in the input.
    start: usize,
    scanned: Scanned,
    /// Whether it contains a backslash (if not, nothing needs unescaping).
    escaped: bool,
}

/// Unescapes and converts a scanned line and appends it to the batch.
fn add_point<'a>(
    source: &Source<'a>,
    line: Line,
    scratch: &Scratch,
    default_time: i64,
    batch: &mut Batch<'a>,
) -> Result<(), LineErrorKind> {
    let tags_start = batch.tags.len();
    let fields_start = batch.fields.len();
    let text = |span: Span, escapes: &[u8]| -> Result<Cow<'a, str>, LineErrorKind> {
        let text = source.str(line.start, span)?;
        Ok(if line.escaped {
            unescape(text, escapes)
        } else {
            Cow::Borrowed(text)
        })
    };
    let result = (|| {
        let measurement = text(line.scanned.measurement, NAME_ESCAPES)?;
        for &(key, value) in &scratch.tags {
            batch
                .tags
                .push((text(key, TAG_ESCAPES)?, text(value, TAG_ESCAPES)?));
        }
        if let Some(tags) = batch.tags.get_mut(tags_start..) {
            if !tags.windows(2).all(|w| w[0].0 < w[1].0) {
                tags.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            }
        }
        for &(key, value) in &scratch.fields {
            let key = text(key, NAME_ESCAPES)?;
            let value = field_value(source.str(line.start, value)?, line.escaped)?;
            batch.fields.push((key, value));
        }
        batch.points.push(Slot {
            measurement,
            tags: tags_start..batch.tags.len(),
            fields: fields_start..batch.fields.len(),
            time: line.scanned.time.unwrap_or(default_time),
        });
        Ok(())
    })();
    if result.is_err() {
        batch.tags.truncate(tags_start);
        batch.fields.truncate(fields_start);
    }
    result
}

/// The bytes a backslash escapes in measurements and field keys.
const NAME_ESCAPES: &[u8] = b", =\"";
/// The bytes a backslash escapes in tag keys and values.
const TAG_ESCAPES: &[u8] = b", =";

/// Removes every backslash that is directly followed by one of `escapes`.
fn unescape<'a>(text: &'a str, escapes: &[u8]) -> Cow<'a, str> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (i, pair) in bytes.windows(2).enumerate() {
        if pair[0] == b'\\' && escapes.contains(&pair[1]) {
            out.push_str(text.get(copied..i).unwrap_or_default());
            copied = i + 1;
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// Unescapes the inside of a string value: `\\` is `\` and `\"` is `"`; any other
/// backslash is kept.
fn unescape_string(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    if !bytes.contains(&b'\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'\\' && (bytes[i + 1] == b'\\' || bytes[i + 1] == b'"') {
            out.push_str(text.get(copied..i).unwrap_or_default());
            copied = i + 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// Converts a raw field value, typed by its first and last byte as InfluxDB does.
/// `escaped` tells whether the line has a backslash at all.
fn field_value(raw: &str, escaped: bool) -> Result<FieldValueRef<'_>, LineErrorKind> {
    let bytes = raw.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        // The validation and the split of the fields disagree; InfluxDB would store
        // nothing for this field.
        return Err(LineErrorKind::InvalidFieldFormat);
    };
    if first == b'"' {
        let inner = raw
            .get(1..raw.len() - 1)
            .ok_or(LineErrorKind::UnbalancedQuotes)?;
        return Ok(FieldValueRef::String(if escaped {
            unescape_string(inner)
        } else {
            Cow::Borrowed(inner)
        }));
    }
    if b"0123456789-.nNiIu".contains(&first) {
        let body = raw.get(..raw.len() - 1).unwrap_or_default();
        return match last {
            b'i' => body
                .parse()
                .map(FieldValueRef::Int)
                .map_err(|_| LineErrorKind::InvalidNumber),
            b'u' => body
                .parse()
                .map(FieldValueRef::UInt)
                .map_err(|_| LineErrorKind::InvalidNumber),
            _ => scan::parse_float(raw)
                .map(FieldValueRef::Float)
                .ok_or(LineErrorKind::InvalidFloat),
        };
    }
    scan::parse_bool(bytes)
        .map(FieldValueRef::Bool)
        .ok_or(LineErrorKind::InvalidBoolean)
}

/// Merges points with the same series and time (§1.6), keeping the place of the first.
fn merge_duplicates(points: Vec<Point>) -> Vec<Point> {
    if points.len() < 2 {
        return points;
    }
    // Measurement, tags and time of a point.
    type Identity<'p> = (&'p str, &'p [(String, String)], i64);
    let mut first_of: HashMap<Identity<'_>, usize> = HashMap::with_capacity(points.len());
    let mut target = Vec::with_capacity(points.len());
    let mut any_duplicate = false;
    for (i, p) in points.iter().enumerate() {
        let first = *first_of
            .entry((p.measurement.as_str(), p.tags.as_slice(), p.time))
            .or_insert(i);
        any_duplicate |= first != i;
        target.push(first);
    }
    drop(first_of);
    if !any_duplicate {
        return points;
    }

    let mut merged: Vec<Point> = Vec::with_capacity(points.len());
    let mut place = vec![usize::MAX; points.len()];
    for (i, point) in points.into_iter().enumerate() {
        let first = target[i];
        if first == i {
            place[i] = merged.len();
            merged.push(point);
        } else if let Some(earlier) = merged.get_mut(place[first]) {
            merge_fields(&mut earlier.fields, point.fields);
        }
    }
    merged
}

/// Merges two field lists sorted by key; on equal keys `later` wins.
fn merge_fields(earlier: &mut Vec<(String, FieldValue)>, later: Vec<(String, FieldValue)>) {
    let old = std::mem::take(earlier);
    let mut out = Vec::with_capacity(old.len() + later.len());
    let mut old = old.into_iter().peekable();
    let mut new = later.into_iter().peekable();
    loop {
        let next = match (old.peek(), new.peek()) {
            (Some(a), Some(b)) => match a.0.cmp(&b.0) {
                std::cmp::Ordering::Less => old.next(),
                std::cmp::Ordering::Greater => new.next(),
                std::cmp::Ordering::Equal => {
                    old.next();
                    new.next()
                }
            },
            (Some(_), None) => old.next(),
            (None, Some(_)) => new.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
    *earlier = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescaping() {
        assert_eq!(unescape(r"a\,b\ c\=d\e\\", TAG_ESCAPES), r"a,b c=d\e\\");
        assert_eq!(unescape(r"a\\,b", TAG_ESCAPES), r"a\,b");
        assert_eq!(unescape(r#"\"x\"="#, NAME_ESCAPES), r#""x"="#);
        assert_eq!(unescape(r#"\"x"#, TAG_ESCAPES), r#"\"x"#);
        assert_eq!(unescape_string(r#"a\\b\"c\d\"#), r#"a\b"c\d\"#);
        assert!(matches!(unescape("plain", TAG_ESCAPES), Cow::Borrowed(_)));
    }

    #[test]
    fn truncation_rounds_down() {
        assert_eq!(
            Precision::Seconds.truncate(1_700_000_000_999_999_999),
            1_700_000_000_000_000_000
        );
        assert_eq!(Precision::Seconds.truncate(-1), -1_000_000_000);
        assert_eq!(Precision::Nanoseconds.truncate(i64::MIN), i64::MIN);
        assert_eq!(Precision::Seconds.truncate(i64::MIN), i64::MIN);
    }

    #[test]
    fn merging_fields() {
        let mut a = vec![
            ("a".into(), FieldValue::Int(1)),
            ("c".into(), FieldValue::Int(3)),
        ];
        merge_fields(
            &mut a,
            vec![
                ("b".into(), FieldValue::Int(20)),
                ("c".into(), FieldValue::Int(30)),
            ],
        );
        assert_eq!(
            a,
            vec![
                ("a".into(), FieldValue::Int(1)),
                ("b".into(), FieldValue::Int(20)),
                ("c".into(), FieldValue::Int(30)),
            ]
        );
    }
}
