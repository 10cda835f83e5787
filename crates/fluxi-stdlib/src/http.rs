//! `http` (`post`, `basicAuth`, `pathEscape`; `endpoint` is Flux) and `http/requests`
//! (`_do`; `do`, `get`, `post` and `peek` are Flux). Every request goes through the
//! interpreter's egress policy ([`Interpreter::send`]); messages never show a header
//! value or a body.

use fluxi_eval::net::Request;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{Dict, Duration, Record, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("http", "post", post);
    r.register("http", "basicAuth", basic_auth);
    r.register("http", "pathEscape", |_, a| {
        Ok(Value::string(path_escape(&a.string("inputString")?)))
    });
    r.register("http/requests", "_do", requests_do);
}

/// The string properties of a header record (`http.post`); another type is an error.
fn record_headers(headers: Option<Arc<Record>>) -> Result<Vec<(String, String)>, EvalError> {
    let Some(rec) = headers else {
        return Ok(Vec::new());
    };
    rec.fields()
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k.to_string(), s.to_string())),
            other => Err(EvalError::msg(format!(
                "header {k:?} must be a string, not {}",
                other.type_name()
            ))),
        })
        .collect()
}

fn bytes_arg(a: &mut Args, name: &str) -> Result<Vec<u8>, EvalError> {
    match a.take(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Bytes(b)) => Ok(b.to_vec()),
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(v) => Err(EvalError::msg(format!(
            "argument `{name}` must be bytes, not {}",
            v.type_name()
        ))),
    }
}

/// `http.post(url:, headers:, data:)`: the status code.
fn post(interp: &mut Interpreter, a: &mut Args) -> R {
    let url = a.string("url")?;
    let headers = record_headers(a.opt_record("headers")?)?;
    let body = bytes_arg(a, "data")?;
    let answer = interp.send(&Request {
        method: "POST".into(),
        url,
        headers,
        body,
        timeout: None,
    })?;
    Ok(Value::Int(i64::from(answer.status)))
}

/// `http.basicAuth(u:, p:)`: `Basic ` and the base64 of `u:p`.
fn basic_auth(_: &mut Interpreter, a: &mut Args) -> R {
    use base64::Engine as _;
    let u = a.string("u")?;
    let p = a.string("p")?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
    Ok(Value::string(format!("Basic {encoded}")))
}

/// Escape `s` to stand as one path segment: letters, digits, `-_.~` and `$&+:=@` stay,
/// every other byte becomes `%XX` (as Go's `url.PathEscape`, which upstream uses).
pub fn path_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+:=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Escape a query component as Go's `url.QueryEscape`: a space is `+`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `[string: string]` dictionary's entries.
fn string_dict(v: Option<Value>, name: &str) -> Result<Vec<(String, String)>, EvalError> {
    let d = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Dict(d)) => d,
        Some(v) => {
            return Err(EvalError::msg(format!(
                "argument `{name}` must be a [string: string] dictionary, not {}",
                v.type_name()
            )))
        }
    };
    d.entries()
        .iter()
        .map(|(k, v)| match (k, v) {
            (Value::String(k), Value::String(v)) => Ok((k.to_string(), v.to_string())),
            _ => Err(EvalError::msg(format!(
                "argument `{name}` must have string keys and values"
            ))),
        })
        .collect()
}

/// The query string of `params` (`[string: [string]]`), keys sorted as Go's
/// `url.Values.Encode` does.
fn query_of(v: Option<Value>) -> Result<Option<String>, EvalError> {
    let d = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Dict(d)) => d,
        Some(v) => {
            return Err(EvalError::msg(format!(
                "argument `params` must be a [string: [string]] dictionary, not {}",
                v.type_name()
            )))
        }
    };
    let mut pairs: Vec<(String, Vec<String>)> = Vec::new();
    for (k, v) in d.entries() {
        let (Value::String(k), Value::Array(items)) = (k, v) else {
            return Err(EvalError::msg(
                "argument `params` must map strings to arrays of strings",
            ));
        };
        let mut values = Vec::new();
        for i in items.iter() {
            match i {
                Value::String(s) => values.push(s.to_string()),
                _ => {
                    return Err(EvalError::msg(
                        "argument `params` must map strings to arrays of strings",
                    ))
                }
            }
        }
        pairs.push((k.to_string(), values));
    }
    if pairs.is_empty() {
        return Ok(None);
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let parts: Vec<String> = pairs
        .iter()
        .flat_map(|(k, vs)| {
            vs.iter()
                .map(move |v| format!("{}={}", query_escape(k), query_escape(v)))
        })
        .collect();
    Ok(Some(parts.join("&")))
}

