//! The `math` package; the special functions (error function, Gamma, Bessel) are in
//! [`special`].

mod special;

use crate::strings::{f, i};
use fluxi_eval::{EvalError, Registry};
use fluxi_value::{Record, Value};
use std::sync::Arc;

fn record(fields: Vec<(&str, Value)>) -> Value {
    Value::Record(Arc::new(Record::from_fields(
        fields.into_iter().map(|(k, v)| (Arc::from(k), v)),
    )))
}

pub fn register(r: &mut Registry) {
    macro_rules! unary {
        ($($name:literal => $f:expr),* $(,)?) => {
            $( r.register("math", $name, |_, a| { let x = f(a, "x")?; let g: fn(f64) -> f64 = $f; Ok(Value::Float(g(x))) }); )*
        };
    }
    unary! {
        "abs" => f64::abs, "acos" => f64::acos, "acosh" => f64::acosh, "asin" => f64::asin,
        "asinh" => f64::asinh, "atan" => f64::atan, "atanh" => f64::atanh, "cbrt" => f64::cbrt,
        "ceil" => f64::ceil, "cos" => f64::cos, "cosh" => f64::cosh, "exp" => f64::exp,
        "exp2" => f64::exp2, "expm1" => f64::exp_m1, "floor" => f64::floor, "log" => f64::ln,
        "log10" => f64::log10, "log1p" => f64::ln_1p, "log2" => f64::log2, "sin" => f64::sin,
        "sinh" => f64::sinh, "sqrt" => f64::sqrt, "tan" => f64::tan, "tanh" => f64::tanh,
        "trunc" => f64::trunc, "round" => f64::round, "roundtoeven" => f64::round_ties_even,
        "erf" => special::erf, "erfc" => special::erfc, "erfinv" => special::erfinv,
        "erfcinv" => special::erfcinv, "gamma" => special::gamma, "j0" => special::j0,
        "j1" => special::j1, "y0" => special::y0, "y1" => special::y1,
        "logb" => |x: f64| if x == 0.0 { f64::NEG_INFINITY } else if x.is_infinite() { f64::INFINITY } else if x.is_nan() { x } else { x.abs().log2().floor() },
    }
    macro_rules! binary {
        ($($name:literal ($p:literal, $q:literal) => $f:expr),* $(,)?) => {
            $( r.register("math", $name, |_, a| { let x = f(a, $p)?; let y = f(a, $q)?; let g: fn(f64, f64) -> f64 = $f; Ok(Value::Float(g(x, y))) }); )*
        };
    }
    binary! {
        "atan2" ("y", "x") => f64::atan2, "copysign" ("x", "y") => f64::copysign,
        "dim" ("x", "y") => |x, y| if x > y { x - y } else if x.is_nan() || y.is_nan() { f64::NAN } else { 0.0 },
        "hypot" ("p", "q") => f64::hypot, "mMax" ("x", "y") => |x: f64, y: f64| if x.is_nan() || y.is_nan() { f64::NAN } else { x.max(y) },
        "mMin" ("x", "y") => |x: f64, y: f64| if x.is_nan() || y.is_nan() { f64::NAN } else { x.min(y) },
        "mod" ("x", "y") => |x, y| x % y, "pow" ("x", "y") => f64::powf,
        "remainder" ("x", "y") => |x: f64, y: f64| x - (x / y).round_ties_even() * y,
        "nextafter" ("x", "y") => |x: f64, y: f64| {
            if x.is_nan() || y.is_nan() { f64::NAN } else if x == y { x } else if x == 0.0 { f64::from_bits(1).copysign(y) }
            else if (y > x) == (x > 0.0) { f64::from_bits(x.to_bits() + 1) } else { f64::from_bits(x.to_bits() - 1) }
        },
    }
    r.register("math", "jn", |_, a| {
        let (n, x) = (i(a, "n")?, f(a, "x")?);
        Ok(Value::Float(special::jn(n, x)?))
    });
    r.register("math", "yn", |_, a| {
        let (n, x) = (i(a, "n")?, f(a, "x")?);
        Ok(Value::Float(special::yn(n, x)?))
    });
    r.register("math", "lgamma", |_, a| {
        let (value, sign) = special::lgamma(f(a, "x")?);
        Ok(record(vec![
            ("lgamma", Value::Float(value)),
            ("sign", Value::Int(sign)),
        ]))
    });
    r.register("math", "isNaN", |_, a| Ok(Value::Bool(f(a, "f")?.is_nan())));
    r.register("math", "isInf", |_, a| {
        let (x, sign) = (f(a, "f")?, i(a, "sign")?);
        Ok(Value::Bool(
            (sign >= 0 && x == f64::INFINITY) || (sign <= 0 && x == f64::NEG_INFINITY),
        ))
    });
    r.register("math", "mInf", |_, a| {
        Ok(Value::Float(if i(a, "sign")? >= 0 {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        }))
    });
    r.register("math", "NaN", |_, _| Ok(Value::Float(f64::NAN)));
    r.register("math", "signbit", |_, a| {
        Ok(Value::Bool(f(a, "x")?.is_sign_negative()))
    });
    r.register("math", "pow10", |_, a| {
        Ok(Value::Float(10f64.powi(i(a, "n")?.clamp(-400, 400) as i32)))
    });
    r.register("math", "float64bits", |_, a| {
        Ok(Value::UInt(f(a, "f")?.to_bits()))
    });
    r.register("math", "float64frombits", |_, a| match a.required("b")? {
        Value::UInt(b) => Ok(Value::Float(f64::from_bits(b))),
        v => Err(EvalError::msg(format!(
            "`b` must be a uint, not {}",
            v.type_name()
        ))),
    });
    r.register("math", "ilogb", |_, a| {
        let x = f(a, "x")?;
        Ok(Value::Int(if x == 0.0 {
            i64::from(i32::MIN)
        } else if x.is_nan() || x.is_infinite() {
            i64::from(i32::MAX)
        } else {
            x.abs().log2().floor() as i64
        }))
    });
    r.register("math", "ldexp", |_, a| {
        let (frac, exp) = (f(a, "frac")?, i(a, "exp")?);
        Ok(Value::Float(
            frac * 2f64.powi(exp.clamp(-2000, 2000) as i32),
        ))
    });
    r.register("math", "frexp", |_, a| {
        let x = f(a, "f")?;
        if x == 0.0 || x.is_nan() || x.is_infinite() {
            return Ok(record(vec![
                ("frac", Value::Float(x)),
                ("exp", Value::Int(0)),
            ]));
        }
        let exp = x.abs().log2().floor() as i64 + 1;
        Ok(record(vec![
            ("frac", Value::Float(x / 2f64.powi(exp as i32))),
            ("exp", Value::Int(exp)),
        ]))
    });
    r.register("math", "modf", |_, a| {
        let x = f(a, "f")?;
        Ok(record(vec![
            ("int", Value::Float(x.trunc())),
            ("frac", Value::Float(x.fract())),
        ]))
    });
    r.register("math", "sincos", |_, a| {
        let x = f(a, "x")?;
        Ok(record(vec![
            ("sin", Value::Float(x.sin())),
            ("cos", Value::Float(x.cos())),
        ]))
    });
}
