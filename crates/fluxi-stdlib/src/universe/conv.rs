//! Scalar builtins: conversions, `now`, `length`, `contains`, `die`, and a few `strings`.

use fluxi_eval::{Args, ErrorKind, EvalError, Interpreter, Registry};
use fluxi_value::{Duration, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("system", "time", system_time);
    r.register("universe", "now", now);
    r.register("universe", "float", to_float);
    r.register("universe", "int", to_int);
    r.register("universe", "uint", to_uint);
    r.register("universe", "string", to_string);
    r.register("universe", "bool", to_bool);
    r.register("universe", "time", to_time);
    r.register("universe", "duration", to_duration);
    r.register("universe", "bytes", to_bytes);
    r.register("universe", "length", length);
    r.register("universe", "contains", contains);
    r.register("universe", "die", die);
}

/// Convert a value with the conversion function of that name (`float`, `int`, ...).
pub fn convert(interp: &mut Interpreter, to: &str, v: Value) -> R {
    let f: fn(&mut Interpreter, &mut Args) -> R = match to {
        "float" => to_float,
        "int" => to_int,
        "uint" => to_uint,
        "string" => to_string,
        "bool" => to_bool,
        "time" => to_time,
        "duration" => to_duration,
        _ => return Err(EvalError::msg(format!("no conversion to {to}"))),
    };
    let mut args = Args::new(
        vec![("v".to_string(), v)],
        None,
        fluxi_syntax::Span::default(),
    );
    f(interp, &mut args)
}

fn system_time(_: &mut Interpreter, _: &mut Args) -> R {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Ok(Value::Time(now))
}

fn now(interp: &mut Interpreter, _: &mut Args) -> R {
    Ok(Value::Time(interp.now()?))
}

/// The `v` argument of a conversion; a `dynamic` one converts the value it holds.
fn value_arg(a: &mut Args) -> R {
    Ok(match a.required("v")? {
        Value::Dynamic(inner) => inner.as_ref().clone(),
        v => v,
    })
}

fn cannot(v: &Value, to: &str) -> EvalError {
    if let Value::Function(c) = v {
        if let Some(ty) = c.type_text() {
            return EvalError::new(ErrorKind::Runtime, format!("cannot convert {ty} to {to}"));
        }
    }
    EvalError::new(
        ErrorKind::Runtime,
        format!("cannot convert {} {v} to {to}", v.type_name()),
    )
}

fn to_float(_: &mut Interpreter, a: &mut Args) -> R {
    let v = value_arg(a)?;
    Ok(match &v {
        Value::Null => Value::Null,
        Value::Float(f) => Value::Float(*f),
        Value::Int(i) => Value::Float(*i as f64),
        Value::UInt(u) => Value::Float(*u as f64),
        Value::Bool(b) => Value::Float(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => Value::Float(match s.trim() {
            "NaN" => f64::NAN,
            "+Inf" | "Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            t => t.parse::<f64>().map_err(|_| cannot(&v, "float"))?,
        }),
        _ => return Err(cannot(&v, "float")),
    })
}

fn to_int(_: &mut Interpreter, a: &mut Args) -> R {
    let v = value_arg(a)?;
    Ok(match &v {
        Value::Null => Value::Null,
        Value::Int(i) => Value::Int(*i),
        Value::UInt(u) => Value::Int(*u as i64),
        Value::Float(f) => {
            if f.is_nan() || f.is_infinite() {
                return Err(cannot(&v, "int"));
            }
            Value::Int(f.trunc() as i64)
        }
        Value::Bool(b) => Value::Int(i64::from(*b)),
        Value::Time(t) => Value::Int(*t),
        Value::Duration(d) => {
            Value::Int(d.as_nanos().ok_or_else(|| {
                EvalError::msg("a duration with months cannot be converted to int")
            })?)
        }
        Value::String(s) => Value::Int(s.parse::<i64>().map_err(|_| cannot(&v, "int"))?),
        _ => return Err(cannot(&v, "int")),
    })
}

fn to_uint(_: &mut Interpreter, a: &mut Args) -> R {
    let v = value_arg(a)?;
    Ok(match &v {
        Value::Null => Value::Null,
        Value::UInt(u) => Value::UInt(*u),
        Value::Int(i) => Value::UInt(*i as u64),
        Value::Float(f) => Value::UInt(f.trunc() as u64),
        Value::Bool(b) => Value::UInt(u64::from(*b)),
        Value::Time(t) => Value::UInt(*t as u64),
        Value::Duration(d) => {
            Value::UInt(d.as_nanos().ok_or_else(|| {
                EvalError::msg("a duration with months cannot be converted to uint")
            })? as u64)
        }
        Value::String(s) => Value::UInt(s.parse::<u64>().map_err(|_| cannot(&v, "uint"))?),
        _ => return Err(cannot(&v, "uint")),
    })
}

fn to_string(_: &mut Interpreter, a: &mut Args) -> R {
    let v = value_arg(a)?;
    Ok(match &v {
        Value::Null => Value::Null,
        Value::String(_) => v,
        Value::Int(_)
        | Value::UInt(_)
        | Value::Float(_)
        | Value::Bool(_)
        | Value::Time(_)
        | Value::Duration(_) => Value::string(v.to_string()),
        // Bytes are read as UTF-8 text (an HTTP answer's body, say); other bytes are not
        // text, and guessing would change them.
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => Value::string(s),
            Err(e) => {
                return Err(EvalError::msg(format!(
                    "cannot convert bytes to string: they are not UTF-8 text (the first bad \
                     byte is at offset {})",
                    e.valid_up_to()
                )))
            }
        },
        _ => return Err(cannot(&v, "string")),
    })
}

