//! Application metrics: gauges, counters, distributions and sets, stored as points of a
//! bucket in one layout that `fluxi serve`'s metrics API (`/api/v1/metrics`) and this
//! library share, so that metrics recorded either way are queried the same way.
//!
//! The layout: a metric is a **measurement named after it**, with **one field named
//! after its type** (`gauge`, `counter`, `distribution` as floats, `set` as strings: the
//! member) and its tags as tags. An event (see [`Event`]) is a measurement of its own
//! too, whose fields are its value and properties.
//!
//! [`record`] writes metrics into a [`Storage`] with each type's meaning: a gauge at the
//! same time and tags as an earlier one replaces it, counter increments at the same time
//! and tags are summed (also with what the store already holds), a name keeps the type
//! it was first written with. [`Metrics`] is a handle that records through a
//! [`BufferedWriter`](crate::BufferedWriter), into a local store or (with the
//! `fluxi-client` crate's sink) a server's metrics API.
//!
//! ```
//! use fluxi::metrics::Metrics;
//! use fluxi::{MemoryStorage, Storage, WriterOptions};
//! use std::sync::Arc;
//!
//! let store: Arc<dyn Storage> = Arc::new(MemoryStorage::new());
//! store.create_bucket("metrics", None)?;
//! let metrics = Metrics::local(Arc::clone(&store), "metrics", WriterOptions::default());
//! metrics.counter("api.requests", 1.0, &[("endpoint", "/users")]).expect("a valid metric");
//! metrics.distribution("api.response_time", 145.2, &[("endpoint", "/users")]).expect("valid");
//! metrics.gauge("queue.depth", 12.0, &[]).expect("valid");
//! metrics.set("active.users", "user-42", &[]).expect("valid");
//! assert_eq!(metrics.close().expect("the store takes them").written, 4);
//! # Ok::<(), fluxi::StorageError>(())
//! ```

mod event;
mod handle;
mod record;

pub use event::{Event, PropertyValue};
pub use handle::{Metrics, MetricsSink};
pub use record::{record, record_events, Refusal};

use crate::writer::CheckedPoint;
use fluxi_storage::FieldValue;
use std::fmt;

/// The most bytes a metric or event name may have.
pub const MAX_NAME_BYTES: usize = 256;

/// The type of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MetricKind {
    /// A current value: a later point at the same time and tags replaces an earlier one.
    Gauge,
    /// Increments, summed.
    Counter,
    /// Values aggregated statistically (percentiles, mean, ...).
    Distribution,
    /// String members, counted as distinct.
    Set,
}

impl MetricKind {
    /// Every type.
    pub const ALL: [MetricKind; 4] = [
        MetricKind::Gauge,
        MetricKind::Counter,
        MetricKind::Distribution,
        MetricKind::Set,
    ];

    /// The type named `text` (`gauge`, `counter`, `distribution`, `set`).
    pub fn parse(text: &str) -> Option<MetricKind> {
        MetricKind::ALL.into_iter().find(|k| k.name() == text)
    }

    /// The type's name, which is also the name of the field its points are stored in.
    pub fn name(self) -> &'static str {
        match self {
            MetricKind::Gauge => "gauge",
            MetricKind::Counter => "counter",
            MetricKind::Distribution => "distribution",
            MetricKind::Set => "set",
        }
    }
}

impl fmt::Display for MetricKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The value of a metric: a number (gauge, counter, distribution) or a set's member.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// A finite number.
    Number(f64),
    /// A set's member.
    Member(String),
}

/// Why a metric (or event) cannot be recorded: a code of the metrics API
/// (`missing_name`, `invalid_name`, `invalid_value`, `invalid_tags`, `type_conflict`, ...)
/// and a message naming the metric and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct MetricError {
    /// The code (docs/metrics.md lists them).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
}

impl MetricError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> MetricError {
        MetricError {
            code,
            message: message.into(),
        }
    }
}

/// A checked metric: a valid name, a value of its type, a time, and valid tags sorted by
/// key.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    name: String,
    kind: MetricKind,
    value: MetricValue,
    time: i64,
    tags: Vec<(String, String)>,
}

