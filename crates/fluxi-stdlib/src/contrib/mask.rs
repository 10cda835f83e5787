//! `contrib/jsternberg/influxdb._mask`: hide columns from each table.

use crate::util::{derived, ex};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ops;
use fluxi_value::Value;

pub fn register(r: &mut Registry) {
    r.register("contrib/jsternberg/influxdb", "_mask", mask);
}

/// `_mask(columns:)`: each table without the listed columns (in its rows and its group
/// key); columns a table lacks are ignored. Tables are not merged, even when two end with
/// the same key.
fn mask(_: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let tables = a.tables()?;
    let columns = a
        .opt_strings("columns")?
        .ok_or_else(|| EvalError::msg("missing required argument `columns`"))?;
    let hidden = |label: &str| columns.iter().any(|c| c == label);
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        out.extend(ops::select_columns(std::slice::from_ref(t), &|l| !hidden(l)).map_err(ex)?);
    }
    derived(&tables, out)
}
