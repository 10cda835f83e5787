//! Equality joins of two tables with the same group key (the `join` package).
//!
//! A join is computed in two steps. [`join_rows`] pairs the rows: which left row goes with
//! which right row, in output order, with `None` for the missing side of an outer join.
//! Then the caller shapes each pair into an output row, either with the interpreter (the
//! `as` function called per pair) or, when `as` compiles, with [`join_table`], which builds
//! the output columns at once from the two tables and a [`JoinPlan`].
//!
//! The order is the one the row-by-row join always had: rows ordered by their join values
//! (nulls first), a left row's matches in right-row order, and right rows without a match
//! after the left rows with equal join values. For the `join` package two join values
//! match when they have the same type and print alike ([`join_rows`]); universe `join`
//! matches equal values ([`equal_rows`]). A null never matches.

use crate::builder::column_type_of;
use crate::codes::{CodeMap, ColumnCoder, Equality};
use crate::ops::row_order;
use crate::vector::{assemble_columns, Fallback, VExpr};
use arrow_array::cast::AsArray;
use arrow_array::{new_null_array, Array, ArrayRef, UInt64Array};
use arrow_schema::DataType;
use fluxi_value::table::build_array;
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Table, Value};
use std::cmp::Ordering;
use std::sync::Arc;

/// Which unmatched rows a join keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinMethod {
    /// Only matched pairs.
    Inner,
    /// Also left rows without a match.
    Left,
    /// Also right rows without a match.
    Right,
    /// Both.
    Full,
}

impl JoinMethod {
    /// The method named `name` (`inner`, `left`, `right` or `full`).
    pub fn parse(name: &str) -> Option<JoinMethod> {
        Some(match name {
            "inner" => JoinMethod::Inner,
            "left" => JoinMethod::Left,
            "right" => JoinMethod::Right,
            "full" => JoinMethod::Full,
            _ => return None,
        })
    }

    /// Whether left rows without a match are kept.
    pub fn keeps_left(self) -> bool {
        matches!(self, JoinMethod::Left | JoinMethod::Full)
    }

    /// Whether right rows without a match are kept.
    pub fn keeps_right(self) -> bool {
        matches!(self, JoinMethod::Right | JoinMethod::Full)
    }
}

/// One output row: the left row and the right row it is made of (`None`: that side is
/// missing and stands as nulls, with the group key's values in key columns).
pub type RowPair = (Option<usize>, Option<usize>);

/// The join values of every row of one side, one `u64` code per join column, laid out
/// row after row; `valid[r]` is false when a join value of row `r` is null (or missing),
/// and such a row matches nothing.
struct Codes {
    width: usize,
    codes: Vec<u64>,
    valid: Vec<bool>,
}

impl Codes {
    fn new(width: usize, rows: usize) -> Codes {
        Codes {
            width,
            codes: vec![0; width * rows],
            valid: vec![true; rows],
        }
    }

    fn row(&self, r: usize) -> Option<&[u64]> {
        let ok = self.valid.get(r).copied().unwrap_or(false);
        ok.then(|| self.codes.get(r * self.width..(r + 1) * self.width))
            .flatten()
    }
}

/// Code the join values of both sides so that two rows match exactly when their codes are
/// equal: numbers, times and booleans by their bits, strings by a number given to each
/// distinct string of this join column (on both sides; see [`crate::codes`]). A column one
/// side lacks matches no row; for the rest see [`Equality`].
fn code_rows(
    lt: &Table,
    rt: &Table,
    pairs: &[(String, String)],
    equality: Equality,
) -> Option<(Codes, Codes)> {
    let width = pairs.len();
    let mut left = Codes::new(width, lt.num_rows());
    let mut right = Codes::new(width, rt.num_rows());
    for (c, (ll, rl)) in pairs.iter().enumerate() {
        let la = lt.column_index(ll).map(|i| lt.batch().column(i));
        let ra = rt.column_index(rl).map(|i| rt.batch().column(i));
        let (Some(la), Some(ra)) = (la, ra) else {
            left.valid.fill(false);
            right.valid.fill(false);
            continue;
        };
        if la.data_type() != ra.data_type() {
            if equality == Equality::Value {
                return None;
            }
            left.valid.fill(false);
            right.valid.fill(false);
            continue;
        }
        let mut strings: CodeMap<&str, u64> = CodeMap::default();
        for (a, side) in [(la, &mut left), (ra, &mut right)] {
            let Some(coder) = ColumnCoder::of(a, equality) else {
                if equality == Equality::Value {
                    return None;
                }
                side.valid.fill(false);
                continue;
            };
            // `a` is a column of this side's table: `r` is below its row count, the
            // length of `valid`, and `r * width + c` below that of `codes`.
            for r in 0..a.len() {
                if a.is_null(r) {
                    side.valid[r] = false;
                    continue;
                }
                side.codes[r * width + c] = coder.code(r, &mut strings)?;
            }
        }
    }
    Some((left, right))
}

