//! Where a [`BufferedWriter`](super::BufferedWriter) writes its batches: a [`PointSink`].
//!
//! The writer owns batching, the buffer and its cap, retries and flushing on close and
//! drop; a sink only takes one batch at a time and says, when it does not, whether the
//! batch may be retried later ([`DeliveryError::Unavailable`]) or which of its points it
//! refuses for good ([`DeliveryError::Refused`]). [`StoreSink`] writes into a bucket of a
//! [`Storage`]; the `fluxi-client` crate's `HttpSink` posts line protocol to
//! `/api/v2/write` of an InfluxDB-compatible server.

use fluxi_storage::line_protocol::{parse, Precision};
use fluxi_storage::{Storage, StorageError};
use std::sync::Arc;
use std::time::Duration;

/// A point as the writer hands it to a sink: checked (a measurement, at least one field,
/// no empty or reserved keys, finite floats), its time set, tags and fields sorted by key
/// with unique keys. It is the store's point type.
pub use fluxi_storage::Point as CheckedPoint;

/// Why a sink did not take a batch, and what the writer does about it.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryError {
    /// Not now: nothing of the batch was kept. The writer keeps the batch buffered, reports
    /// [`WriteError::Storage`](super::WriteError::Storage) and retries it — on its own
    /// not before [`WriterOptions::flush_interval`](super::WriterOptions::flush_interval)
    /// has passed, nor before `retry_after` when the sink gives one.
    Unavailable {
        /// What went wrong.
        error: StorageError,
        /// How long the other side asked to be left alone (an HTTP `Retry-After`).
        retry_after: Option<Duration>,
    },
    /// Never, for the points of the batch at these indices: nothing of the batch was kept.
    /// The writer drops those points, reports them as
    /// [`WriteError::Rejected`](super::WriteError::Rejected), and hands the rest of the
    /// batch to the sink again at once. An empty list (or one naming no point of the
    /// batch) counts as [`DeliveryError::Unavailable`].
    Refused {
        /// Why (for the first refusal of a flush, what `WriteError::Rejected` carries).
        error: StorageError,
        /// The indices into the batch of the refused points.
        points: Vec<usize>,
    },
    /// The rest of the batch was written; the points at these indices were refused for
    /// good (a server that takes what it can of a batch). The writer drops them, reports
    /// them as [`WriteError::Rejected`](super::WriteError::Rejected), and counts the
    /// others as written. An empty list means the whole batch was written.
    PartlyRefused {
        /// Why (for the first refusal of a flush, what `WriteError::Rejected` carries).
        error: StorageError,
        /// The indices into the batch of the refused points.
        points: Vec<usize>,
    },
}

/// Something a [`BufferedWriter`](super::BufferedWriter) writes batches of points into.
///
/// The writer calls [`PointSink::write`] with one batch at a time (never an empty one),
/// in the order the points were accepted, from the thread that flushes: the writer's
/// background thread, or a caller of `write`, `flush` or `close`. A panic in the sink is
/// caught and counts as [`DeliveryError::Unavailable`].
pub trait PointSink: Send + Sync {
    /// The bucket the points go to (what [`BufferedWriter::bucket`] returns).
    ///
    /// [`BufferedWriter::bucket`]: super::BufferedWriter::bucket
    fn bucket(&self) -> &str;

    /// Writes a batch: all of it, or — with an error — none of it.
    fn write(&self, points: &[CheckedPoint]) -> Result<(), DeliveryError>;

    /// Checks a point when it is handed to the writer, beyond the writer's own checks: a
    /// point the sink could never write faithfully is refused then, as
    /// [`WriteError::InvalidPoint`](super::WriteError::InvalidPoint) with this problem,
    /// instead of being buffered. Accepts every point unless overridden.
    fn check(&self, point: &CheckedPoint) -> Result<(), String> {
        let _ = point;
        Ok(())
    }

    /// Whether [`BufferedWriter::write`](super::BufferedWriter::write) may write a full
    /// batch in the caller's thread (`true`, the default: a local store is quick). A sink
    /// over the network returns `false`, and the writer's background thread writes full
    /// batches instead, so that recording a point never waits for the network.
    fn write_in_caller(&self) -> bool {
        true
    }

    /// The most points one batch may hold (`None`, the default: no limit). The writer
    /// lowers [`WriterOptions::batch_size`](super::WriterOptions::batch_size) to it.
    fn max_batch(&self) -> Option<usize> {
        None
    }
}

