//! The `strings` package. Index results are byte offsets, as upstream (Go strings are
//! byte-indexed).

use fluxi_eval::{Args, ErrorKind, EvalError, Registry};
use fluxi_value::Value;
use std::sync::Arc;

/// The longest string a function builds (1 GiB); a longer one is a `fluxi::eval::limit`
/// error instead of an allocation that fails.
pub(crate) const MAX_STRING_BYTES: usize = 1 << 30;

pub(crate) type R = Result<Value, EvalError>;

pub(crate) fn s(a: &mut Args, name: &str) -> Result<String, EvalError> {
    a.string(name)
}

pub(crate) fn i(a: &mut Args, name: &str) -> Result<i64, EvalError> {
    a.opt_int(name)?
        .ok_or_else(|| EvalError::msg(format!("missing required argument `{name}`")))
}

pub(crate) fn f(a: &mut Args, name: &str) -> Result<f64, EvalError> {
    a.opt_float(name)?
        .ok_or_else(|| EvalError::msg(format!("missing required argument `{name}`")))
}

pub(crate) fn strs(v: Vec<&str>) -> Value {
    Value::Array(Arc::new(v.into_iter().map(Value::string).collect()))
}

fn idx(o: Option<usize>) -> Value {
    Value::Int(o.map_or(-1, |i| i as i64))
}

fn one_char(v: &str) -> Option<char> {
    let mut c = v.chars();
    match (c.next(), c.next()) {
        (Some(x), None) => Some(x),
        _ => None,
    }
}

/// Go's `strings.Title`: upper-case the first letter of every word.
fn title(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut prev_letter = false;
    for c in v.chars() {
        if !prev_letter && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_letter = c.is_alphanumeric() || c == '_' || c == '\'';
    }
    out
}