fn to_bool(_: &mut Interpreter, a: &mut Args) -> R {
    let v = value_arg(a)?;
    Ok(match &v {
        Value::Null => Value::Null,
        Value::Bool(b) => Value::Bool(*b),
        Value::String(s) => match &**s {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(cannot(&v, "bool")),
        },
        Value::Int(i) => match i {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            _ => return Err(cannot(&v, "bool")),
        },
        Value::UInt(u) => match u {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            _ => return Err(cannot(&v, "bool")),
        },
        Value::Float(f) => {
            if *f == 0.0 {
                Value::Bool(false)
            } else if *f == 1.0 {
                Value::Bool(true)
            } else {
                return Err(cannot(&v, "bool"));
            }
        }
        _ => return Err(cannot(&v, "bool")),
    })
}

fn to_time(_: &mut Interpreter, a: &mut Args) -> R {
    let v = value_arg(a)?;
    Ok(match &v {
        Value::Null => Value::Null,
        Value::Time(t) => Value::Time(*t),
        Value::Int(i) => Value::Time(*i),
        Value::UInt(u) => Value::Time(*u as i64),
        Value::String(s) => {
            let t = fluxi_time::parse_rfc3339(s)
                .map_err(|e| EvalError::msg(format!("cannot convert string {s:?} to time: {e}")))?;
            Value::Time(t.unix_nanos().ok_or_else(|| cannot(&v, "time"))?)
        }
        _ => return Err(cannot(&v, "time")),
    })
}

fn to_duration(_: &mut Interpreter, a: &mut Args) -> R {
    let v = value_arg(a)?;
    Ok(match &v {
        Value::Null => Value::Null,
        Value::Duration(d) => Value::Duration(*d),
        Value::Int(i) => Value::Duration(Duration::from_nanos(*i)),
        Value::UInt(u) => Value::Duration(Duration::from_nanos(
            i64::try_from(*u).map_err(|_| cannot(&v, "duration"))?,
        )),
        Value::String(s) => {
            let (neg, body) = match s.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, &**s),
            };
            let parts = fluxi_syntax::literals::parse_duration(body).map_err(|e| {
                EvalError::msg(format!("cannot convert string {s:?} to duration: {e}"))
            })?;
            let d = fluxi_eval::interp::duration_of(&parts)?;
            Value::Duration(if neg { d.negated() } else { d })
        }
        _ => return Err(cannot(&v, "duration")),
    })
}

fn to_bytes(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.required("v")?;
    if let Value::Dynamic(inner) = &v {
        if inner.is_null() {
            return Err(EvalError::new(
                ErrorKind::Runtime,
                "cannot convert null to bytes: the dynamic value holds null",
            ));
        }
    }
    match v.undynamic().clone() {
        Value::String(s) => Ok(Value::Bytes(Arc::from(s.as_bytes()))),
        Value::Bytes(b) => Ok(Value::Bytes(b)),
        Value::Null => Ok(Value::Null),
        v => Err(cannot(&v, "bytes")),
    }
}

fn length(_: &mut Interpreter, a: &mut Args) -> R {
    match a.take_pipe("arr") {
        Some(Value::Array(items)) => Ok(Value::Int(items.len() as i64)),
        Some(v) => Err(EvalError::msg(format!(
            "length needs an array, not {}",
            v.type_name()
        ))),
        None => Err(EvalError::msg("missing required argument `arr`")),
    }
}

fn contains(_: &mut Interpreter, a: &mut Args) -> R {
    let value = a.required("value")?;
    match a.required("set")? {
        Value::Array(items) => Ok(Value::Bool(
            items.iter().any(|v| v.equals(&value) == Some(true)),
        )),
        v => Err(EvalError::msg(format!(
            "contains needs an array `set`, not {}",
            v.type_name()
        ))),
    }
}

fn die(_: &mut Interpreter, a: &mut Args) -> R {
    let msg = a.string("msg")?;
    Err(EvalError::new(ErrorKind::Failed, msg))
}

fn dict_arg(a: &mut Args) -> Result<fluxi_value::Dict, EvalError> {
    match a.required("dict")? {
        Value::Dict(d) => Ok((*d).clone()),
        v => Err(EvalError::msg(format!(
            "`dict` must be a dictionary, not {}",
            v.type_name()
        ))),
    }
}

/// The `dict` package.
pub fn register_dict(r: &mut Registry) {
    r.register("dict", "get", |_, a| {
        let d = dict_arg(a)?;
        let key = a.required("key")?;
        let default = a.required("default")?;
        Ok(d.get(&key).cloned().unwrap_or(default))
    });
    r.register("dict", "insert", |_, a| {
        let mut d = dict_arg(a)?;
        let key = a.required("key")?;
        let value = a.required("value")?;
        d.insert(key, value);
        Ok(Value::Dict(Arc::new(d)))
    });
    r.register("dict", "remove", |_, a| {
        let mut d = dict_arg(a)?;
        let key = a.required("key")?;
        d.remove(&key);
        Ok(Value::Dict(Arc::new(d)))
    });
    r.register("dict", "fromList", |_, a| {
        let pairs = match a.required("pairs")? {
            Value::Array(items) => items,
            v => {
                return Err(EvalError::msg(format!(
                    "`pairs` must be an array of records, not {}",
                    v.type_name()
                )))
            }
        };
        let mut d = fluxi_value::Dict::default();
        for p in pairs.iter() {
            let Value::Record(rec) = p else {
                return Err(EvalError::msg("`pairs` must hold {key, value} records"));
            };
            d.insert(
                rec.get("key").cloned().unwrap_or(Value::Null),
                rec.get("value").cloned().unwrap_or(Value::Null),
            );
        }
        Ok(Value::Dict(Arc::new(d)))
    });
}
