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
    data: Data,
}

/// A table's columns.
#[derive(Debug, Clone)]
enum Data {
    /// Every column built.
    Built(RecordBatch),
    /// Some group-key columns not built yet ([`Table::with_key_columns`]); clones share
    /// the batch once it is.
    Keyed(Arc<Keyed>),
}

/// The columns of a table whose group-key columns are built on first use.
#[derive(Debug)]
struct Keyed {
    schema: arrow_schema::SchemaRef,
    rows: usize,
    /// The columns in order; `None`: a group-key column, its key value on every row.
    arrays: Vec<Option<ArrayRef>>,
    built: std::sync::OnceLock<RecordBatch>,
}

impl Keyed {
    /// Every column, the key columns made from `key`. Cannot fail:
    /// [`Table::with_key_columns`] checked that every array has `rows` rows and its
    /// column's type, and that every key column's value is of its type and fits.
    fn build(&self, key: &GroupKey) -> RecordBatch {
        let columns: Vec<(arrow_schema::FieldRef, ArrayRef)> = self
            .schema
            .fields()
            .iter()
            .zip(&self.arrays)
            .map(|(field, array)| {
                let array = match array {
                    Some(a) => Arc::clone(a),
                    None => constant(key.get(field.name()), field.data_type(), self.rows),
                };
                (Arc::clone(field), array)
            })
            .collect();
        RecordBatch::from(arrow_array::StructArray::from(columns))
    }

    fn memory_size(&self, key: &GroupKey) -> usize {
        if let Some(b) = self.built.get() {
            return b.get_array_memory_size();
        }
        let fields = self.schema.fields().iter();
        fields
            .zip(&self.arrays)
            .map(|(field, array)| match array {
                Some(a) => a.get_array_memory_size(),
                // What building it will take: a string's bytes and offsets, else 8 bytes
                // a row.
                None => match key.get(field.name()).map(|k| &k.value) {
                    Some(Value::String(v)) => self.rows.saturating_mul(v.len() + 4),
                    _ => self.rows.saturating_mul(8),
                },
            })
            .sum()
    }
}

/// A column of `rows` rows, each `k`'s value (null when it has none or there is no `k`).
fn constant(k: Option<&KeyColumn>, ty: &arrow_schema::DataType, rows: usize) -> ArrayRef {
    let value = k.map_or(&Value::Null, |k| &k.value);
    match value {
        Value::String(s) => Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
            &**s, rows,
        ))),
        Value::Time(t) => Arc::new(TimestampNanosecondArray::from_value(*t, rows)),
        Value::Int(i) => Arc::new(Int64Array::from_value(*i, rows)),
        Value::UInt(u) => Arc::new(UInt64Array::from_value(*u, rows)),
        Value::Float(f) => Arc::new(Float64Array::from_value(*f, rows)),
        Value::Bool(b) => Arc::new(BooleanArray::from(vec![*b; rows])),
        _ => arrow_array::new_null_array(ty, rows),
    }
}

/// Whether `value` is a value of a column of type `ty` (or null).
fn value_fits(value: &Value, ty: ColumnType) -> bool {
    matches!(
        (value, ty),
        (Value::Null, _)
            | (Value::String(_), ColumnType::String)
            | (Value::Time(_), ColumnType::Time)
            | (Value::Int(_), ColumnType::Int)
            | (Value::UInt(_), ColumnType::UInt)
            | (Value::Float(_), ColumnType::Float)
            | (Value::Bool(_), ColumnType::Bool)
    )
}

impl Table {
    /// A table from a key and a batch whose schema has fluxi column types.
    pub fn new(key: GroupKey, batch: RecordBatch) -> Result<Table, ValueError> {
        check_key(&key, &batch.schema())?;
        Ok(Table {
            key,
            data: Data::Built(batch),
        })
    }

