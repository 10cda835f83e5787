//! The `strings`, `regexp` and `math` packages, and `array.concat`/`map`/`filter`.
//! Index results are byte offsets, as upstream (Go strings are byte-indexed).

use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{Record, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

fn s(a: &mut Args, name: &str) -> Result<String, EvalError> {
    a.string(name)
}

fn i(a: &mut Args, name: &str) -> Result<i64, EvalError> {
    a.opt_int(name)?
        .ok_or_else(|| EvalError::msg(format!("missing required argument `{name}`")))
}

fn f(a: &mut Args, name: &str) -> Result<f64, EvalError> {
    a.opt_float(name)?
        .ok_or_else(|| EvalError::msg(format!("missing required argument `{name}`")))
}

fn strs(v: Vec<&str>) -> Value {
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
    register_regexp(r);
    register_math(r);
    register_array(r);
}

fn regex_arg(a: &mut Args) -> Result<Arc<regex::Regex>, EvalError> {
    match a.required("r")? {
        Value::Regex(r) => Ok(r),
        v => Err(EvalError::msg(format!(
            "`r` must be a regular expression, not {}",
            v.type_name()
        ))),
    }
}

fn register_regexp(r: &mut Registry) {
    r.register("regexp", "compile", |interp, a| {
        Ok(Value::Regex(interp.regex(&s(a, "v")?)?))
    });
    r.register("regexp", "quoteMeta", |_, a| {
        Ok(Value::string(regex::escape(&s(a, "v")?)))
    });
    r.register("regexp", "getString", |_, a| {
        Ok(Value::string(regex_arg(a)?.as_str()))
    });
    r.register("regexp", "matchRegexpString", |_, a| {
        let re = regex_arg(a)?;
        Ok(Value::Bool(re.is_match(&s(a, "v")?)))
    });
    r.register("regexp", "findString", |_, a| {
        let re = regex_arg(a)?;
        let v = s(a, "v")?;
        Ok(Value::string(re.find(&v).map_or("", |m| m.as_str())))
    });
    r.register("regexp", "findStringIndex", |_, a| {
        let re = regex_arg(a)?;
        let v = s(a, "v")?;
        let found = re.find(&v).map_or(Vec::new(), |m| {
            vec![Value::Int(m.start() as i64), Value::Int(m.end() as i64)]
        });
        Ok(Value::Array(Arc::new(found)))
    });
    r.register("regexp", "replaceAllString", |_, a| {
        let re = regex_arg(a)?;
        let (v, t) = (s(a, "v")?, s(a, "t")?);
        Ok(Value::string(re.replace_all(&v, t.as_str()).into_owned()))
    });
    r.register("regexp", "splitRegexp", |_, a| {
        let re = regex_arg(a)?;
        let (v, n) = (s(a, "v")?, i(a, "i")?);
        let parts: Vec<&str> = match n {
            0 => Vec::new(),
            n if n < 0 => re.split(&v).collect(),
            n => re.splitn(&v, n as usize).collect(),
        };
        Ok(strs(parts))
    });
}

fn record(fields: Vec<(&str, Value)>) -> Value {
    Value::Record(Arc::new(Record::from_fields(
        fields.into_iter().map(|(k, v)| (Arc::from(k), v)),
    )))
}

fn register_math(r: &mut Registry) {
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

fn array_arg(a: &mut Args) -> Result<Arc<Vec<Value>>, EvalError> {
    match a.take_pipe("arr") {
        Some(Value::Array(items)) => Ok(items),
        Some(v) => Err(EvalError::msg(format!(
            "`arr` must be an array, not {}",
            v.type_name()
        ))),
        None => Err(EvalError::msg("missing required argument `arr`")),
    }
}

fn register_array(r: &mut Registry) {
    fn concat(_: &mut Interpreter, a: &mut Args) -> R {
        let mut items = (*array_arg(a)?).clone();
        match a.required("v")? {
            Value::Array(more) => items.extend(more.iter().cloned()),
            v => {
                return Err(EvalError::msg(format!(
                    "`v` must be an array, not {}",
                    v.type_name()
                )))
            }
        }
        Ok(Value::Array(Arc::new(items)))
    }
    fn map(interp: &mut Interpreter, a: &mut Args) -> R {
        let items = array_arg(a)?;
        let f = a.function("fn")?;
        let span = a.span;
        let mut out = Vec::with_capacity(items.len());
        for x in items.iter() {
            out.push(interp.call(&f, vec![("x".into(), x.clone())], None, span)?);
        }
        Ok(Value::Array(Arc::new(out)))
    }
    fn filter(interp: &mut Interpreter, a: &mut Args) -> R {
        let items = array_arg(a)?;
        let f = a.function("fn")?;
        let span = a.span;
        let mut out = Vec::new();
        for x in items.iter() {
            if let Value::Bool(true) = interp.call(&f, vec![("x".into(), x.clone())], None, span)? {
                out.push(x.clone());
            }
        }
        Ok(Value::Array(Arc::new(out)))
    }
    for pkg in ["array", "experimental/array"] {
        r.register(pkg, "concat", concat);
        r.register(pkg, "map", map);
        r.register(pkg, "filter", filter);
    }
}