fn no_control(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// Checks a metric or event name.
pub(crate) fn check_name(name: &str, what: &str) -> Result<(), MetricError> {
    if name.is_empty() {
        return Err(MetricError::new(
            "missing_name",
            format!("the {what}'s name is empty"),
        ));
    }
    if !no_control(name) || name.starts_with('_') || name.len() > MAX_NAME_BYTES {
        return Err(MetricError::new(
            "invalid_name",
            format!(
                "{what} name {name:?} is not allowed: names have at most {MAX_NAME_BYTES} \
                 bytes, no control characters, and do not start with `_`"
            ),
        ));
    }
    Ok(())
}

/// Checks tags and sorts them by key (a key given twice: the later value).
pub(crate) fn check_tags<K: Into<String>, V: Into<String>>(
    name: &str,
    what: &str,
    tags: impl IntoIterator<Item = (K, V)>,
) -> Result<Vec<(String, String)>, MetricError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in tags {
        let (k, v) = (k.into(), v.into());
        if k.is_empty() || k.starts_with('_') || !no_control(&k) || k == "time" {
            return Err(MetricError::new(
                "invalid_tags",
                format!(
                    "{what} {name:?}: tag key {k:?} is not allowed (keys are not empty, not \
                     `time`, do not start with `_` and have no control characters)"
                ),
            ));
        }
        if v.is_empty() || !no_control(&v) || v.ends_with('\\') {
            return Err(MetricError::new(
                "invalid_tags",
                format!(
                    "{what} {name:?}: tag {k:?} has an empty value, control characters or a \
                     trailing backslash; leave out a tag that has no value"
                ),
            ));
        }
        match out.iter_mut().find(|(key, _)| *key == k) {
            Some(slot) => slot.1 = v,
            None => out.push((k, v)),
        }
    }
    out.sort();
    Ok(out)
}

