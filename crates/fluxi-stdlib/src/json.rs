//! `json.encode`: Flux values as JSON text, as upstream writes them (Go's
//! `encoding/json`): object keys sorted, `<`, `>` and `&` escaped as `\u003c`..., times in
//! RFC 3339 with the fraction's trailing zeros dropped, bytes in base64, durations as
//! their literal, floats shortest (with an exponent below 1e-6 and from 1e21 on).

use fluxi_eval::{EvalError, Interpreter, Registry};
use fluxi_value::Value;
use std::sync::Arc;

pub fn register(r: &mut Registry) {
    r.register("json", "encode", |_: &mut Interpreter, a| {
        let v = a.required("v")?;
        let mut out = String::new();
        encode(&v, &mut out)?;
        Ok(Value::Bytes(Arc::from(out.into_bytes())))
    });
}

/// Append the JSON of `v`.
pub fn encode(v: &Value, out: &mut String) -> Result<(), EvalError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Dynamic(inner) => encode(inner, out)?,
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::UInt(u) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&float(*f)?),
        Value::String(s) => string(s, out),
        Value::Time(t) => string(
            &fluxi_time::format_rfc3339(*t, fluxi_time::Fraction::Trimmed),
            out,
        ),
        Value::Duration(d) => string(&d.to_string(), out),
        Value::Regex(r) => string(r.as_str(), out),
        Value::Bytes(b) => {
            use base64::Engine as _;
            string(&base64::engine::general_purpose::STANDARD.encode(b), out)
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out)?;
            }
            out.push(']');
        }
        Value::Record(r) => {
            let mut fields: Vec<(&str, &Value)> =
                r.fields().iter().map(|(k, v)| (k.as_ref(), v)).collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            object(fields.into_iter().map(|(k, v)| (k.to_string(), v)), out)?;
        }
        Value::Dict(d) => {
            let mut entries: Vec<(String, &Value)> = d
                .entries()
                .iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            object(entries.into_iter(), out)?;
        }
        Value::Function(_) => return Err(EvalError::msg("cannot encode a function as JSON")),
        Value::Stream(_) => {
            return Err(EvalError::msg(
                "cannot encode a stream of tables as JSON; take values out of it first \
                 (findRecord, findColumn)",
            ))
        }
    }
    Ok(())
}

fn object<'a>(
    fields: impl Iterator<Item = (String, &'a Value)>,
    out: &mut String,
) -> Result<(), EvalError> {
    out.push('{');
    for (i, (k, v)) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(&k, out);
        out.push(':');
        encode(v, out)?;
    }
    out.push('}');
    Ok(())
}

fn float(f: f64) -> Result<String, EvalError> {
    if !f.is_finite() {
        return Err(EvalError::msg(format!(
            "cannot encode {} as JSON",
            fluxi_value::value::format_float(f)
        )));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Go: 1e-07 is written 1e-7, 1e+21 as 1e+21.
        let s = format!("{f:e}");
        return Ok(match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        });
    }
    Ok(format!("{f}"))
}

/// `s` as a JSON string, escaped as Go's `encoding/json` does.
pub(crate) fn string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluxi_value::Record;

    fn json(v: &Value) -> String {
        let mut s = String::new();
        encode(v, &mut s).unwrap();
        s
    }

    #[test]
    fn values_as_go_writes_them() {
        let rec = Record::from_fields([
            (Arc::from("b"), Value::Float(1e-7)),
            (Arc::from("a"), Value::string("<x & \"y\">\n")),
            (
                Arc::from("c"),
                Value::Array(Arc::new(vec![
                    Value::Int(-1),
                    Value::Null,
                    Value::Bool(true),
                ])),
            ),
            (Arc::from("d"), Value::Time(1_500_000_000_000_000_000)),
            (Arc::from("e"), Value::Bytes(Arc::from(&b"hi"[..]))),
            (Arc::from("f"), Value::Float(2.5)),
            (Arc::from("g"), Value::Float(1e21)),
        ]);
        assert_eq!(
            json(&Value::Record(Arc::new(rec))),
            r#"{"a":"\u003cx \u0026 \"y\"\u003e\n","b":1e-7,"c":[-1,null,true],"d":"2017-07-14T02:40:00Z","e":"aGk=","f":2.5,"g":1e+21}"#
        );
        let mut s = String::new();
        assert!(encode(&Value::Float(f64::NAN), &mut s).is_err());
    }
}
