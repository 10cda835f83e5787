//! The `regexp` package.

use crate::strings::{i, s, strs};
use fluxi_eval::{Args, EvalError, Registry};
use fluxi_value::Value;
use std::sync::Arc;

fn regex_arg(a: &mut Args) -> Result<Arc<regex::Regex>, EvalError> {
    match a.required("r")? {
        Value::Regex(r) => Ok(r),
        v => Err(EvalError::msg(format!(
            "`r` must be a regular expression, not {}",
            v.type_name()
        ))),
    }
}

pub fn register(r: &mut Registry) {
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
