//! Runtime values of every Flux type.

use crate::duration::Duration;
use crate::table::Table;
use std::any::Any;
use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// A function value. The evaluator implements it (closures, builtins) and downcasts with
/// [`Callable::as_any`]; this layer only carries it.
pub trait Callable: fmt::Debug + Send + Sync {
    /// The function's name for messages (`<anonymous>` for a literal).
    fn name(&self) -> &str;
    /// For the evaluator to recover its own type.
    fn as_any(&self) -> &dyn Any;
    /// The function's type in Flux syntax (`() => bool`), when it is known.
    fn type_text(&self) -> Option<String> {
        None
    }
}

/// A stream whose tables are not computed yet, such as a storage read: it stays open so
/// that the functions applied to it (`range`, `filter`, aggregates) can be pushed into it.
/// The evaluator owns the concrete types and downcasts with [`Pending::as_any`].
pub trait Pending: fmt::Debug + Send + Sync {
    /// For the evaluator to recover its own type.
    fn as_any(&self) -> &dyn Any;
}

/// One step of the plan that produced a stream: what `fluxi explain` prints.
#[derive(Debug, Clone, Default)]
pub struct PlanNode {
    /// The operation (a function's name, or `ReadRange` and the like for storage reads).
    pub op: String,
    /// Where the call is written (byte offsets), if it is written somewhere.
    pub span: Option<(usize, usize)>,
    /// Lines of detail (what was pushed into storage, parameters, ...).
    pub detail: Vec<String>,
    /// The plans of the streams it consumed.
    pub inputs: Vec<Arc<PlanNode>>,
}

/// A stream of tables: materialised tables, or a [`Pending`] computation the evaluator
/// materialises before a function that cannot take it over sees it.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    tables: Arc<Vec<Table>>,
    bounds: Option<(i64, i64)>,
    pending: Option<Arc<dyn Pending>>,
    plan: Option<Arc<PlanNode>>,
}

impl Stream {
    /// A stream of these tables.
    pub fn new(tables: Vec<Table>) -> Stream {
        Stream {
            tables: Arc::new(tables),
            bounds: None,
            pending: None,
            plan: None,
        }
    }

    /// A stream computed later.
    pub fn pending(pending: Arc<dyn Pending>, bounds: Option<(i64, i64)>) -> Stream {
        Stream {
            tables: Arc::new(Vec::new()),
            bounds,
            pending: Some(pending),
            plan: None,
        }
    }

    /// The computation behind a stream that is not materialised yet.
    pub fn pending_part(&self) -> Option<&Arc<dyn Pending>> {
        self.pending.as_ref()
    }

    /// The plan that produced this stream, if it was recorded.
    pub fn plan(&self) -> Option<&Arc<PlanNode>> {
        self.plan.as_ref()
    }

    /// The same stream with its plan recorded.
    pub fn with_plan(mut self, plan: Arc<PlanNode>) -> Stream {
        self.plan = Some(plan);
        self
    }

    /// The time bounds of the `range` upstream of this stream, if any (what `window` uses
    /// when a table's key no longer carries `_start` and `_stop`).
    pub fn bounds(&self) -> Option<(i64, i64)> {
        self.bounds
    }

    /// The same stream with these bounds.
    pub fn with_bounds(mut self, bounds: Option<(i64, i64)>) -> Stream {
        self.bounds = bounds;
        self
    }

    /// The tables. A pending stream has none until the evaluator materialises it, which it
    /// does before any function that does not take pending streams over runs.
    pub fn tables(&self) -> &[Table] {
        debug_assert!(
            self.pending.is_none(),
            "the tables of a pending stream were asked for"
        );
        &self.tables
    }

    /// Whether two stream values are the same stream (not just equal tables).
    pub fn same(&self, other: &Stream) -> bool {
        match (&self.pending, &other.pending) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => Arc::ptr_eq(&self.tables, &other.tables),
            _ => false,
        }
    }

    /// Take the tables out (cloning only if shared).
    pub fn into_tables(self) -> Vec<Table> {
        debug_assert!(self.pending.is_none());
        Arc::try_unwrap(self.tables).unwrap_or_else(|shared| (*shared).clone())
    }
}

/// A record: labelled values in order; labels are unique.
#[derive(Debug, Clone, Default)]
pub struct Record {
    fields: Vec<(Arc<str>, Value)>,
}

