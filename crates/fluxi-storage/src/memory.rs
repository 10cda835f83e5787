//! A [`Storage`] held in memory: for tests, embedding, and as the reference the
//! persistent store is checked against. Every predicate is applied exactly.

use crate::delete::DeletePredicate;
use crate::line_protocol::{FieldValue, Point};
use crate::storage::{
    check_bucket_name, Aggregate, Applied, BucketInfo, ReadResult, ReadSpec, Result, Storage,
    StorageError, Windowing,
};
use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, TimestampNanosecondArray,
    UInt64Array,
};
use fluxi_value::{ColumnType, Table};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

/// One series: a measurement, a tag set and a field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SeriesKey {
    measurement: String,
    tags: Vec<(String, String)>,
    field: String,
}

#[derive(Debug, Default)]
struct Bucket {
    retention: Option<i64>,
    series: BTreeMap<SeriesKey, BTreeMap<i64, FieldValue>>,
    field_types: HashMap<(String, String), &'static str>,
}

/// The in-memory store.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    buckets: RwLock<BTreeMap<String, Bucket>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// Creates a bucket whose name was checked.
    fn create_checked(&self, name: &str, retention: Option<i64>) -> Result<()> {
        let mut buckets = self.buckets.write().map_err(|_| poisoned())?;
        if buckets.contains_key(name) {
            return Err(StorageError::BucketExists(name.to_string()));
        }
        buckets.insert(
            name.to_string(),
            Bucket {
                retention,
                ..Bucket::default()
            },
        );
        Ok(())
    }
}

fn poisoned() -> StorageError {
    StorageError::Backend("a writer panicked while holding the store's lock".into())
}

impl Storage for MemoryStorage {
    fn buckets(&self) -> Result<Vec<BucketInfo>> {
        let buckets = self.buckets.read().map_err(|_| poisoned())?;
        Ok(buckets
            .iter()
            .map(|(name, b)| BucketInfo {
                name: name.clone(),
                retention: b.retention,
            })
            .collect())
    }

