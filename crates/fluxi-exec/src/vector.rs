//! Row functions over whole columns.
//!
//! A row function such as `(r) => r._value > 2.0 and r.host == "a"` or
//! `(r) => ({r with _value: r._value * 100.0})` is compiled (by the standard library, from
//! the closure) into a [`VExpr`]: column references, constants and operators. Evaluating
//! it on a table runs Arrow kernels over the columns instead of calling the interpreter
//! once per row.
//!
//! The vectorised path is an optimisation and never a second semantics: whenever it meets
//! something it does not reproduce exactly (mixed operand types, an Arrow error such as an
//! integer division by zero, a group key that would split), it answers
//! [`Fallback`] and the caller runs the interpreter row by row on that table, which gives the
//! one true result or error with its span.

use crate::builder::column_type_of;
use crate::ops::{same_key_value, take_mask};
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{new_null_array, Array, ArrayRef, BooleanArray, Datum, Float64Array, Scalar};
use arrow_schema::DataType;
use fluxi_value::table::{array_value, build_array};
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Table, Value};
use std::cmp::Ordering;
use std::sync::Arc;

/// The vectorised path cannot compute this exactly; run the row path instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fallback;

type VResult<T> = Result<T, Fallback>;

/// Binary operators the vectorised path knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`
    RegexMatch,
    /// `!~`
    RegexNotMatch,
}

/// An expression over the columns of one row, evaluated for all rows at once.
#[derive(Debug, Clone)]
pub enum VExpr {
    /// `r.label`; a missing column reads as nulls.
    Column(String),
    /// A value computed once (a literal, a captured variable, `v.timeRangeStart`, …).
    Const(Value),
    /// A binary operator.
    Binary(VOp, Box<VExpr>, Box<VExpr>),
    /// `and` (three-valued, as Flux).
    And(Box<VExpr>, Box<VExpr>),
    /// `or` (three-valued, as Flux).
    Or(Box<VExpr>, Box<VExpr>),
    /// `not`
    Not(Box<VExpr>),
    /// Unary `-`
    Neg(Box<VExpr>),
    /// `exists`
    Exists(Box<VExpr>),
    /// `if test then a else b` (a null test takes the `else` branch).
    Cond(Box<VExpr>, Box<VExpr>, Box<VExpr>),
}

/// A column or one value standing for every row.
#[derive(Debug, Clone)]
enum Col {
    Array(ArrayRef),
    Scalar(Value),
}

