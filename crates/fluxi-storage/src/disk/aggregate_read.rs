//! `read_aggregate` of the disk store. Per series and field, the cheapest way that gives
//! the exact answer:
//!
//! * `First`, `Last` and `Count` without windows from the manifest's statistics, when
//!   every file's points of the series lie inside the range and no delete cut them (a
//!   file a delete removed every point of is no source at all);
//! * otherwise, when the series' sources (files, buffer) do not overlap in time, computed
//!   while the files are decoded (see [`super::stream`]);
//! * otherwise from the series' merged values.
//!
//! All three use the reference accumulator of [`crate::aggregate`], so the answers are
//! those of the memory store.

use super::manifest::{read_stat, StatValue};
use super::read::{
    buffer_piece, decode, long_table, merge_sorted_check, pieces, plan, sorted, verify_files,
    Normalized, Piece, Wanted,
};
use super::stream::{self, Job, Outcome};
use super::DiskStorage;
use crate::aggregate::{output_type, Accumulator};
use crate::storage::{Aggregate, Applied, ReadResult, ReadSpec, Result, Windowing};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, UInt64Array};
use arrow_buffer::ScalarBuffer;
use std::sync::Arc;

/// A one-value array of a field's type.
fn single(v: StatValue) -> ArrayRef {
    match v {
        StatValue::Float(x) => Arc::new(Float64Array::from(vec![x])),
        StatValue::Int(x) => Arc::new(Int64Array::from(vec![x])),
        StatValue::UInt(x) => Arc::new(UInt64Array::from(vec![x])),
        StatValue::Str(x) => Arc::new(StringArray::from(vec![x])),
        StatValue::Bool(x) => Arc::new(BooleanArray::from(vec![x])),
    }
}

/// `First`, `Last` or `Count` of a series without windows from the manifest's statistics
/// (and the buffer), when every file's points of the series lie inside the range (and,
/// for `Count`, files do not overlap in time). `None` when the files must be read.
fn from_stats(
    w: &Wanted<'_>,
    buffered: Option<&Piece>,
    spec: &ReadSpec,
    aggregate: Aggregate,
) -> Option<(i64, ArrayRef)> {
    let inside = w
        .files
        .iter()
        .all(|s| s.stats.first_time() >= spec.start && s.stats.last_time() < spec.stop);
    // Statistics of values a delete cut are those of the values before it.
    let cut = w.files.iter().any(|s| !s.cut.is_empty());
    if !inside || cut {
        return None;
    }
    match aggregate {
        Aggregate::Count => {
            let mut spans: Vec<(i64, i64, u64)> = w
                .files
                .iter()
                .map(|s| (s.stats.first_time(), s.stats.last_time(), s.stats.count()))
                .collect();
            if let Some(p) = buffered {
                spans.push((*p.times.first()?, *p.times.last()?, p.times.len() as u64));
            }
            spans.sort_unstable();
            if !spans.windows(2).all(|x| x[0].1 < x[1].0) {
                return None;
            }
            let n: u64 = spans.iter().map(|s| s.2).sum();
            Some((spec.start, Arc::new(Int64Array::from(vec![n as i64]))))
        }
        Aggregate::First | Aggregate::Last => {
            let last = aggregate == Aggregate::Last;
            // (time, priority, value)
            let mut best: Option<(i64, u64, ArrayRef)> = None;
            let mut consider = |t: i64, priority: u64, value: &dyn Fn() -> Option<ArrayRef>| {
                let better = match &best {
                    None => true,
                    Some((bt, bp, _)) => {
                        if t == *bt {
                            priority > *bp
                        } else {
                            (t > *bt) == last
                        }
                    }
                };
                if better {
                    match value() {
                        Some(v) => best = Some((t, priority, v)),
                        None => return false,
                    }
                }
                true
            };
            for s in &w.files {
                let (t, v) = if last {
                    (s.stats.last_time(), s.stats.last())
                } else {
                    (s.stats.first_time(), s.stats.first())
                };
                if !consider(t, s.priority, &|| read_stat(v, w.ty).map(single)) {
                    return None;
                }
            }
            if let Some(p) = buffered {
                let k = if last {
                    p.times.len().checked_sub(1)?
                } else {
                    0
                };
                let t = *p.times.get(k)?;
                if !consider(t, u64::MAX, &|| Some(p.values.slice(k, 1))) {
                    return None;
                }
            }
            best.map(|(t, _, v)| (t, v))
        }
        _ => None,
    }
}