    fn create_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        check_bucket_name(name)?;
        self.create_checked(name, retention)
    }

    fn create_system_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        if !crate::SYSTEM_BUCKETS.contains(&name) {
            check_bucket_name(name)?;
        }
        self.create_checked(name, retention)
    }

    fn update_bucket(&self, name: &str, update: &crate::BucketUpdate) -> Result<()> {
        let mut buckets = self.buckets.write().map_err(|_| poisoned())?;
        let new_name = update.name.as_deref().unwrap_or(name);
        if new_name != name {
            check_bucket_name(new_name)?;
            if buckets.contains_key(new_name) {
                return Err(StorageError::BucketExists(new_name.to_string()));
            }
        }
        let mut bucket = buckets
            .remove(name)
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string()))?;
        if let Some(r) = update.retention {
            bucket.retention = r;
        }
        buckets.insert(new_name.to_string(), bucket);
        Ok(())
    }

    fn delete_bucket(&self, name: &str) -> Result<()> {
        let mut buckets = self.buckets.write().map_err(|_| poisoned())?;
        buckets
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| StorageError::BucketNotFound(name.to_string()))
    }

    fn write(&self, bucket: &str, points: &[Point]) -> Result<usize> {
        let mut buckets = self.buckets.write().map_err(|_| poisoned())?;
        let b = buckets
            .get_mut(bucket)
            .ok_or_else(|| StorageError::BucketNotFound(bucket.to_string()))?;
        // Check every field's type first: a batch is written whole or not at all.
        let mut new_types: HashMap<(String, String), &'static str> = HashMap::new();
        for p in points {
            for (field, v) in &p.fields {
                let k = (p.measurement.clone(), field.clone());
                let existing = b.field_types.get(&k).or_else(|| new_types.get(&k)).copied();
                match existing {
                    Some(t) if t != v.type_name() => {
                        return Err(StorageError::FieldTypeConflict {
                            measurement: p.measurement.clone(),
                            field: field.clone(),
                            existing: t,
                            found: v.type_name(),
                        })
                    }
                    Some(_) => {}
                    None => {
                        new_types.insert(k, v.type_name());
                    }
                }
            }
        }
        b.field_types.extend(new_types);
        for p in points {
            for (field, v) in &p.fields {
                let key = SeriesKey {
                    measurement: p.measurement.clone(),
                    tags: p.tags.clone(),
                    field: field.clone(),
                };
                b.series.entry(key).or_default().insert(p.time, v.clone());
            }
        }
        Ok(points.len())
    }

    fn read(&self, spec: &ReadSpec) -> Result<ReadResult> {
        let buckets = self.buckets.read().map_err(|_| poisoned())?;
        let b = buckets
            .get(&spec.bucket)
            .ok_or_else(|| StorageError::BucketNotFound(spec.bucket.clone()))?;
        let mut tables = Vec::new();
        for (key, points) in &b.series {
            let value_of = |c: &str| -> Option<String> {
                match c {
                    "_measurement" => Some(key.measurement.clone()),
                    "_field" => Some(key.field.clone()),
                    tag => key
                        .tags
                        .iter()
                        .find(|(k, _)| k == tag)
                        .map(|(_, v)| v.clone()),
                }
            };
            if !spec.predicates.iter().all(|p| p.holds(&value_of)) {
                continue;
            }
            if spec.start >= spec.stop {
                continue;
            }
            let rows: Vec<(&i64, &FieldValue)> = points.range(spec.start..spec.stop).collect();
            if rows.is_empty() {
                continue;
            }
            tables.push(series_table(key, &rows, spec.start, spec.stop)?);
        }
        tables.sort_by(|a, b| a.key().cmp(b.key()));
        Ok(ReadResult {
            tables,
            applied: vec![Applied::Exact; spec.predicates.len()],
        })
    }

    fn predicate_pushdown(&self, _: &crate::storage::Predicate) -> Applied {
        // `read` applies every predicate exactly.
        Applied::Exact
    }

    fn aggregate_pushdown(&self, _: Aggregate, _: Option<Windowing>) -> Applied {
        // Every aggregate, with or without windows (see `read_aggregate`).
        Applied::Exact
    }

    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<ReadResult>> {
        // The reference: aggregate the tables of a read.
        let result = self.read(spec)?;
        crate::aggregate::aggregate_read(result, spec.start, aggregate, window)
    }

    fn measurements(&self, bucket: &str) -> Result<Vec<String>> {
        self.collect(bucket, None, |k, out| {
            out.insert(k.measurement.clone());
        })
    }

    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.collect(bucket, measurement, |k, out| {
            out.extend(k.tags.iter().map(|(t, _)| t.clone()));
        })
    }

    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        measurement: Option<&str>,
    ) -> Result<Vec<String>> {
        self.collect(bucket, measurement, |k, out| {
            out.extend(
                k.tags
                    .iter()
                    .filter(|(t, _)| t == tag)
                    .map(|(_, v)| v.clone()),
            );
        })
    }

    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.collect(bucket, measurement, |k, out| {
            out.insert(k.field.clone());
        })
    }

    fn delete(
        &self,
        bucket: &str,
        start: i64,
        stop: i64,
        predicate: &DeletePredicate,
    ) -> Result<()> {
        if start > stop {
            return Err(StorageError::DeleteRange { start, stop });
        }
        let mut buckets = self.buckets.write().map_err(|_| poisoned())?;
        let b = buckets
            .get_mut(bucket)
            .ok_or_else(|| StorageError::BucketNotFound(bucket.to_string()))?;
        b.series.retain(|key, points| {
            let tag = |k: &str| {
                key.tags
                    .iter()
                    .find(|(t, _)| t == k)
                    .map(|(_, v)| v.as_str())
            };
            if predicate.matches(&key.measurement, tag) {
                points.retain(|t, _| *t < start || *t > stop);
            }
            // A series left without points is gone (from the schema answers too).
            !points.is_empty()
        });
        Ok(())
    }
}