/// The join values of one row, for ordering rows of different tables.
fn join_values(t: &Table, row: usize, labels: &[String]) -> Vec<Value> {
    labels
        .iter()
        .map(|l| t.column_index(l).map_or(Value::Null, |c| t.value(row, c)))
        .collect()
}

/// Compare join values as `sort` orders them: nulls first, then by value, NaN after every
/// other float.
fn compare_values(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            (Value::Float(p), Value::Float(q)) => p
                .partial_cmp(q)
                .unwrap_or_else(|| p.is_nan().cmp(&q.is_nan())),
            _ => x.compare(y).unwrap_or(Ordering::Equal),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The output rows of joining `lt` with `rt` (`None`: no right table has this group key)
/// on the `(left label, right label)` pairs, in output order.
pub fn join_rows(
    lt: &Table,
    rt: Option<&Table>,
    pairs: &[(String, String)],
    method: JoinMethod,
) -> Vec<RowPair> {
    pair_rows(lt, rt, pairs, method, Equality::Printed).unwrap_or_default()
}

/// The matching rows of universe `join` of `lt` and `rt` on the columns `on` (in label
/// order): left rows ordered by their `on` values, each with its matches in right-row
/// order, rows with a null `on` value left out; the `(left, right)` row pairs. `None`
/// when only the general path can tell equal values apart exactly (an `on` column of
/// two types, or a NaN).
pub fn equal_rows(lt: &Table, rt: &Table, on: &[String]) -> Option<Vec<(usize, usize)>> {
    let pairs: Vec<(String, String)> = on.iter().map(|c| (c.clone(), c.clone())).collect();
    let rows = pair_rows(lt, Some(rt), &pairs, JoinMethod::Inner, Equality::Value)?;
    rows.into_iter().map(|(l, r)| Some((l?, r?))).collect()
}

fn pair_rows(
    lt: &Table,
    rt: Option<&Table>,
    pairs: &[(String, String)],
    method: JoinMethod,
    equality: Equality,
) -> Option<Vec<RowPair>> {
    let left_labels: Vec<String> = pairs.iter().map(|(l, _)| l.clone()).collect();
    let left_order = row_order(lt, &left_labels, false);
    let Some(rt) = rt else {
        return Some(if method.keeps_left() {
            left_order.into_iter().map(|l| (Some(l), None)).collect()
        } else {
            Vec::new()
        });
    };
    let (lcodes, rcodes) = code_rows(lt, rt, pairs, equality)?;
    // Right rows by join values: the first and last row of each value, chained in row
    // order through `next`.
    const END: usize = usize::MAX;
    let mut next = vec![END; rt.num_rows()];
    let mut heads: CodeMap<&[u64], (usize, usize)> =
        CodeMap::with_capacity_and_hasher(rt.num_rows(), Default::default());
    for r in 0..rt.num_rows() {
        let Some(code) = rcodes.row(r) else { continue };
        match heads.get_mut(code) {
            Some((_, last)) => {
                if let Some(slot) = next.get_mut(*last) {
                    *slot = r;
                }
                *last = r;
            }
            None => {
                heads.insert(code, (r, r));
            }
        }
    }
    let mut matched = vec![false; rt.num_rows()];
    let mut out = Vec::with_capacity(lt.num_rows());
    for l in left_order {
        let head = lcodes.row(l).and_then(|code| heads.get(code));
        let Some(&(first, _)) = head else {
            if method.keeps_left() {
                out.push((Some(l), None));
            }
            continue;
        };
        let mut r = first;
        while r != END {
            out.push((Some(l), Some(r)));
            if let Some(m) = matched.get_mut(r) {
                *m = true;
            }
            r = next.get(r).copied().unwrap_or(END);
        }
    }
    if !method.keeps_right() || matched.iter().all(|m| *m) {
        return Some(out);
    }
    // Unmatched right rows go among the others by their join values, after the rows with
    // equal values.
    let right_labels: Vec<String> = pairs.iter().map(|(_, r)| r.clone()).collect();
    let unmatched: Vec<usize> = row_order(rt, &right_labels, false)
        .into_iter()
        .filter(|r| !matched.get(*r).copied().unwrap_or(true))
        .collect();
    let mut merged = Vec::with_capacity(out.len() + unmatched.len());
    let mut pending = unmatched.into_iter().peekable();
    for pair in out {
        if let (Some(l), _) = pair {
            let lv = join_values(lt, l, &left_labels);
            while let Some(&r) = pending.peek() {
                if compare_values(&join_values(rt, r, &right_labels), &lv) != Ordering::Less {
                    break;
                }
                merged.push((None, Some(r)));
                pending.next();
            }
        }
        merged.push(pair);
    }
    merged.extend(pending.map(|r| (None, Some(r))));
    Some(merged)
}

/// Which record a compiled `as` extends (`{l with …}` or `{r with …}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinSide {
    /// The left row.
    Left,
    /// The right row.
    Right,
}

