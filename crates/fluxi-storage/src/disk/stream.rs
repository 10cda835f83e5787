//! Aggregates computed while data files are decoded: each series' sources (its rows in
//! files, and in the buffer) do not overlap in time, so they are fed one after the other,
//! in time order, to the series' accumulator, a decoded batch at a time. Nothing is
//! merged or concatenated, and a read touches little memory besides the batch being
//! decoded (fresh memory is what costs most in a short-lived process).
//!
//! The series are dealt to a few threads; each decodes, from every file, the rows of its
//! series only.

use super::parquet_read::{scan_series, series_offsets};
use super::parquet_write::field_column;
use super::read::{batch_piece, Piece, Wanted};
use super::{BucketState, DiskStorage};
use crate::aggregate::{Accumulator, Aggregated};
use crate::storage::{Aggregate, ReadSpec, Result, StorageError, Windowing};
use std::collections::BTreeMap;

/// Where a series' values come from, in time order.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// `wanted.files[k]`.
    File(usize),
    Buffer,
}

/// The aggregate of one series being computed.
pub(super) struct Job<'w, 's> {
    wanted: &'w Wanted<'s>,
    column: String,
    sources: Vec<Source>,
    /// The source being fed.
    next: usize,
    /// Which sources have been read whole.
    done: Vec<bool>,
    /// Pieces of sources after `next`, kept until their turn.
    stash: Vec<Vec<Piece>>,
    /// None when the aggregate does not apply to the field's type.
    accumulator: Option<Accumulator>,
    /// Whether any point was fed.
    fed: bool,
}

/// What a job found.
#[derive(Debug)]
pub(super) enum Outcome {
    /// No point in the range.
    Empty,
    /// Points of a type the aggregate does not apply to.
    Unsupported,
    Done(Aggregated),
}

impl<'w, 's> Job<'w, 's> {
    /// A job for a series whose sources do not overlap in time; `buffered` is its piece of
    /// the buffer.
    pub(super) fn new(
        wanted: &'w Wanted<'s>,
        buffered: Option<Piece>,
        aggregate: Aggregate,
        window: Option<Windowing>,
        range_start: i64,
    ) -> Job<'w, 's> {
        let mut order: Vec<(i64, Source)> = wanted
            .files
            .iter()
            .enumerate()
            .map(|(k, f)| (f.stats.first_time(), Source::File(k)))
            .collect();
        let buffer_first = buffered.as_ref().and_then(|p| p.times.first().copied());
        if let Some(t) = buffer_first {
            order.push((t, Source::Buffer));
        }
        order.sort_by_key(|(t, _)| *t);
        let sources: Vec<Source> = order.into_iter().map(|(_, s)| s).collect();
        let mut done = vec![false; sources.len()];
        let mut stash: Vec<Vec<Piece>> = vec![Vec::new(); sources.len()];
        if let Some(p) = buffered {
            if let Some(pos) = sources.iter().position(|s| matches!(s, Source::Buffer)) {
                done[pos] = true;
                stash[pos].push(p);
            }
        }
        Job {
            wanted,
            column: field_column(wanted.field),
            sources,
            next: 0,
            done,
            stash,
            accumulator: Accumulator::new(aggregate, window, range_start, wanted.ty.arrow()),
            fed: false,
        }
    }

    /// Rows to decode (to balance threads).
    fn weight(&self) -> u64 {
        self.wanted.files.iter().map(|f| f.stats.count()).sum()
    }

    fn feed(&mut self, piece: &Piece) -> Result<()> {
        self.fed = true;
        match &mut self.accumulator {
            Some(acc) => acc.push(&piece.times, piece.values.as_ref()),
            None => Ok(()),
        }
    }

    /// A piece of source `pos`.
    fn deliver(&mut self, pos: usize, piece: Piece) -> Result<()> {
        if pos == self.next {
            self.feed(&piece)
        } else {
            match self.stash.get_mut(pos) {
                Some(s) => s.push(piece),
                None => return Err(StorageError::Backend("read: a source vanished".into())),
            }
            Ok(())
        }
    }