/// A [`PointSink`] over a bucket of a [`Storage`] (what
/// [`BufferedWriter::new`](super::BufferedWriter::new) writes into).
///
/// A field written with another type than the store has for it
/// ([`StorageError::FieldTypeConflict`]) refuses the points of the batch that carry it;
/// every other error is [`DeliveryError::Unavailable`].
#[derive(Clone)]
pub struct StoreSink {
    storage: Arc<dyn Storage>,
    bucket: String,
}

impl std::fmt::Debug for StoreSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSink")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl StoreSink {
    /// A sink into `bucket` of `storage` (which must exist when a batch is written).
    pub fn new(storage: Arc<dyn Storage>, bucket: impl Into<String>) -> StoreSink {
        StoreSink {
            storage,
            bucket: bucket.into(),
        }
    }
}

impl PointSink for StoreSink {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    fn write(&self, points: &[CheckedPoint]) -> Result<(), DeliveryError> {
        match self.storage.write(&self.bucket, points) {
            Ok(_) => Ok(()),
            Err(error @ StorageError::FieldTypeConflict { .. }) => {
                let refused = conflicting_points(points, &error);
                Err(DeliveryError::Refused {
                    error,
                    points: refused,
                })
            }
            Err(error) => Err(DeliveryError::Unavailable {
                error,
                retry_after: None,
            }),
        }
    }
}

/// The indices of the points of `points` that carry the field of a
/// [`StorageError::FieldTypeConflict`] with the refused type (none for another error).
pub fn conflicting_points(points: &[CheckedPoint], conflict: &StorageError) -> Vec<usize> {
    let StorageError::FieldTypeConflict {
        measurement,
        field,
        found,
        ..
    } = conflict
    else {
        return Vec::new();
    };
    points
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.measurement == *measurement && p.field(field).is_some_and(|v| v.type_name() == *found)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Appends the line-protocol line of `point` (nanosecond timestamp) and a newline to
/// `out`, escaped as InfluxDB reads it. [`check_line`] says whether it reads back as the
/// same point.
pub fn encode_line(out: &mut String, point: &CheckedPoint) {
    fluxi_storage::line_protocol::write_line(out, point);
    out.push('\n');
}

/// Whether line protocol can carry `point` faithfully: its line (see [`encode_line`])
/// must read back, with the store's parser (InfluxDB 2.7's rules), as the same point.
/// The error says why not: a name (measurement, tag key or value, field key) holding a
/// line break or ending in a backslash, a field key with a backslash before a space,
/// comma or `=`, a tag key the parser reserves, and the like. String field values may
/// hold anything.
pub fn check_line(point: &CheckedPoint) -> Result<(), String> {
    let elements = std::iter::once(("the measurement", point.measurement.as_str()))
        .chain(
            point
                .tags
                .iter()
                .flat_map(|(k, v)| [("a tag key", k.as_str()), ("a tag value", v.as_str())]),
        )
        .chain(
            point
                .fields
                .iter()
                .map(|(k, _)| ("a field key", k.as_str())),
        );
    for (what, text) in elements {
        if text.contains(['\n', '\r']) {
            return Err(format!(
                "{what} ({text:?}) holds a line break, which line protocol cannot carry"
            ));
        }
        if text.ends_with('\\') {
            return Err(format!(
                "{what} ({text:?}) ends in a backslash, which line protocol cannot carry (it would escape what follows)"
            ));
        }
    }
    let mut line = String::new();
    encode_line(&mut line, point);
    let parsed = parse(line.as_bytes(), Precision::Nanoseconds, 0).map_err(|e| {
        let reason = e
            .lines
            .first()
            .map_or_else(|| e.to_string(), |l| l.reason());
        format!(
            "its line protocol {:?} is refused by InfluxDB's parser: {reason}",
            line.trim_end()
        )
    })?;
    let same = match parsed.as_slice() {
        [back] => canonical(back) == canonical(point),
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(format!(
            "line protocol cannot carry it faithfully: its line {:?} reads back as another point (a measurement starting with `#`, a name starting with a tab, or a backslash before a space, comma, `=` or `\"` is the usual cause)",
            line.trim_end()
        ))
    }
}

/// A point with its tags and fields sorted, for comparing.
fn canonical(p: &CheckedPoint) -> CheckedPoint {
    let mut p = p.clone();
    p.tags.sort();
    p.fields.sort_by(|a, b| a.0.cmp(&b.0));
    p
}