impl Record {
    /// An empty record.
    pub fn new() -> Record {
        Record::default()
    }

    /// A record from fields; a repeated label keeps its last value.
    pub fn from_fields(fields: impl IntoIterator<Item = (Arc<str>, Value)>) -> Record {
        let mut r = Record::new();
        for (k, v) in fields {
            r.set(k, v);
        }
        r
    }

    /// The value of a label.
    pub fn get(&self, label: &str) -> Option<&Value> {
        self.fields
            .iter()
            .find(|(k, _)| &**k == label)
            .map(|(_, v)| v)
    }

    /// Set a label (replacing its value, or appending it).
    pub fn set(&mut self, label: Arc<str>, value: Value) {
        match self.fields.iter_mut().find(|(k, _)| *k == label) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((label, value)),
        }
    }

    /// The fields in order.
    pub fn fields(&self) -> &[(Arc<str>, Value)] {
        &self.fields
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether it has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// A dictionary: keys of one comparable type, in insertion order.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    entries: Vec<(Value, Value)>,
}

impl Dict {
    /// A dictionary from pairs; a repeated key keeps its last value.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Value, Value)>) -> Dict {
        let mut d = Dict::default();
        for (k, v) in pairs {
            d.insert(k, v);
        }
        d
    }

    /// The value of a key.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.equals(key) == Some(true))
            .map(|(_, v)| v)
    }

    /// Insert or replace.
    pub fn insert(&mut self, key: Value, value: Value) {
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| k.equals(&key) == Some(true))
        {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Remove a key.
    pub fn remove(&mut self, key: &Value) {
        self.entries.retain(|(k, _)| k.equals(key) != Some(true));
    }

    /// The entries in insertion order.
    pub fn entries(&self) -> &[(Value, Value)] {
        &self.entries
    }
}

/// A runtime value.
#[derive(Debug, Clone)]
pub enum Value {
    /// The absence of a value.
    Null,
    /// `int`
    Int(i64),
    /// `uint`
    UInt(u64),
    /// `float`
    Float(f64),
    /// `string`
    String(Arc<str>),
    /// `bool`
    Bool(bool),
    /// `time`: nanoseconds since the epoch.
    Time(i64),
    /// `duration`
    Duration(Duration),
    /// `bytes`
    Bytes(Arc<[u8]>),
    /// `regexp`
    Regex(Arc<regex::Regex>),
    /// `[T]`
    Array(Arc<Vec<Value>>),
    /// A record.
    Record(Arc<Record>),
    /// `[K: V]`
    Dict(Arc<Dict>),
    /// A function.
    Function(Arc<dyn Callable>),
    /// A stream of tables.
    Stream(Stream),
    /// `dynamic`: a value whose type is checked only when it is used. Never holds
    /// another `Dynamic` directly; arrays and records inside it hold `Dynamic` elements.
    Dynamic(Arc<Value>),
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// Whether it is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a `dynamic`: a dynamic value stays as it is; the elements of an
    /// array and the properties of a record become dynamic too (so that reading one gives
    /// a dynamic value); every other value is wrapped whole.
    pub fn into_dynamic(self) -> Value {
        match self {
            Value::Dynamic(_) => self,
            other => Value::Dynamic(Arc::new(other.dynamic_inner())),
        }
    }

    fn dynamic_inner(self) -> Value {
        match self {
            Value::Array(items) => Value::Array(Arc::new(
                items.iter().map(|v| v.clone().into_dynamic()).collect(),
            )),
            Value::Record(r) => Value::Record(Arc::new(Record::from_fields(
                r.fields()
                    .iter()
                    .map(|(k, v)| (Arc::clone(k), v.clone().into_dynamic())),
            ))),
            other => other,
        }
    }

    /// The value inside a `dynamic` (for any other value, itself).
    pub fn undynamic(&self) -> &Value {
        match self {
            Value::Dynamic(inner) => inner,
            other => other,
        }
    }

