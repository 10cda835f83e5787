//! `experimental.group(mode: "extend", columns:)`, which `http.endpoint` ends with: each
//! table regrouped on its own key columns plus `columns`.
//!
//! (The `monitor` work adds this module too, with `set` and `objectKeys`; when both meet,
//! keep that one: it does the same.)

use crate::util::{derived, ex};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ops;
use fluxi_value::Value;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("experimental", "group", group);
}

fn group(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let mode = a.string("mode")?;
    if mode != "extend" {
        return Err(EvalError::msg(format!(
            "unknown mode {mode:?}; the only mode of experimental.group is \"extend\""
        )));
    }
    let columns = a
        .opt_strings("columns")?
        .ok_or_else(|| EvalError::msg("missing required argument `columns`"))?;
    // Tables with the same key columns are regrouped together (their outputs may share
    // keys); tables with other key columns can never end with the same key.
    let mut by_labels: Vec<(Vec<String>, Vec<fluxi_value::Table>)> = Vec::new();
    for t in tables.tables() {
        let mut labels: Vec<String> = t.key().columns().iter().map(|c| c.label.clone()).collect();
        labels.sort();
        match by_labels.iter_mut().find(|(l, _)| *l == labels) {
            Some((_, ts)) => ts.push(t.clone()),
            None => by_labels.push((labels, vec![t.clone()])),
        }
    }
    let mut out = Vec::new();
    for (labels, ts) in by_labels {
        for c in &columns {
            if ts.iter().any(|t| t.column_index(c).is_none()) {
                return Err(EvalError::msg(format!(
                    "column {c:?} is not a column of the table"
                )));
            }
        }
        let mut key = labels;
        key.extend(
            columns
                .iter()
                .filter(|c| !key.contains(c))
                .cloned()
                .collect::<Vec<_>>(),
        );
        out.extend(ops::group(&ts, &key, false).map_err(ex)?);
    }
    derived(&tables, out)
}
