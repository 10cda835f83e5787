//! The rows of one series in memory, wide: times and one column per field.
//!
//! The write buffer appends rows as they come ([`SeriesRows::push_time`],
//! [`Column::set`]); [`SeriesRows::normalized`] sorts them by time and merges rows of the
//! same time field by field (the later row wins where it has a value). Flushes and
//! compactions write normalized rows to Parquet; reads of the buffer see them too.

use crate::line_protocol::{FieldValue, FieldValueRef, Point, PointRef};
use arrow_array::builder::{BooleanBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, UInt64Array};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::DataType;
use fluxi_value::ColumnType;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

/// The type of a field (fixed per measurement and field once written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FieldType {
    Float,
    Integer,
    Unsigned,
    String,
    Boolean,
}

impl FieldType {
    /// The name InfluxDB uses in type-conflict messages (as [`FieldValue::type_name`]).
    pub(crate) fn name(self) -> &'static str {
        match self {
            FieldType::Float => "float",
            FieldType::Integer => "integer",
            FieldType::Unsigned => "unsigned",
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
        }
    }

    pub(crate) fn column_type(self) -> ColumnType {
        match self {
            FieldType::Float => ColumnType::Float,
            FieldType::Integer => ColumnType::Int,
            FieldType::Unsigned => ColumnType::UInt,
            FieldType::String => ColumnType::String,
            FieldType::Boolean => ColumnType::Bool,
        }
    }

    pub(crate) fn arrow(self) -> DataType {
        self.column_type().arrow()
    }
}

/// A field value borrowed from a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum FieldRef<'a> {
    Float(f64),
    Int(i64),
    UInt(u64),
    Str(&'a str),
    Bool(bool),
}

impl FieldRef<'_> {
    pub(crate) fn field_type(&self) -> FieldType {
        match self {
            FieldRef::Float(_) => FieldType::Float,
            FieldRef::Int(_) => FieldType::Integer,
            FieldRef::UInt(_) => FieldType::Unsigned,
            FieldRef::Str(_) => FieldType::String,
            FieldRef::Bool(_) => FieldType::Boolean,
        }
    }
}

impl<'a> From<&'a FieldValue> for FieldRef<'a> {
    fn from(v: &'a FieldValue) -> FieldRef<'a> {
        match v {
            FieldValue::Float(f) => FieldRef::Float(*f),
            FieldValue::Int(i) => FieldRef::Int(*i),
            FieldValue::UInt(u) => FieldRef::UInt(*u),
            FieldValue::String(s) => FieldRef::Str(s),
            FieldValue::Bool(b) => FieldRef::Bool(*b),
        }
    }
}

impl<'a> From<&'a FieldValueRef<'_>> for FieldRef<'a> {
    fn from(v: &'a FieldValueRef<'_>) -> FieldRef<'a> {
        match v {
            FieldValueRef::Float(f) => FieldRef::Float(*f),
            FieldValueRef::Int(i) => FieldRef::Int(*i),
            FieldValueRef::UInt(u) => FieldRef::UInt(*u),
            FieldValueRef::String(s) => FieldRef::Str(s),
            FieldValueRef::Bool(b) => FieldRef::Bool(*b),
        }
    }
}