    /// The type's name for messages (`int`, `record`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Int(_) => "int",
            Value::UInt(_) => "uint",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Bool(_) => "bool",
            Value::Time(_) => "time",
            Value::Duration(_) => "duration",
            Value::Bytes(_) => "bytes",
            Value::Regex(_) => "regexp",
            Value::Array(_) => "array",
            Value::Record(_) => "record",
            Value::Dict(_) => "dictionary",
            Value::Function(_) => "function",
            Value::Stream(_) => "stream",
            Value::Dynamic(_) => "dynamic",
        }
    }

    /// `==` semantics: `None` when either side is null (null equals nothing, not even null).
    pub fn equals(&self, other: &Value) -> Option<bool> {
        use Value::*;
        Some(match (self, other) {
            (Null, _) | (_, Null) => return None,
            (Dynamic(a), Dynamic(b)) => return a.equals(b),
            (String(a), String(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            (Duration(a), Duration(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (Regex(a), Regex(b)) => a.as_str() == b.as_str(),
            (Array(a), Array(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|(x, y)| x.equals(y) == Some(true))
            }
            (Record(a), Record(b)) => {
                a.len() == b.len()
                    && a.fields()
                        .iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.equals(w) == Some(true)))
            }
            (Dict(a), Dict(b)) => {
                a.entries().len() == b.entries().len()
                    && a.entries()
                        .iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.equals(w) == Some(true)))
            }
            // IEEE: NaN equals nothing (it is not null, so the answer is false).
            (Float(_), Float(_) | Int(_) | UInt(_)) | (Int(_) | UInt(_), Float(_)) => {
                self.compare(other) == Some(Ordering::Equal)
            }
            _ => return self.compare(other).map(|o| o == Ordering::Equal),
        })
    }

    /// Ordering for `<` and friends and for sorting; numbers compare across int, uint and
    /// float. `None` for null or values that do not compare.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Int(a), Int(b)) => Some(a.cmp(b)),
            (UInt(a), UInt(b)) => Some(a.cmp(b)),
            (Float(a), Float(b)) => a.partial_cmp(b),
            (Int(a), UInt(b)) => Some(i128::from(*a).cmp(&i128::from(*b))),
            (UInt(a), Int(b)) => Some(i128::from(*a).cmp(&i128::from(*b))),
            (Int(a), Float(b)) => (*a as f64).partial_cmp(b),
            (Float(a), Int(b)) => a.partial_cmp(&(*b as f64)),
            (UInt(a), Float(b)) => (*a as f64).partial_cmp(b),
            (Float(a), UInt(b)) => a.partial_cmp(&(*b as f64)),
            (String(a), String(b)) => Some(a.cmp(b)),
            (Time(a), Time(b)) => Some(a.cmp(b)),
            (Bool(a), Bool(b)) => Some(a.cmp(b)),
            (Duration(a), Duration(b)) => Some(
                a.signed_months()
                    .cmp(&b.signed_months())
                    .then(a.signed_nanos().cmp(&b.signed_nanos())),
            ),
            _ => None,
        }
    }
}

/// Format a float as Flux does: shortest round-trip digits, no exponent, `NaN`, `+Inf`, `-Inf`.
pub fn format_float(f: f64) -> String {
    let mut out = String::new();
    push_float(&mut out, f);
    out
}

/// Append the text of [`format_float`] to `out` without allocating (the result encoders
/// call this once per float cell): `NaN`, `+Inf`, `-Inf`, else the shortest digits that
/// read back as `f` (of two equally near, the even one, as Go's `strconv` and so
/// upstream Flux choose), never with an exponent, without a trailing `.0`.
pub fn push_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "+Inf" } else { "-Inf" });
        return;
    }
    if !push_short_decimal(out, f) {
        push_float_shortest(out, f);
    }
}

/// The shortest text of a finite float (zmij's digits: those of ryu, found about twice
/// as fast), laid out without an exponent.
fn push_float_shortest(out: &mut String, f: f64) {
    let mut buf = zmij::Buffer::new();
    lay_out(out, buf.format_finite(f));
}

/// Lay out a shortest-digits text (`38.5`, `1.0`, `1e-7`, `1.25e+17`) as
/// [`format_float`] writes it: no trailing `.0`, no exponent.
fn lay_out(out: &mut String, text: &str) {
    match text.split_once('e') {
        None => out.push_str(text.strip_suffix(".0").unwrap_or(text)),
        Some((mantissa, exponent)) => push_plain(out, mantissa, exponent),
    }
}

