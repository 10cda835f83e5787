//! A task's options: the `option task = {...}` record of its script, read and checked as
//! InfluxDB does, and rewritten when a task's name or schedule is changed.
//!
//! The record is found in the script's syntax tree ([`fluxi::option_statements`]) and
//! each of its properties is evaluated by the engine on its own (so `every: 1h` and
//! `name: "a" + "b"` work, but a property naming one of the script's variables does not:
//! options are read without running the script). The rules and messages are InfluxDB
//! 2.7's:
//!
//! | what | message |
//! |---|---|
//! | no `option task` | `no task options defined` |
//! | two of them | `multiple task options defined` |
//! | not a record literal | `task option expected to be object literal, but found ...` |
//! | no `name` | `missing required option: name` |
//! | both `every` and `cron` | `cannot use both cron and every in task options` |
//! | neither | `missing required option: cron or every` |
//! | a property of the wrong type | `failed to parse field 'every' in task options: ...` |
//!
//! and then, all problems at once, `invalid options: ` followed by those of `name
//! required`, `must specify exactly one of either cron or every`, `cron invalid: ...`,
//! `every option must be at least 1 second`, `every option must be expressible as whole
//! seconds`, `offset option must be expressible as whole seconds`, `concurrency must be at
//! least 1`, `concurrency exceeded max of 100`, `retry must be at least 1`, `retry
//! exceeded max of 10`, joined by `, `.
//!
//! Other properties are ignored, as InfluxDB does, except `location` (a fluxi extension):
//! a time-zone name such as `"Europe/Paris"`, or a `{zone, offset}` record as
//! `timezone.location` returns, on whose wall clock a `cron` schedule runs (UTC
//! otherwise). It does not apply to `every`.

use crate::cron::{parse_fixed_duration, Cron};
use fluxi::{Engine, Location, Value};
use std::sync::OnceLock;

const NS: i64 = 1_000_000_000;
const MAX_CONCURRENCY: i64 = 100;
const MAX_RETRY: i64 = 10;

/// Why a script's task options are not usable; the message is InfluxDB's where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct OptionsError(pub String);

/// When a task runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// `every: D`: at the multiples of `D` since the Unix epoch.
    Every {
        /// `D` in nanoseconds (whole seconds, at least one).
        nanos: i64,
        /// `D` as written, such as `1h`.
        text: String,
    },
    /// `cron: "..."`, on the wall clock of `location`.
    Cron {
        /// The parsed expression (`@every D` included).
        cron: Cron,
        /// Where the wall clock is read (UTC unless the task's `location` says).
        location: Location,
        /// The `location` as given: a zone name, or `None` for UTC.
        zone: Option<String>,
    },
}

impl Schedule {
    /// The first scheduled time strictly after `after` (Unix nanoseconds), if there is one.
    pub fn next_after(&self, after: i64) -> Option<i64> {
        match self {
            Schedule::Every { nanos, .. } => {
                after.div_euclid(*nanos).checked_add(1)?.checked_mul(*nanos)
            }
            Schedule::Cron { cron, location, .. } => cron.next_after(after, location),
        }
    }
}

/// A task's options.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOptions {
    /// `name`.
    pub name: String,
    /// `every` or `cron` (with `location`).
    pub schedule: Schedule,
    /// `offset` in nanoseconds (0 when not given; may be negative): a run for the
    /// scheduled time `T` starts at `T + offset`, with `now()` still `T`.
    pub offset: i64,
    /// `offset` as written (such as `5m`), when given.
    pub offset_text: Option<String>,
    /// `concurrency`: how many runs of the task may run at once (1–100, default 1).
    pub concurrency: u32,
    /// `retry`: how many times a failed run is tried again (1–10, default 1).
    pub retry: u32,
}

impl TaskOptions {
    /// The options of a task's script.
    pub fn from_script(script: &str) -> Result<TaskOptions, OptionsError> {
        let record = task_record(script)?;
        extract(script, &record)
    }

    /// `every` as written, when the task has one.
    pub fn every(&self) -> Option<&str> {
        match &self.schedule {
            Schedule::Every { text, .. } => Some(text),
            Schedule::Cron { .. } => None,
        }
    }