/// What the buffer needs of a point: owned [`Point`]s and borrowed [`PointRef`]s alike.
/// Tags are sorted by key; a field key may repeat (the later value counts).
pub(crate) trait PointView {
    fn measurement(&self) -> &str;
    fn tag_count(&self) -> usize;
    fn tag(&self, i: usize) -> Option<(&str, &str)>;
    fn field_count(&self) -> usize;
    fn field(&self, i: usize) -> Option<(&str, FieldRef<'_>)>;
    fn time(&self) -> i64;
}

impl<T: PointView> PointView for &T {
    fn measurement(&self) -> &str {
        (**self).measurement()
    }
    fn tag_count(&self) -> usize {
        (**self).tag_count()
    }
    fn tag(&self, i: usize) -> Option<(&str, &str)> {
        (**self).tag(i)
    }
    fn field_count(&self) -> usize {
        (**self).field_count()
    }
    fn field(&self, i: usize) -> Option<(&str, FieldRef<'_>)> {
        (**self).field(i)
    }
    fn time(&self) -> i64 {
        (**self).time()
    }
}

impl PointView for Point {
    fn measurement(&self) -> &str {
        &self.measurement
    }
    fn tag_count(&self) -> usize {
        self.tags.len()
    }
    fn tag(&self, i: usize) -> Option<(&str, &str)> {
        self.tags.get(i).map(|(k, v)| (k.as_str(), v.as_str()))
    }
    fn field_count(&self) -> usize {
        self.fields.len()
    }
    fn field(&self, i: usize) -> Option<(&str, FieldRef<'_>)> {
        self.fields
            .get(i)
            .map(|(k, v)| (k.as_str(), FieldRef::from(v)))
    }
    fn time(&self) -> i64 {
        self.time
    }
}

impl PointView for PointRef<'_> {
    fn measurement(&self) -> &str {
        self.measurement
    }
    fn tag_count(&self) -> usize {
        self.tags.len()
    }
    fn tag(&self, i: usize) -> Option<(&str, &str)> {
        self.tags.get(i).map(|(k, v)| (k.as_ref(), v.as_ref()))
    }
    fn field_count(&self) -> usize {
        self.fields.len()
    }
    fn field(&self, i: usize) -> Option<(&str, FieldRef<'_>)> {
        self.fields
            .get(i)
            .map(|(k, v)| (k.as_ref(), FieldRef::from(v)))
    }
    fn time(&self) -> i64 {
        self.time
    }
}

/// The values of a column; rows without a value hold a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    Float(Vec<f64>),
    Int(Vec<i64>),
    UInt(Vec<u64>),
    Str(Vec<String>),
    Bool(Vec<bool>),
}

/// One field's column: values and whether each row has one. A column may be shorter
/// than its series' times: the rows past its end have no value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub values: Values,
    pub valid: Vec<bool>,
}

impl Column {
    pub(crate) fn new(ty: FieldType) -> Column {
        let values = match ty {
            FieldType::Float => Values::Float(Vec::new()),
            FieldType::Integer => Values::Int(Vec::new()),
            FieldType::Unsigned => Values::UInt(Vec::new()),
            FieldType::String => Values::Str(Vec::new()),
            FieldType::Boolean => Values::Bool(Vec::new()),
        };
        Column {
            values,
            valid: Vec::new(),
        }
    }