impl VExpr {
    fn eval(&self, t: &Table) -> VResult<Col> {
        Ok(match self {
            VExpr::Column(label) => match t.column_index(label) {
                Some(i) => Col::Array(Arc::clone(t.batch().column(i))),
                None => Col::Scalar(Value::Null),
            },
            VExpr::Const(v) => Col::Scalar(v.clone()),
            VExpr::Binary(op, a, b) => binary(*op, a.eval(t)?, b.eval(t)?)?,
            VExpr::And(a, b) => logical(true, a.eval(t)?, b.eval(t)?, t.num_rows())?,
            VExpr::Or(a, b) => logical(false, a.eval(t)?, b.eval(t)?, t.num_rows())?,
            VExpr::Not(a) => match a.eval(t)? {
                Col::Scalar(Value::Bool(b)) => Col::Scalar(Value::Bool(!b)),
                Col::Scalar(Value::Null) => Col::Scalar(Value::Null),
                Col::Array(x) => match x.as_boolean_opt() {
                    Some(b) => Col::Array(Arc::new(
                        arrow_arith::boolean::not(b).map_err(|_| Fallback)?,
                    )),
                    None => return Err(Fallback),
                },
                Col::Scalar(_) => return Err(Fallback),
            },
            VExpr::Neg(a) => match a.eval(t)? {
                Col::Scalar(Value::Null) => Col::Scalar(Value::Null),
                Col::Array(x) if matches!(x.data_type(), DataType::Int64 | DataType::Float64) => {
                    // Checked: an overflow falls back to the row path, which reports it.
                    Col::Array(arrow_arith::numeric::neg(&x).map_err(|_| Fallback)?)
                }
                _ => return Err(Fallback),
            },
            VExpr::Exists(a) => match a.eval(t)? {
                Col::Scalar(v) => Col::Scalar(Value::Bool(!v.is_null())),
                Col::Array(x) => Col::Array(Arc::new(
                    arrow_arith::boolean::is_not_null(&x).map_err(|_| Fallback)?,
                )),
            },
            VExpr::Cond(test, yes, no) => {
                let mask = match test.eval(t)? {
                    Col::Scalar(Value::Bool(true)) => return yes.eval(t),
                    Col::Scalar(Value::Bool(false) | Value::Null) => return no.eval(t),
                    Col::Scalar(_) => return Err(Fallback),
                    Col::Array(m) => m.as_boolean_opt().ok_or(Fallback)?.clone(),
                };
                let (yes, no) = (yes.eval(t)?, no.eval(t)?);
                let ty = match (&yes, &no) {
                    (Col::Array(a), _) | (_, Col::Array(a)) => a.data_type().clone(),
                    (Col::Scalar(a), Col::Scalar(b)) => {
                        match column_type_of(a).or_else(|| column_type_of(b)) {
                            Some(ty) => ty.arrow(),
                            None => return Ok(Col::Scalar(Value::Null)),
                        }
                    }
                };
                let yes = datum(&yes, &ty)?;
                let no = datum(&no, &ty)?;
                Col::Array(arrow_select::zip::zip(&mask, &*yes, &*no).map_err(|_| Fallback)?)
            }
        })
    }

    /// Evaluate for every row of `t`: an array as long as the table, or `None` when every
    /// row is null and the type is unknown.
    pub fn evaluate(&self, t: &Table) -> VResult<Option<ArrayRef>> {
        match self.eval(t)? {
            Col::Array(a) => Ok(Some(a)),
            Col::Scalar(Value::Null) => Ok(None),
            Col::Scalar(v) => {
                let ty = column_type_of(&v).ok_or(Fallback)?;
                let a = build_array("", ty, std::iter::repeat_n(&v, t.num_rows()))
                    .map_err(|_| Fallback)?;
                Ok(Some(a))
            }
        }
    }
}

/// A value as an Arrow datum of the given type (a one-element scalar).
fn datum(c: &Col, ty: &DataType) -> VResult<Box<dyn Datum>> {
    match c {
        Col::Array(a) if a.data_type() == ty => Ok(Box::new(Arc::clone(a))),
        Col::Array(_) => Err(Fallback),
        Col::Scalar(Value::Null) => Ok(Box::new(Scalar::new(new_null_array(ty, 1)))),
        Col::Scalar(v) => {
            let vt = column_type_of(v).ok_or(Fallback)?;
            if &vt.arrow() != ty {
                return Err(Fallback);
            }
            let a = build_array("", vt, std::iter::once(v)).map_err(|_| Fallback)?;
            Ok(Box::new(Scalar::new(a)))
        }
    }
}

fn logical(and: bool, a: Col, b: Col, rows: usize) -> VResult<Col> {
    let as_bool = |c: Col| -> VResult<BooleanArray> {
        match c {
            Col::Array(x) => Ok(x.as_boolean_opt().ok_or(Fallback)?.clone()),
            Col::Scalar(Value::Bool(v)) => Ok(BooleanArray::from(vec![v; rows])),
            Col::Scalar(Value::Null) => Ok(BooleanArray::from(vec![None::<bool>; rows])),
            Col::Scalar(_) => Err(Fallback),
        }
    };
    let (a, b) = (as_bool(a)?, as_bool(b)?);
    let r = if and {
        arrow_arith::boolean::and_kleene(&a, &b)
    } else {
        arrow_arith::boolean::or_kleene(&a, &b)
    };
    Ok(Col::Array(Arc::new(r.map_err(|_| Fallback)?)))
}

