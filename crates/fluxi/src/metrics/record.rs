//! Writing metrics and events into a bucket of a [`Storage`], with each type's meaning.

use super::{Event, Metric, MetricError, MetricKind, MetricValue};
use crate::writer::{conflicting_points, CheckedPoint};
use fluxi_storage::{Predicate, ReadSpec, Storage, StorageError};
use fluxi_value::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

/// A refused metric or event: its index in what was given, and why.
pub type Refusal = (usize, MetricError);

/// Counters, distributions and sets read what the store holds at their times before they
/// are written; this lock keeps two writes in this process from reading the same state.
static READ_THEN_WRITE: Mutex<()> = Mutex::new(());

/// The store is read once per name over a batch's times when they span at most this
/// (nanoseconds); otherwise once per time.
const WIDE_READ: i64 = 60_000_000_000;

/// How many nanoseconds past a time one read looks, for values spaced apart.
const SPACING_READ: i64 = 64;

/// The most nanoseconds a value is moved past its time to find a free one.
const MAX_SPACING: i64 = 1_000_000;

/// What a name is in a bucket: nothing yet, a metric of a type, or an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Free,
    Metric(MetricKind),
    Event,
}

fn known(storage: &dyn Storage, bucket: &str, name: &str) -> Result<Known, StorageError> {
    let fields = storage.field_keys(bucket, Some(name))?;
    if fields.is_empty() {
        return Ok(Known::Free);
    }
    Ok(fields
        .iter()
        .find_map(|f| MetricKind::parse(f))
        .map_or(Known::Event, Known::Metric))
}

/// Writes `metrics` into `bucket` and returns the ones refused, by index:
///
/// - a name keeps the type it was first given (in the store, or earlier in `metrics`),
///   and an event's name cannot become a metric: `type_conflict`;
/// - counter increments at the same name, time and tags are summed, with each other and
///   with the value the store already holds there (so increments sent one at a time add
///   up);
/// - distribution values and set members at the same name, time and tags all count: the
///   second is stored 1 ns after the first (or the next free nanosecond), and so on, as
///   a point in storage is one per series and time;
/// - a gauge at the same time and tags as an earlier one replaces it.
///
/// The others are written as one batch. Errors: the store's (a missing bucket, ...), in
/// which case nothing was written.
pub fn record(
    storage: &dyn Storage,
    bucket: &str,
    metrics: Vec<Metric>,
) -> Result<Vec<Refusal>, StorageError> {
    let mut kinds: BTreeMap<String, Known> = BTreeMap::new();
    let mut refused = Vec::new();
    let mut kept: Vec<(usize, Metric)> = Vec::with_capacity(metrics.len());
    for (i, m) in metrics.into_iter().enumerate() {
        let k = match kinds.get(m.name()) {
            Some(k) => *k,
            None => {
                let k = known(storage, bucket, m.name())?;
                kinds.insert(m.name().to_string(), k);
                k
            }
        };
        match k {
            Known::Metric(k) if k != m.kind() => refused.push((
                i,
                MetricError::new(
                    "type_conflict",
                    format!(
                        "metric {:?} is a {k}; it cannot also be a {}",
                        m.name(),
                        m.kind()
                    ),
                ),
            )),
            Known::Event => refused.push((
                i,
                MetricError::new(
                    "type_conflict",
                    format!(
                        "{:?} is an event's name; it cannot also be a metric",
                        m.name()
                    ),
                ),
            )),
            Known::Metric(_) => kept.push((i, m)),
            Known::Free => {
                kinds.insert(m.name().to_string(), Known::Metric(m.kind()));
                kept.push((i, m));
            }
        }
    }
    let kept = merge_counters(kept);
    if kept.is_empty() {
        return Ok(refused);
    }
    let reads = kept.iter().any(|(_, m)| m.kind() != MetricKind::Gauge);
    let _guard = reads.then(|| {
        READ_THEN_WRITE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    });
    let kept = if reads {
        let mut held = Held::new(storage, bucket);
        let kept = add_stored_counters(&mut held, kept)?;
        space_values(&mut held, kept)?
    } else {
        kept
    };
    let points: Vec<(usize, CheckedPoint)> =
        kept.into_iter().map(|(i, m)| (i, m.to_point())).collect();
    refused.extend(write_refusing_conflicts(storage, bucket, points)?);
    refused.sort_by_key(|(i, _)| *i);
    Ok(refused)
}

