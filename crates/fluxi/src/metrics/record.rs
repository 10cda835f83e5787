//! Writing metrics and events into a bucket of a [`Storage`], with each type's meaning.

use super::{Event, Metric, MetricError, MetricKind, MetricValue};
use crate::writer::{conflicting_points, CheckedPoint};
use fluxi_storage::{Predicate, ReadSpec, Storage, StorageError};
use fluxi_value::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

/// A refused metric or event: its index in what was given, and why.
pub type Refusal = (usize, MetricError);

/// Counter writes read what the store holds at their times and add to it; this lock
/// keeps two of them in this process from reading the same old value.
static COUNTERS: Mutex<()> = Mutex::new(());

/// A counter read wider than this (nanoseconds) is split into one read per time.
const WIDE_READ: i64 = 60_000_000_000;

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
///   up); other types at the same time and tags: the later replaces the earlier.
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
    let has_counters = kept.iter().any(|(_, m)| m.kind() == MetricKind::Counter);
    let _guard = has_counters.then(|| COUNTERS.lock().unwrap_or_else(PoisonError::into_inner));
    let kept = if has_counters {
        add_stored_counters(storage, bucket, kept)?
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

/// Adds to each counter the value the store holds at its name, time and tags.
fn add_stored_counters(
    storage: &dyn Storage,
    bucket: &str,
    metrics: Vec<(usize, Metric)>,
) -> Result<Vec<(usize, Metric)>, StorageError> {
    // The times of the counters of each name.
    let mut times: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (_, m) in &metrics {
        if m.kind() == MetricKind::Counter {
            times.entry(m.name()).or_default().push(m.time());
        }
    }
    let mut stored: HashMap<PointKey, f64> = HashMap::new();
    for (name, mut ts) in times {
        ts.sort_unstable();
        ts.dedup();
        let (Some(&first), Some(&last)) = (ts.first(), ts.last()) else {
            continue;
        };
        let ranges: Vec<(i64, i64)> = if last.saturating_sub(first) <= WIDE_READ {
            vec![(first, last.saturating_add(1))]
        } else {
            ts.iter().map(|t| (*t, t.saturating_add(1))).collect()
        };
        for (start, stop) in ranges {
            read_counters(storage, bucket, name, start, stop, &mut stored)?;
        }
    }
    Ok(metrics
        .into_iter()
        .map(|(i, m)| {
            if m.kind() != MetricKind::Counter {
                return (i, m);
            }
            let key = (m.name().to_string(), m.time(), m.tags().to_vec());
            match stored.get(&key) {
                Some(old) => {
                    let sum = number(&m) + old;
                    (i, m.with_number(sum))
                }
                None => (i, m),
            }
        })
        .collect())
}

/// The counter values of `name` stored in `[start, stop)`, by time and tags.
fn read_counters(
    storage: &dyn Storage,
    bucket: &str,
    name: &str,
    start: i64,
    stop: i64,
    into: &mut HashMap<PointKey, f64>,
) -> Result<(), StorageError> {
    let spec = ReadSpec {
        bucket: bucket.to_string(),
        start,
        stop,
        predicates: vec![
            Predicate::Eq("_measurement".into(), name.to_string()),
            Predicate::Eq("_field".into(), MetricKind::Counter.name().into()),
        ],
    };
    storage.read_each(&spec, &mut |table| {
        let key = table.key();
        let is = |label: &str, want: &str| {
            matches!(key.get(label).map(|c| &c.value), Some(Value::String(s)) if &**s == want)
        };
        if !is("_measurement", name) || !is("_field", MetricKind::Counter.name()) {
            return true;
        }
        let mut tags: Vec<(String, String)> = key
            .columns()
            .iter()
            .filter(|c| !c.label.starts_with('_'))
            .filter_map(|c| match &c.value {
                Value::String(s) => Some((c.label.clone(), s.to_string())),
                _ => None,
            })
            .collect();
        tags.sort();
        let (Some(tc), Some(vc)) = (table.column_index("_time"), table.column_index("_value"))
        else {
            return true;
        };
        for row in 0..table.num_rows() {
            if let (Value::Time(t), Value::Float(v)) = (table.value(row, tc), table.value(row, vc))
            {
                into.insert((name.to_string(), t, tags.clone()), v);
            }
        }
        true
    })
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
