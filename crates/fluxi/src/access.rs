//! What one caller may read and write: an [`Access`] limits the buckets a query sees
//! ([`crate::Engine::with_access`]), as the server does for each token. A bucket the
//! caller may not read is reported as not found (InfluxDB answers the same, so a token
//! does not learn which buckets exist); writing where it may not write is a permission
//! error.

use fluxi_storage::storage::Result;
use fluxi_storage::{
    Aggregate, Applied, BucketInfo, DeletePredicate, ParseOptions, Point, Predicate, ReadResult,
    ReadSpec, Storage, StorageError, Windowing,
};
use fluxi_value::Table;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A set of buckets: every bucket, or those named.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Buckets {
    /// Every bucket.
    All,
    /// Only these (none when empty).
    #[default]
    None,
    /// The buckets with these names.
    Named(BTreeSet<String>),
}

impl Buckets {
    /// Whether `bucket` is in the set.
    pub fn contains(&self, bucket: &str) -> bool {
        match self {
            Buckets::All => true,
            Buckets::None => false,
            Buckets::Named(names) => names.contains(bucket),
        }
    }
}

/// The buckets a caller may read and those it may write (`to()`); creating and deleting
/// buckets from Flux is refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Access {
    /// Readable buckets.
    pub read: Buckets,
    /// Writable buckets.
    pub write: Buckets,
}

/// A store seen through an [`Access`].
pub(crate) struct Limited {
    pub(crate) inner: Arc<dyn Storage>,
    pub(crate) access: Access,
}

impl Limited {
    fn readable(&self, bucket: &str) -> Result<()> {
        if self.access.read.contains(bucket) {
            Ok(())
        } else {
            Err(StorageError::BucketNotFound(bucket.to_string()))
        }
    }

    fn writable(&self, bucket: &str) -> Result<()> {
        if self.access.write.contains(bucket) {
            Ok(())
        } else {
            Err(StorageError::PermissionDenied(format!(
                "user not authorized to write into bucket \"{bucket}\""
            )))
        }
    }
}

impl Storage for Limited {
    fn buckets(&self) -> Result<Vec<BucketInfo>> {
        let mut all = self.inner.buckets()?;
        all.retain(|b| self.access.read.contains(&b.name));
        Ok(all)
    }
    fn create_bucket(&self, name: &str, _retention: Option<i64>) -> Result<()> {
        Err(StorageError::PermissionDenied(format!(
            "not allowed to create bucket \"{name}\" here"
        )))
    }
    /// A system bucket that InfluxDB would always have (`_monitoring`) is made on the first
    /// write of a caller allowed to write into it; other names are refused as
    /// `create_bucket` refuses them.
    fn create_system_bucket(&self, name: &str, retention: Option<i64>) -> Result<()> {
        if !fluxi_storage::SYSTEM_BUCKETS.contains(&name) {
            return self.create_bucket(name, retention);
        }
        self.writable(name)?;
        self.inner.create_system_bucket(name, retention)
    }
    fn persist(&self) -> Result<()> {
        self.inner.persist()
    }
    fn prepare(&self) {
        self.inner.prepare()
    }
    fn update_bucket(&self, name: &str, _update: &fluxi_storage::BucketUpdate) -> Result<()> {
        Err(StorageError::PermissionDenied(format!(
            "not allowed to change bucket \"{name}\" here"
        )))
    }
    fn delete_bucket(&self, name: &str) -> Result<()> {
        Err(StorageError::PermissionDenied(format!(
            "not allowed to delete bucket \"{name}\" here"
        )))
    }
    fn write(&self, bucket: &str, points: &[Point]) -> Result<usize> {
        self.writable(bucket)?;
        self.inner.write(bucket, points)
    }
    fn write_line_protocol(
        &self,
        bucket: &str,
        text: &[u8],
        options: &ParseOptions,
    ) -> Result<usize> {
        self.writable(bucket)?;
        self.inner.write_line_protocol(bucket, text, options)
    }
    fn read(&self, spec: &ReadSpec) -> Result<ReadResult> {
        self.readable(&spec.bucket)?;
        self.inner.read(spec)
    }
    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> Result<Option<ReadResult>> {
        self.readable(&spec.bucket)?;
        self.inner.read_aggregate(spec, aggregate, window)
    }
    fn predicate_pushdown(&self, p: &Predicate) -> Applied {
        self.inner.predicate_pushdown(p)
    }
    fn read_each(&self, spec: &ReadSpec, sink: &mut dyn FnMut(Table) -> bool) -> Result<()> {
        self.readable(&spec.bucket)?;
        self.inner.read_each(spec, sink)
    }
    fn aggregate_pushdown(&self, aggregate: Aggregate, window: Option<Windowing>) -> Applied {
        self.inner.aggregate_pushdown(aggregate, window)
    }
    fn measurements(&self, bucket: &str) -> Result<Vec<String>> {
        self.readable(bucket)?;
        self.inner.measurements(bucket)
    }
    fn tag_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.readable(bucket)?;
        self.inner.tag_keys(bucket, measurement)
    }
    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        measurement: Option<&str>,
    ) -> Result<Vec<String>> {
        self.readable(bucket)?;
        self.inner.tag_values(bucket, tag, measurement)
    }
    fn field_keys(&self, bucket: &str, measurement: Option<&str>) -> Result<Vec<String>> {
        self.readable(bucket)?;
        self.inner.field_keys(bucket, measurement)
    }
    fn delete(
        &self,
        bucket: &str,
        start: i64,
        stop: i64,
        predicate: &DeletePredicate,
    ) -> Result<()> {
        // Deleting points takes write permission on the bucket, as in InfluxDB.
        self.writable(bucket)?;
        self.inner.delete(bucket, start, stop, predicate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluxi_storage::{MemoryStorage, StorageErrorKind};

    #[test]
    fn deleting_points_takes_write_permission_on_the_bucket() {
        let store = MemoryStorage::new();
        for b in ["mine", "theirs"] {
            store.create_bucket(b, None).unwrap();
            store
                .write_line_protocol(b, b"m v=1 5", &ParseOptions::default())
                .unwrap();
        }
        let limited = Limited {
            inner: Arc::new(store),
            access: Access {
                read: Buckets::All,
                write: Buckets::Named(["mine".to_string()].into()),
            },
        };
        let all = DeletePredicate::all();
        let refused = limited.delete("theirs", 0, 10, &all).unwrap_err();
        assert_eq!(refused.kind(), StorageErrorKind::PermissionDenied);
        limited.delete("mine", 0, 10, &all).unwrap();
        assert!(limited.measurements("mine").unwrap().is_empty());
        assert_eq!(limited.measurements("theirs").unwrap(), vec!["m"]);
    }
}
