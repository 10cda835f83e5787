//! `experimental/dynamic`: wrapping values as `dynamic`, reading JSON into dynamic values
//! and back, unwrapping dynamic arrays and asking what a dynamic value holds.
//! (Property access and indexing on dynamic values are the evaluator's; the conversion
//! functions unwrap dynamic values in `universe::conv`.)

use fluxi_eval::{Args, ErrorKind, EvalError, Interpreter, Registry};
use fluxi_value::{Record, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

const PKG: &str = "experimental/dynamic";

/// Whether a value has a type.
type TypeTest = fn(&Value) -> bool;

/// The names `isType` knows, with their tests.
const TYPES: &[(&str, TypeTest)] = &[
    ("string", |v| matches!(v, Value::String(_))),
    ("bytes", |v| matches!(v, Value::Bytes(_))),
    ("int", |v| matches!(v, Value::Int(_))),
    ("uint", |v| matches!(v, Value::UInt(_))),
    ("float", |v| matches!(v, Value::Float(_))),
    ("bool", |v| matches!(v, Value::Bool(_))),
    ("time", |v| matches!(v, Value::Time(_))),
    ("duration", |v| matches!(v, Value::Duration(_))),
    ("regexp", |v| matches!(v, Value::Regex(_))),
    ("array", |v| matches!(v, Value::Array(_))),
    ("object", |v| matches!(v, Value::Record(_))),
    ("function", |v| matches!(v, Value::Function(_))),
    ("dictionary", |v| matches!(v, Value::Dict(_))),
    ("stream", |v| matches!(v, Value::Stream(_))),
];

pub fn register(r: &mut Registry) {
    r.register(PKG, "dynamic", |_, a| Ok(a.required("v")?.into_dynamic()));
    r.register(PKG, "asArray", as_array);
    r.register(PKG, "jsonParse", json_parse);
    r.register(PKG, "jsonEncode", json_encode);
    r.register(PKG, "isType", is_type);
}

fn as_array(_: &mut Interpreter, a: &mut Args) -> R {
    let v = match a.take_pipe("v") {
        Some(v) => v,
        None => a.required("v")?,
    };
    match v.undynamic() {
        Value::Array(items) => Ok(Value::Array(Arc::new(
            items.iter().map(|x| x.clone().into_dynamic()).collect(),
        ))),
        inner => Err(EvalError::new(
            ErrorKind::Type,
            format!(
                "unable to convert a dynamic {} to an array",
                inner.type_name()
            ),
        )
        .with_hint("check with `dynamic.isType(v: x, type: \"array\")` first")),
    }
}

fn is_type(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.required("v")?;
    let name = a.string("type")?;
    let test = TYPES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let known: Vec<&str> = TYPES.iter().map(|(n, _)| *n).collect();
            EvalError::new(
                ErrorKind::Runtime,
                format!("unknown type {name:?}; the types are {}", known.join(", ")),
            )
        })?;
    Ok(Value::Bool(test(v.undynamic())))
}

fn json_parse(_: &mut Interpreter, a: &mut Args) -> R {
    let data = match a.required("data")? {
        Value::Bytes(b) => b,
        v => {
            return Err(
                EvalError::msg(format!("`data` must be bytes, not {}", v.type_name()))
                    .with_hint("convert a string with `bytes(v: ...)`"),
            )
        }
    };
    // serde_json refuses nesting deeper than 128 levels, so the recursion below is
    // bounded too.
    let json: serde_json::Value = serde_json::from_slice(&data).map_err(|e| {
        EvalError::new(ErrorKind::Runtime, format!("`data` is not valid JSON: {e}"))
    })?;
    to_dynamic(&json)
}

/// The dynamic value of a JSON value: numbers are floats, as upstream reads them.
fn to_dynamic(j: &serde_json::Value) -> R {
    use serde_json::Value as J;
    let inner = match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_f64() {
            Some(f) => Value::Float(f),
            None => {
                return Err(EvalError::msg(format!(
                    "the number {n} does not fit a float"
                )))
            }
        },
        J::String(s) => Value::string(s.as_str()),
        J::Array(items) => Value::Array(Arc::new(
            items.iter().map(to_dynamic).collect::<Result<_, _>>()?,
        )),
        J::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            for (k, v) in map {
                fields.push((Arc::<str>::from(k.as_str()), to_dynamic(v)?));
            }
            Value::Record(Arc::new(Record::from_fields(fields)))
        }
    };
    Ok(Value::Dynamic(Arc::new(inner)))
}

fn json_encode(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.required("v")?;
    let mut out = String::new();
    crate::json::encode(&v, &mut out)?;
    Ok(Value::Bytes(Arc::from(out.into_bytes())))
}
