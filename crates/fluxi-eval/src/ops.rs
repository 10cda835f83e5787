//! Operator semantics on values: null in, null out; integer division by zero is an error;
//! comparisons work across int, uint and float.

use crate::error::{ErrorKind, EvalError, Result};
use fluxi_semantic::nodes::{BinaryOp, LogicalOp, UnaryOp};
use fluxi_value::Value;
use std::cmp::Ordering;

fn type_error(op: BinaryOp, a: &Value, b: &Value) -> EvalError {
    EvalError::new(
        ErrorKind::Type,
        format!(
            "`{}` is not defined for {} and {}",
            op.as_str(),
            a.type_name(),
            b.type_name()
        ),
    )
}

/// An integer result outside its type: `a op b` does not fit.
fn overflow(op: BinaryOp, a: &Value, b: &Value) -> EvalError {
    let ty = if matches!(a, Value::UInt(_)) {
        "uint"
    } else {
        "int"
    };
    let text = |v: &Value| match v {
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        other => other.type_name().to_string(),
    };
    EvalError::new(
        ErrorKind::Overflow,
        format!(
            "integer overflow: {} {} {} does not fit in {ty}",
            text(a),
            op.as_str(),
            text(b)
        ),
    )
}

fn divide_by_zero() -> EvalError {
    EvalError::new(ErrorKind::DivideByZero, "cannot divide by zero")
}

