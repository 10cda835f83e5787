//! The `types` package: `isType` (and `isNumeric`, written in Flux over it).

use fluxi_eval::Registry;
use fluxi_value::Value;

/// The name `types.isType` uses for the type of `v`, if it is a basic type.
fn basic_name(v: &Value) -> Option<&'static str> {
    Some(match v {
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
        Value::Float(_) => "float",
        Value::Bool(_) => "bool",
        Value::Time(_) => "time",
        Value::Duration(_) => "duration",
        Value::Regex(_) => "regexp",
        _ => return None,
    })
}

pub fn register(r: &mut Registry) {
    r.register("types", "isType", |_, a| {
        let v = a.required("v")?;
        let name = a.string("type")?;
        Ok(Value::Bool(basic_name(&v) == Some(name.as_str())))
    });
}