/// How a series' aggregate is found.
enum Answer {
    /// No point in the range: no table.
    Skip,
    /// From the statistics: time and value.
    Value(i64, ArrayRef),
    /// While decoding (job number).
    Stream(usize),
    /// From the merged values.
    Merge,
}

/// Whether a series' sources cover disjoint spans of time.
fn disjoint(w: &Wanted<'_>, buffered: Option<&Piece>) -> bool {
    let mut spans: Vec<(i64, i64)> = w
        .files
        .iter()
        .map(|f| (f.stats.first_time(), f.stats.last_time()))
        .collect();
    if let Some(p) = buffered {
        if let (Some(&a), Some(&z)) = (p.times.first(), p.times.last()) {
            spans.push((a, z));
        }
    }
    merge_sorted_check(&mut spans)
}

/// [`crate::Storage::read_aggregate`].
pub(crate) fn read_aggregate(
    store: &DiskStorage,
    spec: &ReadSpec,
    aggregate: Aggregate,
    window: Option<Windowing>,
) -> Result<Option<ReadResult>> {
    let state = store.snapshot()?;
    let b = state.bucket(&spec.bucket)?;
    let wanted = plan(b, spec)?;
    // Statistics are answers only for files that verify.
    verify_files(store, b, &wanted)?;
    let mut normalized = Normalized::new();
    let mut answers: Vec<Answer> = Vec::with_capacity(wanted.len());
    let mut jobs: Vec<Job<'_, '_>> = Vec::new();
    let stats_apply = window.is_none()
        && matches!(
            aggregate,
            Aggregate::Count | Aggregate::First | Aggregate::Last
        );
    for w in &wanted {
        let buffered = buffer_piece(w, b, &mut normalized, spec)?;
        if w.files.is_empty() && buffered.is_none() {
            answers.push(Answer::Skip);
            continue;
        }
        let known = if stats_apply {
            from_stats(w, buffered.as_ref(), spec, aggregate)
        } else {
            None
        };
        answers.push(match known {
            Some((t, v)) => Answer::Value(t, v),
            None if disjoint(w, buffered.as_ref()) => {
                jobs.push(Job::new(w, buffered, aggregate, window, spec.start));
                Answer::Stream(jobs.len() - 1)
            }
            None => Answer::Merge,
        });
    }
    let mut streamed: Vec<Option<Outcome>> = stream::run(store, b, spec, jobs)?
        .into_iter()
        .map(Some)
        .collect();

    let need: Vec<&Wanted<'_>> = wanted
        .iter()
        .zip(&answers)
        .filter(|(_, a)| matches!(a, Answer::Merge))
        .map(|(w, _)| w)
        .collect();
    let decoded = decode(store, b, &need)?;
    let mut tables = Vec::with_capacity(wanted.len());
    for (w, answer) in wanted.iter().zip(answers) {
        let out_ty = output_type(aggregate, w.ty.column_type());
        let agg = match answer {
            Answer::Skip => continue,
            Answer::Value(t, v) => {
                let t = ScalarBuffer::from(vec![t]);
                tables.push(long_table(spec, w, t, out_ty, v)?);
                continue;
            }
            Answer::Stream(k) => match streamed.get_mut(k).and_then(Option::take) {
                Some(Outcome::Done(agg)) => agg,
                Some(Outcome::Unsupported) => return Ok(None),
                _ => continue,
            },
            Answer::Merge => {
                let merged = pieces(w, b, &decoded, &mut normalized, spec)?;
                if merged.is_empty() {
                    continue;
                }
                let Some(mut acc) = Accumulator::new(aggregate, window, spec.start, w.ty.arrow())
                else {
                    return Ok(None);
                };
                for p in &merged {
                    acc.push(&p.times, p.values.as_ref())?;
                }
                acc.finish()?
            }
        };
        if agg.times.is_empty() {
            continue;
        }
        let times = ScalarBuffer::from(agg.times);
        tables.push(long_table(spec, w, times, out_ty, agg.values)?);
    }
    Ok(Some(ReadResult {
        tables: sorted(tables),
        applied: vec![Applied::Exact; spec.predicates.len()],
    }))
}
