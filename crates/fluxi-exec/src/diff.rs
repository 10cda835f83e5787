//! `experimental.diff` (behind `testing.diff`): compare two streams table by table.
//!
//! Tables are matched by group key (order of tables does not matter; tables with equal keys
//! are concatenated; a key on one side only is compared with an empty table). Rows compare
//! on the non-key columns: a column missing on one side equals null; floats are equal within
//! 1e-6 or when both are NaN. For every key whose rows differ, one table is produced with a
//! `_diff` column: `-` for rows only in `want`, `+` for rows only in `got`, empty for rows in
//! both, following the longest common subsequence.

use crate::error::{ExecError, Result};
use fluxi_value::{ColumnType, GroupKey, Table, Value};

struct Side {
    columns: Vec<(String, ColumnType)>,
    rows: Vec<Vec<(String, Value)>>,
}

fn collect(tables: &[Table]) -> Vec<(GroupKey, Side)> {
    let mut out: Vec<(GroupKey, Side)> = Vec::new();
    for t in tables {
        let cols = t.columns();
        let idx = match out.iter().position(|(k, _)| k == t.key()) {
            Some(i) => i,
            None => {
                out.push((
                    t.key().clone(),
                    Side {
                        columns: Vec::new(),
                        rows: Vec::new(),
                    },
                ));
                out.len() - 1
            }
        };
        let side = &mut out[idx].1;
        for c in &cols {
            if !t.key().contains(&c.0) && !side.columns.iter().any(|(l, _)| *l == c.0) {
                side.columns.push(c.clone());
            }
        }
        for r in 0..t.num_rows() {
            side.rows.push(
                cols.iter()
                    .enumerate()
                    .filter(|(_, (l, _))| !t.key().contains(l))
                    .map(|(c, (l, _))| (l.clone(), t.value(r, c)))
                    .collect(),
            );
        }
    }
    out
}

fn cell<'a>(row: &'a [(String, Value)], label: &str) -> &'a Value {
    row.iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v)
        .unwrap_or(&Value::Null)
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Float(x), Value::Float(y)) => {
            x == y || (x.is_nan() && y.is_nan()) || (x - y).abs() <= 1e-6
        }
        _ => a.equals(b) == Some(true),
    }
}

/// Compare `got` with `want`; an empty result means they are equal.
pub fn diff(got: &[Table], want: &[Table]) -> Result<Vec<Table>> {
    let got_sides = collect(got);
    let want_sides = collect(want);
    let mut keys: Vec<GroupKey> = want_sides.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in &got_sides {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    let empty = Side {
        columns: Vec::new(),
        rows: Vec::new(),
    };
    let mut out = Vec::new();
    for key in keys {
        if key.contains("_diff") {
            return Err(ExecError::msg(
                "a group key column is named _diff, which diff needs for itself",
            ));
        }
        let g = got_sides
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(&empty, |(_, s)| s);
        let w = want_sides
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(&empty, |(_, s)| s);
        for (l, t) in &w.columns {
            if let Some((_, u)) = g.columns.iter().find(|(m, _)| m == l) {
                if t != u {
                    return Err(ExecError::msg(format!(
                        "column \"{l}\" has different types {t} != {u}"
                    )));
                }
            }
        }
        let mut columns = w.columns.clone();
        for c in &g.columns {
            if !columns.iter().any(|(l, _)| *l == c.0) {
                columns.push(c.clone());
            }
        }
        let eq = |a: &[(String, Value)], b: &[(String, Value)]| {
            columns
                .iter()
                .all(|(l, _)| values_equal(cell(a, l), cell(b, l)))
        };
        if g.rows.len() == w.rows.len() && g.rows.iter().zip(&w.rows).all(|(a, b)| eq(a, b)) {
            continue;
        }
        // Longest common subsequence of want (i) and got (j).
        let (n, m) = (w.rows.len(), g.rows.len());
        let mut lcs = vec![vec![0usize; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if eq(&w.rows[i], &g.rows[j]) {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let mut rows: Vec<(&str, &[(String, Value)])> = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && eq(&w.rows[i], &g.rows[j]) {
                rows.push(("", &w.rows[i]));
                i += 1;
                j += 1;
            } else if i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1]) {
                rows.push(("-", &w.rows[i]));
                i += 1;
            } else {
                rows.push(("+", &g.rows[j]));
                j += 1;
            }
        }
        let mut cols = vec![("_diff".to_string(), ColumnType::String)];
        cols.extend(key.columns().iter().map(|k| (k.label.clone(), k.ty)));
        cols.extend(columns.iter().cloned());
        let data: Vec<Vec<Value>> = rows
            .iter()
            .map(|(mark, r)| {
                let mut v = vec![Value::string(*mark)];
                v.extend(key.columns().iter().map(|k| k.value.clone()));
                v.extend(columns.iter().map(|(l, _)| cell(r, l).clone()));
                v
            })
            .collect();
        let labels: Vec<String> = key.columns().iter().map(|k| k.label.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &data, None)?);
    }
    Ok(out)
}