    /// `cron` as written, when the task has one.
    pub fn cron(&self) -> Option<&str> {
        match &self.schedule {
            Schedule::Cron { cron, .. } => Some(cron.as_str()),
            Schedule::Every { .. } => None,
        }
    }
}

/// The one `option task = {...}` statement of a script.
fn task_record(script: &str) -> Result<fluxi::OptionStatement, OptionsError> {
    let statements = fluxi::option_statements("task.flux", script)
        .map_err(|e| OptionsError(format!("the task's script does not parse: {e}")))?;
    let mut tasks = statements
        .into_iter()
        .filter(|s| s.package.is_none() && s.name == "task");
    let first = tasks
        .next()
        .ok_or_else(|| OptionsError("no task options defined".into()))?;
    if tasks.next().is_some() {
        return Err(OptionsError("multiple task options defined".into()));
    }
    if first.properties.is_none() {
        let found = script.get(first.value.clone()).unwrap_or("").trim();
        return Err(OptionsError(format!(
            "task option expected to be object literal, but found {found:?}"
        )));
    }
    Ok(first)
}

/// The engine that evaluates option values: no store, shared by every call.
fn evaluator() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::new)
}

/// A property's value: `Ok(None)` when the record lacks it.
fn property(
    script: &str,
    record: &fluxi::OptionStatement,
    name: &str,
) -> Result<Option<(Value, String)>, OptionsError> {
    let props = record.properties.as_deref().unwrap_or(&[]);
    // A property given twice is a type error of the record; the checker reports it when
    // the script runs. Here the last one counts, as in a record value.
    let Some(prop) = props.iter().rev().find(|p| p.name == name) else {
        return Ok(None);
    };
    let failed = |why: String| {
        OptionsError(format!(
            "failed to parse field '{name}' in task options: {why}"
        ))
    };
    let range = prop.value.clone().ok_or_else(|| {
        failed("it names a variable of the script; write the value itself".into())
    })?;
    let text = script.get(range).unwrap_or("").trim().to_string();
    let outcome = evaluator()
        .session()
        .eval(&text)
        .map_err(|e| failed(first_line(&e.to_string())))?;
    let value = outcome
        .value
        .ok_or_else(|| failed(format!("{text} has no value")))?;
    Ok(Some((value, text)))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

fn wrong_type(name: &str, wanted: &str, v: &Value) -> OptionsError {
    OptionsError(format!(
        "failed to parse field '{name}' in task options: expected {wanted}, found {}",
        v.type_name()
    ))
}

/// A duration property: (months, signed nanoseconds, as written).
fn duration(
    script: &str,
    record: &fluxi::OptionStatement,
    name: &str,
) -> Result<Option<(i64, i64, String)>, OptionsError> {
    match property(script, record, name)? {
        None => Ok(None),
        Some((Value::Duration(d), text)) => {
            // As written when it is a plain literal (`60m` stays `60m`), else as computed.
            let literal = text.strip_prefix('-').unwrap_or(&text);
            let shown = if parse_fixed_duration(literal).is_ok() {
                text
            } else {
                d.to_string()
            };
            Ok(Some((d.signed_months(), d.signed_nanos(), shown)))
        }
        Some((v, _)) => Err(wrong_type(name, "a duration", &v)),
    }
}

fn int(
    script: &str,
    record: &fluxi::OptionStatement,
    name: &str,
) -> Result<Option<i64>, OptionsError> {
    match property(script, record, name)? {
        None => Ok(None),
        Some((Value::Int(i), _)) => Ok(Some(i)),
        Some((v, _)) => Err(wrong_type(name, "an int", &v)),
    }
}

fn location(
    script: &str,
    record: &fluxi::OptionStatement,
) -> Result<Option<(Location, String)>, OptionsError> {
    let bad = |why: String| {
        OptionsError(format!(
            "failed to parse field 'location' in task options: {why}"
        ))
    };
    match property(script, record, "location")? {
        None => Ok(None),
        Some((Value::String(zone), _)) => Location::new(&zone, 0)
            .map(|l| Some((l, zone.to_string())))
            .map_err(bad),
        Some((Value::Record(r), _)) => {
            let zone = match r.get("zone") {
                Some(Value::String(z)) => z.to_string(),
                _ => return Err(bad("a location record needs a string `zone`".into())),
            };
            let offset = match r.get("offset") {
                Some(Value::Duration(d)) if d.signed_months() == 0 => d.signed_nanos(),
                Some(Value::Duration(_)) => {
                    return Err(bad(
                        "a location's offset cannot be in months or years".into()
                    ))
                }
                None => 0,
                Some(v) => {
                    return Err(bad(format!(
                        "`offset` must be a duration, not {}",
                        v.type_name()
                    )))
                }
            };
            Location::new(&zone, offset)
                .map(|l| Some((l, zone)))
                .map_err(bad)
        }
        Some((v, _)) => Err(wrong_type(
            "location",
            "a zone name or a location record",
            &v,
        )),
    }
}

fn extract(script: &str, record: &fluxi::OptionStatement) -> Result<TaskOptions, OptionsError> {
    let name = match property(script, record, "name")? {
        None => return Err(OptionsError("missing required option: name".into())),
        Some((Value::String(s), _)) => s.to_string(),
        Some((v, _)) => return Err(wrong_type("name", "a string", &v)),
    };
    let cron = match property(script, record, "cron")? {
        None => None,
        Some((Value::String(s), _)) => Some(s.to_string()),
        Some((v, _)) => return Err(wrong_type("cron", "a string", &v)),
    };
    let every = duration(script, record, "every")?;
    if cron.is_some() && every.is_some() {
        return Err(OptionsError(
            "cannot use both cron and every in task options".into(),
        ));
    }
    if cron.is_none() && every.is_none() {
        return Err(OptionsError(
            "missing required option: cron or every".into(),
        ));
    }
    let offset = duration(script, record, "offset")?;
    let concurrency = int(script, record, "concurrency")?;
    let retry = int(script, record, "retry")?;
    let location = location(script, record)?;

    // Every problem at once, as InfluxDB's validation lists them.
    let mut errs: Vec<String> = Vec::new();
    if name.is_empty() {
        errs.push("name required".into());
    }
    let cron = cron.filter(|c| !c.is_empty());
    let every = every.filter(|(months, nanos, _)| *months != 0 || *nanos != 0);
    let mut schedule = None;
    match (&cron, &every) {
        (Some(_), Some(_)) | (None, None) => {
            errs.push("must specify exactly one of either cron or every".into())
        }
        (Some(text), None) => match Cron::parse(text) {
            Ok(cron) => {
                let (location, zone) = match location.clone() {
                    Some((l, z)) => (l, Some(z)),
                    None => (Location::UTC, None),
                };
                schedule = Some(Schedule::Cron {
                    cron,
                    location,
                    zone,
                });
            }
            Err(e) => errs.push(format!("cron invalid: {e}")),
        },
        (None, Some((months, nanos, text))) => {
            if *months != 0 {
                errs.push(
                    "every option must be expressible as whole seconds (months and years vary in length; use cron, such as @monthly)".into(),
                );
            } else if *nanos < NS {
                errs.push("every option must be at least 1 second".into());
            } else if nanos % NS != 0 {
                errs.push("every option must be expressible as whole seconds".into());
            } else {
                schedule = Some(Schedule::Every {
                    nanos: *nanos,
                    text: text.clone(),
                });
            }
            if location.is_some() {
                errs.push(
                    "location applies to cron schedules only (every runs at multiples of its duration since the Unix epoch)".into(),
                );
            }
        }
    }
    let (offset_nanos, offset_text) = match offset {
        None => (0, None),
        Some((months, nanos, text)) => {
            if months != 0 || nanos % NS != 0 {
                errs.push("offset option must be expressible as whole seconds".into());
            }
            (nanos, Some(text))
        }
    };
    let concurrency = concurrency.unwrap_or(1);
    if concurrency < 1 {
        errs.push("concurrency must be at least 1".into());
    } else if concurrency > MAX_CONCURRENCY {
        errs.push(format!("concurrency exceeded max of {MAX_CONCURRENCY}"));
    }
    let retry = retry.unwrap_or(1);
    if retry < 1 {
        errs.push("retry must be at least 1".into());
    } else if retry > MAX_RETRY {
        errs.push(format!("retry exceeded max of {MAX_RETRY}"));
    }
    match schedule {
        Some(schedule) if errs.is_empty() => Ok(TaskOptions {
            name,
            schedule,
            offset: offset_nanos,
            offset_text,
            concurrency: u32::try_from(concurrency).unwrap_or(1),
            retry: u32::try_from(retry).unwrap_or(1),
        }),
        _ => Err(OptionsError(format!(
            "invalid options: {}",
            errs.join(", ")
        ))),
    }
}

/// Changes to a task's options, written into its script by [`update_script`] (what an
/// update of a task's name, every, cron or offset does, as InfluxDB's `PATCH` does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OptionChanges {
    /// A new `name`.
    pub name: Option<String>,
    /// A new `every` (a duration literal such as `1h`); removes `cron`.
    pub every: Option<String>,
    /// A new `cron` expression; removes `every`.
    pub cron: Option<String>,
    /// A new `offset` (a duration literal); `Some("")` removes it.
    pub offset: Option<String>,
}

