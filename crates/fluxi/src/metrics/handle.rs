//! [`Metrics`]: record gauges, counters, distributions and sets through a buffered
//! writer, into a local store ([`MetricsSink`]) or a server's metrics API.

use super::{record, Metric, MetricKind, MetricValue};
use crate::writer::{
    BufferedWriter, CheckedPoint, DeliveryError, PointSink, WriteError, WriterOptions, WriterStats,
};
use fluxi_storage::{Storage, StorageError};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A [`PointSink`] that records metric points into a bucket of a [`Storage`] with
/// [`record`]: counter increments add up, a name keeps its type. Only points of the
/// metrics layout are taken ([`Metric::from_point`]); others are refused when written
/// to the writer.
#[derive(Clone)]
pub struct MetricsSink {
    storage: Arc<dyn Storage>,
    bucket: String,
}

impl std::fmt::Debug for MetricsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsSink")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

impl MetricsSink {
    /// A sink into `bucket` of `storage` (which must exist when a batch is written).
    pub fn new(storage: Arc<dyn Storage>, bucket: impl Into<String>) -> MetricsSink {
        MetricsSink {
            storage,
            bucket: bucket.into(),
        }
    }
}

impl PointSink for MetricsSink {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    fn check(&self, point: &CheckedPoint) -> Result<(), String> {
        Metric::from_point(point).map(|_| ()).map_err(|e| e.message)
    }

    fn write(&self, points: &[CheckedPoint]) -> Result<(), DeliveryError> {
        let mut metrics = Vec::with_capacity(points.len());
        for p in points {
            match Metric::from_point(p) {
                Ok(m) => metrics.push(m),
                // `check` let it through, so this cannot happen; refuse it rather than
                // lose the batch.
                Err(e) => {
                    return Err(DeliveryError::Refused {
                        error: StorageError::Backend(e.to_string()),
                        points: vec![metrics.len()],
                    })
                }
            }
        }
        match record(self.storage.as_ref(), &self.bucket, metrics) {
            Ok(refused) if refused.is_empty() => Ok(()),
            Ok(refused) => {
                let error = StorageError::Backend(refused[0].1.to_string());
                Err(DeliveryError::PartlyRefused {
                    error,
                    points: refused.into_iter().map(|(i, _)| i).collect(),
                })
            }
            Err(error) => Err(DeliveryError::Unavailable {
                error,
                retry_after: None,
            }),
        }
    }
}

/// Records application metrics — gauges, counters, distributions and sets — in the
/// layout `fluxi serve`'s metrics API uses (see the [module](super) docs), buffered and
/// written in batches by a [`BufferedWriter`].
///
/// [`Metrics::local`] records into a bucket of a [`Storage`]; [`Metrics::with_sink`]
/// anywhere else, e.g. the `fluxi-client` crate's `MetricsApiSink`, which posts to a
/// server's `/api/v1/metrics/batch`. Each call takes the current time; [`Metrics::record`]
/// takes a [`Metric`] with its own.
pub struct Metrics {
    writer: BufferedWriter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("writer", &self.writer)
            .finish()
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(i64::MAX)
}

impl Metrics {
    /// Metrics recorded into `bucket` of `storage` (which must exist when the first batch
    /// is written).
    pub fn local(
        storage: Arc<dyn Storage>,
        bucket: impl Into<String>,
        options: WriterOptions,
    ) -> Metrics {
        Metrics::with_sink(MetricsSink::new(storage, bucket), options)
    }

    /// Metrics recorded into `sink`.
    pub fn with_sink(sink: impl PointSink + 'static, options: WriterOptions) -> Metrics {
        Metrics {
            writer: BufferedWriter::with_sink(sink, options),
        }
    }

    /// Records `metric` (with its own time).
    ///
    /// Errors: the writer's ([`BufferedWriter::write`]).
    pub fn record(&self, metric: Metric) -> Result<(), WriteError> {
        self.writer.write(point_of(&metric))
    }

    fn now_metric(
        &self,
        name: &str,
        kind: MetricKind,
        value: MetricValue,
        tags: &[(&str, &str)],
    ) -> Result<(), WriteError> {
        let metric = Metric::new(name, kind, value, now(), tags.iter().copied()).map_err(|e| {
            WriteError::InvalidPoint {
                measurement: name.to_string(),
                problem: e.to_string(),
            }
        })?;
        self.record(metric)
    }

    /// A gauge's current value.
    pub fn gauge(&self, name: &str, value: f64, tags: &[(&str, &str)]) -> Result<(), WriteError> {
        self.now_metric(name, MetricKind::Gauge, MetricValue::Number(value), tags)
    }

    /// An increment of a counter.
    pub fn counter(
        &self,
        name: &str,
        increment: f64,
        tags: &[(&str, &str)],
    ) -> Result<(), WriteError> {
        self.now_metric(
            name,
            MetricKind::Counter,
            MetricValue::Number(increment),
            tags,
        )
    }

    /// A value of a distribution.
    pub fn distribution(
        &self,
        name: &str,
        value: f64,
        tags: &[(&str, &str)],
    ) -> Result<(), WriteError> {
        self.now_metric(
            name,
            MetricKind::Distribution,
            MetricValue::Number(value),
            tags,
        )
    }

    /// A member seen in a set.
    pub fn set(&self, name: &str, member: &str, tags: &[(&str, &str)]) -> Result<(), WriteError> {
        self.now_metric(
            name,
            MetricKind::Set,
            MetricValue::Member(member.to_string()),
            tags,
        )
    }

    /// Writes everything buffered now ([`BufferedWriter::flush`]).
    pub fn flush(&self) -> Result<usize, WriteError> {
        self.writer.flush()
    }

    /// Writes everything buffered and stops ([`BufferedWriter::close`]).
    pub fn close(self) -> Result<WriterStats, WriteError> {
        self.writer.close()
    }

    /// What has been written, dropped and refused so far.
    pub fn stats(&self) -> WriterStats {
        self.writer.stats()
    }

    /// The writer underneath.
    pub fn writer(&self) -> &BufferedWriter {
        &self.writer
    }
}

fn point_of(metric: &Metric) -> crate::writer::Point {
    let p = metric.to_point();
    let mut out = crate::writer::Point::new(p.measurement).time(p.time);
    for (k, v) in p.tags {
        out = out.tag(k, v);
    }
    for (k, v) in p.fields {
        out = out.field(k, v);
    }
    out
}