/// Split keeping at most `n` parts (n < 0: all), optionally keeping the separator.
fn split_n<'a>(v: &'a str, sep: &str, n: i64, after: bool) -> Vec<&'a str> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let mut parts: Vec<&str> = v
            .char_indices()
            .map(|(i, c)| &v[i..i + c.len_utf8()])
            .collect();
        if n > 0 && parts.len() > n as usize {
            let cut = parts[..n as usize - 1].iter().map(|p| p.len()).sum();
            parts.truncate(n as usize - 1);
            parts.push(&v[cut..]);
        }
        return parts;
    }
    let mut out = Vec::new();
    let mut rest = v;
    while n < 0 || (out.len() as i64) < n - 1 {
        match rest.find(sep) {
            Some(p) => {
                let end = if after { p + sep.len() } else { p };
                out.push(&rest[..end]);
                rest = &rest[p + sep.len()..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

pub fn register(r: &mut Registry) {
    r.register("strings", "toUpper", |_, a| {
        Ok(Value::string(s(a, "v")?.to_uppercase()))
    });
    r.register("strings", "toLower", |_, a| {
        Ok(Value::string(s(a, "v")?.to_lowercase()))
    });
    r.register("strings", "trimSpace", |_, a| {
        Ok(Value::string(s(a, "v")?.trim()))
    });
    r.register("strings", "strlen", |_, a| {
        Ok(Value::Int(s(a, "v")?.chars().count() as i64))
    });
    r.register("strings", "title", |_, a| {
        Ok(Value::string(title(&s(a, "v")?)))
    });
    r.register("strings", "toTitle", |_, a| {
        Ok(Value::string(s(a, "v")?.to_uppercase()))
    });
    r.register("strings", "trim", |_, a| {
        let (v, cut) = (s(a, "v")?, s(a, "cutset")?);
        Ok(Value::string(v.trim_matches(|c| cut.contains(c))))
    });
    r.register("strings", "trimLeft", |_, a| {
        let (v, cut) = (s(a, "v")?, s(a, "cutset")?);
        Ok(Value::string(v.trim_start_matches(|c| cut.contains(c))))
    });
    r.register("strings", "trimRight", |_, a| {
        let (v, cut) = (s(a, "v")?, s(a, "cutset")?);
        Ok(Value::string(v.trim_end_matches(|c| cut.contains(c))))
    });
    r.register("strings", "trimPrefix", |_, a| {
        let (v, p) = (s(a, "v")?, s(a, "prefix")?);
        Ok(Value::string(v.strip_prefix(p.as_str()).unwrap_or(&v)))
    });
    r.register("strings", "trimSuffix", |_, a| {
        let (v, p) = (s(a, "v")?, s(a, "suffix")?);
        Ok(Value::string(v.strip_suffix(p.as_str()).unwrap_or(&v)))
    });
    r.register("strings", "hasPrefix", |_, a| {
        Ok(Value::Bool(s(a, "v")?.starts_with(&s(a, "prefix")?)))
    });
    r.register("strings", "hasSuffix", |_, a| {
        Ok(Value::Bool(s(a, "v")?.ends_with(&s(a, "suffix")?)))
    });
    r.register("strings", "containsStr", |_, a| {
        Ok(Value::Bool(s(a, "v")?.contains(&s(a, "substr")?)))
    });
    r.register("strings", "containsAny", |_, a| {
        let (v, chars) = (s(a, "v")?, s(a, "chars")?);
        Ok(Value::Bool(v.chars().any(|c| chars.contains(c))))
    });
    r.register("strings", "equalFold", |_, a| {
        Ok(Value::Bool(
            s(a, "v")?.to_lowercase() == s(a, "t")?.to_lowercase(),
        ))
    });
    r.register("strings", "compare", |_, a| {
        Ok(Value::Int(s(a, "v")?.cmp(&s(a, "t")?) as i64))
    });
    r.register("strings", "countStr", |_, a| {
        let (v, sub) = (s(a, "v")?, s(a, "substr")?);
        Ok(Value::Int(if sub.is_empty() {
            v.chars().count() as i64 + 1
        } else {
            v.matches(sub.as_str()).count() as i64
        }))
    });
    r.register("strings", "index", |_, a| {
        Ok(idx(s(a, "v")?.find(&s(a, "substr")?)))
    });
    r.register("strings", "lastIndex", |_, a| {
        Ok(idx(s(a, "v")?.rfind(&s(a, "substr")?)))
    });
    r.register("strings", "indexAny", |_, a| {
        let (v, chars) = (s(a, "v")?, s(a, "chars")?);
        Ok(idx(v.find(|c| chars.contains(c))))
    });
    r.register("strings", "lastIndexAny", |_, a| {
        let (v, chars) = (s(a, "v")?, s(a, "chars")?);
        Ok(idx(v.rfind(|c| chars.contains(c))))
    });
    r.register("strings", "isDigit", |_, a| {
        Ok(Value::Bool(
            one_char(&s(a, "v")?).is_some_and(|c| c.is_numeric()),
        ))
    });
    r.register("strings", "isLetter", |_, a| {
        Ok(Value::Bool(
            one_char(&s(a, "v")?).is_some_and(char::is_alphabetic),
        ))
    });
    r.register("strings", "isLower", |_, a| {
        Ok(Value::Bool(
            one_char(&s(a, "v")?).is_some_and(char::is_lowercase),
        ))
    });
    r.register("strings", "isUpper", |_, a| {
        Ok(Value::Bool(
            one_char(&s(a, "v")?).is_some_and(char::is_uppercase),
        ))
    });
    r.register("strings", "repeat", |_, a| {
        let (v, n) = (s(a, "v")?, i(a, "i")?);
        if n < 0 {
            return Err(EvalError::msg("strings.repeat: negative repeat count"));
        }
        let bytes = usize::try_from(n)
            .ok()
            .and_then(|n| v.len().checked_mul(n))
            .filter(|&b| b <= MAX_STRING_BYTES);
        let Some(_) = bytes else {
            return Err(EvalError::new(
                ErrorKind::Limit,
                format!(
                    "{n} copies of a {}-byte string would pass the limit of \
                     {MAX_STRING_BYTES} bytes for a string",
                    v.len()
                ),
            ));
        };
        Ok(Value::string(v.repeat(n as usize)))
    });
    r.register("strings", "replace", |_, a| {
        let (v, t, u, n) = (s(a, "v")?, s(a, "t")?, s(a, "u")?, i(a, "i")?);
        Ok(Value::string(if n < 0 {
            v.replace(&t, &u)
        } else {
            v.replacen(&t, &u, n as usize)
        }))
    });
    r.register("strings", "replaceAll", |_, a| {
        let (v, t, u) = (s(a, "v")?, s(a, "t")?, s(a, "u")?);
        Ok(Value::string(v.replace(&t, &u)))
    });
    r.register("strings", "split", |_, a| {
        let (v, t) = (s(a, "v")?, s(a, "t")?);
        Ok(strs(split_n(&v, &t, -1, false)))
    });
    r.register("strings", "splitAfter", |_, a| {
        let (v, t) = (s(a, "v")?, s(a, "t")?);
        Ok(strs(split_n(&v, &t, -1, true)))
    });
    r.register("strings", "splitN", |_, a| {
        let (v, t, n) = (s(a, "v")?, s(a, "t")?, i(a, "i")?);
        Ok(strs(split_n(&v, &t, n, false)))
    });
    r.register("strings", "splitAfterN", |_, a| {
        let (v, t, n) = (s(a, "v")?, s(a, "t")?, i(a, "i")?);
        Ok(strs(split_n(&v, &t, n, true)))
    });
    r.register("strings", "joinStr", |_, a| {
        let arr = a.opt_strings("arr")?.unwrap_or_default();
        Ok(Value::string(arr.join(&s(a, "v")?)))
    });
    r.register("strings", "substring", |_, a| {
        let (v, start, end) = (s(a, "v")?, i(a, "start")?, i(a, "end")?);
        let chars: Vec<char> = v.chars().collect();
        let start = start.clamp(0, chars.len() as i64) as usize;
        let end = end.clamp(start as i64, chars.len() as i64) as usize;
        Ok(Value::string(chars[start..end].iter().collect::<String>()))
    });
}
