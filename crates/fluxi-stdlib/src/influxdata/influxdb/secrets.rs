//! `influxdata/influxdb/secrets.get`: a secret of the engine's store. The interpreter
//! remembers the value so that no error or log line of the run shows it.

use fluxi_eval::Registry;
use fluxi_value::Value;

pub fn register(r: &mut Registry) {
    r.register("influxdata/influxdb/secrets", "get", |interp, a| {
        let key = a.string("key")?;
        Ok(Value::string(interp.secret(&key)?))
    });
}