    /// A table of `rows` rows whose group-key columns are built only when something
    /// needs them (each is its key value on every row): `columns` in order, `None` for a
    /// key column left to build. A read of stored series makes such tables: writing one as
    /// CSV takes a key column's text from the key and never builds it. Every key column
    /// must be among the columns.
    pub fn with_key_columns(
        key: GroupKey,
        columns: Vec<(String, ColumnType, Option<ArrayRef>)>,
        rows: usize,
    ) -> Result<Table, ValueError> {
        let mut labels = Vec::with_capacity(columns.len());
        let mut arrays = Vec::with_capacity(columns.len());
        for (label, ty, array) in columns {
            match &array {
                Some(a) if a.len() != rows || a.data_type() != &ty.arrow() => {
                    return Err(ValueError::Arrow(format!(
                        "column {label} has {} rows of {}, not {rows} of {}",
                        a.len(),
                        a.data_type(),
                        ty.arrow()
                    )));
                }
                Some(_) => {}
                None => {
                    let k = key
                        .get(&label)
                        .filter(|k| k.ty == ty && value_fits(&k.value, ty))
                        .ok_or_else(|| ValueError::KeyNotInTable(label.clone()))?;
                    if let Value::String(v) = &k.value {
                        // Checked here so that building it later cannot fail.
                        repeated_string_fits(v, rows)?;
                    }
                }
            }
            labels.push((label, ty));
            arrays.push(array);
        }
        if arrays.iter().all(Option::is_some) || labels.is_empty() {
            let rows = if labels.is_empty() { 0 } else { rows };
            let batch = make_batch(&labels, arrays.into_iter().flatten().collect(), rows)?;
            return Table::new(key, batch);
        }
        let schema = schema_of(&labels);
        check_key(&key, &schema)?;
        Ok(Table {
            key,
            data: Data::Keyed(Arc::new(Keyed {
                schema,
                rows,
                arrays,
                built: std::sync::OnceLock::new(),
            })),
        })
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

    /// The columns as an Arrow record batch (a table made by
    /// [`Table::with_key_columns`] builds its key columns now, once).
    pub fn batch(&self) -> &RecordBatch {
        match &self.data {
            Data::Built(b) => b,
            Data::Keyed(k) => k.built.get_or_init(|| k.build(&self.key)),
        }
    }

    /// Column `i`'s array; a key column not built yet is built (with every other).
    pub fn array(&self, i: usize) -> Option<&ArrayRef> {
        match &self.data {
            Data::Keyed(k) if k.built.get().is_none() => match k.arrays.get(i)? {
                Some(a) => Some(a),
                None => self.batch().columns().get(i),
            },
            _ => self.batch().columns().get(i),
        }
    }

    /// The memory the columns take (for a key column not built yet, what building it
    /// will take).
    pub fn memory_size(&self) -> usize {
        match &self.data {
            Data::Built(b) => b.get_array_memory_size(),
            Data::Keyed(k) => k.memory_size(&self.key),
        }
    }

    fn schema(&self) -> arrow_schema::SchemaRef {
        match &self.data {
            Data::Built(b) => b.schema(),
            Data::Keyed(k) => Arc::clone(&k.schema),
        }
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        match &self.data {
            Data::Built(b) => b.num_rows(),
            Data::Keyed(k) => k.rows,
        }
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.num_rows() == 0
    }

    /// Labels and types of the columns, in order.
    pub fn columns(&self) -> Vec<(String, ColumnType)> {
        self.schema()
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
        self.schema().index_of(label).ok()
    }

    /// The value at a row and column.
    pub fn value(&self, row: usize, col: usize) -> Value {
        if let Data::Keyed(k) = &self.data {
            if k.built.get().is_none() {
                return match k.arrays.get(col) {
                    Some(Some(a)) => array_value(a, row),
                    // A key column not built: its key value, on each of its rows.
                    Some(None) => {
                        let field = k.schema.fields().get(col);
                        match field.and_then(|f| self.key.get(f.name())) {
                            Some(v) if row < k.rows => v.value.clone(),
                            _ => Value::Null,
                        }
                    }
                    None => Value::Null,
                };
            }
        }
        match self.batch().columns().get(col) {
            Some(a) => array_value(a, row),
            None => Value::Null,
        }
    }

    /// Every row as values, in column order.
    pub fn rows(&self) -> Vec<Vec<Value>> {
        let columns = self.schema().fields().len();
        (0..self.num_rows())
            .map(|r| (0..columns).map(|c| self.value(r, c)).collect())
            .collect()
    }
}

/// Whether every key column is a column of `schema`, of the key's type.
fn check_key(key: &GroupKey, schema: &Schema) -> Result<(), ValueError> {
    for k in key.columns() {
        let ok = schema
            .field_with_name(&k.label)
            .ok()
            .and_then(|f| ColumnType::from_arrow(f.data_type()))
            == Some(k.ty);
        if !ok {
            return Err(ValueError::KeyNotInTable(k.label.clone()));
        }
    }
    Ok(())
}

/// The schema of columns of these labels and types (every column nullable).
fn schema_of(columns: &[(String, ColumnType)]) -> arrow_schema::SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|(l, t)| Field::new(l, t.arrow(), true))
            .collect::<Vec<_>>(),
    ))
}

