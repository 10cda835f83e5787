//! `experimental/table`: `fill`, one row for every empty table.

use crate::util::{derived, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{Table, Value};

pub fn register(r: &mut Registry) {
    r.register("experimental/table", "fill", fill);
}

/// `fill()`: a table with rows passes unchanged; an empty table gets one row holding its
/// group key values in the key columns and nulls in the others, so that transformations
/// after it (selectors, `duplicate`, `fill`) still see its group. Filling twice changes
/// nothing more.
fn fill(_: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let tables = a.tables()?;
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        if !t.is_empty() {
            out.push(t.clone());
            continue;
        }
        let columns = t.columns();
        let row: Vec<Value> = columns
            .iter()
            .map(|(label, _)| {
                t.key()
                    .get(label)
                    .map(|k| k.value.clone())
                    .unwrap_or(Value::Null)
            })
            .collect();
        let key_labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        let filled = Table::from_rows(&key_labels, &columns, &[row], None).map_err(ve)?;
        // `from_rows` takes key values from the row, which holds exactly the key's.
        out.push(Table::new(t.key().clone(), filled.batch().clone()).map_err(ve)?);
    }
    derived(&tables, out)
}