impl Metric {
    /// A metric named `name` of type `kind` with `value` at `time` (nanoseconds since the
    /// Unix epoch) and `tags`, checked: the name is not empty, has at most
    /// [`MAX_NAME_BYTES`] bytes, no control characters and does not start with `_`; a
    /// number is finite and a set's value is a member (a number is taken as its text);
    /// tag keys are not empty, not `time` and do not start with `_`, tag values are not
    /// empty, and neither holds control characters.
    pub fn new<K: Into<String>, V: Into<String>>(
        name: impl Into<String>,
        kind: MetricKind,
        value: MetricValue,
        time: i64,
        tags: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Metric, MetricError> {
        let name = name.into();
        check_name(&name, "metric")?;
        let value = match (kind, value) {
            (MetricKind::Set, MetricValue::Member(s)) => {
                if !no_control(&s) {
                    return Err(MetricError::new(
                        "invalid_value",
                        format!("metric {name:?}: a set member may not hold control characters"),
                    ));
                }
                MetricValue::Member(s)
            }
            (MetricKind::Set, MetricValue::Number(f)) if f.is_finite() => {
                MetricValue::Member(number_text(f))
            }
            (_, MetricValue::Number(f)) if f.is_finite() => MetricValue::Number(f),
            (_, MetricValue::Number(f)) => {
                return Err(MetricError::new(
                    "invalid_value",
                    format!("metric {name:?}: the value {f} is not a finite number"),
                ))
            }
            (k, MetricValue::Member(s)) => {
                return Err(MetricError::new(
                    "invalid_value",
                    format!("metric {name:?}: a {k}'s value is a number, not the string {s:?}"),
                ))
            }
        };
        let tags = check_tags(&name, "metric", tags)?;
        Ok(Metric {
            name,
            kind,
            value,
            time,
            tags,
        })
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The type.
    pub fn kind(&self) -> MetricKind {
        self.kind
    }

    /// The value.
    pub fn value(&self) -> &MetricValue {
        &self.value
    }

    /// The time, nanoseconds since the Unix epoch.
    pub fn time(&self) -> i64 {
        self.time
    }

    /// The tags, sorted by key.
    pub fn tags(&self) -> &[(String, String)] {
        &self.tags
    }

    /// The point it is stored as.
    pub fn to_point(&self) -> CheckedPoint {
        let value = match &self.value {
            MetricValue::Number(f) => FieldValue::Float(*f),
            MetricValue::Member(s) => FieldValue::String(s.clone()),
        };
        CheckedPoint {
            measurement: self.name.clone(),
            tags: self.tags.clone(),
            fields: vec![(self.kind.name().to_string(), value)],
            time: self.time,
        }
    }

    /// The metric a point of the layout stands for: one field named after a type, of
    /// that type's value (a float; a string for a set).
    pub fn from_point(point: &CheckedPoint) -> Result<Metric, MetricError> {
        let [(field, value)] = point.fields.as_slice() else {
            return Err(MetricError::new(
                "invalid_metric",
                format!(
                    "point of {:?} has {} fields; a metric's point has one, named after its \
                     type (gauge, counter, distribution or set)",
                    point.measurement,
                    point.fields.len()
                ),
            ));
        };
        let Some(kind) = MetricKind::parse(field) else {
            return Err(MetricError::new(
                "invalid_type",
                format!(
                    "point of {:?}: field {field:?} is not a metric type (gauge, counter, \
                     distribution or set)",
                    point.measurement
                ),
            ));
        };
        let value = match value {
            FieldValue::Float(f) => MetricValue::Number(*f),
            FieldValue::Int(i) => MetricValue::Number(*i as f64),
            FieldValue::UInt(u) => MetricValue::Number(*u as f64),
            FieldValue::String(s) => MetricValue::Member(s.clone()),
            FieldValue::Bool(b) => {
                return Err(MetricError::new(
                    "invalid_value",
                    format!(
                        "metric {:?}: a boolean ({b}) is not a metric value",
                        point.measurement
                    ),
                ))
            }
        };
        Metric::new(
            point.measurement.clone(),
            kind,
            value,
            point.time,
            point.tags.iter().cloned(),
        )
    }

    /// The metric with `value` instead of its own (checked as [`Metric::new`] checks).
    pub(crate) fn with_number(mut self, value: f64) -> Metric {
        self.value = MetricValue::Number(value);
        self
    }

    /// The metric at `time` instead of its own.
    pub(crate) fn at(mut self, time: i64) -> Metric {
        self.time = time;
        self
    }
}

/// A number as a set member: integers without a fraction (`42`, not `42.0`).
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_checked_by_type() {
        use MetricKind::*;
        use MetricValue::*;
        let m = Metric::new(
            "api.time",
            Distribution,
            Number(1.5),
            7,
            [("b", "x y"), ("a", "1")],
        )
        .unwrap();
        assert_eq!(
            m.tags(),
            [("a".into(), "1".into()), ("b".into(), "x y".into())]
        );
        let code = |name: &str, kind, value, tags: &[(&str, &str)]| {
            Metric::new(name, kind, value, 0, tags.iter().copied())
                .unwrap_err()
                .code
        };
        assert_eq!(code("", Gauge, Number(1.0), &[]), "missing_name");
        assert_eq!(code("_x", Gauge, Number(1.0), &[]), "invalid_name");
        assert_eq!(
            code(&"n".repeat(257), Gauge, Number(1.0), &[]),
            "invalid_name"
        );
        assert_eq!(code("a", Gauge, Number(f64::NAN), &[]), "invalid_value");
        assert_eq!(code("a", Counter, Member("x".into()), &[]), "invalid_value");
        assert_eq!(code("a", Set, Member("x\ny".into()), &[]), "invalid_value");
        assert_eq!(code("a", Gauge, Number(1.0), &[("k", "")]), "invalid_tags");
        assert_eq!(
            code("a", Gauge, Number(1.0), &[("_k", "v")]),
            "invalid_tags"
        );
        assert_eq!(
            code("a", Gauge, Number(1.0), &[("time", "v")]),
            "invalid_tags"
        );
        let member = Metric::new("s", Set, Number(42.0), 0, [("k", "v")]).unwrap();
        assert_eq!(member.value(), &Member("42".into()));
    }

    #[test]
    fn a_metric_round_trips_through_its_point() {
        for (kind, value) in [
            (MetricKind::Gauge, MetricValue::Number(-2.5)),
            (MetricKind::Counter, MetricValue::Number(3.0)),
            (MetricKind::Distribution, MetricValue::Number(145.2)),
            (MetricKind::Set, MetricValue::Member("user 1".into())),
        ] {
            let m = Metric::new("m", kind, value, 99, [("k", "v")]).unwrap();
            let p = m.to_point();
            assert_eq!(p.fields[0].0, kind.name());
            assert_eq!(Metric::from_point(&p).unwrap(), m);
        }
        let mut two = Metric::new(
            "m",
            MetricKind::Gauge,
            MetricValue::Number(1.0),
            0,
            [("k", "v")],
        )
        .unwrap()
        .to_point();
        two.fields.push(("other".into(), FieldValue::Float(1.0)));
        assert_eq!(Metric::from_point(&two).unwrap_err().code, "invalid_metric");
        let mut wrong = two.clone();
        wrong.fields = vec![("usage".into(), FieldValue::Float(1.0))];
        assert_eq!(Metric::from_point(&wrong).unwrap_err().code, "invalid_type");
    }
}
