//! [`RoutedStorage`]: two stores seen as one, each bucket in the store that has it.
//!
//! `fluxi serve --storage flightsql://...` keeps its own buckets (`_monitoring`,
//! `_tasks`, buckets created through the API) in the embedded store and reads the
//! engine's buckets from the engine: a bucket the `primary` store has is read and written
//! there, any other in `secondary`. Creating a bucket creates it in `secondary`.

use crate::delete::DeletePredicate;
use crate::line_protocol::{ParseOptions, Point};
use crate::storage::{
    Aggregate, Applied, BucketInfo, BucketUpdate, Predicate, ReadResult, ReadSpec, Result, Storage,
    Windowing,
};
use fluxi_value::Table;
use std::sync::Arc;

/// Two stores as one (see the module's documentation).
pub struct RoutedStorage {
    primary: Arc<dyn Storage>,
    secondary: Arc<dyn Storage>,
}

impl std::fmt::Debug for RoutedStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoutedStorage").finish_non_exhaustive()
    }
}

impl RoutedStorage {
    /// Buckets of `primary` there, all others in `secondary` (where new ones go).
    pub fn new(primary: Arc<dyn Storage>, secondary: Arc<dyn Storage>) -> RoutedStorage {
        RoutedStorage { primary, secondary }
    }

    /// The store holding `bucket`.
    fn of(&self, bucket: &str) -> Result<&dyn Storage> {
        let there = self.primary.buckets()?.iter().any(|b| b.name == bucket);
        Ok(if there {
            self.primary.as_ref()
        } else {
            self.secondary.as_ref()
        })
    }
}

impl Storage for RoutedStorage {
    fn buckets(&self) -> Result<Vec<BucketInfo>> {
        let mut all = self.primary.buckets()?;
        for b in self.secondary.buckets()? {
            if !all.iter().any(|x| x.name == b.name) {
                all.push(b);
            }
        }
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }
    fn create_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        if self.primary.buckets()?.iter().any(|b| b.name == name) {
            return Err(crate::StorageError::BucketExists(name.to_string()));
        }
        self.secondary.create_bucket(name, retention)
    }
    fn create_system_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        self.secondary.create_system_bucket(name, retention)
    }
    fn delete_bucket(&self, name: &str) -> Result<()> {
        self.of(name)?.delete_bucket(name)
    }
    fn write(&self, bucket: &str, points: &[Point]) -> Result<usize> {
        self.of(bucket)?.write(bucket, points)
    }
    fn write_line_protocol(&self, bucket: &str, text: &[u8], o: &ParseOptions) -> Result<usize> {
        self.of(bucket)?.write_line_protocol(bucket, text, o)
    }
    fn read(&self, spec: &ReadSpec) -> Result<ReadResult> {
        self.of(&spec.bucket)?.read(spec)
    }
    fn read_each(&self, spec: &ReadSpec, sink: &mut dyn FnMut(Table) -> bool) -> Result<()> {
        self.of(&spec.bucket)?.read_each(spec, sink)
    }
    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<ReadResult>> {
        self.of(&spec.bucket)?
            .read_aggregate(spec, aggregate, window)
    }
    /// Planned before the bucket is known: pushed only where both stores apply it.
    fn predicate_pushdown(&self, predicate: &Predicate) -> Applied {
        weaker(
            self.primary.predicate_pushdown(predicate),
            self.secondary.predicate_pushdown(predicate),
        )
    }
    /// Planned before the bucket is known: pushed where either store computes it; the
    /// other then declines at read time ([`Storage::read_aggregate`] answers `None`)
    /// and the engine computes it.
    fn aggregate_pushdown(&self, aggregate: Aggregate, window: Option<Windowing>) -> Applied {
        let (a, b) = (
            self.primary.aggregate_pushdown(aggregate, window),
            self.secondary.aggregate_pushdown(aggregate, window),
        );
        if a == Applied::Unsupported && b == Applied::Unsupported {
            Applied::Unsupported
        } else {
            Applied::Exact
        }
    }
    fn describe_read(
        &self,
        spec: &ReadSpec,
        aggregate: Option<(Aggregate, Option<Windowing>)>,
    ) -> Option<Vec<String>> {
        self.of(&spec.bucket).ok()?.describe_read(spec, aggregate)
    }
    fn measurements(&self, bucket: &str) -> Result<Vec<String>> {
        self.of(bucket)?.measurements(bucket)
    }
    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.of(bucket)?.tag_keys(bucket, measurement)
    }
    fn tag_values(&self, bucket: &str, tag: &str, m: Option<&str>) -> Result<Vec<String>> {
        self.of(bucket)?.tag_values(bucket, tag, m)
    }
    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.of(bucket)?.field_keys(bucket, measurement)
    }
    fn delete(&self, bucket: &str, start: i64, stop: i64, p: &DeletePredicate) -> Result<()> {
        self.of(bucket)?.delete(bucket, start, stop, p)
    }
    fn update_bucket(&self, name: &str, update: &BucketUpdate) -> Result<()> {
        self.of(name)?.update_bucket(name, update)
    }
    fn persist(&self) -> Result<()> {
        let primary = self.primary.persist();
        self.secondary.persist().and(primary)
    }
    fn prepare(&self) {
        self.primary.prepare();
        self.secondary.prepare();
    }
}

/// The weaker of two answers.
fn weaker(a: Applied, b: Applied) -> Applied {
    match (a, b) {
        (Applied::Unsupported, _) | (_, Applied::Unsupported) => Applied::Unsupported,
        (Applied::Inexact, _) | (_, Applied::Inexact) => Applied::Inexact,
        _ => Applied::Exact,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStorage;

    #[test]
    fn each_bucket_is_read_where_it_is() {
        let remote = Arc::new(MemoryStorage::new());
        remote.create_bucket("engine", None).unwrap();
        let local = Arc::new(MemoryStorage::new());
        let r = RoutedStorage::new(
            Arc::clone(&remote) as Arc<dyn Storage>,
            Arc::clone(&local) as Arc<dyn Storage>,
        );
        r.create_bucket("mine", None).unwrap();
        assert!(local.buckets().unwrap().iter().any(|b| b.name == "mine"));
        assert!(r.create_bucket("engine", None).is_err());
        let names: Vec<String> = r.buckets().unwrap().into_iter().map(|b| b.name).collect();
        assert_eq!(names, ["engine", "mine"]);
        let opts = ParseOptions::default();
        r.write_line_protocol("engine", b"m f=1 1", &opts).unwrap();
        r.write_line_protocol("mine", b"m g=1 1", &opts).unwrap();
        assert_eq!(remote.field_keys("engine", None).unwrap(), ["f"]);
        assert_eq!(local.field_keys("mine", None).unwrap(), ["g"]);
        assert_eq!(r.field_keys("mine", None).unwrap(), ["g"]);
    }
}
