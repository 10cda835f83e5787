//! `experimental/record`: `any` (an empty record standing for a record of any type) and
//! `get` (a property by name, with a default).

use fluxi_eval::{EvalError, Registry};
use fluxi_value::{Record, Value};
use std::sync::Arc;

pub fn register(r: &mut Registry) {
    r.constant(
        "experimental/record",
        "any",
        Value::Record(Arc::new(Record::new())),
    );
    r.register("experimental/record", "get", |_, a| {
        let rec = a
            .opt_record("r")?
            .ok_or_else(|| EvalError::msg("missing required argument `r`"))?;
        let key = a.string("key")?;
        let default = a.required("default")?;
        Ok(rec.get(&key).cloned().unwrap_or(default))
    });
}
