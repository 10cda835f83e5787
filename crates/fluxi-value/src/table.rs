//! Tables: a group key and typed columns held as one Arrow record batch.

use crate::column::ColumnType;
use crate::error::ValueError;
use crate::value::Value;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampNanosecondBuilder,
    UInt64Builder,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchOptions,
    StringArray, TimestampNanosecondArray, UInt64Array,
};
use arrow_schema::{Field, Schema};
use std::cmp::Ordering;
use std::sync::Arc;

/// One column of a group key.
#[derive(Debug, Clone)]
pub struct KeyColumn {
    /// The column label.
    pub label: String,
    /// The column type.
    pub ty: ColumnType,
    /// The value shared by every row of the table.
    pub value: Value,
}

/// A table's group key: columns whose value is the same on every row. Equality ignores
/// column order; null equals null.
#[derive(Debug, Clone, Default)]
pub struct GroupKey {
    columns: Vec<KeyColumn>,
}

impl GroupKey {
    /// A key of these columns (in table column order).
    pub fn new(columns: Vec<KeyColumn>) -> GroupKey {
        GroupKey { columns }
    }

    /// The key columns in table order.
    pub fn columns(&self) -> &[KeyColumn] {
        &self.columns
    }

    /// A key column by label.
    pub fn get(&self, label: &str) -> Option<&KeyColumn> {
        self.columns.iter().find(|c| c.label == label)
    }

    /// Whether the label is in the key.
    pub fn contains(&self, label: &str) -> bool {
        self.get(label).is_some()
    }

    fn sorted(&self) -> Vec<&KeyColumn> {
        let mut cols: Vec<&KeyColumn> = self.columns.iter().collect();
        cols.sort_by(|a, b| a.label.cmp(&b.label));
        cols
    }
}

fn key_value_cmp(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => a.compare(b).unwrap_or(Ordering::Equal),
    }
}

impl Ord for GroupKey {
    /// Upstream's order of group keys: columns compared in label order; where labels
    /// differ, the key lacking the smaller label sorts first; then type; null first; value.
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.sorted(), other.sorted());
        for (x, y) in a.iter().zip(b.iter()) {
            match x.label.cmp(&y.label) {
                Ordering::Equal => {}
                Ordering::Less => return Ordering::Greater,
                Ordering::Greater => return Ordering::Less,
            }
            match x.ty.cmp(&y.ty) {
                Ordering::Equal => {}
                o => return o,
            }
            match key_value_cmp(&x.value, &y.value) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        a.len().cmp(&b.len())
    }
}

impl std::hash::Hash for GroupKey {
    /// Consistent with the key's equality: labels, types and values in label order
    /// (float values are left out of the hash, as key equality is loose for NaN).
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        let cols = self.sorted();
        cols.len().hash(h);
        for c in cols {
            c.label.hash(h);
            c.ty.hash(h);
            match &c.value {
                Value::Float(_) => 0u8.hash(h),
                v => KeyValues::hash_value(v, h),
            }
        }
    }
}

/// A tuple of column values usable as a hash-map key, with the equality of row and join
/// keys: null equals null, otherwise values are equal as `==` says (numbers across types,
/// NaN equal to nothing).
#[derive(Debug, Clone)]
pub struct KeyValues(pub Vec<Value>);

impl KeyValues {
    fn hash_value<H: std::hash::Hasher>(v: &Value, h: &mut H) {
        use std::hash::Hash;
        match v {
            Value::Null => 0u8.hash(h),
            // Numbers that compare equal across int, uint and float hash alike.
            Value::Int(x) => (*x as f64 + 0.0).to_bits().hash(h),
            Value::UInt(x) => (*x as f64 + 0.0).to_bits().hash(h),
            Value::Float(x) => (*x + 0.0).to_bits().hash(h),
            Value::String(x) => x.hash(h),
            Value::Bool(x) => x.hash(h),
            Value::Time(x) => x.hash(h),
            other => other.type_name().hash(h),
        }
    }
}

impl PartialEq for KeyValues {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| match (a.is_null(), b.is_null()) {
                    (true, true) => true,
                    (false, false) => a.equals(b) == Some(true),
                    _ => false,
                })
    }
}

impl Eq for KeyValues {}

impl std::hash::Hash for KeyValues {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.len().hash(h);
        for v in &self.0 {
            KeyValues::hash_value(v, h);
        }
    }
}

impl PartialOrd for GroupKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GroupKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GroupKey {}

/// A table: its group key and its columns (one Arrow record batch).
#[derive(Debug, Clone)]
pub struct Table {
    key: GroupKey,
    batch: RecordBatch,
}

impl Table {
    /// A table from a key and a batch whose schema has fluxi column types.
    pub fn new(key: GroupKey, batch: RecordBatch) -> Result<Table, ValueError> {
        for k in key.columns() {
            let ok = batch
                .schema()
                .field_with_name(&k.label)
                .ok()
                .and_then(|f| ColumnType::from_arrow(f.data_type()))
                == Some(k.ty);
            if !ok {
                return Err(ValueError::KeyNotInTable(k.label.clone()));
            }
        }
        Ok(Table { key, batch })
    }