    /// Feeds what was kept for the sources whose turn has come.
    fn advance(&mut self) -> Result<()> {
        while self.next < self.sources.len() {
            let kept = self
                .stash
                .get_mut(self.next)
                .map(std::mem::take)
                .unwrap_or_default();
            for p in &kept {
                self.feed(p)?;
            }
            if self.done.get(self.next) == Some(&true) {
                self.next += 1;
            } else {
                break;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<Outcome> {
        if !self.fed {
            return Ok(Outcome::Empty);
        }
        match self.accumulator {
            None => Ok(Outcome::Unsupported),
            Some(acc) => {
                let out = acc.finish()?;
                Ok(if out.times.is_empty() {
                    Outcome::Empty
                } else {
                    Outcome::Done(out)
                })
            }
        }
    }
}

/// Runs the jobs (on up to `read_threads` threads) and returns their outcomes in order.
pub(super) fn run(
    store: &DiskStorage,
    b: &BucketState,
    spec: &ReadSpec,
    jobs: Vec<Job<'_, '_>>,
) -> Result<Vec<Outcome>> {
    let total: u64 = jobs.iter().map(Job::weight).sum();
    let threads = store
        .options
        .read_threads
        .clamp(1, 16)
        .min(jobs.len().max(1));
    if threads <= 1 || total < 200_000 {
        let mut jobs = jobs;
        run_lane(store, b, spec, &mut jobs)?;
        return jobs.into_iter().map(Job::finish).collect();
    }
    // Deal the jobs, heaviest first, to the lightest lane.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs.get(i).map_or(0, Job::weight)));
    let mut lanes: Vec<(u64, Vec<usize>)> = vec![(0, Vec::new()); threads];
    for i in order {
        let w = jobs.get(i).map_or(0, Job::weight);
        if let Some(lane) = lanes.iter_mut().min_by_key(|l| l.0) {
            lane.0 += w;
            lane.1.push(i);
        }
    }
    let mut slots: Vec<Option<Job<'_, '_>>> = jobs.into_iter().map(Some).collect();
    let mut lane_jobs: Vec<(Vec<usize>, Vec<Job<'_, '_>>)> = lanes
        .into_iter()
        .map(|(_, ids)| {
            let js = ids
                .iter()
                .filter_map(|&i| slots.get_mut(i).and_then(Option::take))
                .collect();
            (ids, js)
        })
        .collect();
    let results: Vec<Result<Vec<(usize, Outcome)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = lane_jobs
            .drain(..)
            .map(|(ids, mut js)| {
                scope.spawn(move || -> Result<Vec<(usize, Outcome)>> {
                    run_lane(store, b, spec, &mut js)?;
                    let outs = js
                        .into_iter()
                        .map(Job::finish)
                        .collect::<Result<Vec<_>>>()?;
                    Ok(ids.into_iter().zip(outs).collect())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(StorageError::Backend(
                        "read: a decoding thread panicked".into(),
                    ))
                })
            })
            .collect()
    });
    let mut out: Vec<Option<Outcome>> = (0..slots.len()).map(|_| None).collect();
    for r in results {
        for (i, o) in r? {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(o);
            }
        }
    }
    out.into_iter()
        .map(|o| o.ok_or_else(|| StorageError::Backend("read: a series was lost".into())))
        .collect()
}

/// Rows of a series in a scan: the first, how many, and the (job, source position)
/// pairs that want them.
type Span = (usize, usize, Vec<(usize, usize)>);

/// Decodes, file by file (oldest data first), the rows of the lane's series and feeds
/// them to their jobs.
fn run_lane(
    store: &DiskStorage,
    b: &BucketState,
    spec: &ReadSpec,
    jobs: &mut [Job<'_, '_>],
) -> Result<()> {
    // file -> (job, source position, series in the file)
    let mut users: BTreeMap<usize, Vec<(usize, usize, usize)>> = BTreeMap::new();
    for (j, job) in jobs.iter().enumerate() {
        for (pos, src) in job.sources.iter().enumerate() {
            if let Source::File(k) = src {
                if let Some(f) = job.wanted.files.get(*k) {
                    users.entry(f.file).or_default().push((j, pos, f.series));
                }
            }
        }
    }
    for job in jobs.iter_mut() {
        job.advance()?;
    }
    let mut files: Vec<usize> = users.keys().copied().collect();
    files.sort_by_key(|&fi| b.files.get(fi).map(|f| (f.min_time, f.id)));
    for fi in files {
        let (Some(file), Some(users)) = (b.files.get(fi), users.get(&fi)) else {
            continue;
        };
        let mut series: Vec<usize> = users.iter().map(|u| u.2).collect();
        series.sort_unstable();
        series.dedup();
        let mut fields: Vec<&str> = users
            .iter()
            .filter_map(|u| jobs.get(u.0).map(|j| j.wanted.field))
            .collect();
        fields.sort_unstable();
        fields.dedup();
        let file_series = file.series.get()?;
        let (offsets, _) = series_offsets(file_series, &series);
        // (first row in the scan, rows, the jobs and source positions that want them)
        let mut spans: Vec<Span> = series
            .iter()
            .zip(&offsets)
            .map(|(&s, &o)| {
                let rows = file_series.get(s).map_or(0, |m| m.rows as usize);
                let who = users
                    .iter()
                    .filter(|u| u.2 == s)
                    .map(|u| (u.0, u.1))
                    .collect();
                (o, rows, who)
            })
            .collect();
        spans.sort_by_key(|s| s.0);
        let mut first = 0;
        scan_series(
            &store.dir,
            &store.files,
            file,
            &series,
            &fields,
            &mut |start, batch| {
                let end = start + batch.num_rows();
                while spans.get(first).is_some_and(|s| s.0 + s.1 <= start) {
                    first += 1;
                }
                for (o, rows, who) in spans.get(first..).unwrap_or_default() {
                    if *o >= end {
                        break;
                    }
                    let a = (*o).max(start);
                    let z = (o + rows).min(end);
                    if a >= z {
                        continue;
                    }
                    for &(j, pos) in who {
                        let Some(job) = jobs.get_mut(j) else {
                            continue;
                        };
                        let cut = match job.sources.get(pos) {
                            Some(Source::File(k)) => {
                                job.wanted.files.get(*k).map_or(&[][..], |f| &f.cut[..])
                            }
                            _ => &[],
                        };
                        let piece =
                            batch_piece(&batch, a - start, z - a, &job.column, spec, file.id, cut)?;
                        if let Some(p) = piece {
                            job.deliver(pos, p)?;
                        }
                    }
                }
                Ok(())
            },
        )?;
        for &(j, pos, _) in users {
            if let Some(job) = jobs.get_mut(j) {
                if let Some(d) = job.done.get_mut(pos) {
                    *d = true;
                }
                job.advance()?;
            }
        }
    }
    Ok(())
}
