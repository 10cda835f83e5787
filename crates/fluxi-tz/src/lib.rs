//! Locations (a time zone plus an extra fixed offset, as Flux's `{zone, offset}` records)
//! and conversion between UTC instants and local wall-clock time, DST included.
//!
//! Times are nanoseconds since the Unix epoch; "local" times are the same count as if the
//! wall clock were UTC, so calendar arithmetic can run on them directly.

use chrono::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use std::sync::OnceLock;

const NS: i64 = 1_000_000_000;

/// The zone names of the bundled tz database, sorted, and each zone parsed on first use.
/// The database is compiled into the binary as bytes (jiff's bundle), so the zones cost
/// nothing at start-up and the answers do not depend on the host's zoneinfo files.
struct Zones {
    names: Vec<String>,
    parsed: Vec<OnceLock<Option<TimeZone>>>,
}

fn zones() -> &'static Zones {
    static ZONES: OnceLock<Zones> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut names: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .collect();
        names.sort();
        names.dedup();
        let parsed = names.iter().map(|_| OnceLock::new()).collect();
        Zones { names, parsed }
    })
}

/// A zone of the database, by its index in [`Zones::names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ZoneId(u16);

impl ZoneId {
    fn find(name: &str) -> Option<ZoneId> {
        let z = zones();
        let i = z.names.binary_search_by(|n| n.as_str().cmp(name)).ok()?;
        let id = ZoneId(u16::try_from(i).ok()?);
        id.zone().map(|_| id)
    }

    fn zone(self) -> Option<&'static TimeZone> {
        let z = zones();
        let i = usize::from(self.0);
        let name = z.names.get(i)?;
        z.parsed
            .get(i)?
            .get_or_init(|| TimeZone::get(name).ok())
            .as_ref()
    }
}

/// Where wall-clock time is read: a zone from the tz database (or UTC) plus a fixed offset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    zone: Option<ZoneId>,
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

    /// A location from a zone name (`""` and `UTC` mean UTC; names are matched exactly, as
    /// the tz database spells them) and an extra offset.
    pub fn new(zone: &str, offset_ns: i64) -> Result<Location, String> {
        let zone = match zone {
            "" | "UTC" | "Etc/UTC" => None,
            name => Some(ZoneId::find(name).ok_or_else(|| format!("unknown time zone {name:?}"))?),
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
        let zone_offset = match self.zone.and_then(ZoneId::zone) {
            None => 0,
            Some(tz) => match Timestamp::from_second(utc_ns.div_euclid(NS)) {
                Ok(ts) => i64::from(tz.to_offset(ts).seconds()) * NS,
                Err(_) => 0,
            },
        };
        zone_offset.saturating_add(self.offset_ns)
    }

    /// Wall-clock time of a UTC instant.
    pub fn to_local(&self, utc_ns: i64) -> i64 {
        add_months(
            utc_ns.saturating_add(self.offset_at(utc_ns)),
            self.offset_months,
        )
    }

    /// The UTC instant of a wall-clock time. A time that does not exist (skipped by a DST
    /// change) maps to the instant the clock jumped; an ambiguous one to its first instant.
    pub fn to_utc(&self, local_ns: i64) -> i64 {
        let local_ns = add_months(local_ns, -self.offset_months);
        let wall = local_ns.saturating_sub(self.offset_ns);
        let Some(tz) = self.zone.and_then(ZoneId::zone) else {
            return wall;
        };
        let secs = wall.div_euclid(NS);
        let sub = wall.rem_euclid(NS);
        let Ok(civil) = Timestamp::from_second(secs).map(|t| TimeZone::UTC.to_datetime(t)) else {
            return wall;
        };
        let nanos = |secs: i64, sub: i64| secs.checked_mul(NS)?.checked_add(sub);
        let at = |offset: jiff::tz::Offset| -> Option<i64> {
            nanos(offset.to_timestamp(civil).ok()?.as_second(), sub)
        };
        let resolved = match tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => at(offset),
            // The first of the two instants: the offset before the clock went back.
            AmbiguousOffset::Fold { before, .. } => at(before),
            // In a gap: the instant the clock jumped, the first transition after the wall
            // time read with the offset after the jump (which lands before the jump).
            AmbiguousOffset::Gap { after, .. } => after
                .to_timestamp(civil)
                .ok()
                .and_then(|t| tz.following(t).next())
                .and_then(|tr| nanos(tr.timestamp().as_second(), 0)),
        };
        resolved.unwrap_or(wall)
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
    shifted
        .and_then(|d| d.and_utc().timestamp().checked_mul(NS)?.checked_add(sub))
        .unwrap_or(t)
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

    #[test]
    fn folds_take_the_first_instant_and_names_are_exact() {
        let ny = Location::new("America/New_York", 0).unwrap();
        // 01:30 on 2021-11-07 happens twice in New York: first at 05:30Z (EDT).
        assert_eq!(
            ny.to_utc(t("2021-11-07T01:30:00Z")),
            t("2021-11-07T05:30:00Z")
        );
        assert_eq!(
            ny.to_local(t("2021-11-07T06:30:00Z")),
            t("2021-11-07T01:30:00Z")
        );
        // Sub-second parts survive the round trip.
        let utc = t("2021-06-01T12:00:00Z") + 123_456_789;
        assert_eq!(ny.to_utc(ny.to_local(utc)), utc);
        // The database's spelling only, links included; the extra offset adds on.
        assert!(Location::new("america/new_york", 0).is_err());
        let eastern = Location::new("US/Eastern", 0).unwrap();
        assert_eq!(eastern.offset_at(utc), ny.offset_at(utc));
        let shifted = Location::new("Asia/Kolkata", 15 * 60 * NS).unwrap();
        assert_eq!(shifted.offset_at(utc), (5 * 3600 + 30 * 60 + 15 * 60) * NS);
        // The extremes of the time range have an offset (no panic, no error).
        let _ = ny.offset_at(i64::MIN);
        let _ = ny.offset_at(i64::MAX);
        let _ = ny.to_utc(i64::MIN);
        let _ = ny.to_utc(i64::MAX);
        let months = ny.with_offset_months(1);
        let _ = months.to_local(i64::MAX);
        let _ = months.to_utc(i64::MIN);
    }
}