/// Writes `events` into `bucket` and returns the ones refused, by index: an event whose
/// name is a metric's (`type_conflict`), or whose property has another type than the
/// store holds for it (`type_conflict`). Events at the same name, time and tags: the
/// later's fields replace the earlier's.
pub fn record_events(
    storage: &dyn Storage,
    bucket: &str,
    events: Vec<Event>,
) -> Result<Vec<Refusal>, StorageError> {
    let mut kinds: BTreeMap<String, Known> = BTreeMap::new();
    let mut refused = Vec::new();
    let mut points = Vec::with_capacity(events.len());
    for (i, e) in events.into_iter().enumerate() {
        let k = match kinds.get(e.name()) {
            Some(k) => *k,
            None => {
                let k = known(storage, bucket, e.name())?;
                kinds.insert(e.name().to_string(), k);
                k
            }
        };
        match k {
            Known::Metric(k) => refused.push((
                i,
                MetricError::new(
                    "type_conflict",
                    format!(
                        "{:?} is a {k} metric; an event cannot have its name",
                        e.name()
                    ),
                ),
            )),
            Known::Free | Known::Event => {
                kinds.insert(e.name().to_string(), Known::Event);
                points.push((i, e.to_point()));
            }
        }
    }
    refused.extend(write_refusing_conflicts(storage, bucket, points)?);
    refused.sort_by_key(|(i, _)| *i);
    Ok(refused)
}

