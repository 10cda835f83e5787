//! Locations (a time zone plus an extra fixed offset, as Flux's `{zone, offset}` records)
//! and conversion between UTC instants and local wall-clock time, DST included.
//!
//! Times are nanoseconds since the Unix epoch; "local" times are the same count as if the
//! wall clock were UTC, so calendar arithmetic can run on them directly.

use chrono::{DateTime, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

const NS: i64 = 1_000_000_000;

/// Where wall-clock time is read: a zone from the tz database (or UTC) plus a fixed offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    zone: Option<Tz>,
    offset_ns: i64,
    offset_months: i64,
}

impl Location {
    /// UTC.
    pub const UTC: Location = Location {
        zone: None,
        offset_ns: 0,
        offset_months: 0,
    };

    /// A location from a zone name (`""` and `UTC` mean UTC) and an extra offset.
    pub fn new(zone: &str, offset_ns: i64) -> Result<Location, String> {
        let zone = match zone {
            "" | "UTC" | "Etc/UTC" => None,
            name => Some(
                name.parse::<Tz>()
                    .map_err(|_| format!("unknown time zone {name:?}"))?,
            ),
        };
        Ok(Location {
            zone,
            offset_ns,
            offset_months: 0,
        })
    }

    /// The same location with a calendar part in its offset (`timezone.fixed(offset: -2mo)`).
    pub fn with_offset_months(mut self, months: i64) -> Location {
        self.offset_months = months;
        self
    }

    /// Whether this is plain UTC with no offset.
    pub fn is_utc(&self) -> bool {
        self.zone.is_none() && self.offset_ns == 0 && self.offset_months == 0
    }

    /// The offset from UTC (zone plus extra) in effect at a UTC instant.
    pub fn offset_at(&self, utc_ns: i64) -> i64 {
        let zone_offset = match self.zone {
            None => 0,
            Some(tz) => {
                let secs = utc_ns.div_euclid(NS);
                match DateTime::from_timestamp(secs, 0) {
                    Some(dt) => {
                        i64::from(
                            tz.offset_from_utc_datetime(&dt.naive_utc())
                                .fix()
                                .local_minus_utc(),
                        ) * NS
                    }
                    None => 0,
                }
            }
        };
        zone_offset + self.offset_ns
    }

    /// Wall-clock time of a UTC instant.
    pub fn to_local(&self, utc_ns: i64) -> i64 {
        add_months(utc_ns + self.offset_at(utc_ns), self.offset_months)
    }

    /// The UTC instant of a wall-clock time. A time that does not exist (skipped by a DST
    /// change) maps to the instant the clock jumped; an ambiguous one to its first instant.
    pub fn to_utc(&self, local_ns: i64) -> i64 {
        let local_ns = add_months(local_ns, -self.offset_months);
        let Some(tz) = self.zone else {
            return local_ns - self.offset_ns;
        };
        let wall = local_ns - self.offset_ns;
        let secs = wall.div_euclid(NS);
        let sub = wall.rem_euclid(NS);
        let Some(naive) = DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc()) else {
            return wall;
        };
        let resolve = |n: &NaiveDateTime| match tz.from_local_datetime(n) {
            chrono::LocalResult::Single(d) => Some(d.timestamp()),
            chrono::LocalResult::Ambiguous(a, _) => Some(a.timestamp()),
            chrono::LocalResult::None => None,
        };
        match resolve(&naive) {
            Some(s) => s * NS + sub,
            None => {
                // In a gap: the first valid wall time after it, i.e. the transition instant.
                let mut probe = naive;
                for _ in 0..(24 * 60) {
                    probe += chrono::Duration::minutes(1);
                    if let Some(s) = resolve(&probe) {
                        return s * NS;
                    }
                }
                wall
            }
        }
    }
}

/// Add calendar months to a time (clamping the day to the month's end).
fn add_months(t: i64, months: i64) -> i64 {
    if months == 0 {
        return t;
    }
    let secs = t.div_euclid(NS);
    let sub = t.rem_euclid(NS);
    let Some(dt) = DateTime::from_timestamp(secs, 0).map(|d| d.naive_utc()) else {
        return t;
    };
    let shifted = if months > 0 {
        dt.checked_add_months(chrono::Months::new(
            u32::try_from(months).unwrap_or(u32::MAX),
        ))
    } else {
        dt.checked_sub_months(chrono::Months::new(
            u32::try_from(-months).unwrap_or(u32::MAX),
        ))
    };
    shifted.map_or(t, |d| d.and_utc().timestamp() * NS + sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.timestamp() * NS)
            .unwrap_or(0)
    }

    #[test]
    fn offsets_follow_dst() {
        let ny = Location::new("America/New_York", 0).unwrap_or(Location::UTC);
        assert_eq!(ny.offset_at(t("2021-01-15T12:00:00Z")), -5 * 3600 * NS);
        assert_eq!(ny.offset_at(t("2021-07-15T12:00:00Z")), -4 * 3600 * NS);
        let adelaide = Location::new("Australia/Adelaide", 0).unwrap_or(Location::UTC);
        assert_eq!(
            adelaide.offset_at(t("2021-07-15T12:00:00Z")),
            (9 * 3600 + 1800) * NS
        );
        assert_eq!(
            adelaide.offset_at(t("2021-01-15T12:00:00Z")),
            (10 * 3600 + 1800) * NS
        );
    }

    #[test]
    fn round_trips_and_gaps() {
        let ny = Location::new("America/New_York", 0).unwrap_or(Location::UTC);
        let utc = t("2021-03-14T12:00:00Z");
        assert_eq!(ny.to_utc(ny.to_local(utc)), utc);
        // 02:30 on 2021-03-14 does not exist in New York: it maps to the 03:00 jump (07:00Z).
        let local = t("2021-03-14T02:30:00Z");
        assert_eq!(ny.to_utc(local), t("2021-03-14T07:00:00Z"));
        assert!(Location::new("Mars/Olympus", 0).is_err());
    }
}