impl MemoryStorage {
    fn collect(
        &self,
        bucket: &str,
        measurement: Option<&str>,
        mut add: impl FnMut(&SeriesKey, &mut BTreeSet<String>),
    ) -> Result<Vec<String>> {
        let buckets = self.buckets.read().map_err(|_| poisoned())?;
        let b = buckets
            .get(bucket)
            .ok_or_else(|| StorageError::BucketNotFound(bucket.to_string()))?;
        let mut out = BTreeSet::new();
        for k in b.series.keys() {
            if measurement.is_none_or(|m| m == k.measurement) {
                add(k, &mut out);
            }
        }
        Ok(out.into_iter().collect())
    }
}

/// One series as a table in Flux's long shape.
fn series_table(
    key: &SeriesKey,
    rows: &[(&i64, &FieldValue)],
    start: i64,
    stop: i64,
) -> Result<Table> {
    let n = rows.len();
    let strings = |s: &str| -> ArrayRef { Arc::new(StringArray::from(vec![s; n])) };
    let times = |v: i64| -> ArrayRef { Arc::new(TimestampNanosecondArray::from(vec![v; n])) };
    let mixed = || StorageError::Backend(format!("series {key:?} holds values of two types"));
    let (ty, values): (ColumnType, ArrayRef) = match rows.first().map(|r| r.1) {
        Some(FieldValue::Float(_)) | None => (
            ColumnType::Float,
            Arc::new(
                rows.iter()
                    .map(|r| match r.1 {
                        FieldValue::Float(f) => Ok(*f),
                        _ => Err(mixed()),
                    })
                    .collect::<Result<Float64Array>>()?,
            ),
        ),
        Some(FieldValue::Int(_)) => (
            ColumnType::Int,
            Arc::new(
                rows.iter()
                    .map(|r| match r.1 {
                        FieldValue::Int(i) => Ok(*i),
                        _ => Err(mixed()),
                    })
                    .collect::<Result<Int64Array>>()?,
            ),
        ),
        Some(FieldValue::UInt(_)) => (
            ColumnType::UInt,
            Arc::new(
                rows.iter()
                    .map(|r| match r.1 {
                        FieldValue::UInt(u) => Ok(*u),
                        _ => Err(mixed()),
                    })
                    .collect::<Result<UInt64Array>>()?,
            ),
        ),
        Some(FieldValue::String(_)) => (
            ColumnType::String,
            Arc::new(StringArray::from(
                rows.iter()
                    .map(|r| match r.1 {
                        FieldValue::String(s) => Ok(s.as_str()),
                        _ => Err(mixed()),
                    })
                    .collect::<Result<Vec<&str>>>()?,
            )),
        ),
        Some(FieldValue::Bool(_)) => (
            ColumnType::Bool,
            Arc::new(BooleanArray::from(
                rows.iter()
                    .map(|r| match r.1 {
                        FieldValue::Bool(b) => Ok(*b),
                        _ => Err(mixed()),
                    })
                    .collect::<Result<Vec<bool>>>()?,
            )),
        ),
    };
    let mut columns: Vec<(String, ColumnType, ArrayRef)> = vec![
        ("_start".into(), ColumnType::Time, times(start)),
        ("_stop".into(), ColumnType::Time, times(stop)),
        (
            "_time".into(),
            ColumnType::Time,
            Arc::new(TimestampNanosecondArray::from(
                rows.iter().map(|r| *r.0).collect::<Vec<i64>>(),
            )),
        ),
        ("_value".into(), ty, values),
        ("_field".into(), ColumnType::String, strings(&key.field)),
        (
            "_measurement".into(),
            ColumnType::String,
            strings(&key.measurement),
        ),
    ];
    for (k, v) in &key.tags {
        columns.push((k.clone(), ColumnType::String, strings(v)));
    }
    let group = crate::storage::long_key(
        start,
        stop,
        &key.field,
        &key.measurement,
        key.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    Table::from_arrays(group, columns, n).map_err(|e| StorageError::Backend(e.to_string()))
}