/// A compiled `as` function: `(l, r) => ({l with a: …})` or `({a: …, b: …})`. Its column
/// expressions read the left row's columns as `l.<label>` and the right row's as
/// `r.<label>` (see [`JoinPlan::column`]).
#[derive(Debug, Clone)]
pub struct JoinPlan {
    /// The row the record extends, if any.
    pub with: Option<JoinSide>,
    /// The properties, each label once (the last one written wins, as in a record).
    pub properties: Vec<(String, VExpr)>,
}

impl JoinPlan {
    /// The prefix of a left row's column names in the compiled expressions.
    pub const LEFT: &'static str = "l.";
    /// The prefix of a right row's column names in the compiled expressions.
    pub const RIGHT: &'static str = "r.";

    /// The name a compiled expression uses for column `label` of one side.
    pub fn column(side: JoinSide, label: &str) -> String {
        match side {
            JoinSide::Left => format!("{}{label}", Self::LEFT),
            JoinSide::Right => format!("{}{label}", Self::RIGHT),
        }
    }
}

/// One side of a join as the output is built from it: the table (if there is one) and the
/// columns its rows have (a missing table's rows have these columns, null but for the
/// group key's).
#[derive(Debug, Clone, Copy)]
pub struct JoinInput<'a> {
    /// The table, or `None` when no table of this side has the group key.
    pub table: Option<&'a Table>,
    /// The columns of the side's rows.
    pub columns: &'a [(String, ColumnType)],
}

/// One side's columns for the output rows: row `rows[i]` of the table, nulls for a missing
/// row, and the group key's value in key columns.
fn gather_side(
    input: JoinInput<'_>,
    key: &GroupKey,
    rows: impl Iterator<Item = Option<usize>>,
    n: usize,
) -> Result<Vec<(String, ColumnType, ArrayRef)>, Fallback> {
    let indices = UInt64Array::from_iter(rows.map(|r| r.map(|r| r as u64)));
    let mut out = Vec::with_capacity(input.columns.len());
    for (label, ty) in input.columns {
        let array = match key.get(label) {
            Some(k) if k.value.is_null() => new_null_array(&ty.arrow(), n),
            Some(k) => {
                let ty = column_type_of(&k.value).ok_or(Fallback)?;
                build_array(label, ty, std::iter::repeat_n(&k.value, n)).map_err(|_| Fallback)?
            }
            None => match input.table.and_then(|t| t.column_index(label)) {
                Some(c) => {
                    let column = input.table.map(|t| t.batch().column(c)).ok_or(Fallback)?;
                    arrow_select::take::take(column, &indices, None).map_err(|_| Fallback)?
                }
                None => new_null_array(&ty.arrow(), n),
            },
        };
        out.push((label.clone(), *ty, array));
    }
    Ok(out)
}