/// `script` with its `option task` record changed as `changes` says, after checking the
/// result's options. Other properties and the rest of the script are kept as written; the
/// record is rewritten in one piece (on one line, or one property per line when it spanned
/// several).
pub fn update_script(script: &str, changes: &OptionChanges) -> Result<String, OptionsError> {
    if changes.every.is_some() && changes.cron.is_some() {
        return Err(OptionsError(
            "cannot use both cron and every in task options".into(),
        ));
    }
    let record = task_record(script)?;
    let literal = |field: &str, text: &str| -> Result<String, OptionsError> {
        let body = text.trim().strip_prefix('-').unwrap_or(text.trim());
        parse_fixed_duration(body)
            .map(|_| text.trim().to_string())
            .map_err(|why| {
                OptionsError(format!(
                    "failed to parse field '{field}' in task options: {why}"
                ))
            })
    };
    let mut props: Vec<(String, String)> = record
        .properties
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|p| {
            let text = p
                .value
                .clone()
                .and_then(|r| script.get(r))
                .map_or_else(|| p.name.clone(), |v| v.trim().to_string());
            (p.name.clone(), text)
        })
        .collect();
    let set = |props: &mut Vec<(String, String)>, name: &str, value: Option<String>| match (
        props.iter_mut().find(|(n, _)| n == name),
        value,
    ) {
        (Some(slot), Some(v)) => slot.1 = v,
        (None, Some(v)) => props.push((name.to_string(), v)),
        (_, None) => props.retain(|(n, _)| n != name),
    };
    if let Some(name) = &changes.name {
        set(&mut props, "name", Some(fluxi::string_literal(name)));
    }
    if let Some(every) = &changes.every {
        set(&mut props, "every", Some(literal("every", every)?));
        set(&mut props, "cron", None);
    }
    if let Some(cron) = &changes.cron {
        set(&mut props, "cron", Some(fluxi::string_literal(cron)));
        set(&mut props, "every", None);
        set(&mut props, "location", None);
    }
    if let Some(offset) = &changes.offset {
        if offset.trim().is_empty() {
            set(&mut props, "offset", None);
        } else {
            set(&mut props, "offset", Some(literal("offset", offset)?));
        }
    }
    let original = script.get(record.value.clone()).unwrap_or("");
    let text = if original.contains('\n') {
        let mut t = String::from("{\n");
        for (n, v) in &props {
            t.push_str(&format!("    {n}: {v},\n"));
        }
        t.push('}');
        t
    } else {
        let inner: Vec<String> = props.iter().map(|(n, v)| format!("{n}: {v}")).collect();
        format!("{{{}}}", inner.join(", "))
    };
    let mut out = String::with_capacity(script.len() + text.len());
    out.push_str(script.get(..record.value.start).unwrap_or(""));
    out.push_str(&text);
    out.push_str(script.get(record.value.end..).unwrap_or(""));
    TaskOptions::from_script(&out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn opts(record: &str) -> Result<TaskOptions, String> {
        TaskOptions::from_script(&format!(
            "option task = {record}\nfrom(bucket: \"b\") |> range(start: -task.every)\n"
        ))
        .map_err(|e| e.0)
    }

    #[test]
    fn a_full_record() {
        let o = opts(r#"{name: "downsample", every: 1h, offset: 5m, concurrency: 2, retry: 3}"#)
            .unwrap();
        assert_eq!(o.name, "downsample");
        assert_eq!(o.every(), Some("1h"));
        assert_eq!(o.cron(), None);
        assert_eq!(o.offset, 300 * NS);
        assert_eq!(o.offset_text.as_deref(), Some("5m"));
        assert_eq!((o.concurrency, o.retry), (2, 3));
        assert_eq!(o.schedule.next_after(90 * 60 * NS), Some(2 * 3600 * NS));
    }

    #[test]
    fn defaults_and_cron() {
        let o = opts(r#"{name: "c", cron: "0 * * * *"}"#).unwrap();
        assert_eq!(o.cron(), Some("0 * * * *"));
        assert_eq!((o.concurrency, o.retry, o.offset), (1, 1, 0));
        assert_eq!(o.offset_text, None);
        // Values are evaluated: expressions work, and a negative offset is allowed.
        let o = opts(r#"{name: "a" + "b", every: 30s, offset: -10s}"#).unwrap();
        assert_eq!(o.name, "ab");
        assert_eq!(o.offset, -10 * NS);
        assert_eq!(o.offset_text.as_deref(), Some("-10s"));
        // The option may come after the query, as Python's client appends it.
        let script =
            "from(bucket: \"b\") |> range(start: -1h)\n\noption task = {name: \"p\", every: 1h}\n";
        assert_eq!(TaskOptions::from_script(script).unwrap().name, "p");
        // Unknown properties are ignored.
        assert!(opts(r#"{name: "x", every: 1m, description: "whatever"}"#).is_ok());
    }

    #[test]
    fn upstream_messages() {
        let err = |record: &str| opts(record).unwrap_err();
        assert_eq!(err(r#"{every: 1h}"#), "missing required option: name");
        assert_eq!(
            err(r#"{name: "x", every: 1h, cron: "* * * * *"}"#),
            "cannot use both cron and every in task options"
        );
        assert_eq!(
            err(r#"{name: "x"}"#),
            "missing required option: cron or every"
        );
        assert_eq!(
            err(r#"{name: "", every: 1h}"#),
            "invalid options: name required"
        );
        assert_eq!(
            err(r#"{name: "x", every: 500ms}"#),
            "invalid options: every option must be at least 1 second"
        );
        assert_eq!(
            err(r#"{name: "x", every: 1500ms}"#),
            "invalid options: every option must be expressible as whole seconds"
        );
        assert_eq!(
            err(r#"{name: "x", every: 0s}"#),
            "invalid options: must specify exactly one of either cron or every"
        );
        assert_eq!(
            err(r#"{name: "x", cron: ""}"#),
            "invalid options: must specify exactly one of either cron or every"
        );
        assert_eq!(
            err(r#"{name: "x", every: 1h, offset: 1500ms}"#),
            "invalid options: offset option must be expressible as whole seconds"
        );
        assert_eq!(
            err(r#"{name: "x", every: 1h, concurrency: 0}"#),
            "invalid options: concurrency must be at least 1"
        );
        assert_eq!(
            err(r#"{name: "x", every: 1h, concurrency: 101}"#),
            "invalid options: concurrency exceeded max of 100"
        );
        assert_eq!(
            err(r#"{name: "x", every: 1h, retry: 0}"#),
            "invalid options: retry must be at least 1"
        );
        assert_eq!(
            err(r#"{name: "x", every: 1h, retry: 11}"#),
            "invalid options: retry exceeded max of 10"
        );
        assert!(err(r#"{name: "x", cron: "61 * * * *"}"#)
            .starts_with("invalid options: cron invalid: minute 61 is out of range"));
        // Several problems at once, in InfluxDB's order.
        assert_eq!(
            err(r#"{name: "", every: 1h, offset: 1ms, concurrency: 0, retry: 99}"#),
            "invalid options: name required, offset option must be expressible as whole seconds, concurrency must be at least 1, retry exceeded max of 10"
        );
        // Types.
        assert_eq!(
            err(r#"{name: 1, every: 1h}"#),
            "failed to parse field 'name' in task options: expected a string, found int"
        );
        assert_eq!(
            err(r#"{name: "x", every: "1h"}"#),
            "failed to parse field 'every' in task options: expected a duration, found string"
        );
        assert_eq!(
            err(r#"{name: "x", every: 1h, retry: 1.5}"#),
            "failed to parse field 'retry' in task options: expected an int, found float"
        );
        assert!(err(r#"{name: "x", every: 1mo}"#).contains("whole seconds"));
        // A property naming a variable of the script cannot be read without running it.
        assert!(err(r#"{name: n, every: 1h}"#).starts_with("failed to parse field 'name'"));
    }

    #[test]
    fn the_statement_itself() {
        let from = |s: &str| TaskOptions::from_script(s).map_err(|e| e.0);
        assert_eq!(from("x = 1\n").unwrap_err(), "no task options defined");
        assert_eq!(
            from(
                "option task = {name: \"a\", every: 1h}\noption task = {name: \"b\", every: 1h}\n"
            )
            .unwrap_err(),
            "multiple task options defined"
        );
        assert!(from("option task = 1\n")
            .unwrap_err()
            .starts_with("task option expected to be object literal, but found \"1\""));
        assert!(from("option task = {name: \"a\", every: 1h\n")
            .unwrap_err()
            .starts_with("the task's script does not parse"));
        // `option pkg.task` is another option.
        assert_eq!(
            from("import \"x\"\noption x.task = {name: \"a\", every: 1h}\n").unwrap_err(),
            "no task options defined"
        );
    }

    #[test]
    fn locations_for_cron() {
        let o = opts(r#"{name: "x", cron: "0 2 * * *", location: "America/New_York"}"#).unwrap();
        let Schedule::Cron { zone, .. } = &o.schedule else {
            panic!("{o:?}")
        };
        assert_eq!(zone.as_deref(), Some("America/New_York"));
        // 02:00 New York in January is 07:00Z.
        let jan10 = fluxi::parse_time("2024-01-10T00:00:00Z").unwrap();
        assert_eq!(
            o.schedule.next_after(jan10),
            Some(fluxi::parse_time("2024-01-10T07:00:00Z").unwrap())
        );
        let o =
            opts(r#"{name: "x", cron: "0 2 * * *", location: {zone: "UTC", offset: 1h}}"#).unwrap();
        assert_eq!(
            o.schedule.next_after(jan10),
            Some(fluxi::parse_time("2024-01-10T01:00:00Z").unwrap())
        );
        let err = |record: &str| opts(record).unwrap_err();
        assert!(err(r#"{name: "x", cron: "@daily", location: "Mars/Base"}"#)
            .contains("unknown time zone"));
        assert!(err(r#"{name: "x", every: 1h, location: "Europe/Paris"}"#)
            .contains("location applies to cron schedules only"));
    }

    #[test]
    fn updating_a_script() {
        let script =
            "data = 1\noption task = {name: \"a\", every: 1h, offset: 5m}\nfrom(bucket: \"b\")\n";
        let changed = update_script(
            script,
            &OptionChanges {
                name: Some("b \"quoted\"".into()),
                cron: Some("0 * * * *".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            changed,
            "data = 1\noption task = {name: \"b \\\"quoted\\\"\", offset: 5m, cron: \"0 * * * *\"}\nfrom(bucket: \"b\")\n"
        );
        let o = TaskOptions::from_script(&changed).unwrap();
        assert_eq!(
            (o.name.as_str(), o.cron()),
            ("b \"quoted\"", Some("0 * * * *"))
        );
        // Back to every, without the offset; a multi-line record stays multi-line.
        let multi =
            "option task = {\n    name: \"a\",\n    cron: \"@hourly\",\n    offset: 5m,\n}\n";
        let changed = update_script(
            multi,
            &OptionChanges {
                every: Some("30m".into()),
                offset: Some(String::new()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            changed,
            "option task = {\n    name: \"a\",\n    every: 30m,\n}\n"
        );
        // A change that makes the options invalid is refused.
        let bad = update_script(
            script,
            &OptionChanges {
                every: Some("10ms".into()),
                ..Default::default()
            },
        );
        assert_eq!(
            bad.unwrap_err().0,
            "invalid options: every option must be at least 1 second"
        );
        assert!(update_script(
            script,
            &OptionChanges {
                every: Some("1h; drop()".into()),
                ..Default::default()
            }
        )
        .is_err());
    }
}
