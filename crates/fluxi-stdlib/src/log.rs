//! `log.info`, `log.warn`, `log.error`: a line in the run's log (the engine's log sink, or
//! standard error); each returns its message, so that it can stand inside an expression.

use fluxi_eval::{LogLevel, Registry};
use fluxi_value::Value;

pub fn register(r: &mut Registry) {
    for (name, level) in [
        ("info", LogLevel::Info),
        ("warn", LogLevel::Warn),
        ("error", LogLevel::Error),
    ] {
        r.register("log", name, move |interp, a| {
            let message = a.string("message")?;
            interp.log(level, &message)?;
            Ok(Value::string(message))
        });
    }
}
