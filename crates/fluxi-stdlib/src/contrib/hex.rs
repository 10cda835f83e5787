//! `contrib/bonitoo-io/hex`: hexadecimal conversions. `string` writes ints and uints in
//! base 16 and bytes as hex digits (other types as `string()` would, times and floats as
//! Go prints them); `int`, `uint` and `bytes` read hex text. A null argument gives null.

use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::Value;
use std::fmt::Write as _;

type R = Result<Value, EvalError>;

const PACKAGE: &str = "contrib/bonitoo-io/hex";

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "string", to_string);
    r.register(PACKAGE, "int", to_int);
    r.register(PACKAGE, "uint", to_uint);
    r.register(PACKAGE, "bytes", to_bytes);
}

/// Lower-case hex digits of `bytes`.
pub(super) fn hex_digits(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn to_string(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.required("v")?;
    let text = match &v {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s.to_string(),
        Value::Int(i) if *i < 0 => format!("-{:x}", i.unsigned_abs()),
        Value::Int(i) => format!("{i:x}"),
        Value::UInt(u) => format!("{u:x}"),
        Value::Float(f) => go_float(*f),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) => go_time(*t),
        Value::Duration(d) => d.to_string(),
        Value::Bytes(b) => hex_digits(b),
        other => {
            return Err(EvalError::msg(format!(
                "cannot convert {} to string",
                other.type_name()
            )))
        }
    };
    Ok(Value::string(text))
}

/// A float as Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that reads
/// back as `f`, never in exponent form; `NaN`, `+Inf`, `-Inf`.
fn go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        // Rust's Display is the shortest round-trip form and never uses an exponent.
        format!("{f}")
    }
}

/// A time as Go's `time.Time.String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`,
/// the fraction without trailing zeros (and without its dot when it is zero).
fn go_time(nanos: i64) -> String {
    let rfc = fluxi_time::format_rfc3339(nanos, fluxi_time::Fraction::Trimmed);
    // `YYYY-MM-DDTHH:MM:SS[.fff]Z`
    let body = rfc.strip_suffix('Z').unwrap_or(&rfc);
    format!("{} +0000 UTC", body.replacen('T', " ", 1))
}

/// Why hex text does not read as a number.
#[derive(Debug, PartialEq)]
enum Unreadable {
    /// Not digits (with a sign or prefix where allowed).
    Syntax,
    /// Digits, but more than 64 bits of them.
    Range,
}

/// The digits of `text` in base 16 with an optional sign, as Go's `strconv.ParseInt`
/// reads them (with `underscores`, Go's base-0 rule: `_` only between digits or after the
/// base prefix).
fn parse_signed(text: &str, underscores: bool) -> Result<i128, Unreadable> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = parse_magnitude(digits, underscores)?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// Unsigned hex digits; more than 16 significant ones (past 64 bits) are out of range.
fn parse_magnitude(digits: &str, underscores: bool) -> Result<i128, Unreadable> {
    let cleaned: String = if underscores {
        // After the prefix (which counts as a digit), underscores must separate digits.
        let parts: Vec<&str> = digits.split('_').collect();
        if parts.len() > 1 && parts[1..].iter().any(|p| p.is_empty()) {
            return Err(Unreadable::Syntax);
        }
        parts.concat()
    } else {
        digits.to_string()
    };
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Unreadable::Syntax);
    }
    let significant = cleaned.trim_start_matches('0');
    if significant.len() > 16 {
        return Err(Unreadable::Range);
    }
    if significant.is_empty() {
        return Ok(0);
    }
    i128::from_str_radix(significant, 16).map_err(|_| Unreadable::Syntax)
}

/// The error for text `s` that does not read as a `ty`.
fn unreadable(s: &str, ty: &str, why: Unreadable) -> EvalError {
    match why {
        Unreadable::Syntax => EvalError::msg(format!(
            "cannot convert string {s:?} to {ty} due to invalid syntax"
        )),
        Unreadable::Range => EvalError::msg(format!(
            "cannot convert string {s:?} to {ty}: the number is outside the {ty} range"
        )),
    }
}

