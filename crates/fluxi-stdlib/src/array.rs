//! The `array` package's `concat`, `map` and `filter`, and `experimental/array`'s
//! element conversions `toBool` ... `toUInt` (`array.from` is with the universe table
//! functions).

use crate::strings::R;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::Value;
use std::sync::Arc;

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

pub fn register(r: &mut Registry) {
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
    for (name, to) in [
        ("toBool", "bool"),
        ("toDuration", "duration"),
        ("toFloat", "float"),
        ("toInt", "int"),
        ("toString", "string"),
        ("toTime", "time"),
        ("toUInt", "uint"),
    ] {
        r.register("experimental/array", name, move |i, a| {
            convert_all(i, a, to)
        });
    }
}

/// `experimental/array.to*`: every element converted as the universe conversion of that
/// type converts a value (`toInt` as `int(v:)`); an element that cannot be converted is
/// an error naming its index.
fn convert_all(interp: &mut Interpreter, a: &mut Args, to: &str) -> R {
    let items = array_arg(a)?;
    let mut out = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        out.push(
            crate::universe::conv::convert(interp, to, x.clone()).map_err(|mut e| {
                e.message = format!("element {i}: {}", e.message);
                e
            })?,
        );
    }
    Ok(Value::Array(Arc::new(out)))
}
