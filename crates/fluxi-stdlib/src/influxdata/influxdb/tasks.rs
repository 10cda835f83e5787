//! `influxdata/influxdb/tasks`: what the task scheduler tells a task's script.
//!
//! The scheduler sets the package's `lastSuccessTime` option for each run (through
//! `fluxi::Engine::with_option`); until the task has succeeded once it holds the
//! `_zeroTime` sentinel, a null. `lastSuccess` is a builtin rather than a Flux definition
//! so that it reads the option when it runs: a value set from outside, or by the script's
//! own `option tasks.lastSuccessTime = ...`, takes effect.

use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::Value;

type R = Result<Value, EvalError>;

const PACKAGE: &str = "influxdata/influxdb/tasks";

pub fn register(r: &mut Registry) {
    r.constant(PACKAGE, "_zeroTime", Value::Null);
    r.register(PACKAGE, "_lastSuccess", |i, a| {
        let last = a.required("lastSuccessTime")?;
        last_success(i, a, last)
    });
    r.register(PACKAGE, "lastSuccess", |i, a| {
        let last = i.option(PACKAGE, "lastSuccessTime")?;
        last_success(i, a, last)
    });
}

/// `last` when it is a time; `orTime` when it is null (never succeeded).
fn last_success(interp: &mut Interpreter, a: &mut Args, last: Value) -> R {
    let or_time = match a.required("orTime")? {
        Value::Time(t) => t,
        Value::Duration(d) => {
            let now = interp.now()?;
            d.add_to(now).ok_or_else(|| {
                EvalError::msg("`orTime` counted from now() is outside the times fluxi covers")
            })?
        }
        v => {
            return Err(EvalError::msg(format!(
                "keyword argument \"orTime\" should be a time or duration, but got {}",
                v.type_name()
            )))
        }
    };
    match last {
        Value::Null => Ok(Value::Time(or_time)),
        Value::Time(t) => Ok(Value::Time(t)),
        v => Err(EvalError::msg(format!(
            "option \"lastSuccessTime\" should be a time, but got {}",
            v.type_name()
        ))),
    }
}