    pub(crate) fn field_type(&self) -> FieldType {
        match self.values {
            Values::Float(_) => FieldType::Float,
            Values::Int(_) => FieldType::Integer,
            Values::UInt(_) => FieldType::Unsigned,
            Values::Str(_) => FieldType::String,
            Values::Bool(_) => FieldType::Boolean,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.valid.len()
    }

    pub(crate) fn is_valid(&self, row: usize) -> bool {
        self.valid.get(row).copied().unwrap_or(false)
    }

    /// Appends a row without value.
    fn push_null(&mut self) {
        self.valid.push(false);
        match &mut self.values {
            Values::Float(v) => v.push(0.0),
            Values::Int(v) => v.push(0),
            Values::UInt(v) => v.push(0),
            Values::Str(v) => v.push(String::new()),
            Values::Bool(v) => v.push(false),
        }
    }

    /// Sets the value of `row`, the last row or a later one (rows in between have no
    /// value). Returns false when the value has another type.
    pub(crate) fn set(&mut self, row: usize, value: FieldRef<'_>) -> bool {
        if value.field_type() != self.field_type() {
            return false;
        }
        while self.len() < row {
            self.push_null();
        }
        if self.len() == row + 1 {
            // The same field twice on a line: the later value counts.
            self.valid.truncate(row);
            match &mut self.values {
                Values::Float(v) => v.truncate(row),
                Values::Int(v) => v.truncate(row),
                Values::UInt(v) => v.truncate(row),
                Values::Str(v) => v.truncate(row),
                Values::Bool(v) => v.truncate(row),
            }
        }
        if self.len() != row {
            return false;
        }
        self.valid.push(true);
        match (&mut self.values, value) {
            (Values::Float(v), FieldRef::Float(x)) => v.push(x),
            (Values::Int(v), FieldRef::Int(x)) => v.push(x),
            (Values::UInt(v), FieldRef::UInt(x)) => v.push(x),
            (Values::Str(v), FieldRef::Str(x)) => v.push(x.to_string()),
            (Values::Bool(v), FieldRef::Bool(x)) => v.push(x),
            _ => {}
        }
        true
    }

    /// Appends row `row` of `other` (of the same type), or a row without value.
    pub(crate) fn push_from(&mut self, other: &Column, row: Option<usize>) {
        let Some(row) = row.filter(|&r| other.is_valid(r)) else {
            self.push_null();
            return;
        };
        let pushed = match (&mut self.values, &other.values) {
            (Values::Float(a), Values::Float(b)) => b.get(row).map(|x| a.push(*x)),
            (Values::Int(a), Values::Int(b)) => b.get(row).map(|x| a.push(*x)),
            (Values::UInt(a), Values::UInt(b)) => b.get(row).map(|x| a.push(*x)),
            (Values::Str(a), Values::Str(b)) => b.get(row).map(|x| a.push(x.clone())),
            (Values::Bool(a), Values::Bool(b)) => b.get(row).map(|x| a.push(*x)),
            _ => None,
        };
        if pushed.is_some() {
            self.valid.push(true);
        } else {
            self.push_null();
        }
    }

    /// The value at `row`, if it has one.
    pub(crate) fn get(&self, row: usize) -> Option<FieldRef<'_>> {
        if !self.is_valid(row) {
            return None;
        }
        match &self.values {
            Values::Float(v) => v.get(row).map(|x| FieldRef::Float(*x)),
            Values::Int(v) => v.get(row).map(|x| FieldRef::Int(*x)),
            Values::UInt(v) => v.get(row).map(|x| FieldRef::UInt(*x)),
            Values::Str(v) => v.get(row).map(|x| FieldRef::Str(x)),
            Values::Bool(v) => v.get(row).map(|x| FieldRef::Bool(*x)),
        }
    }