fn to_int(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.required("v")?;
    let s = match &v {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s,
        other => {
            return Err(EvalError::msg(format!(
                "hex cannot convert {} to int",
                other.type_name()
            )))
        }
    };
    // `0x...` is read in base 16 (a sign may follow the prefix, as Go allows); `+0x...`
    // and `-0x...` with underscores between digits; anything else is hex digits with an
    // optional sign.
    let parsed = if let Some(rest) = s.strip_prefix("0x") {
        parse_signed(rest, false)
    } else if let Some(rest) = s.strip_prefix("+0x").or_else(|| s.strip_prefix("-0x")) {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        parse_magnitude(rest, true).map(|m| sign * m)
    } else {
        parse_signed(s, false)
    };
    let n = parsed.map_err(|why| unreadable(s, "int", why))?;
    i64::try_from(n)
        .map(Value::Int)
        .map_err(|_| unreadable(s, "int", Unreadable::Range))
}

fn to_uint(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.required("v")?;
    let s = match &v {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s,
        other => {
            return Err(EvalError::msg(format!(
                "hex cannot convert {} to uint",
                other.type_name()
            )))
        }
    };
    let digits = s.strip_prefix("0x").unwrap_or(s);
    let n = parse_magnitude(digits, false).map_err(|why| unreadable(s, "uint", why))?;
    u64::try_from(n)
        .map(Value::UInt)
        .map_err(|_| unreadable(s, "uint", Unreadable::Range))
}

fn to_bytes(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.required("v")?;
    let s = match &v {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s,
        other => {
            return Err(EvalError::msg(format!(
                "hex cannot convert {} to bytes",
                other.type_name()
            )))
        }
    };
    decode_hex(s)
        .map(|b| Value::Bytes(b.into()))
        .map_err(|why| {
            EvalError::msg(format!(
                "cannot convert string {s:?} to bytes due to hex decoding error: {why}"
            ))
        })
}

/// Pairs of hex digits (either case) as bytes; why not, as Go's `encoding/hex` says it.
fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    let bytes = s.as_bytes();
    let digit = |i: usize| -> Result<u8, String> {
        let c = bytes[i];
        (c as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| format!("encoding/hex: invalid byte: U+{:04X} {:?}", c, c as char))
    };
    let mut out = Vec::with_capacity(bytes.len() / 2);
    let mut i = 0;
    while i + 1 < bytes.len() {
        out.push(digit(i)? << 4 | digit(i + 1)?);
        i += 2;
    }
    if bytes.len() % 2 == 1 {
        // Go checks the last lone character before reporting the odd length.
        digit(bytes.len() - 1)?;
        return Err("encoding/hex: odd length hex string".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_hex_as_go_reads_it() {
        use Unreadable::{Range, Syntax};
        assert_eq!(parse_signed("1f", false), Ok(31));
        assert_eq!(parse_signed("-1F", false), Ok(-31));
        assert_eq!(parse_signed("+ff", false), Ok(255));
        assert_eq!(parse_signed("", false), Err(Syntax));
        assert_eq!(parse_signed("-", false), Err(Syntax));
        assert_eq!(parse_signed("1g", false), Err(Syntax));
        assert_eq!(parse_magnitude("_1_f", true), Ok(31));
        assert_eq!(parse_magnitude("1__f", true), Err(Syntax));
        assert_eq!(parse_magnitude("1f_", true), Err(Syntax));
        assert_eq!(parse_magnitude("1_f", false), Err(Syntax));
        // 17 significant digits cannot fit in 64 bits; leading zeros do not count.
        assert_eq!(
            parse_magnitude(&format!("1{}", "0".repeat(16)), false),
            Err(Range)
        );
        assert_eq!(
            parse_magnitude(&"f".repeat(16), false),
            Ok(i128::from(u64::MAX))
        );
        assert_eq!(
            parse_magnitude(&format!("{}1", "0".repeat(40)), false),
            Ok(1)
        );
    }

    #[test]
    fn go_forms_of_floats_and_times() {
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(1e21), "1000000000000000000000");
        assert_eq!(go_float(1e-7), "0.0000001");
        assert_eq!(go_float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(go_time(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(go_time(1_500_000_000), "1970-01-01 00:00:01.5 +0000 UTC");
    }

    #[test]
    fn hex_decoding() {
        assert_eq!(decode_hex("48656C6c6f"), Ok(b"Hello".to_vec()));
        assert_eq!(decode_hex(""), Ok(Vec::new()));
        assert_eq!(
            decode_hex("abc"),
            Err("encoding/hex: odd length hex string".to_string())
        );
        assert_eq!(
            decode_hex("zz"),
            Err("encoding/hex: invalid byte: U+007A 'z'".to_string())
        );
    }
}