fn make_batch(
    columns: &[(String, ColumnType)],
    arrays: Vec<ArrayRef>,
    rows: usize,
) -> Result<RecordBatch, ValueError> {
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema_of(columns), arrays, &options)
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
    repeated_string_fits(s, n)?;
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

/// Whether a string column of `n` copies of `s` fits Arrow's 32-bit offsets.
fn repeated_string_fits(s: &str, n: usize) -> Result<(), ValueError> {
    match s.len().checked_mul(n) {
        Some(total) if total <= i32::MAX as usize => Ok(()),
        _ => Err(ValueError::Arrow(format!(
            "a column of {n} strings of {} bytes is too long",
            s.len()
        ))),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::{encode, LineEnding};

    fn key_column(label: &str, ty: ColumnType, value: Value) -> KeyColumn {
        KeyColumn {
            label: label.into(),
            ty,
            value,
        }
    }

    fn key() -> GroupKey {
        GroupKey::new(vec![
            key_column("_start", ColumnType::Time, Value::Time(5)),
            key_column("_field", ColumnType::String, Value::string("usage")),
            key_column("host", ColumnType::String, Value::Null),
            key_column("n", ColumnType::Int, Value::Int(-3)),
        ])
    }

    /// `_start`, `_time`, `_value`, `_field`, `host`, `n`: the key columns left to build.
    fn keyed(rows: usize) -> Table {
        let times: Vec<i64> = (0..rows as i64).collect();
        let values: Vec<f64> = (0..rows).map(|i| i as f64 / 4.0).collect();
        let columns = vec![
            ("_start".to_string(), ColumnType::Time, None),
            (
                "_time".to_string(),
                ColumnType::Time,
                Some(Arc::new(TimestampNanosecondArray::from(times)) as ArrayRef),
            ),
            (
                "_value".to_string(),
                ColumnType::Float,
                Some(Arc::new(Float64Array::from(values)) as ArrayRef),
            ),
            ("_field".to_string(), ColumnType::String, None),
            ("host".to_string(), ColumnType::String, None),
            ("n".to_string(), ColumnType::Int, None),
        ];
        match Table::with_key_columns(key(), columns, rows) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// The same table with every column built from the start.
    fn eager(rows: usize) -> Table {
        let t = keyed(rows);
        let columns = t
            .columns()
            .into_iter()
            .enumerate()
            .map(|(i, (label, ty))| {
                let values: Vec<Value> = (0..rows).map(|r| t.value(r, i)).collect();
                match build_array(&label, ty, values.iter()) {
                    Ok(a) => (label, ty, a),
                    Err(e) => panic!("{e}"),
                }
            })
            .collect();
        match Table::from_arrays(key(), columns, rows) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    fn built(t: &Table) -> bool {
        match &t.data {
            Data::Built(_) => true,
            Data::Keyed(k) => k.built.get().is_some(),
        }
    }

    /// Its values, rows and CSV are those of the table built whole, and none of that
    /// builds its key columns; its batch, once asked for, is the whole table's.
    #[test]
    fn a_table_with_key_columns_to_build_reads_as_the_whole_table() {
        let t = keyed(1000);
        let whole = eager(1000);
        assert!(!built(&t));
        assert_eq!(t.num_rows(), 1000);
        assert_eq!(t.columns(), whole.columns());
        assert_eq!(t.column_index("host"), Some(4));
        let show = |v: Value| format!("{v:?}");
        assert_eq!(show(t.value(7, 0)), show(Value::Time(5)));
        assert_eq!(show(t.value(7, 3)), show(Value::string("usage")));
        assert_eq!(show(t.value(7, 4)), show(Value::Null));
        assert_eq!(show(t.value(7, 5)), show(Value::Int(-3)));
        assert_eq!(
            show(t.value(1000, 5)),
            show(Value::Null),
            "past the last row"
        );
        assert_eq!(format!("{:?}", t.rows()), format!("{:?}", whole.rows()));
        let csv = |t: &Table| {
            encode(
                &[("_result".to_string(), vec![t.clone()])],
                LineEnding::Crlf,
            )
        };
        assert_eq!(csv(&t), csv(&whole));
        // `_start`, `_time`, `_value`, `n`: 8 bytes a row; `_field`: 5 and 4; `host`: 8.
        assert!(
            t.memory_size() >= 1000 * (8 * 4 + 9 + 8),
            "{}",
            t.memory_size()
        );
        assert!(
            !built(&t),
            "reading values and writing CSV built the key columns"
        );
        // Asked for, the batch is the whole table's, built once and shared by clones.
        let copy = t.clone();
        assert_eq!(t.batch(), whole.batch());
        assert!(built(&copy));
        assert_eq!(t.memory_size(), t.batch().get_array_memory_size());
        assert_eq!(t.array(3).map(|a| a.len()), Some(1000));
    }

    /// Only key columns of the key's types may be left to build, arrays must have the
    /// table's rows, and a string column that could not be built is refused up front.
    #[test]
    fn key_columns_to_build_are_checked_when_the_table_is_made() {
        let time = |rows: usize| {
            Some(Arc::new(TimestampNanosecondArray::from(vec![0i64; rows])) as ArrayRef)
        };
        let make = |columns: Vec<(&str, ColumnType, Option<ArrayRef>)>, rows: usize| {
            let columns = columns
                .into_iter()
                .map(|(l, t, a)| (l.to_string(), t, a))
                .collect();
            Table::with_key_columns(key(), columns, rows)
        };
        let with = |extra: (&str, ColumnType, Option<ArrayRef>), rows: usize| {
            make(
                vec![
                    ("_start", ColumnType::Time, None),
                    ("_field", ColumnType::String, None),
                    ("host", ColumnType::String, None),
                    ("n", ColumnType::Int, None),
                    extra,
                ],
                rows,
            )
        };
        assert!(with(("_time", ColumnType::Time, time(3)), 3).is_ok());
        // A column not in the key cannot be left to build.
        assert!(matches!(
            with(("_time", ColumnType::Time, None), 3),
            Err(ValueError::KeyNotInTable(l)) if l == "_time"
        ));
        // An array of other rows or another type.
        assert!(matches!(
            with(("_time", ColumnType::Time, time(2)), 3),
            Err(ValueError::Arrow(_))
        ));
        assert!(matches!(
            with(("_time", ColumnType::Int, time(3)), 3),
            Err(ValueError::Arrow(_))
        ));
        // A key column of another type than the key's.
        assert!(matches!(
            make(
                vec![
                    ("_start", ColumnType::Int, None),
                    ("_field", ColumnType::String, None),
                    ("host", ColumnType::String, None),
                    ("n", ColumnType::Int, None),
                ],
                3
            ),
            Err(ValueError::KeyNotInTable(l)) if l == "_start"
        ));
        // A key column missing from the columns.
        assert!(matches!(
            make(vec![("_start", ColumnType::Time, None)], 3),
            Err(ValueError::KeyNotInTable(l)) if l == "_field"
        ));
        // 5 bytes × 500 M rows passes Arrow's 2 GiB of string bytes: refused now, not
        // when something builds it.
        let long = make(
            vec![
                ("_start", ColumnType::Time, None),
                ("_field", ColumnType::String, None),
                ("host", ColumnType::String, None),
                ("n", ColumnType::Int, None),
            ],
            500_000_000,
        );
        match long {
            Err(ValueError::Arrow(e)) => assert!(e.contains("too long"), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
