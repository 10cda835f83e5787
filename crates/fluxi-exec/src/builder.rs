//! Building tables row by row: columns appear as rows mention them (earlier rows get
//! nulls), types are fixed by the first non-null value, and a later value of another type
//! is an error naming the column.

use fluxi_value::{ColumnType, GroupKey, Table, Value, ValueError};

/// The column type a value would be stored as, if it can be stored at all.
pub fn column_type_of(v: &Value) -> Option<ColumnType> {
    Some(match v {
        Value::Int(_) => ColumnType::Int,
        Value::UInt(_) => ColumnType::UInt,
        Value::Float(_) => ColumnType::Float,
        Value::String(_) => ColumnType::String,
        Value::Bool(_) => ColumnType::Bool,
        Value::Time(_) => ColumnType::Time,
        _ => return None,
    })
}

/// Accumulates the rows of one output table.
#[derive(Debug, Clone)]
pub struct TableBuilder {
    labels: Vec<String>,
    types: Vec<Option<ColumnType>>,
    rows: Vec<Vec<Value>>,
    key_labels: Vec<String>,
    key_values: Vec<Value>,
}

impl TableBuilder {
    /// A builder whose key has these labels and values.
    pub fn new(key: &GroupKey) -> TableBuilder {
        TableBuilder {
            labels: Vec::new(),
            types: Vec::new(),
            rows: Vec::new(),
            key_labels: key.columns().iter().map(|c| c.label.clone()).collect(),
            key_values: key.columns().iter().map(|c| c.value.clone()).collect(),
        }
    }

    /// Declare a column (keeps its position if already known).
    pub fn add_column(&mut self, label: &str, ty: Option<ColumnType>) -> Result<usize, ValueError> {
        if let Some(i) = self.labels.iter().position(|l| l == label) {
            if let (Some(have), Some(want)) = (self.types[i], ty) {
                if have != want {
                    return Err(ValueError::ColumnType {
                        column: label.to_string(),
                        expected: have.name().into(),
                        found: want.name().into(),
                    });
                }
            }
            if self.types[i].is_none() {
                self.types[i] = ty;
            }
            return Ok(i);
        }
        self.labels.push(label.to_string());
        self.types.push(ty);
        for r in &mut self.rows {
            r.push(Value::Null);
        }
        Ok(self.labels.len() - 1)
    }

    /// Append a row given as (label, value) pairs; missing columns are null.
    pub fn push_row<'a>(
        &mut self,
        fields: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> Result<(), ValueError> {
        let mut row = vec![Value::Null; self.labels.len()];
        for (label, v) in fields {
            let ty = column_type_of(&v);
            if ty.is_none() && !v.is_null() {
                return Err(ValueError::NotAColumnValue {
                    column: label.to_string(),
                    found: v.type_name().into(),
                });
            }
            let i = self.add_column(label, ty)?;
            if row.len() < self.labels.len() {
                row.resize(self.labels.len(), Value::Null);
            }
            row[i] = v;
        }
        self.rows.push(row);
        Ok(())
    }

    /// Append a row aligned with the builder's current columns.
    pub fn push_values(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    /// Number of rows so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no rows were added.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Finish the table. Columns that never got a non-null value and are not in the key
    /// are left out (a missing column reads as nulls everywhere).
    pub fn finish(self) -> Result<Table, ValueError> {
        let mut columns = Vec::new();
        let mut keep = Vec::new();
        for (i, (label, ty)) in self.labels.iter().zip(&self.types).enumerate() {
            let key_ty = self
                .key_labels
                .iter()
                .position(|k| k == label)
                .and_then(|k| column_type_of(&self.key_values[k]));
            match ty.or(key_ty) {
                Some(t) => {
                    columns.push((label.clone(), t));
                    keep.push(i);
                }
                None if self.key_labels.contains(label) => {
                    columns.push((label.clone(), ColumnType::String));
                    keep.push(i);
                }
                None => {}
            }
        }
        let rows: Vec<Vec<Value>> = self
            .rows
            .into_iter()
            .map(|r| {
                keep.iter()
                    .map(|i| r.get(*i).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        let key_labels: Vec<String> = self
            .key_labels
            .iter()
            .filter(|k| columns.iter().any(|(l, _)| l == *k))
            .cloned()
            .collect();
        let key_values: Vec<Value> = self
            .key_labels
            .iter()
            .zip(&self.key_values)
            .filter(|(k, _)| key_labels.contains(k))
            .map(|(_, v)| v.clone())
            .collect();
        Table::from_rows(&key_labels, &columns, &rows, Some(&key_values))
    }
}
