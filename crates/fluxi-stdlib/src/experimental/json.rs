//! `experimental/json`: `parse`, JSON text as Flux values.

use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{Record, Value};
use std::sync::Arc;

pub fn register(r: &mut Registry) {
    r.register("experimental/json", "parse", parse);
}

fn parse(_: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let data = match a.required("data")? {
        Value::Bytes(b) => b,
        v => {
            return Err(
                EvalError::msg(format!("`data` must be bytes, not {}", v.type_name()))
                    .with_hint("convert a string with `bytes(v: ...)`"),
            )
        }
    };
    // serde_json refuses nesting deeper than 128 levels, so the conversion below (one
    // level of recursion per level of nesting) is bounded too.
    let json: serde_json::Value = serde_json::from_slice(&data)
        .map_err(|e| EvalError::msg(format!("`data` is not valid JSON: {e}")))?;
    to_value(&json, &mut String::from("$"))
}

/// The Flux value of a JSON value at `path` (for messages, like `$.a[2]`).
fn to_value(j: &serde_json::Value, path: &mut String) -> Result<Value, EvalError> {
    use serde_json::Value as J;
    Ok(match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_f64() {
            Some(f) => Value::Float(f),
            None => {
                return Err(EvalError::msg(format!(
                    "the number at {path} does not fit a float"
                )))
            }
        },
        J::String(s) => Value::string(s.as_str()),
        J::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                let v = to_value(item, path)?;
                if let Some(first) = out.first() {
                    if !same_type(first, &v) {
                        return Err(EvalError::msg(format!(
                            "the array elements at {path} and {}[0] differ in type ({} and {}); a Flux array holds one type",
                            &path[..len],
                            type_text(&v),
                            type_text(first)
                        )));
                    }
                }
                path.truncate(len);
                out.push(v);
            }
            Value::Array(Arc::new(out))
        }
        J::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            let len = path.len();
            for (k, v) in map {
                path.push('.');
                path.push_str(k);
                fields.push((Arc::<str>::from(k.as_str()), to_value(v, path)?));
                path.truncate(len);
            }
            Value::Record(Arc::new(Record::from_fields(fields)))
        }
    })
}

/// Whether two parsed values have the same Flux type: the same kind, records with the
/// same properties of the same types, arrays whose elements agree (an empty array agrees
/// with any array).
fn same_type(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Record(x), Value::Record(y)) => {
            x.len() == y.len()
                && x.fields()
                    .iter()
                    .zip(y.fields())
                    .all(|((lx, vx), (ly, vy))| lx == ly && same_type(vx, vy))
        }
        (Value::Array(x), Value::Array(y)) => match (x.first(), y.first()) {
            (Some(p), Some(q)) => same_type(p, q),
            _ => true,
        },
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// A value's type as Flux writes it (`{a: float}`, `[string]`), for messages.
fn type_text(v: &Value) -> String {
    match v {
        Value::Record(r) => {
            let parts: Vec<String> = r
                .fields()
                .iter()
                .map(|(l, v)| format!("{l}: {}", type_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Array(items) => match items.first() {
            Some(first) => format!("[{}]", type_text(first)),
            None => "[]".into(),
        },
        v => v.type_name().to_string(),
    }
}