/// Evaluate a unary operator: `exists` of anything, null in null out otherwise.
pub fn unary(op: UnaryOp, v: Value) -> Result<Value> {
    Ok(match (op, v) {
        (UnaryOp::Exists, v) => Value::Bool(!v.undynamic().is_null()),
        (_, Value::Null) => Value::Null,
        (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
        (UnaryOp::Neg, Value::Int(i)) => Value::Int(i.checked_neg().ok_or_else(|| {
            EvalError::new(
                ErrorKind::Overflow,
                format!("integer overflow: -({i}) does not fit in int"),
            )
        })?),
        (UnaryOp::Neg, Value::Float(f)) => Value::Float(-f),
        (UnaryOp::Neg, Value::Duration(d)) => Value::Duration(d.negated()),
        (
            UnaryOp::Pos,
            v @ (Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Duration(_)),
        ) => v,
        (op, v) => {
            return Err(EvalError::new(
                ErrorKind::Type,
                format!("`{}` is not defined for {}", op.as_str(), v.type_name()),
            ))
        }
    })
}

/// Evaluate `and` / `or` with left value `l`, evaluating the right side (`right`) only
/// when `l` does not decide: three-valued, a null operand gives null unless the other
/// decides.
pub fn logical(op: LogicalOp, l: &Value, right: impl FnOnce() -> Result<Value>) -> Result<Value> {
    Ok(match (op, l) {
        (LogicalOp::And, Value::Bool(false)) => Value::Bool(false),
        (LogicalOp::Or, Value::Bool(true)) => Value::Bool(true),
        _ => match (op, l, &right()?) {
            (LogicalOp::And, Value::Bool(true), r) | (LogicalOp::Or, Value::Bool(false), r) => {
                r.clone()
            }
            (LogicalOp::And, Value::Null, Value::Bool(false)) => Value::Bool(false),
            (LogicalOp::Or, Value::Null, Value::Bool(true)) => Value::Bool(true),
            _ => Value::Null,
        },
    })
}

/// Evaluate a binary operator.
pub fn binary(op: BinaryOp, a: &Value, b: &Value) -> Result<Value> {
    use BinaryOp::*;
    use Value::*;
    if a.is_null() || b.is_null() {
        return Ok(Null);
    }
    Ok(match op {
        Add => match (a, b) {
            (Int(x), Int(y)) => Int(x.checked_add(*y).ok_or_else(|| overflow(op, a, b))?),
            (UInt(x), UInt(y)) => UInt(x.checked_add(*y).ok_or_else(|| overflow(op, a, b))?),
            (Float(x), Float(y)) => Float(x + y),
            (String(x), String(y)) => Value::string(format!("{x}{y}")),
            _ => return Err(type_error(op, a, b)),
        },
        Sub => match (a, b) {
            (Int(x), Int(y)) => Int(x.checked_sub(*y).ok_or_else(|| overflow(op, a, b))?),
            (UInt(x), UInt(y)) => UInt(x.checked_sub(*y).ok_or_else(|| overflow(op, a, b))?),
            (Float(x), Float(y)) => Float(x - y),
            _ => return Err(type_error(op, a, b)),
        },
        Mul => match (a, b) {
            (Int(x), Int(y)) => Int(x.checked_mul(*y).ok_or_else(|| overflow(op, a, b))?),
            (UInt(x), UInt(y)) => UInt(x.checked_mul(*y).ok_or_else(|| overflow(op, a, b))?),
            (Float(x), Float(y)) => Float(x * y),
            _ => return Err(type_error(op, a, b)),
        },
        Div => match (a, b) {
            (Int(_), Int(0)) | (UInt(_), UInt(0)) => return Err(divide_by_zero()),
            (Int(x), Int(y)) => Int(x.checked_div(*y).ok_or_else(|| overflow(op, a, b))?),
            (UInt(x), UInt(y)) => UInt(x / y),
            (Float(x), Float(y)) => Float(x / y),
            _ => return Err(type_error(op, a, b)),
        },
        Mod => match (a, b) {
            (Int(_), Int(0)) | (UInt(_), UInt(0)) => return Err(divide_by_zero()),
            (Int(x), Int(y)) => Int(x.wrapping_rem(*y)),
            (UInt(x), UInt(y)) => UInt(x % y),
            (Float(x), Float(y)) => Float(x % y),
            _ => return Err(type_error(op, a, b)),
        },
        Pow => match (a, b) {
            (Int(x), Int(y)) => Int((*x as f64).powf(*y as f64) as i64),
            (UInt(x), UInt(y)) => UInt((*x as f64).powf(*y as f64) as u64),
            (Float(x), Float(y)) => Float(x.powf(*y)),
            _ => return Err(type_error(op, a, b)),
        },
        Eq => match a.equals(b) {
            Some(e) => Bool(e),
            None => Null,
        },
        NotEq => match a.equals(b) {
            Some(e) => Bool(!e),
            None => Null,
        },
        Lt | Le | Gt | Ge => match a.compare(b) {
            Some(o) => Bool(match op {
                Lt => o == Ordering::Less,
                Le => o != Ordering::Greater,
                Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            }),
            None if matches!((a, b), (Float(x), _) | (_, Float(x)) if x.is_nan()) => Bool(false),
            None => return Err(type_error(op, a, b)),
        },
        RegexMatch | RegexNotMatch => match (a, b) {
            (String(s), Regex(r)) => Bool(r.is_match(s) == (op == RegexMatch)),
            _ => return Err(type_error(op, a, b)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_and_division() {
        assert!(binary(BinaryOp::Add, &Value::Null, &Value::Int(1)).is_ok_and(|v| v.is_null()));
        assert!(binary(BinaryOp::Eq, &Value::Null, &Value::Null).is_ok_and(|v| v.is_null()));
        let e = binary(BinaryOp::Div, &Value::Int(1), &Value::Int(0))
            .err()
            .map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("cannot divide by zero"));
        assert!(
            matches!(binary(BinaryOp::Div, &Value::Float(1.0), &Value::Float(0.0)), Ok(Value::Float(f)) if f.is_infinite())
        );
        let nan = Value::Float(f64::NAN);
        assert!(matches!(
            binary(BinaryOp::NotEq, &nan, &Value::Float(0.0)),
            Ok(Value::Bool(true))
        ));
        assert!(matches!(
            binary(BinaryOp::Eq, &nan, &nan),
            Ok(Value::Bool(false))
        ));
        assert!(matches!(
            binary(BinaryOp::Lt, &Value::Int(1), &Value::Float(1.5)),
            Ok(Value::Bool(true))
        ));
    }
}