fn binary(op: VOp, a: Col, b: Col) -> VResult<Col> {
    use VOp::*;
    // Null in, null out (for every operator the vectorised path knows).
    if matches!(a, Col::Scalar(Value::Null)) || matches!(b, Col::Scalar(Value::Null)) {
        return Ok(Col::Scalar(Value::Null));
    }
    if let (Col::Scalar(_), Col::Scalar(_)) = (&a, &b) {
        // Constant operands are folded before compiling; anything left is unusual.
        return Err(Fallback);
    }
    if matches!(op, RegexMatch | RegexNotMatch) {
        return regex_match(op == RegexMatch, &a, &b);
    }
    let ty = match (&a, &b) {
        (Col::Array(x), _) | (_, Col::Array(x)) => x.data_type().clone(),
        _ => return Err(Fallback),
    };
    let (l, r) = (datum(&a, &ty)?, datum(&b, &ty)?);
    let numeric = matches!(ty, DataType::Int64 | DataType::UInt64 | DataType::Float64);
    let out: ArrayRef = match op {
        Add | Sub | Mul | Div | Mod if numeric => {
            let f = match op {
                // Checked: an integer overflow falls back to the row path, which fails
                // with `fluxi::eval::overflow` at the row, as the row path alone would.
                Add => arrow_arith::numeric::add,
                Sub => arrow_arith::numeric::sub,
                Mul => arrow_arith::numeric::mul,
                Div => arrow_arith::numeric::div,
                _ => arrow_arith::numeric::rem,
            };
            f(&*l, &*r).map_err(|_| Fallback)?
        }
        Eq | NotEq | Lt | Le | Gt | Ge if ty == DataType::Float64 => {
            Arc::new(float_compare(op, &*l, &*r)?)
        }
        Eq | NotEq | Lt | Le | Gt | Ge => {
            let f = match op {
                Eq => arrow_ord::cmp::eq,
                NotEq => arrow_ord::cmp::neq,
                Lt => arrow_ord::cmp::lt,
                Le => arrow_ord::cmp::lt_eq,
                Gt => arrow_ord::cmp::gt,
                _ => arrow_ord::cmp::gt_eq,
            };
            Arc::new(f(&*l, &*r).map_err(|_| Fallback)?)
        }
        _ => return Err(Fallback),
    };
    Ok(Col::Array(out))
}

/// Float comparisons as Flux makes them (IEEE: NaN is unequal to everything and unordered,
/// and `-0.0 == 0.0`), not Arrow's total order.
fn float_compare(op: VOp, l: &dyn Datum, r: &dyn Datum) -> VResult<BooleanArray> {
    let (la, ls) = l.get();
    let (ra, rs) = r.get();
    let la: &Float64Array = la.as_primitive_opt::<Float64Type>().ok_or(Fallback)?;
    let ra: &Float64Array = ra.as_primitive_opt::<Float64Type>().ok_or(Fallback)?;
    let n = if ls { ra.len() } else { la.len() };
    let at = |a: &Float64Array, scalar: bool, i: usize| {
        let i = if scalar { 0 } else { i };
        (!a.is_null(i)).then(|| a.value(i))
    };
    let out = (0..n).map(|i| {
        let (x, y) = (at(la, ls, i)?, at(ra, rs, i)?);
        let o = x.partial_cmp(&y);
        Some(match op {
            VOp::Eq => o == Some(Ordering::Equal),
            VOp::NotEq => o != Some(Ordering::Equal),
            VOp::Lt => o == Some(Ordering::Less),
            VOp::Le => matches!(o, Some(Ordering::Less | Ordering::Equal)),
            VOp::Gt => o == Some(Ordering::Greater),
            _ => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
        })
    });
    Ok(out.collect())
}

fn regex_match(want: bool, a: &Col, b: &Col) -> VResult<Col> {
    let (Col::Array(s), Col::Scalar(Value::Regex(re))) = (a, b) else {
        return Err(Fallback);
    };
    let s = s.as_string_opt::<i32>().ok_or(Fallback)?;
    let out: BooleanArray = s
        .iter()
        .map(|v| v.map(|v| re.is_match(v) == want))
        .collect();
    Ok(Col::Array(Arc::new(out)))
}

