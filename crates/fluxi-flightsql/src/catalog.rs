//! Which buckets, measurements, tags and fields the engine holds, read from its catalog
//! (Flight SQL's `GetTables` with each table's Arrow schema).
//!
//! A measurement is a table with a timestamp column named `time`. Its tags are its
//! dictionary-encoded string columns (how InfluxDB 3 and `fluxi export` store tags) or
//! columns whose metadata says `iox::column_type::tag`; its fields are the other columns
//! of a type Flux has (float, integer, unsigned, string, boolean). Columns of other types
//! are not shown.

use crate::sql::ident;
use arrow_schema::{DataType, Field, Schema};
use fluxi_value::ColumnType;
use std::collections::BTreeMap;

/// The schema InfluxDB 3 keeps a database's tables in.
pub const IOX_SCHEMA: &str = "iox";

/// One measurement (a table).
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Its name.
    pub name: String,
    /// The table, as a qualified, quoted SQL name.
    pub table: String,
    /// The time column's name.
    pub time: String,
    /// The tag columns.
    pub tags: Vec<String>,
    /// The field columns with their Flux types, sorted by name.
    pub fields: Vec<(String, ColumnType)>,
}

impl Measurement {
    /// The Flux type of a field.
    pub fn field_type(&self, field: &str) -> Option<ColumnType> {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, t)| *t)
    }
}

/// The engine's catalog as buckets of measurements.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Bucket name to measurement name to measurement.
    pub buckets: BTreeMap<String, BTreeMap<String, Measurement>>,
}

fn is_tag(f: &Field) -> bool {
    let dict_of_strings = matches!(
        f.data_type(),
        DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
    );
    dict_of_strings
        || f.metadata()
            .get("iox::column::type")
            .is_some_and(|t| t == "iox::column_type::tag")
}

/// The Flux type of a field column.
pub fn field_type(ty: &DataType) -> Option<ColumnType> {
    Some(match ty {
        DataType::Float64 => ColumnType::Float,
        DataType::Int64 => ColumnType::Int,
        DataType::UInt64 => ColumnType::UInt,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => ColumnType::String,
        DataType::Boolean => ColumnType::Bool,
        _ => return None,
    })
}

/// A table's measurement, when it has a `time` column.
pub fn measurement(name: &str, table: String, schema: &Schema) -> Option<Measurement> {
    let time = schema
        .fields()
        .iter()
        .find(|f| f.name() == "time" && matches!(f.data_type(), DataType::Timestamp(..)))?;
    let mut tags = Vec::new();
    let mut fields = Vec::new();
    for f in schema.fields().iter().filter(|f| f.name() != time.name()) {
        if is_tag(f) {
            tags.push(f.name().clone());
        } else if let Some(t) = field_type(f.data_type()) {
            fields.push((f.name().clone(), t));
        }
    }
    tags.sort();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Some(Measurement {
        name: name.to_string(),
        table,
        time: time.name().clone(),
        tags,
        fields,
    })
}

impl Catalog {
    /// The measurements of a bucket; [`StorageError::BucketNotFound`] when there is none.
    ///
    /// [`StorageError::BucketNotFound`]: fluxi_storage::StorageError::BucketNotFound
    pub fn bucket(
        &self,
        bucket: &str,
    ) -> Result<&BTreeMap<String, Measurement>, fluxi_storage::StorageError> {
        self.buckets
            .get(bucket)
            .ok_or_else(|| fluxi_storage::StorageError::BucketNotFound(bucket.to_string()))
    }

    /// The catalog from `GetTables`' rows (catalog, schema, table, columns). With a
    /// `database`, that one bucket holds the tables of the schema `iox`; without, each
    /// schema but `information_schema` is a bucket (the first catalog's, where two
    /// catalogs have a schema of the same name).
    pub fn from_tables(
        tables: Vec<(String, String, String, Schema)>,
        database: Option<&str>,
    ) -> Catalog {
        let mut tables = tables;
        tables.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
        let mut buckets: BTreeMap<String, BTreeMap<String, Measurement>> = BTreeMap::new();
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for (catalog, schema, table, columns) in tables {
            let bucket = match database {
                Some(db) if schema == IOX_SCHEMA => db.to_string(),
                Some(_) => continue,
                None if schema == "information_schema" => continue,
                None => schema.clone(),
            };
            if owner
                .entry(bucket.clone())
                .or_insert_with(|| catalog.clone())
                != &catalog
            {
                continue;
            }
            let qualified = format!("{}.{}.{}", ident(&catalog), ident(&schema), ident(&table));
            if let Some(m) = measurement(&table, qualified, &columns) {
                buckets.entry(bucket).or_default().insert(table, m);
            }
        }
        Catalog { buckets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::TimeUnit;
    use std::sync::Arc;

    fn wide() -> Schema {
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        Schema::new(vec![
            Field::new(
                "time",
                DataType::Timestamp(TimeUnit::Nanosecond, None),
                false,
            ),
            Field::new("region", dict.clone(), true),
            Field::new("host", dict, true),
            Field::new("usage", DataType::Float64, true),
            Field::new("note", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
            Field::new(
                "odd",
                DataType::List(Arc::new(Field::new("x", DataType::Int8, true))),
                true,
            ),
        ])
    }

    #[test]
    fn tags_are_dictionary_columns_and_fields_the_rest() {
        let m = measurement("cpu", "t".into(), &wide()).unwrap();
        assert_eq!(m.tags, ["host", "region"]);
        assert_eq!(
            m.fields,
            [
                ("n".to_string(), ColumnType::Int),
                ("note".to_string(), ColumnType::String),
                ("usage".to_string(), ColumnType::Float)
            ]
        );
        let no_time = Schema::new(vec![Field::new("x", DataType::Int64, true)]);
        assert!(measurement("x", "x".into(), &no_time).is_none());
        let iox = Schema::new(vec![
            Field::new(
                "time",
                DataType::Timestamp(TimeUnit::Nanosecond, None),
                false,
            ),
            Field::new("host", DataType::Utf8, true).with_metadata([(
                "iox::column::type".to_string(),
                "iox::column_type::tag".to_string(),
            )]),
        ]);
        assert_eq!(measurement("m", "m".into(), &iox).unwrap().tags, ["host"]);
    }

    #[test]
    fn buckets_are_schemas_or_the_database() {
        let rows = || {
            vec![
                ("datafusion".into(), "b1".into(), "cpu".into(), wide()),
                (
                    "datafusion".into(),
                    "information_schema".into(),
                    "tables".into(),
                    wide(),
                ),
                ("datafusion".into(), "iox".into(), "mem".into(), wide()),
            ]
        };
        let c = Catalog::from_tables(rows(), None);
        assert_eq!(c.buckets.keys().collect::<Vec<_>>(), ["b1", "iox"]);
        assert_eq!(
            c.buckets["b1"]["cpu"].table,
            "\"datafusion\".\"b1\".\"cpu\""
        );
        let c = Catalog::from_tables(rows(), Some("db"));
        assert_eq!(c.buckets.keys().collect::<Vec<_>>(), ["db"]);
        assert!(c.buckets["db"].contains_key("mem"));
    }
}