/// The output table of a join with a compiled `as`: the same table the row path builds
/// from `rows` (columns sorted by label, all-null columns left out), or [`Fallback`] where
/// the row path must decide (a record that changes or drops a group-key value is an error
/// the row path reports, with its span). `Ok(None)` when there are no rows.
pub fn join_table(
    key: &GroupKey,
    left: JoinInput<'_>,
    right: JoinInput<'_>,
    rows: &[RowPair],
    plan: &JoinPlan,
) -> Result<Option<Table>, Fallback> {
    let n = rows.len();
    if n == 0 {
        return Ok(None);
    }
    if key.columns().iter().any(|k| k.value.is_null()) {
        return Err(Fallback);
    }
    let lcols = gather_side(left, key, rows.iter().map(|p| p.0), n)?;
    let rcols = gather_side(right, key, rows.iter().map(|p| p.1), n)?;
    let wide: Vec<(String, ColumnType, ArrayRef)> = lcols
        .iter()
        .map(|(l, t, a)| (JoinPlan::column(JoinSide::Left, l), *t, Arc::clone(a)))
        .chain(
            rcols
                .iter()
                .map(|(l, t, a)| (JoinPlan::column(JoinSide::Right, l), *t, Arc::clone(a))),
        )
        .collect();
    let wide = Table::from_arrays(GroupKey::new(Vec::new()), wide, n).map_err(|_| Fallback)?;
    let mut cols: Vec<(String, Option<ArrayRef>)> = match plan.with {
        Some(JoinSide::Left) => lcols.into_iter().map(|(l, _, a)| (l, Some(a))).collect(),
        Some(JoinSide::Right) => rcols.into_iter().map(|(l, _, a)| (l, Some(a))).collect(),
        None => Vec::new(),
    };
    for (label, e) in &plan.properties {
        let a = e.evaluate(&wide)?;
        match cols.iter_mut().find(|(l, _)| l == label) {
            Some(slot) => slot.1 = a,
            None => cols.push((label.clone(), a)),
        }
    }
    // Every record must keep every group-key value as it is.
    let mut key_columns: Vec<KeyColumn> = Vec::new();
    for k in key.columns() {
        let a = cols
            .iter()
            .find(|(l, _)| *l == k.label)
            .and_then(|(_, a)| a.as_ref())
            .ok_or(Fallback)?;
        if a.null_count() > 0 || !all_equal(a, &k.value) {
            return Err(Fallback);
        }
        key_columns.push(k.clone());
    }
    assemble_columns(key_columns, cols, n).map(Some)
}