/// Write `f` if it is a decimal of at most six places under 10⁹ in magnitude (most
/// measured values: `38.558`, `0.25`, `1200`), and say whether it was. Such a float's
/// shortest text is that decimal: `r = round(f × 10⁶)` is exact (under 2⁵³), `r / 10⁶`
/// is the float nearest the decimal, and any other decimal of at most six places is at
/// least 10⁻⁶ away, while two texts that read back as the same float are at most one
/// unit in the last place apart (under 1.2 × 10⁻⁷ below 10⁹). So it is the shortest
/// text, found with a multiplication and a division instead of a search.
///
/// The digits go out two at a time from [`DIGIT_PAIRS`], each a copy of a known length
/// (a copy of a length known only at run time is a call to `memcpy`, which costs more
/// than the rest of the work), and the fraction's trailing zeros are cut off after.
fn push_short_decimal(out: &mut String, f: f64) -> bool {
    const SCALE: f64 = 1e6;
    let magnitude = f.abs();
    if f == 0.0 || magnitude.is_nan() || magnitude >= 1e9 {
        return false;
    }
    // The nearest whole number of millionths (under 10¹⁵, so exact as a float and an
    // integer). Adding ½ and truncating rounds but for a few values a hair under a
    // half, and those fail the check below as any other float does: whatever `units`
    // is, the check alone makes the text right.
    let units = (magnitude * SCALE + 0.5) as u64;
    if units as f64 / SCALE != magnitude {
        return false;
    }
    if f < 0.0 {
        out.push('-');
    }
    let whole = units / 1_000_000;
    if whole < 10 {
        push_digits(out, whole as usize * 2 + 1, 1);
    } else if whole < 100 {
        push_digits(out, whole as usize * 2, 2);
    } else {
        out.push_str(itoa::Buffer::new().format(whole));
    }
    let fraction = (units % 1_000_000) as usize;
    // How many of the six places are trailing zeros (and the point too, for none left).
    let cut = [10, 100, 1_000, 10_000, 100_000]
        .into_iter()
        .map(|p| usize::from(fraction.is_multiple_of(p)))
        .sum::<usize>()
        + 2 * usize::from(fraction == 0);
    out.push('.');
    push_digits(out, fraction / 10_000 * 2, 2);
    push_digits(out, fraction / 100 % 100 * 2, 2);
    push_digits(out, fraction % 100 * 2, 2);
    out.truncate(out.len() - cut);
    true
}

/// `00`, `01`, … `99`, one after another.
const DIGIT_PAIRS: &str = "\
    0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Append `len` (1 or 2) digits of [`DIGIT_PAIRS`] from `at`.
#[inline(always)]
fn push_digits(out: &mut String, at: usize, len: usize) {
    if let Some(digits) = DIGIT_PAIRS.get(at..at + len) {
        out.push_str(digits);
    }
}

/// Lay out `d.ddde±X` without the exponent, as Go's `'f'` format (and upstream
/// Flux) writes it: `1e21` is `1` and 21 zeros, `1.5e-7` is `0.00000015`.
fn push_plain(out: &mut String, mantissa: &str, exponent: &str) {
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let Ok(x) = exponent.parse::<i32>() else {
        out.push_str(sign);
        out.push_str(mantissa);
        return;
    };
    out.push_str(sign);
    if x >= 0 {
        let whole = x as usize + 1;
        // Both slices below are taken only when `whole < digits.len()`.
        if digits.len() <= whole {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', whole - digits.len()));
        } else {
            out.push_str(&digits[..whole]);
            out.push('.');
            out.push_str(&digits[whole..]);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-x - 1) as usize));
        out.push_str(&digits);
    }
}

impl fmt::Display for Value {
    /// How values print in the REPL and in string conversion (`string(v:)`): times with
    /// nine fraction digits, durations as literals, floats shortest.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("<null>"),
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) => write!(f, "{v}"),
            Value::Float(v) => f.write_str(&format_float(*v)),
            Value::String(s) => f.write_str(s),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Time(t) => {
                f.write_str(&fluxi_time::format_rfc3339(*t, fluxi_time::Fraction::Nine))
            }
            Value::Duration(d) => write!(f, "{d}"),
            Value::Bytes(b) => write!(
                f,
                "0x{}",
                b.iter().map(|x| format!("{x:02x}")).collect::<String>()
            ),
            Value::Regex(r) => write!(f, "/{}/", r.as_str()),
            Value::Array(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    v.fmt_nested(f)?;
                }
                f.write_str("]")
            }
            Value::Record(r) => {
                f.write_str("{")?;
                for (i, (k, v)) in r.fields().iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: ")?;
                    v.fmt_nested(f)?;
                }
                f.write_str("}")
            }
            Value::Dict(d) => {
                if d.entries().is_empty() {
                    return f.write_str("[:]");
                }
                f.write_str("[")?;
                for (i, (k, v)) in d.entries().iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    k.fmt_nested(f)?;
                    f.write_str(": ")?;
                    v.fmt_nested(f)?;
                }
                f.write_str("]")
            }
            Value::Function(c) => write!(f, "<function {}>", c.name()),
            Value::Stream(s) if s.pending_part().is_some() => write!(f, "<stream (not read yet)>"),
            Value::Stream(s) => write!(f, "<stream of {} tables>", s.tables().len()),
            Value::Dynamic(inner) => {
                f.write_str("dynamic(")?;
                inner.fmt_nested(f)?;
                f.write_str(")")
            }
        }
    }
}