/// A header name as Go writes it (`content-type` → `Content-Type`).
fn canonical_header(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        upper = c == '-';
    }
    out
}

/// `requests._do(method:, url:, params:, headers:, body:, config:)`.
fn requests_do(interp: &mut Interpreter, a: &mut Args) -> R {
    let method = a.string("method")?;
    let mut url = a.string("url")?;
    if let Some(q) = query_of(a.take("params"))? {
        // The params replace the URL's own query, as upstream.
        let base = url.split(['?', '#']).next().unwrap_or_default().to_string();
        url = format!("{base}?{q}");
    }
    let headers = string_dict(a.take("headers"), "headers")?;
    let body = bytes_arg(a, "body")?;
    let config = a
        .opt_record("config")?
        .ok_or_else(|| EvalError::msg("missing required argument `config`"))?;
    let timeout = match config.get("timeout") {
        Some(Value::Duration(d)) => duration_limit(d)?,
        _ => return Err(EvalError::msg("`config` needs `timeout`, a duration")),
    };
    match config.get("insecureSkipVerify") {
        Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            return Err(EvalError::msg(
                "insecureSkipVerify: true is not supported: fluxi always checks the \
                 server's certificate",
            ))
        }
        _ => {
            return Err(EvalError::msg(
                "`config` needs `insecureSkipVerify`, a bool",
            ))
        }
    }
    let answer = interp.send(&Request {
        method,
        url,
        headers,
        body,
        timeout,
    })?;
    let headers = Dict::from_pairs(answer.headers.iter().map(|(n, v)| {
        (
            Value::string(canonical_header(n)),
            Value::string(v.as_str()),
        )
    }));
    let nanos = i64::try_from(answer.elapsed.as_nanos()).unwrap_or(i64::MAX);
    Ok(Value::Record(Arc::new(Record::from_fields([
        (
            Arc::from("statusCode"),
            Value::Int(i64::from(answer.status)),
        ),
        (Arc::from("body"), Value::Bytes(Arc::from(answer.body))),
        (Arc::from("headers"), Value::Dict(Arc::new(headers))),
        (
            Arc::from("duration"),
            Value::Duration(Duration::from_nanos(nanos)),
        ),
    ]))))
}

/// A request's own time limit: `None` for 0s (the engine's); months are refused.
fn duration_limit(d: &Duration) -> Result<Option<std::time::Duration>, EvalError> {
    if d.signed_months() != 0 {
        return Err(EvalError::msg(
            "the timeout of a request cannot be in months or years",
        ));
    }
    let n = d.signed_nanos();
    if n < 0 {
        return Err(EvalError::msg(
            "the timeout of a request cannot be negative",
        ));
    }
    Ok((n > 0).then(|| std::time::Duration::from_nanos(n as u64)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_escape_is_gos() {
        assert_eq!(path_escape("/hellohi!@#"), "%2Fhellohi%21@%23");
        assert_eq!(path_escape("./random$^%"), ".%2Frandom$%5E%25");
        assert_eq!(path_escape("a b/é"), "a%20b%2F%C3%A9");
    }

    #[test]
    fn query_and_header_names() {
        assert_eq!(query_escape("a b&c=d"), "a+b%26c%3Dd");
        assert_eq!(canonical_header("content-TYPE"), "Content-Type");
        assert_eq!(canonical_header("x-request-id"), "X-Request-Id");
    }
}
