//! The builtins of the notification packages: `slack.validateColorString` and
//! `pagerduty.dedupKey` (the rest of `slack` and `pagerduty` is Flux over `http`).

use crate::util::{derived, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{ColumnType, Table, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("slack", "validateColorString", |_, a| {
        let color = a.string("color")?;
        validate_color(&color)?;
        Ok(Value::string(color))
    });
    r.register("pagerduty", "dedupKey", dedup_key);
}

/// `good`, `warning`, `danger`, or `#` and a hex number up to `ffffff`.
fn validate_color(color: &str) -> Result<(), EvalError> {
    if matches!(color, "good" | "warning" | "danger") {
        return Ok(());
    }
    let ok = color
        .strip_prefix('#')
        .and_then(|hex| i64::from_str_radix(hex, 16).ok())
        .is_some_and(|n| (0..=0xff_ffff).contains(&n));
    if ok {
        Ok(())
    } else {
        Err(EvalError::msg(format!(
            "could not parse color string {color:?}: use good, warning, danger or a hex color \
             such as #ff0000"
        )))
    }
}

/// The name of the column `dedupKey` adds.
const DEDUP_COLUMN: &str = "_pagerdutyDedupKey";

/// A key value as upstream writes it into the hashed text (Go's formatting).
fn key_text(v: &Value) -> Result<String, EvalError> {
    Ok(match v {
        Value::Null => String::new(),
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => format!("{f}"),
        Value::Bool(b) => b.to_string(),
        Value::Time(t) => go_time(*t),
        other => {
            return Err(EvalError::msg(format!(
                "cannot make a dedup key of a {} group key value",
                other.type_name()
            )))
        }
    })
}

/// Go's `time.Time.String()` of a UTC time: `2021-06-08 09:00:00.5 +0000 UTC`.
fn go_time(t: i64) -> String {
    let text = fluxi_time::format_rfc3339(t, fluxi_time::Fraction::Trimmed);
    let body = text.trim_end_matches('Z').replacen('T', " ", 1);
    format!("{body} +0000 UTC")
}

/// `pagerduty.dedupKey(exclude:)`: each row gets the hex SHA-256 of its table's group
/// key (`label\nvalue\n` per column, labels sorted, `exclude` left out).
fn dedup_key(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let exclude = a.opt_strings("exclude")?.unwrap_or_else(|| {
        vec![
            "_start".to_string(),
            "_stop".to_string(),
            "_level".to_string(),
        ]
    });
    let mut out = Vec::with_capacity(tables.tables().len());
    for t in tables.tables() {
        let mut cols: Vec<_> = t
            .key()
            .columns()
            .iter()
            .filter(|c| !exclude.contains(&c.label))
            .collect();
        cols.sort_by(|a, b| a.label.cmp(&b.label));
        let mut text = String::new();
        for c in cols {
            text.push_str(&c.label);
            text.push('\n');
            text.push_str(&key_text(&c.value)?);
            text.push('\n');
        }
        let hash = Sha256::digest(text.as_bytes());
        let key: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        out.push(with_string_column(t, DEDUP_COLUMN, &key)?);
    }
    derived(&tables, out)
}

/// `t` with a string column of `value` on every row (replacing one of that name).
fn with_string_column(t: &Table, label: &str, value: &str) -> Result<Table, EvalError> {
    let rows = t.num_rows();
    let mut columns: Vec<(String, ColumnType, arrow_array::ArrayRef)> = t
        .columns()
        .into_iter()
        .zip(t.batch().columns().iter())
        .filter(|((name, _), _)| name != label)
        .map(|((name, ty), array)| (name, ty, Arc::clone(array)))
        .collect();
    let array = arrow_array::StringArray::from(vec![value; rows]);
    columns.push((label.to_string(), ColumnType::String, Arc::new(array)));
    let mut key = t.key().clone();
    if key.contains(label) {
        key = fluxi_value::GroupKey::new(
            key.columns()
                .iter()
                .filter(|c| c.label != label)
                .cloned()
                .collect(),
        );
    }
    Table::from_arrays(key, columns, rows).map_err(ve)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors() {
        for ok in ["good", "warning", "danger", "#ff0000", "#0", "#FFFFFF"] {
            assert!(validate_color(ok).is_ok(), "{ok}");
        }
        for bad in ["red", "#1000000", "#xyz", "", "#"] {
            assert!(validate_color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_times() {
        assert_eq!(
            go_time(1_623_142_800_000_000_000),
            "2021-06-08 09:00:00 +0000 UTC"
        );
        assert_eq!(
            go_time(1_623_142_800_500_000_000),
            "2021-06-08 09:00:00.5 +0000 UTC"
        );
    }
}