/// `filter` of one table with a compiled predicate: `Ok(None)` when no row passes and the
/// empty table is dropped.
pub fn filter_table(t: &Table, pred: &VExpr, keep_empty: bool) -> VResult<Option<Table>> {
    let mask = match pred.eval(t)? {
        Col::Scalar(Value::Bool(true)) => return Ok(Some(t.clone())),
        Col::Scalar(Value::Bool(false) | Value::Null) => {
            BooleanArray::from(vec![false; t.num_rows()])
        }
        Col::Scalar(_) => return Err(Fallback),
        Col::Array(m) => m.as_boolean_opt().ok_or(Fallback)?.clone(),
    };
    let passing = mask.iter().filter(|v| *v == Some(true)).count();
    if passing == 0 && !keep_empty {
        return Ok(None);
    }
    if passing == t.num_rows() {
        return Ok(Some(t.clone()));
    }
    take_mask(t, &mask).map(Some).map_err(|_| Fallback)
}

/// A compiled `map` function: `({r with a: …})` or `({a: …, b: …})`.
#[derive(Debug, Clone)]
pub struct MapPlan {
    /// Whether the record extends the row (`{r with …}`).
    pub with_row: bool,
    /// The properties, each label once (the last one written wins, as in a record).
    pub properties: Vec<(String, VExpr)>,
}

/// `map` of one non-empty table with a compiled function. Produces the same table the row
/// path builds: columns sorted by label, all-null non-key columns left out, and the key
/// made of the input key columns the record keeps. A key column whose values would differ
/// between rows (the table would split) is left to the row path.
pub fn map_table(t: &Table, plan: &MapPlan) -> VResult<Table> {
    if t.num_rows() == 0 {
        return Err(Fallback);
    }
    let mut cols: Vec<(String, Option<ArrayRef>)> = Vec::new();
    if plan.with_row {
        for (i, (label, _)) in t.columns().into_iter().enumerate() {
            cols.push((label, Some(Arc::clone(t.batch().column(i)))));
        }
    }
    for (label, e) in &plan.properties {
        let a = e.evaluate(t)?;
        match cols.iter_mut().find(|(l, _)| l == label) {
            Some(slot) => slot.1 = a,
            None => cols.push((label.clone(), a)),
        }
    }
    let mut key = Vec::new();
    for k in t.key().columns() {
        let Some((_, a)) = cols.iter().find(|(l, _)| *l == k.label) else {
            continue;
        };
        // A key column must keep one non-null value of one type in every row.
        let a = a.as_ref().ok_or(Fallback)?;
        let first = array_value(a, 0);
        let ty = column_type_of(&first).ok_or(Fallback)?;
        if a.null_count() > 0 || (1..a.len()).any(|i| !same_key_value(&array_value(a, i), &first)) {
            return Err(Fallback);
        }
        key.push(KeyColumn {
            label: k.label.clone(),
            ty,
            value: first,
        });
    }
    assemble_columns(key, cols, t.num_rows())
}

/// An output table from computed columns, as the row path builds it from records: columns
/// sorted by label, all-null columns that are not in the key left out, and the key
/// columns in column order.
pub(crate) fn assemble_columns(
    mut key: Vec<KeyColumn>,
    cols: Vec<(String, Option<ArrayRef>)>,
    rows: usize,
) -> VResult<Table> {
    let mut kept: Vec<(String, ColumnType, ArrayRef)> = Vec::new();
    for (label, a) in cols {
        let Some(a) = a else { continue };
        if a.null_count() == a.len() && !key.iter().any(|k| k.label == label) {
            continue;
        }
        let ty = ColumnType::from_arrow(a.data_type()).ok_or(Fallback)?;
        kept.push((label, ty, a));
    }
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    key.sort_by_key(|k| kept.iter().position(|(l, _, _)| *l == k.label));
    Table::from_arrays(GroupKey::new(key), kept, rows).map_err(|_| Fallback)
}
