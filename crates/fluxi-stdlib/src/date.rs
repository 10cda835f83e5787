//! The `date` and `timezone` packages: calendar parts and arithmetic on the wall clock of a
//! location (a tz-database zone, DST included, plus an optional fixed offset).

use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::window::WindowSpec;
use fluxi_tz::Location;
use fluxi_value::{Duration, Record, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

const NS_PER_SEC: i64 = 1_000_000_000;
const NS_PER_DAY: i64 = 86_400 * NS_PER_SEC;

/// A `t` argument: a time, or a duration relative to now.
fn timeable(interp: &mut Interpreter, a: &mut Args, name: &str) -> Result<i64, EvalError> {
    match a.required(name)? {
        Value::Time(t) => Ok(t),
        Value::Duration(d) => {
            let now = interp.now()?;
            d.add_to(now)
                .ok_or_else(|| EvalError::msg("the time is out of range"))
        }
        v => Err(EvalError::msg(format!(
            "`{name}` must be a time or a duration, not {}",
            v.type_name()
        ))),
    }
}

/// A `{zone, offset}` record as a location.
pub fn location_of(loc: &Record) -> Result<Location, EvalError> {
    let zone = match loc.get("zone") {
        Some(Value::String(z)) => z.to_string(),
        _ => "UTC".into(),
    };
    let (nanos, months) = match loc.get("offset") {
        Some(Value::Duration(d)) => (d.signed_nanos(), d.signed_months()),
        _ => (0, 0),
    };
    Location::new(&zone, nanos)
        .map(|l| l.with_offset_months(months))
        .map_err(EvalError::msg)
}

/// The `location` argument, else the `location` option.
pub fn location(interp: &mut Interpreter, a: &mut Args) -> Result<Location, EvalError> {
    match a.opt_record("location")? {
        Some(l) => location_of(&l),
        None => match interp.option("internal/location", "location")? {
            Value::Record(r) => location_of(&r),
            _ => Ok(Location::UTC),
        },
    }
}

/// (year, month, day, nanoseconds of day) of a local time.
fn civil(local: i64) -> (i64, i64, i64, i64) {
    let days = local.div_euclid(NS_PER_DAY);
    let (y, m, d) = fluxi_time::civil_from_days(days);
    (y, m, d, local.rem_euclid(NS_PER_DAY))
}

fn part(interp: &mut Interpreter, a: &mut Args, located: bool, f: fn(i64) -> i64) -> R {
    let t = timeable(interp, a, "t")?;
    let local = if located {
        location(interp, a)?.to_local(t)
    } else {
        t
    };
    Ok(Value::Int(f(local)))
}

fn iso_week(local: i64) -> i64 {
    let days = local.div_euclid(NS_PER_DAY);
    let (y, _, _) = fluxi_time::civil_from_days(days);
    let weekday = (days + 3).rem_euclid(7) + 1; // Monday = 1
    let yday = days - fluxi_time::days_from_civil(y, 1, 1) + 1;
    let week = (yday - weekday + 10).div_euclid(7);
    let weeks_in = |year: i64| {
        let jan1 = (fluxi_time::days_from_civil(year, 1, 1) + 3).rem_euclid(7) + 1;
        if jan1 == 4 || (jan1 == 3 && fluxi_time::is_leap(year)) {
            53
        } else {
            52
        }
    };
    if week < 1 {
        weeks_in(y - 1)
    } else if week > weeks_in(y) {
        1
    } else {
        week
    }
}

fn location_record(zone: &str, offset: Value) -> Value {
    Value::Record(Arc::new(Record::from_fields([
        (Arc::from("zone"), Value::string(zone)),
        (Arc::from("offset"), offset),
    ])))
}

pub fn register(r: &mut Registry) {
    r.register("date", "second", |i, a| {
        part(i, a, false, |t| civil(t).3 / NS_PER_SEC % 60)
    });
    r.register("date", "minute", |i, a| {
        part(i, a, true, |t| civil(t).3 / (60 * NS_PER_SEC) % 60)
    });
    r.register("date", "hour", |i, a| {
        part(i, a, true, |t| civil(t).3 / (3600 * NS_PER_SEC))
    });
    r.register("date", "weekDay", |i, a| {
        part(i, a, true, |t| (t.div_euclid(NS_PER_DAY) + 4).rem_euclid(7))
    });
    r.register("date", "monthDay", |i, a| part(i, a, true, |t| civil(t).2));
    r.register("date", "yearDay", |i, a| {
        part(i, a, true, |t| {
            let days = t.div_euclid(NS_PER_DAY);
            let (y, _, _) = fluxi_time::civil_from_days(days);
            days - fluxi_time::days_from_civil(y, 1, 1) + 1
        })
    });
    r.register("date", "month", |i, a| part(i, a, true, |t| civil(t).1));
    r.register("date", "year", |i, a| part(i, a, true, |t| civil(t).0));
    r.register("date", "quarter", |i, a| {
        part(i, a, true, |t| (civil(t).1 - 1) / 3 + 1)
    });
    r.register("date", "week", |i, a| part(i, a, true, iso_week));
    r.register("date", "millisecond", |i, a| {
        part(i, a, false, |t| t.rem_euclid(NS_PER_SEC) / 1_000_000)
    });
    r.register("date", "microsecond", |i, a| {
        part(i, a, false, |t| t.rem_euclid(NS_PER_SEC) / 1_000)
    });
    r.register("date", "nanosecond", |i, a| {
        part(i, a, false, |t| t.rem_euclid(NS_PER_SEC))
    });
    r.register("date", "time", |i, a| {
        // The wall-clock time in the location, as upstream returns it.
        let t = timeable(i, a, "t")?;
        Ok(Value::Time(location(i, a)?.to_local(t)))
    });
    r.register("date", "add", |i, a| shift(i, a, "to", false));
    r.register("date", "sub", |i, a| shift(i, a, "from", true));
    r.register("date", "truncate", |i, a| {
        let t = timeable(i, a, "t")?;
        let unit = a
            .opt_duration("unit")?
            .ok_or_else(|| EvalError::msg("missing required argument `unit`"))?;
        let location = location(i, a)?;
        let spec = WindowSpec {
            every: unit,
            period: unit,
            offset: Duration::default(),
            create_empty: false,
            location,
        };
        spec.validate().map_err(crate::util::ex)?;
        spec.floor(t)
            .map(Value::Time)
            .ok_or_else(|| EvalError::msg("the time is out of range"))
    });
    r.register("date", "scale", |_, a| {
        let d = a
            .opt_duration("d")?
            .ok_or_else(|| EvalError::msg("missing required argument `d`"))?;
        let n = a
            .opt_int("n")?
            .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
        d.checked_mul(n)
            .map(Value::Duration)
            .ok_or_else(|| EvalError::msg("the duration overflows"))
    });
    r.register("timezone", "fixed", |_, a| {
        Ok(location_record("UTC", a.required("offset")?))
    });
    r.register("timezone", "location", |_, a| {
        let name = a.string("name")?;
        Ok(location_record(&name, Value::Duration(Duration::default())))
    });
    for (pkg, name) in [
        ("experimental", "addDuration"),
        ("experimental", "subDuration"),
    ] {
        let f: fluxi_eval::BuiltinFn = if name == "addDuration" {
            |i, a| shift(i, a, "to", false)
        } else {
            |i, a| shift(i, a, "from", true)
        };
        r.register(pkg, name, f);
    }
}

/// `date.add` / `date.sub`: calendar arithmetic in the location's local time.
fn shift(interp: &mut Interpreter, a: &mut Args, name: &str, back: bool) -> R {
    let d = a
        .opt_duration("d")?
        .ok_or_else(|| EvalError::msg("missing required argument `d`"))?;
    let d = if back { d.negated() } else { d };
    let t = timeable(interp, a, name)?;
    let loc = location(interp, a)?;
    d.add_to(loc.to_local(t))
        .map(|l| Value::Time(loc.to_utc(l)))
        .ok_or_else(|| EvalError::msg("the time is out of range"))
}
