//! The figures of a load: latency percentiles, throughput, and the summary.

use super::{Outcome, QueryKind};
use std::time::Duration;

/// The `p`-th percentile (nearest rank) of sorted durations.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// Count, p50, p99 and max of some durations.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub count: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Latency {
    fn of(mut d: Vec<Duration>) -> Latency {
        d.sort_unstable();
        Latency {
            count: d.len(),
            p50: percentile(&d, 50),
            p99: percentile(&d, 99),
            max: d.last().copied().unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(self.p50),
            ms(self.p99),
            ms(self.max)
        )
    }
}

impl Outcome {
    /// Every problem any thread found.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let logs = self
            .writers
            .iter()
            .map(|w| &w.problems)
            .chain(self.readers.iter().map(|r| &r.problems))
            .chain(std::iter::once(&self.checkpoints.problems));
        for p in logs {
            out.extend(p.first.iter().cloned());
            if p.count > p.first.len() {
                out.push(format!(
                    "… and {} more of that thread",
                    p.count - p.first.len()
                ));
            }
        }
        out
    }

    /// Write requests acknowledged within the window, their latencies.
    pub fn writes(&self) -> Latency {
        Latency::of(
            self.writers
                .iter()
                .flat_map(|w| &w.times)
                .filter(|t| t.at <= self.window)
                .map(|t| t.took)
                .collect(),
        )
    }

    /// Queries answered within the window (of one kind, or all), their latencies.
    pub fn queries(&self, kind: Option<QueryKind>) -> Latency {
        Latency::of(
            self.readers
                .iter()
                .flat_map(|r| &r.queries)
                .filter(|(k, t)| t.at <= self.window && kind.is_none_or(|want| *k == want))
                .map(|(_, t)| t.took)
                .collect(),
        )
    }

    /// The figures as text.
    pub fn summary(&self) -> String {
        let secs = self.window.as_secs_f64().max(1e-9);
        let writes = self.writes();
        let points = writes.count as f64 * self.shape.batch as f64;
        let queries = self.queries(None);
        let mut s = format!(
            "{} writers (batches of {} points), {} readers, {:.1} s\n\
             writes:  {} requests acknowledged: {:.0} requests/s, {:.0} points/s; {}\n\
             queries: {} answered and checked: {:.1} queries/s; {}\n",
            self.shape.writers,
            self.shape.batch,
            self.shape.readers,
            secs,
            writes.count,
            writes.count as f64 / secs,
            points / secs,
            writes,
            queries.count,
            queries.count as f64 / secs,
            queries,
        );
        for kind in [
            QueryKind::Count,
            QueryKind::Last,
            QueryKind::Batch,
            QueryKind::ValueFilter,
        ] {
            let l = self.queries(Some(kind));
            s.push_str(&format!(
                "  {:<32} {:>6} ({:.1}/s); {l}\n",
                kind.name(),
                l.count,
                l.count as f64 / secs
            ));
        }
        // Write throughput over time, in tenths of the window.
        let slices = 10u32;
        let slice = self.window / slices;
        if slice > Duration::ZERO {
            let mut per = vec![0u64; slices as usize];
            for t in self.writers.iter().flat_map(|w| &w.times) {
                if t.at <= self.window {
                    let i = (t.at.as_nanos() / slice.as_nanos()).min(u128::from(slices - 1));
                    per[i as usize] += 1;
                }
            }
            let rates: Vec<String> = per
                .iter()
                .map(|&n| {
                    format!(
                        "{:.0}",
                        n as f64 * self.shape.batch as f64 / slice.as_secs_f64()
                    )
                })
                .collect();
            s.push_str(&format!(
                "points/s by tenth of the run: {}\n",
                rates.join(" ")
            ));
        }
        if !self.checkpoints.done.is_empty() {
            let l = Latency::of(self.checkpoints.done.iter().map(|t| t.took).collect());
            s.push_str(&format!(
                "checkpoints (create + delete a scratch bucket): {}; {l}\n",
                l.count
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(d);
        assert_eq!(l.p50, Duration::from_millis(50));
        assert_eq!(l.p99, Duration::from_millis(99));
        assert_eq!(l.max, Duration::from_millis(100));
        assert_eq!(percentile(&[], 50), Duration::ZERO);
    }
}