    /// A table from rows of values. `columns` gives labels and types in order; the key
    /// values are taken from the rows (or are null when there are none) unless given.
    pub fn from_rows(
        key_labels: &[String],
        columns: &[(String, ColumnType)],
        rows: &[Vec<Value>],
        key_values: Option<&[Value]>,
    ) -> Result<Table, ValueError> {
        // A table without columns has no rows (as upstream: `keep` of absent columns, or a
        // `map` whose every value is null, leaves nothing to show).
        let rows = if columns.is_empty() { &[][..] } else { rows };
        let mut arrays = Vec::with_capacity(columns.len());
        for (i, (label, ty)) in columns.iter().enumerate() {
            arrays.push(build_array(
                label,
                *ty,
                rows.iter().map(|r| r.get(i).unwrap_or(&Value::Null)),
            )?);
        }
        let batch = make_batch(columns, arrays, rows.len())?;
        let mut key_cols = Vec::new();
        for (i, (label, ty)) in columns.iter().enumerate() {
            if !key_labels.contains(label) {
                continue;
            }
            let value = match (rows.first(), key_values) {
                (Some(r), _) => r.get(i).cloned().unwrap_or(Value::Null),
                (None, Some(kv)) => kv
                    .get(key_labels.iter().position(|l| l == label).unwrap_or(0))
                    .cloned()
                    .unwrap_or(Value::Null),
                (None, None) => Value::Null,
            };
            key_cols.push(KeyColumn {
                label: label.clone(),
                ty: *ty,
                value,
            });
        }
        Table::new(GroupKey::new(key_cols), batch)
    }

    /// A table from a key and typed Arrow columns of `rows` rows each.
    pub fn from_arrays(
        key: GroupKey,
        columns: Vec<(String, ColumnType, ArrayRef)>,
        rows: usize,
    ) -> Result<Table, ValueError> {
        let (labels, arrays): (Vec<(String, ColumnType)>, Vec<ArrayRef>) =
            columns.into_iter().map(|(l, t, a)| ((l, t), a)).unzip();
        // As in `from_rows`: a table without columns has no rows.
        let rows = if labels.is_empty() { 0 } else { rows };
        let batch = make_batch(&labels, arrays, rows)?;
        Table::new(key, batch)
    }

    /// The same key with other columns (a filtered or reordered batch of the same schema).
    pub fn with_batch(&self, batch: RecordBatch) -> Result<Table, ValueError> {
        Table::new(self.key.clone(), batch)
    }

    /// The group key.
    pub fn key(&self) -> &GroupKey {
        &self.key
    }

    /// The columns as an Arrow record batch.
    pub fn batch(&self) -> &RecordBatch {
        &self.batch
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.num_rows() == 0
    }

    /// Labels and types of the columns, in order.
    pub fn columns(&self) -> Vec<(String, ColumnType)> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| {
                (
                    f.name().clone(),
                    ColumnType::from_arrow(f.data_type()).unwrap_or(ColumnType::String),
                )
            })
            .collect()
    }

    /// The index of a column.
    pub fn column_index(&self, label: &str) -> Option<usize> {
        self.batch.schema().index_of(label).ok()
    }

    /// The value at a row and column.
    pub fn value(&self, row: usize, col: usize) -> Value {
        match self.batch.columns().get(col) {
            Some(a) => array_value(a, row),
            None => Value::Null,
        }
    }

    /// Every row as values, in column order.
    pub fn rows(&self) -> Vec<Vec<Value>> {
        (0..self.num_rows())
            .map(|r| {
                (0..self.batch.num_columns())
                    .map(|c| self.value(r, c))
                    .collect()
            })
            .collect()
    }
}

fn make_batch(
    columns: &[(String, ColumnType)],
    arrays: Vec<ArrayRef>,
    rows: usize,
) -> Result<RecordBatch, ValueError> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(l, t)| Field::new(l, t.arrow(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema, arrays, &options)
        .map_err(|e| ValueError::Arrow(e.to_string()))
}

/// The value at `row` of an Arrow array of a fluxi column type.
pub fn array_value(a: &ArrayRef, row: usize) -> Value {
    if row >= a.len() || a.is_null(row) {
        return Value::Null;
    }
    let any = a.as_any();
    if let Some(x) = any.downcast_ref::<Int64Array>() {
        Value::Int(x.value(row))
    } else if let Some(x) = any.downcast_ref::<Float64Array>() {
        Value::Float(x.value(row))
    } else if let Some(x) = any.downcast_ref::<StringArray>() {
        Value::string(x.value(row))
    } else if let Some(x) = any.downcast_ref::<BooleanArray>() {
        Value::Bool(x.value(row))
    } else if let Some(x) = any.downcast_ref::<TimestampNanosecondArray>() {
        Value::Time(x.value(row))
    } else if let Some(x) = any.downcast_ref::<UInt64Array>() {
        Value::UInt(x.value(row))
    } else {
        Value::Null
    }
}