impl Value {
    /// Like Display, but strings are quoted (inside composite values).
    fn fmt_nested(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => write!(f, "{s:?}"),
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod float_tests {
    use super::*;

    /// The text through ryu's digits, the reference.
    fn via_ryu(f: f64) -> String {
        let mut out = String::new();
        lay_out(&mut out, ryu::Buffer::new().format_finite(f));
        out
    }

    fn both(f: f64) -> (String, String) {
        let mut fast = String::new();
        push_float(&mut fast, f);
        (fast, via_ryu(f))
    }

    /// zmij's digits are ryu's, whatever the float (it writes exponents as `e+17` where
    /// ryu writes `e17`; both lay out the same).
    #[test]
    fn shortest_digits_are_ryus() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut checked = 0;
        for i in 0..400_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = match i % 4 {
                0 => f64::from_bits(x),
                1 => (x >> 11) as f64 / (1u64 << 53) as f64 * 100.0,
                2 => (x % 1_000_000_007) as f64 / 7.0,
                _ => f64::from_bits(x >> (x % 12)),
            };
            if !f.is_finite() {
                continue;
            }
            let mut fast = String::new();
            push_float_shortest(&mut fast, f);
            assert_eq!(fast, via_ryu(f), "{f:e}");
            checked += 1;
        }
        assert!(checked > 390_000, "{checked}");
        for f in [
            1e16,
            -1.25e17,
            1e21,
            1e22,
            5e-324,
            1e-7,
            1.7976931348623157e308,
        ] {
            let mut fast = String::new();
            push_float_shortest(&mut fast, f);
            assert_eq!(fast, via_ryu(f), "{f:e}");
        }
    }

    #[test]
    fn short_decimals_print_as_ryu_prints_them() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut taken = 0;
        for _ in 0..300_000 {
            let n = next();
            let places = (n % 8) as i32;
            let units = (next() % 2_000_000_000_000_000) as f64;
            let sign = if n & 1 << 40 == 0 { 1.0 } else { -1.0 };
            // Decimals of 0 to 7 places across magnitudes, near the 10⁹ bound too, and
            // their neighbours one unit in the last place away.
            for f in [
                sign * units / 10f64.powi(places),
                sign * (units / 10f64.powi(places + 6)),
                f64::from_bits((sign * units / 10f64.powi(places)).to_bits() + 1),
                sign * (999_999_999.0 - (n % 1000) as f64 / 1000.0),
                f64::from_bits(next()),
            ] {
                if !f.is_finite() {
                    continue;
                }
                let (fast, ryu) = both(f);
                assert_eq!(fast, ryu, "{f:e}");
                taken += usize::from(push_short_decimal(&mut String::new(), f));
            }
        }
        // The fast path must actually be taken for most of the short decimals.
        assert!(taken > 300_000, "{taken}");
        for f in [
            0.5,
            -0.25,
            1e-6,
            -1e-6,
            123.000001,
            999_999_999.999999,
            0.1 + 0.2,
        ] {
            let (fast, ryu) = both(f);
            assert_eq!(fast, ryu, "{f:e}");
        }
        // Short decimals all: whole numbers (no point), one, two and more whole digits,
        // every count of trailing zeros in the fraction.
        for f in [
            7.0,
            -10.0,
            99.0,
            100.0,
            1200.0,
            999_999_999.0,
            9.5,
            38.558,
            -41.67,
            12.3456,
            0.00012,
            5.100001,
        ] {
            let (fast, ryu) = both(f);
            assert_eq!(fast, ryu, "{f:e}");
            assert!(push_short_decimal(&mut String::new(), f), "{f:e}");
        }
    }
}