    /// Rows `range` as an Arrow array, with nulls where there is no value (also past the
    /// column's end).
    pub(crate) fn to_arrow(&self, range: Range<usize>) -> ArrayRef {
        let n = range.len();
        let valid: Vec<bool> = range.clone().map(|r| self.is_valid(r)).collect();
        let all_valid = valid.iter().all(|&v| v);
        let nulls = if all_valid {
            None
        } else {
            Some(NullBuffer::from(valid.clone()))
        };
        fn slice<T: Clone + Default>(v: &[T], range: Range<usize>, n: usize) -> Vec<T> {
            let mut out: Vec<T> = v
                .get(range.start.min(v.len())..range.end.min(v.len()))
                .unwrap_or_default()
                .to_vec();
            out.resize(n, T::default());
            out
        }
        match &self.values {
            Values::Float(v) => Arc::new(Float64Array::new(
                ScalarBuffer::from(slice(v, range, n)),
                nulls,
            )),
            Values::Int(v) => Arc::new(Int64Array::new(
                ScalarBuffer::from(slice(v, range, n)),
                nulls,
            )),
            Values::UInt(v) => Arc::new(UInt64Array::new(
                ScalarBuffer::from(slice(v, range, n)),
                nulls,
            )),
            Values::Str(v) => {
                let mut b = StringBuilder::with_capacity(n, 16 * n);
                for (i, r) in range.enumerate() {
                    match v.get(r) {
                        Some(s) if valid.get(i) == Some(&true) => b.append_value(s),
                        _ => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
            Values::Bool(v) => {
                let mut b = BooleanBuilder::with_capacity(n);
                for (i, r) in range.enumerate() {
                    match v.get(r) {
                        Some(x) if valid.get(i) == Some(&true) => b.append_value(*x),
                        _ => b.append_null(),
                    }
                }
                Arc::new(b.finish())
            }
        }
    }

    /// A column from an Arrow array of the field's type (nulls are rows without value).
    pub(crate) fn from_arrow(array: &dyn Array, ty: FieldType) -> Option<Column> {
        let valid: Vec<bool> = (0..array.len()).map(|i| array.is_valid(i)).collect();
        let values = match ty {
            FieldType::Float => {
                Values::Float(array.as_primitive_opt::<Float64Type>()?.values().to_vec())
            }
            FieldType::Integer => {
                Values::Int(array.as_primitive_opt::<Int64Type>()?.values().to_vec())
            }
            FieldType::Unsigned => {
                Values::UInt(array.as_primitive_opt::<UInt64Type>()?.values().to_vec())
            }
            FieldType::String => {
                let a = array.as_string_opt::<i32>()?;
                Values::Str(
                    (0..a.len())
                        .map(|i| {
                            if a.is_valid(i) {
                                a.value(i).to_string()
                            } else {
                                String::new()
                            }
                        })
                        .collect(),
                )
            }
            FieldType::Boolean => {
                let a = array.as_boolean_opt()?;
                Values::Bool((0..a.len()).map(|i| a.is_valid(i) && a.value(i)).collect())
            }
        };
        Some(Column { values, valid })
    }
}

/// The rows of one series: times and one column per field (by name).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SeriesRows {
    pub times: Vec<i64>,
    pub fields: Vec<(String, Column)>,
    /// Whether the times are strictly increasing (then the rows are normalized).
    pub ordered: bool,
    /// Where each field is in `fields`, for series with many fields (a line of 40,000
    /// fields made looking them up one by one quadratic). Current when it has as many
    /// entries as `fields`; rebuilt by [`SeriesRows::column_mut`] otherwise.
    index: FieldIndex,
}

/// Field name → position in [`SeriesRows::fields`]; not part of the rows' value.
#[derive(Debug, Clone, Default)]
struct FieldIndex(std::collections::HashMap<String, usize>);

impl PartialEq for FieldIndex {
    fn eq(&self, _: &FieldIndex) -> bool {
        true
    }
}

/// Series with fewer fields than this search them in order (cheaper than hashing).
const INDEXED_FIELDS: usize = 32;

impl SeriesRows {
    pub(crate) fn new() -> SeriesRows {
        SeriesRows {
            times: Vec::new(),
            fields: Vec::new(),
            ordered: true,
            index: FieldIndex::default(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.times.len()
    }

    /// Appends a row at time `t` and returns its index.
    pub(crate) fn push_time(&mut self, t: i64) -> usize {
        if let Some(&last) = self.times.last() {
            if t <= last {
                self.ordered = false;
            }
        }
        self.times.push(t);
        self.times.len() - 1
    }

    /// The column of a field, created (empty) when missing.
    pub(crate) fn column_mut(&mut self, name: &str, ty: FieldType) -> &mut Column {
        let found = if self.fields.len() < INDEXED_FIELDS {
            self.fields.iter().position(|(n, _)| n == name)
        } else {
            if self.index.0.len() != self.fields.len() {
                self.index.0 = (self.fields.iter().enumerate())
                    .map(|(i, (n, _))| (n.clone(), i))
                    .collect();
            }
            self.index.0.get(name).copied()
        };
        let i = match found {
            Some(i) => i,
            None => {
                self.fields.push((name.to_string(), Column::new(ty)));
                let i = self.fields.len() - 1;
                if !self.index.0.is_empty() {
                    self.index.0.insert(name.to_string(), i);
                }
                i
            }
        };
        &mut self.fields[i].1
    }

    pub(crate) fn column(&self, name: &str) -> Option<&Column> {
        if self.fields.len() >= INDEXED_FIELDS && self.index.0.len() == self.fields.len() {
            return self
                .index
                .0
                .get(name)
                .and_then(|&i| self.fields.get(i))
                .map(|(_, c)| c);
        }
        self.fields.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// Appends the rows of `other` (later rows win over earlier ones of the same time
    /// once normalized).
    pub(crate) fn append(&mut self, other: &SeriesRows) {
        let base = self.len();
        for &t in &other.times {
            self.push_time(t);
        }
        for (name, col) in &other.fields {
            let mine = self.column_mut(name, col.field_type());
            for r in 0..col.len() {
                if let Some(v) = col.get(r) {
                    mine.set(base + r, v);
                }
            }
        }
    }

    /// The rows sorted by time, one per time: rows of the same time merge field by field,
    /// the later one winning where it has a value. Borrowed when already so.
    pub(crate) fn normalized(&self) -> Cow<'_, SeriesRows> {
        if self.ordered {
            return Cow::Borrowed(self);
        }
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by_key(|&i| self.times.get(i).copied().unwrap_or(i64::MAX));
        // Runs of equal times, in the order they were written.
        let mut runs: Vec<Range<usize>> = Vec::new();
        let mut start = 0;
        for k in 1..=order.len() {
            let same = k < order.len() && self.times.get(order[k]) == self.times.get(order[start]);
            if !same {
                runs.push(start..k);
                start = k;
            }
        }
        let mut out = SeriesRows::new();
        for run in &runs {
            if let Some(&t) = order.get(run.start).and_then(|&i| self.times.get(i)) {
                out.times.push(t);
            }
        }
        for (name, col) in &self.fields {
            let mut merged = Column::new(col.field_type());
            for run in &runs {
                let pick = order
                    .get(run.clone())
                    .unwrap_or_default()
                    .iter()
                    .rev()
                    .find(|&&i| col.is_valid(i))
                    .copied();
                merged.push_from(col, pick);
            }
            out.fields.push((name.clone(), merged));
        }
        Cow::Owned(out)
    }

    /// Keeps the rows whose time `keep` accepts (in their order); a field left without
    /// values is dropped.
    pub(crate) fn retain(&mut self, keep: impl Fn(i64) -> bool) {
        let keep: Vec<usize> = (0..self.len())
            .filter(|&i| self.times.get(i).is_some_and(|&x| keep(x)))
            .collect();
        if keep.len() == self.len() {
            return;
        }
        let mut out = SeriesRows::new();
        for &i in &keep {
            if let Some(&x) = self.times.get(i) {
                out.push_time(x);
            }
        }
        for (name, col) in &self.fields {
            let mut c = Column::new(col.field_type());
            for &i in &keep {
                c.push_from(col, Some(i));
            }
            if c.valid.iter().any(|&v| v) {
                out.fields.push((name.clone(), c));
            }
        }
        *self = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_merges_field_by_field() {
        let mut s = SeriesRows::new();
        let r = s.push_time(20);
        s.column_mut("a", FieldType::Float)
            .set(r, FieldRef::Float(1.0));
        let r = s.push_time(10);
        s.column_mut("b", FieldType::Integer)
            .set(r, FieldRef::Int(5));
        let r = s.push_time(20);
        s.column_mut("b", FieldType::Integer)
            .set(r, FieldRef::Int(7));
        let n = s.normalized();
        assert_eq!(n.times, vec![10, 20]);
        let a = n.column("a").map(|c| (c.get(0), c.get(1)));
        assert_eq!(a, Some((None, Some(FieldRef::Float(1.0)))));
        let b = n.column("b").map(|c| (c.get(0), c.get(1)));
        assert_eq!(b, Some((Some(FieldRef::Int(5)), Some(FieldRef::Int(7)))));
    }

    #[test]
    fn a_repeated_field_keeps_the_later_value() {
        let mut c = Column::new(FieldType::Float);
        assert!(c.set(2, FieldRef::Float(1.0)));
        assert!(c.set(2, FieldRef::Float(2.0)));
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(2), Some(FieldRef::Float(2.0)));
        assert_eq!(c.get(0), None);
        assert!(!c.set(3, FieldRef::Int(1)));
    }
}
