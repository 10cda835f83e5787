//! Flux durations: a number of months and a number of nanoseconds, with a sign. Months and
//! nanoseconds stay apart because a month has no fixed length.

use std::fmt;

/// A Flux duration such as `1mo2d` or `-5m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    /// Calendar months (years count as 12).
    pub months: i64,
    /// Nanoseconds (weeks, days, hours, ... down to nanoseconds).
    pub nanos: i64,
    /// Whether the duration points backwards.
    pub negative: bool,
}

impl Duration {
    /// A duration of nanoseconds (negative input gives a negative duration).
    pub fn from_nanos(n: i64) -> Duration {
        Duration {
            months: 0,
            nanos: n.unsigned_abs().min(i64::MAX as u64) as i64,
            negative: n < 0,
        }
    }

    /// Whether it is zero.
    pub fn is_zero(&self) -> bool {
        self.months == 0 && self.nanos == 0
    }

    /// The signed nanoseconds, if the duration has no month part.
    pub fn as_nanos(&self) -> Option<i64> {
        if self.months != 0 {
            return None;
        }
        Some(if self.negative {
            -self.nanos
        } else {
            self.nanos
        })
    }

    /// The signed months.
    pub fn signed_months(&self) -> i64 {
        if self.negative {
            -self.months
        } else {
            self.months
        }
    }

    /// The signed nanoseconds part.
    pub fn signed_nanos(&self) -> i64 {
        if self.negative {
            -self.nanos
        } else {
            self.nanos
        }
    }

    /// The duration with its sign flipped.
    pub fn negated(&self) -> Duration {
        Duration {
            negative: !self.negative && !self.is_zero(),
            ..*self
        }
    }

    /// Multiply by an integer.
    pub fn checked_mul(&self, k: i64) -> Option<Duration> {
        let months = self.months.checked_mul(k.checked_abs()?)?;
        let nanos = self.nanos.checked_mul(k.checked_abs()?)?;
        let negative = (self.negative != (k < 0)) && (months != 0 || nanos != 0);
        Some(Duration {
            months,
            nanos,
            negative,
        })
    }

    /// Add this duration to a time (nanoseconds since the epoch): months first, clamping the
    /// day to the end of the month, then nanoseconds.
    pub fn add_to(&self, unix_nanos: i64) -> Option<i64> {
        let mut t = unix_nanos;
        let months = self.signed_months();
        if months != 0 {
            let secs = t.div_euclid(fluxi_time::NANOS_PER_SECOND);
            let sub = t.rem_euclid(fluxi_time::NANOS_PER_SECOND);
            let days = secs.div_euclid(86_400);
            let sod = secs.rem_euclid(86_400);
            let (y, m, d) = fluxi_time::civil_from_days(days);
            let total = y.checked_mul(12)?.checked_add(m - 1)?.checked_add(months)?;
            let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            let nd = d.min(fluxi_time::days_in_month(ny, nm));
            let ndays = fluxi_time::days_from_civil(ny, nm, nd);
            t = ndays
                .checked_mul(86_400)?
                .checked_add(sod)?
                .checked_mul(fluxi_time::NANOS_PER_SECOND)?
                .checked_add(sub)?;
        }
        t.checked_add(self.signed_nanos())
    }
}

impl fmt::Display for Duration {
    /// As a Flux literal: `1y2mo3w4d5h6m7s8ms9us10ns`, `0ns` for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0ns");
        }
        if self.negative {
            f.write_str("-")?;
        }
        let (years, months) = (self.months / 12, self.months % 12);
        let mut n = self.nanos;
        let mut parts = Vec::new();
        for (size, unit) in [
            (1000, "ns"),
            (1000, "us"),
            (1000, "ms"),
            (60, "s"),
            (60, "m"),
            (24, "h"),
            (7, "d"),
        ] {
            parts.push((n % size, unit));
            n /= size;
        }
        parts.push((n, "w"));
        parts.reverse();
        for (v, unit) in [(years, "y"), (months, "mo")].into_iter().chain(parts) {
            if v > 0 {
                write!(f, "{v}{unit}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_upstream() {
        assert_eq!(
            Duration::from_nanos(90 * 60 * 1_000_000_000).to_string(),
            "1h30m"
        );
        assert_eq!(Duration::from_nanos(-300_000_000_000).to_string(), "-5m");
        assert_eq!(Duration::default().to_string(), "0ns");
        let d = Duration {
            months: 14,
            nanos: 2 * 86_400 * 1_000_000_000,
            negative: false,
        };
        assert_eq!(d.to_string(), "1y2mo2d");
        assert_eq!(
            Duration::from_nanos(15 * 86_400 * 1_000_000_000 + 1).to_string(),
            "2w1d1ns"
        );
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        let jan31 = fluxi_time::parse_rfc3339("2021-01-31T12:00:00Z")
            .ok()
            .and_then(|t| t.unix_nanos())
            .unwrap_or(0);
        let one_month = Duration {
            months: 1,
            nanos: 0,
            negative: false,
        };
        let feb = one_month.add_to(jan31).unwrap_or(0);
        assert_eq!(
            fluxi_time::format_rfc3339(feb, fluxi_time::Fraction::Trimmed),
            "2021-02-28T12:00:00Z"
        );
        let back = one_month.negated().add_to(jan31).unwrap_or(0);
        assert_eq!(
            fluxi_time::format_rfc3339(back, fluxi_time::Fraction::Trimmed),
            "2020-12-31T12:00:00Z"
        );
    }
}