/// Build an Arrow array of a column type from values (nulls allowed).
pub fn build_array<'v>(
    label: &str,
    ty: ColumnType,
    values: impl Iterator<Item = &'v Value>,
) -> Result<ArrayRef, ValueError> {
    let mismatch = |v: &Value| {
        if matches!(
            v,
            Value::Record(_)
                | Value::Array(_)
                | Value::Dict(_)
                | Value::Function(_)
                | Value::Stream(_)
                | Value::Regex(_)
                | Value::Duration(_)
                | Value::Bytes(_)
        ) {
            ValueError::NotAColumnValue {
                column: label.to_string(),
                found: v.type_name().to_string(),
            }
        } else {
            ValueError::ColumnType {
                column: label.to_string(),
                expected: ty.name().to_string(),
                found: v.type_name().to_string(),
            }
        }
    };
    macro_rules! build {
        ($builder:expr, $pat:pat => $val:expr) => {{
            let mut b = $builder;
            for v in values {
                match v {
                    Value::Null => b.append_null(),
                    $pat => b.append_value($val),
                    other => return Err(mismatch(other)),
                }
            }
            Arc::new(b.finish()) as ArrayRef
        }};
    }
    // Builders sized to the values: the default capacity (1024 slots) would make every
    // small table (one row per window, say) cost kilobytes per column.
    let n = values.size_hint().0;
    Ok(match ty {
        ColumnType::Int => build!(Int64Builder::with_capacity(n), Value::Int(x) => *x),
        ColumnType::UInt => build!(UInt64Builder::with_capacity(n), Value::UInt(x) => *x),
        ColumnType::Float => build!(Float64Builder::with_capacity(n), Value::Float(x) => *x),
        ColumnType::String => {
            build!(StringBuilder::with_capacity(n, n * 8), Value::String(x) => &**x)
        }
        ColumnType::Bool => build!(BooleanBuilder::with_capacity(n), Value::Bool(x) => *x),
        ColumnType::Time => {
            build!(TimestampNanosecondBuilder::with_capacity(n), Value::Time(x) => *x)
        }
    })
}

/// A string column of `n` times `s`: the bytes repeated by doubling copies and offsets
/// computed, not `n` appends. An error if the column would pass Arrow's 2 GiB of string
/// bytes.
pub fn repeated_string(s: &str, n: usize) -> Result<ArrayRef, ValueError> {
    let too_long = || {
        ValueError::Arrow(format!(
            "a column of {n} strings of {} bytes is too long",
            s.len()
        ))
    };
    let total = s.len().checked_mul(n).filter(|&t| t <= i32::MAX as usize);
    total.ok_or_else(too_long)?;
    let len = s.len() as i32;
    let offsets: Vec<i32> = (0..=n as i32).map(|i| i * len).collect();
    let array = StringArray::try_new(
        arrow_buffer::OffsetBuffer::new(arrow_buffer::ScalarBuffer::from(offsets)),
        arrow_buffer::Buffer::from_vec(s.as_bytes().repeat(n)),
        None,
    )
    .map_err(|e| ValueError::Arrow(e.to_string()))?;
    Ok(Arc::new(array))
}

/// A column of `n` rows, each the value at `row` of `a` (null past its end): how a
/// group-key column is spread over a table's rows.
pub fn repeat_value(a: &ArrayRef, row: usize, n: usize) -> Result<ArrayRef, ValueError> {
    if row >= a.len() || a.is_null(row) {
        return Ok(arrow_array::new_null_array(a.data_type(), n));
    }
    let any = a.as_any();
    Ok(if let Some(x) = any.downcast_ref::<StringArray>() {
        return repeated_string(x.value(row), n);
    } else if let Some(x) = any.downcast_ref::<TimestampNanosecondArray>() {
        Arc::new(TimestampNanosecondArray::from_value(x.value(row), n))
    } else if let Some(x) = any.downcast_ref::<Float64Array>() {
        Arc::new(Float64Array::from_value(x.value(row), n))
    } else if let Some(x) = any.downcast_ref::<Int64Array>() {
        Arc::new(Int64Array::from_value(x.value(row), n))
    } else if let Some(x) = any.downcast_ref::<UInt64Array>() {
        Arc::new(UInt64Array::from_value(x.value(row), n))
    } else if let Some(x) = any.downcast_ref::<BooleanArray>() {
        Arc::new(BooleanArray::from(vec![x.value(row); n]))
    } else {
        let idx = arrow_array::UInt32Array::from(vec![row as u32; n]);
        arrow_select::take::take(a, &idx, None).map_err(|e| ValueError::Arrow(e.to_string()))?
    })
}