/// Whether every value of `a` equals `v` (same type).
fn all_equal(a: &ArrayRef, v: &Value) -> bool {
    match (a.data_type(), v) {
        (DataType::Utf8, Value::String(s)) => {
            a.as_string::<i32>().iter().all(|x| x == Some(s.as_ref()))
        }
        _ => (0..a.len()).all(|i| {
            let x = fluxi_value::table::array_value(a, i);
            x.equals(v) == Some(true) && column_type_of(&x) == column_type_of(v)
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A xorshift generator of test data from `seed`.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// A table of `n` random rows: `id` (int, few values, some null), `name` (string, few
    /// values, some null) and `f` (float, some -0.0 and NaN).
    fn table(next: &mut impl FnMut() -> u64, n: usize) -> Table {
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let id = match next() % 6 {
                0 => Value::Null,
                x => Value::Int(x as i64 % 3),
            };
            let name = match next() % 4 {
                0 => Value::Null,
                x => Value::string(["a", "b", "c"][x as usize % 3]),
            };
            let f = match next() % 5 {
                0 => Value::Float(f64::NAN),
                1 => Value::Float(-0.0),
                2 => Value::Float(0.0),
                _ => Value::Float(1.5),
            };
            rows.push(vec![id, name, f]);
        }
        let columns = [
            ("id".to_string(), ColumnType::Int),
            ("name".to_string(), ColumnType::String),
            ("f".to_string(), ColumnType::Float),
        ];
        Table::from_rows(&[], &columns, &rows, None).unwrap()
    }

    /// The pairing rules, written the plain way: a nested loop over rows, join values
    /// compared as values of one type (printing equal), then a stable sort by join values.
    fn reference(
        lt: &Table,
        rt: &Table,
        pairs: &[(String, String)],
        method: JoinMethod,
    ) -> Vec<RowPair> {
        let values = |t: &Table, r: usize, left: bool| -> Vec<Value> {
            let labels: Vec<String> = pairs
                .iter()
                .map(|(l, r)| if left { l.clone() } else { r.clone() })
                .collect();
            join_values(t, r, &labels)
        };
        let matches = |a: &[Value], b: &[Value]| {
            a.iter().zip(b).all(|(x, y)| {
                !x.is_null()
                    && !y.is_null()
                    && x.type_name() == y.type_name()
                    && x.to_string() == y.to_string()
            })
        };
        let mut left_rows: Vec<usize> = (0..lt.num_rows()).collect();
        left_rows.sort_by(|x, y| compare_values(&values(lt, *x, true), &values(lt, *y, true)));
        let mut out: Vec<(Vec<Value>, RowPair)> = Vec::new();
        let mut matched = vec![false; rt.num_rows()];
        for l in left_rows {
            let lv = values(lt, l, true);
            let hits: Vec<usize> = (0..rt.num_rows())
                .filter(|r| matches(&lv, &values(rt, *r, false)))
                .collect();
            if hits.is_empty() && method.keeps_left() {
                out.push((lv.clone(), (Some(l), None)));
            }
            for r in hits {
                matched[r] = true;
                out.push((lv.clone(), (Some(l), Some(r))));
            }
        }
        if method.keeps_right() {
            for r in (0..rt.num_rows()).filter(|r| !matched[*r]) {
                out.push((values(rt, r, false), (None, Some(r))));
            }
        }
        out.sort_by(|a, b| compare_values(&a.0, &b.0));
        out.into_iter().map(|(_, p)| p).collect()
    }

    #[test]
    fn pairs_follow_the_plain_rules_for_every_method() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let ons: [&[(&str, &str)]; 4] = [
            &[("id", "id")],
            &[("name", "name"), ("id", "id")],
            &[("f", "f")],
            // Columns of different types never match; a missing column is null.
            &[("id", "name"), ("id", "nope")],
        ];
        for round in 0..200 {
            let (ln, rn) = (next() as usize % 12, next() as usize % 12);
            let (lt, rt) = (table(&mut next, ln), table(&mut next, rn));
            let on = ons[round % ons.len()];
            let pairs: Vec<(String, String)> = on
                .iter()
                .map(|(l, r)| (l.to_string(), r.to_string()))
                .collect();
            for method in [
                JoinMethod::Inner,
                JoinMethod::Left,
                JoinMethod::Right,
                JoinMethod::Full,
            ] {
                assert_eq!(
                    join_rows(&lt, Some(&rt), &pairs, method),
                    reference(&lt, &rt, &pairs, method),
                    "round {round}, {method:?} on {on:?}"
                );
            }
        }
    }

    #[test]
    fn without_a_right_table_only_outer_left_rows_remain() {
        let mut next = xorshift(7);
        let lt = table(&mut next, 9);
        let pairs = vec![("id".to_string(), "id".to_string())];
        assert!(join_rows(&lt, None, &pairs, JoinMethod::Inner).is_empty());
        let rows = join_rows(&lt, None, &pairs, JoinMethod::Left);
        assert_eq!(rows.len(), 9);
        assert!(rows.iter().all(|(l, r)| l.is_some() && r.is_none()));
    }
}
