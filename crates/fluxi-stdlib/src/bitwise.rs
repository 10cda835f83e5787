//! The `bitwise` package (and `experimental/bitwise`, the same functions): and, or, not,
//! xor, and-not and shifts on `uint` and `int`. Shifts by 64 bits or more give what the
//! bits shifted in would (0, or -1 for a negative `int` shifted right); a negative shift
//! is an error rather than a wrap.

use fluxi_eval::{Args, EvalError, Registry};
use fluxi_value::Value;

fn uint(a: &mut Args, name: &str) -> Result<u64, EvalError> {
    match a.required(name)? {
        Value::UInt(u) => Ok(u),
        v => Err(EvalError::msg(format!(
            "`{name}` must be a uint, not {}",
            v.type_name()
        ))),
    }
}

fn int(a: &mut Args, name: &str) -> Result<i64, EvalError> {
    match a.required(name)? {
        Value::Int(i) => Ok(i),
        v => Err(EvalError::msg(format!(
            "`{name}` must be an int, not {}",
            v.type_name()
        ))),
    }
}

/// A signed shift count, refused when negative.
fn count(b: i64) -> Result<u64, EvalError> {
    u64::try_from(b)
        .map_err(|_| EvalError::msg(format!("cannot shift by a negative number of bits ({b})")))
}

fn shl(a: u64, b: u64) -> u64 {
    u32::try_from(b)
        .ok()
        .and_then(|b| a.checked_shl(b))
        .unwrap_or(0)
}

fn shr(a: u64, b: u64) -> u64 {
    u32::try_from(b)
        .ok()
        .and_then(|b| a.checked_shr(b))
        .unwrap_or(0)
}

fn sar(a: i64, b: u64) -> i64 {
    match u32::try_from(b).ok().and_then(|b| a.checked_shr(b)) {
        Some(v) => v,
        None if a < 0 => -1,
        None => 0,
    }
}

pub fn register(r: &mut Registry) {
    for package in ["bitwise", "experimental/bitwise"] {
        macro_rules! unsigned {
            ($($name:literal => $f:expr),* $(,)?) => {$(
                r.register(package, $name, |_, a| {
                    let (x, y) = (uint(a, "a")?, uint(a, "b")?);
                    let g: fn(u64, u64) -> u64 = $f;
                    Ok(Value::UInt(g(x, y)))
                });
            )*};
        }
        unsigned! {
            "uand" => |x, y| x & y,
            "uor" => |x, y| x | y,
            "uxor" => |x, y| x ^ y,
            "uclear" => |x, y| x & !y,
            "ulshift" => shl,
            "urshift" => shr,
        }
        macro_rules! signed {
            ($($name:literal => $f:expr),* $(,)?) => {$(
                r.register(package, $name, |_, a| {
                    let (x, y) = (int(a, "a")?, int(a, "b")?);
                    let g: fn(i64, i64) -> i64 = $f;
                    Ok(Value::Int(g(x, y)))
                });
            )*};
        }
        signed! {
            "sand" => |x, y| x & y,
            "sor" => |x, y| x | y,
            "sxor" => |x, y| x ^ y,
            "sclear" => |x, y| x & !y,
        }
        r.register(package, "slshift", |_, a| {
            let (x, y) = (int(a, "a")?, int(a, "b")?);
            let n = count(y)?;
            Ok(Value::Int(shl(x as u64, n) as i64))
        });
        r.register(package, "srshift", |_, a| {
            let (x, y) = (int(a, "a")?, int(a, "b")?);
            let n = count(y)?;
            Ok(Value::Int(sar(x, n)))
        });
        r.register(package, "unot", |_, a| Ok(Value::UInt(!uint(a, "a")?)));
        r.register(package, "snot", |_, a| Ok(Value::Int(!int(a, "a")?)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_past_the_width_give_what_was_shifted_in() {
        assert_eq!(shl(1, 63), 1 << 63);
        assert_eq!(shl(1, 64), 0);
        assert_eq!(shl(1, u64::MAX), 0);
        assert_eq!(shr(u64::MAX, 64), 0);
        assert_eq!(sar(-8, 1), -4);
        assert_eq!(sar(-8, 64), -1);
        assert_eq!(sar(8, 100), 0);
        assert!(count(-1).is_err());
        assert_eq!(count(3).ok(), Some(3));
    }
}