/// Writes the points; a field type conflict refuses the points that carry it and the
/// rest is written.
fn write_refusing_conflicts(
    storage: &dyn Storage,
    bucket: &str,
    mut points: Vec<(usize, CheckedPoint)>,
) -> Result<Vec<Refusal>, StorageError> {
    let mut refused = Vec::new();
    // Each round refuses at least one point, so this ends.
    while !points.is_empty() {
        let batch: Vec<CheckedPoint> = points.iter().map(|(_, p)| p.clone()).collect();
        match storage.write(bucket, &batch) {
            Ok(_) => break,
            Err(e @ StorageError::FieldTypeConflict { .. }) => {
                let bad = conflicting_points(&batch, &e);
                if bad.is_empty() {
                    return Err(e);
                }
                let mut index = 0;
                points.retain(|(i, _)| {
                    let keep = !bad.contains(&index);
                    index += 1;
                    if !keep {
                        refused.push((*i, MetricError::new("type_conflict", e.to_string())));
                    }
                    keep
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(refused)
}

/// The name, time and tags that make counter increments one point.
type PointKey = (String, i64, Vec<(String, String)>);

/// Counter increments at the same name, time and tags are summed into the first of them.
fn merge_counters(metrics: Vec<(usize, Metric)>) -> Vec<(usize, Metric)> {
    let mut out: Vec<(usize, Metric)> = Vec::with_capacity(metrics.len());
    let mut at: HashMap<PointKey, usize> = HashMap::new();
    for (i, m) in metrics {
        if m.kind() == MetricKind::Counter {
            let key = (m.name().to_string(), m.time(), m.tags().to_vec());
            if let Some(&slot) = at.get(&key) {
                let sum = number(&out[slot].1) + number(&m);
                let first = out[slot].1.clone();
                out[slot].1 = first.with_number(sum);
                continue;
            }
            at.insert(key, out.len());
        }
        out.push((i, m));
    }
    out
}

fn number(m: &Metric) -> f64 {
    match m.value() {
        MetricValue::Number(f) => *f,
        MetricValue::Member(_) => 0.0,
    }
}

/// What the store holds of some metrics, read as needed: per name, the ranges read and
/// the values found by tags and time.
struct Held<'s> {
    storage: &'s dyn Storage,
    bucket: &'s str,
    read: HashMap<String, Vec<(i64, i64)>>,
    values: HashMap<PointKey, f64>,
}

impl<'s> Held<'s> {
    fn new(storage: &'s dyn Storage, bucket: &'s str) -> Held<'s> {
        Held {
            storage,
            bucket,
            read: HashMap::new(),
            values: HashMap::new(),
        }
    }

    fn covered(&self, name: &str, time: i64) -> bool {
        self.read
            .get(name)
            .is_some_and(|ranges| ranges.iter().any(|(a, b)| (*a..*b).contains(&time)))
    }

    /// Reads the points of metric `name` (of type `kind`) in `[start, stop)`.
    fn read(
        &mut self,
        name: &str,
        kind: MetricKind,
        start: i64,
        stop: i64,
    ) -> Result<(), StorageError> {
        let spec = ReadSpec {
            bucket: self.bucket.to_string(),
            start,
            stop,
            predicates: vec![
                Predicate::Eq("_measurement".into(), name.to_string()),
                Predicate::Eq("_field".into(), kind.name().into()),
            ],
        };
        let values = &mut self.values;
        self.storage.read_each(&spec, &mut |table| {
            let key = table.key();
            let is = |label: &str, want: &str| {
                matches!(key.get(label).map(|c| &c.value), Some(Value::String(s)) if &**s == want)
            };
            if !is("_measurement", name) || !is("_field", kind.name()) {
                return true;
            }
            let tags = fluxi_storage::series_tags(key);
            let (Some(tc), Some(vc)) = (table.column_index("_time"), table.column_index("_value"))
            else {
                return true;
            };
            for row in 0..table.num_rows() {
                if let Value::Time(t) = table.value(row, tc) {
                    let v = match table.value(row, vc) {
                        Value::Float(f) => f,
                        _ => 0.0,
                    };
                    values.insert((name.to_string(), t, tags.clone()), v);
                }
            }
            true
        })?;
        self.read
            .entry(name.to_string())
            .or_default()
            .push((start, stop));
        Ok(())
    }

    /// Reads, for each name, what the store holds at the times of its metrics of a type
    /// (and `past` nanoseconds after each): once over all of them when they are close,
    /// otherwise once per time.
    fn read_around(
        &mut self,
        metrics: &[(usize, Metric)],
        kind: MetricKind,
        past: i64,
    ) -> Result<(), StorageError> {
        let mut times: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for (_, m) in metrics {
            if m.kind() == kind {
                times.entry(m.name()).or_default().push(m.time());
            }
        }
        for (name, mut ts) in times {
            ts.sort_unstable();
            ts.dedup();
            let (Some(&first), Some(&last)) = (ts.first(), ts.last()) else {
                continue;
            };
            let past = past.saturating_add(i64::try_from(ts.len()).unwrap_or(i64::MAX));
            if last.saturating_sub(first) <= WIDE_READ {
                self.read(
                    name,
                    kind,
                    first,
                    last.saturating_add(past).saturating_add(1),
                )?;
            } else {
                for t in ts {
                    self.read(name, kind, t, t.saturating_add(past).saturating_add(1))?;
                }
            }
        }
        Ok(())
    }
}

/// Adds to each counter the value the store holds at its name, time and tags.
fn add_stored_counters(
    held: &mut Held<'_>,
    metrics: Vec<(usize, Metric)>,
) -> Result<Vec<(usize, Metric)>, StorageError> {
    held.read_around(&metrics, MetricKind::Counter, 0)?;
    Ok(metrics
        .into_iter()
        .map(|(i, m)| {
            if m.kind() != MetricKind::Counter {
                return (i, m);
            }
            let key = (m.name().to_string(), m.time(), m.tags().to_vec());
            match held.values.get(&key) {
                Some(old) => {
                    let sum = number(&m) + old;
                    (i, m.with_number(sum))
                }
                None => (i, m),
            }
        })
        .collect())
}

/// Moves each distribution value and set member whose name, time and tags are taken (in
/// the store, or by an earlier one of `metrics`) to the next free nanosecond.
fn space_values(
    held: &mut Held<'_>,
    metrics: Vec<(usize, Metric)>,
) -> Result<Vec<(usize, Metric)>, StorageError> {
    for kind in [MetricKind::Distribution, MetricKind::Set] {
        held.read_around(&metrics, kind, SPACING_READ)?;
    }
    let mut taken: HashMap<PointKey, ()> = HashMap::new();
    let mut out = Vec::with_capacity(metrics.len());
    for (i, m) in metrics {
        if !matches!(m.kind(), MetricKind::Distribution | MetricKind::Set) {
            out.push((i, m));
            continue;
        }
        let mut time = m.time();
        loop {
            let key = (m.name().to_string(), time, m.tags().to_vec());
            if !held.covered(m.name(), time) {
                held.read(m.name(), m.kind(), time, time.saturating_add(SPACING_READ))?;
            }
            if !held.values.contains_key(&key) && !taken.contains_key(&key) {
                taken.insert(key, ());
                break;
            }
            if time.saturating_sub(m.time()) >= MAX_SPACING || time == i64::MAX {
                return Err(StorageError::Backend(format!(
                    "metric {:?}: every nanosecond of the {MAX_SPACING} after {} holds a value \
                     of these tags already",
                    m.name(),
                    crate::format_time(m.time())
                )));
            }
            time += 1;
        }
        out.push((i, m.at(time)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStorage;

    fn counter(v: f64, t: i64, host: &str) -> Metric {
        Metric::new(
            "requests",
            MetricKind::Counter,
            MetricValue::Number(v),
            t,
            [("host", host)],
        )
        .unwrap()
    }

    fn stored(store: &MemoryStorage) -> Vec<(i64, String, f64)> {
        let spec = ReadSpec {
            bucket: "m".into(),
            start: 0,
            stop: 1_000,
            predicates: vec![],
        };
        let mut out = Vec::new();
        store
            .read_each(&spec, &mut |t| {
                let host = match &t.key().get("host").unwrap().value {
                    Value::String(s) => s.to_string(),
                    _ => String::new(),
                };
                let (tc, vc) = (
                    t.column_index("_time").unwrap(),
                    t.column_index("_value").unwrap(),
                );
                for r in 0..t.num_rows() {
                    if let (Value::Time(tm), Value::Float(v)) = (t.value(r, tc), t.value(r, vc)) {
                        out.push((tm, host.clone(), v));
                    }
                }
                true
            })
            .unwrap();
        out.sort_by(|a, b| a.partial_cmp(b).unwrap());
        out
    }

    #[test]
    fn counter_increments_add_up_within_and_across_calls() {
        let store = MemoryStorage::new();
        store.create_bucket("m", None).unwrap();
        let r = record(
            &store,
            "m",
            vec![
                counter(1.0, 10, "a"),
                counter(2.0, 10, "a"),
                counter(5.0, 10, "b"),
            ],
        )
        .unwrap();
        assert!(r.is_empty());
        let r = record(
            &store,
            "m",
            vec![counter(4.0, 10, "a"), counter(1.0, 20, "a")],
        )
        .unwrap();
        assert!(r.is_empty());
        // Far apart times are read one by one.
        record(
            &store,
            "m",
            vec![counter(1.0, 20, "a"), counter(1.0, 900, "b")],
        )
        .unwrap();
        assert_eq!(
            stored(&store),
            vec![
                (10, "a".into(), 7.0),
                (10, "b".into(), 5.0),
                (20, "a".into(), 2.0),
                (900, "b".into(), 1.0)
            ]
        );
    }

    #[test]
    fn distribution_values_at_one_time_all_count() {
        let store = MemoryStorage::new();
        store.create_bucket("m", None).unwrap();
        let d = |v: f64, t: i64| {
            Metric::new(
                "lat",
                MetricKind::Distribution,
                MetricValue::Number(v),
                t,
                [("host", "a")],
            )
            .unwrap()
        };
        record(&store, "m", vec![d(1.0, 10), d(2.0, 10), d(3.0, 11)]).unwrap();
        record(&store, "m", vec![d(4.0, 10), d(5.0, 10)]).unwrap();
        // Another series at the same time is not moved.
        let other = Metric::new(
            "lat",
            MetricKind::Distribution,
            MetricValue::Number(9.0),
            10,
            [("host", "b")],
        )
        .unwrap();
        record(&store, "m", vec![other]).unwrap();
        assert_eq!(
            stored(&store),
            vec![
                (10, "a".into(), 1.0),
                (10, "b".into(), 9.0),
                (11, "a".into(), 2.0),
                (12, "a".into(), 3.0),
                (13, "a".into(), 4.0),
                (14, "a".into(), 5.0),
            ]
        );
        // Set members too (the store holds them as strings).
        let s = |m: &str| {
            Metric::new(
                "users",
                MetricKind::Set,
                MetricValue::Member(m.into()),
                10,
                [("host", "a")],
            )
            .unwrap()
        };
        record(&store, "m", vec![s("ann"), s("bob")]).unwrap();
        record(&store, "m", vec![s("cy")]).unwrap();
        let spec = ReadSpec {
            bucket: "m".into(),
            start: 0,
            stop: 100,
            predicates: vec![Predicate::Eq("_measurement".into(), "users".into())],
        };
        let mut rows = 0;
        store
            .read_each(&spec, &mut |t| {
                rows += t.num_rows();
                true
            })
            .unwrap();
        assert_eq!(rows, 3);
    }

    #[test]
    fn a_name_keeps_its_type_and_events_keep_theirs() {
        let store = MemoryStorage::new();
        store.create_bucket("m", None).unwrap();
        let gauge = Metric::new(
            "requests",
            MetricKind::Gauge,
            MetricValue::Number(1.0),
            5,
            [("host", "a")],
        )
        .unwrap();
        let r = record(&store, "m", vec![counter(1.0, 1, "a"), gauge.clone()]).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].0, r[0].1.code), (1, "type_conflict"));
        let r = record(&store, "m", vec![gauge]).unwrap();
        assert_eq!(r[0].1.code, "type_conflict");
        let clash = Event::new("requests", None, 1, [("host", "a")], vec![]).unwrap();
        let ok = Event::new("deploy", Some(2.0), 1, [("host", "a")], vec![]).unwrap();
        let r = record_events(&store, "m", vec![clash, ok]).unwrap();
        assert_eq!((r.len(), r[0].0, r[0].1.code), (1, 0, "type_conflict"));
        let as_metric = Metric::new(
            "deploy",
            MetricKind::Gauge,
            MetricValue::Number(1.0),
            2,
            [("k", "v")],
        )
        .unwrap();
        assert_eq!(
            record(&store, "m", vec![as_metric]).unwrap()[0].1.code,
            "type_conflict"
        );
        // A property with another type than stored is refused; the rest is written.
        let p = |v| Event::new("deploy", None, 3, [("host", "b")], vec![("ok".into(), v)]).unwrap();
        record_events(
            &store,
            "m",
            vec![p(super::super::PropertyValue::Bool(true))],
        )
        .unwrap();
        let r = record_events(
            &store,
            "m",
            vec![
                p(super::super::PropertyValue::Text("yes".into())),
                Event::new("deploy", None, 4, [("host", "c")], vec![]).unwrap(),
            ],
        )
        .unwrap();
        assert_eq!((r.len(), r[0].0, r[0].1.code), (1, 0, "type_conflict"));
    }
}
