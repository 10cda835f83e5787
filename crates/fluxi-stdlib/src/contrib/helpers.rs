//! The pure helpers of notification packages, which need no service:
//! `opsgenie.respondersToJSON` and `sensu.toSensuName`.

use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::Value;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register(
        "contrib/sranka/opsgenie",
        "respondersToJSON",
        responders_to_json,
    );
    r.register("contrib/sranka/sensu", "toSensuName", to_sensu_name);
}

/// `respondersToJSON(v:)`: `["user:ann", "team:ops"]` as Opsgenie's responders JSON,
/// `[{"type":"user","username":"ann"},{"type":"team","name":"ops"}]`; `team:`,
/// `escalation:` and `schedule:` give a `name`, `user:` a `username`. Any other form is an
/// error naming it.
fn responders_to_json(_: &mut Interpreter, a: &mut Args) -> R {
    let list = match a.required("v")? {
        Value::Array(items) => items,
        other => {
            return Err(EvalError::msg(format!(
                "`v` must be an array of strings, not {}",
                other.type_name()
            )))
        }
    };
    let mut out = String::from("[");
    for (i, item) in list.iter().enumerate() {
        let Value::String(item) = item else {
            return Err(EvalError::msg(format!(
                "`v` must be an array of strings; element {i} is {}",
                item.type_name()
            )));
        };
        let (kind, key, rest) = [
            ("user:", "user", "username"),
            ("team:", "team", "name"),
            ("escalation:", "escalation", "name"),
            ("schedule:", "schedule", "name"),
        ]
        .iter()
        .find_map(|(prefix, kind, key)| item.strip_prefix(prefix).map(|rest| (*kind, *key, rest)))
        .ok_or_else(|| {
            EvalError::msg(format!(
                "unsupported responder {:?}, it must start with one of ['user:','team:','escalation:','schedule:']",
                item.as_ref()
            ))
        })?;
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"type\":");
        crate::json::string(kind, &mut out);
        out.push_str(&format!(",\"{key}\":"));
        crate::json::string(rest, &mut out);
        out.push('}');
    }
    out.push(']');
    Ok(Value::string(out))
}

/// `toSensuName(v:)`: every character but ASCII letters, digits, `_`, `.` and `-` replaced
/// by `_`; the empty string becomes `_`.
fn to_sensu_name(_: &mut Interpreter, a: &mut Args) -> R {
    let v = a.string("v")?;
    if v.is_empty() {
        return Ok(Value::string("_"));
    }
    Ok(Value::string(
        v.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>(),
    ))
}
