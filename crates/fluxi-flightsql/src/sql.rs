//! The SQL a read becomes.
//!
//! A read of a bucket becomes one statement per measurement and field it may touch
//! (`_measurement` and `_field` predicates choose tables and columns, exactly, before any
//! SQL is written). Each statement selects the time, the tags and the one field, with the
//! range and the tag predicates in `WHERE`, ordered by the tags in Flux's group-key order
//! and then time, so the answer arrives series by series, each in time order, ready to be
//! cut into long tables as it streams.
//!
//! Aggregates become `GROUP BY` the tags (and `date_bin` windows) with aggregates whose
//! answer is exactly fluxi's: `count`, and the selectors `first`, `last`, `min`, `max`
//! written as ordered `first_value`/`last_value` with the chosen point's time. `sum` and
//! `mean` are not pushed: an engine adds partial sums of floats in its own order, and the
//! last bits of the answer would differ from fluxi's, which adds in time order.

use crate::catalog::Measurement;
use fluxi_storage::{Aggregate, Predicate, Windowing};
use fluxi_value::Value;

/// `name` as a quoted SQL identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `s` as a SQL string literal (no escapes but the doubled quote).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A time as a SQL timestamp literal (RFC 3339, UTC, nanoseconds).
pub fn time_literal(ns: i64) -> String {
    let text = match Value::Time(ns).to_string() {
        t if t.ends_with('Z') => t,
        t => format!("{t}Z"),
    };
    format!("TIMESTAMP {}", literal(&text))
}

/// Whether a column of a predicate can be answered: `_measurement`, `_field` or a tag
/// (a name not starting with `_`).
fn known_column(c: &str) -> bool {
    c == "_measurement" || c == "_field" || !c.starts_with('_')
}

/// Whether every column a predicate names can be answered (see [`known_column`]); a
/// predicate that names another (`_value`, `_start`) is left to the engine.
pub fn pushable(p: &Predicate) -> bool {
    match p {
        Predicate::Eq(c, _)
        | Predicate::NotEq(c, _)
        | Predicate::Matches(c, _)
        | Predicate::NotMatches(c, _) => known_column(c),
        Predicate::And(ps) | Predicate::Or(ps) => ps.iter().all(pushable),
    }
}

/// A predicate with `_measurement` and `_field` known: always true, never true, or a
/// condition on tag columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Residual {
    /// Holds for every row.
    True,
    /// Holds for no row.
    False,
    /// Holds where this SQL condition is true.
    Sql(String),
}

/// `p` for the rows of one measurement and field: a tag the table does not have is null,
/// and a comparison with null is false, as in Flux's `filter` (see
/// [`fluxi_storage::Predicate`]); SQL's three-valued logic agrees for `AND` and `OR`.
pub fn residual(p: &Predicate, m: &Measurement, field: &str) -> Residual {
    let column = |c: &str| -> Option<Result<String, String>> {
        match c {
            "_measurement" => Some(Err(m.name.clone())),
            "_field" => Some(Err(field.to_string())),
            tag if m.tags.iter().any(|t| t == tag) => Some(Ok(ident(tag))),
            // A tag the measurement lacks: null everywhere.
            _ => None,
        }
    };
    let of = |b: bool| if b { Residual::True } else { Residual::False };
    match p {
        Predicate::Eq(c, v) | Predicate::NotEq(c, v) => {
            let eq = matches!(p, Predicate::Eq(..));
            match column(c) {
                None => Residual::False,
                Some(Err(known)) => of((known == *v) == eq),
                Some(Ok(col)) => {
                    let op = if eq { "=" } else { "<>" };
                    Residual::Sql(format!("{col} {op} {}", literal(v)))
                }
            }
        }
        Predicate::Matches(c, re) | Predicate::NotMatches(c, re) => {
            let matches = matches!(p, Predicate::Matches(..));
            match column(c) {
                None => Residual::False,
                Some(Err(known)) => of(re.is_match(&known) == matches),
                Some(Ok(col)) => {
                    let op = if matches { "~" } else { "!~" };
                    Residual::Sql(format!(
                        "CAST({col} AS VARCHAR) {op} {}",
                        literal(re.as_str())
                    ))
                }
            }
        }
        Predicate::And(ps) => {
            let mut parts = Vec::new();
            for p in ps {
                match residual(p, m, field) {
                    Residual::False => return Residual::False,
                    Residual::True => {}
                    Residual::Sql(s) => parts.push(s),
                }
            }
            match parts.len() {
                0 => Residual::True,
                1 => Residual::Sql(parts.remove(0)),
                _ => Residual::Sql(format!("({})", parts.join(" AND "))),
            }
        }
        Predicate::Or(ps) => {
            let mut parts = Vec::new();
            for p in ps {
                match residual(p, m, field) {
                    Residual::True => return Residual::True,
                    Residual::False => {}
                    Residual::Sql(s) => parts.push(s),
                }
            }
            match parts.len() {
                0 => Residual::False,
                1 => Residual::Sql(parts.remove(0)),
                _ => Residual::Sql(format!("({})", parts.join(" OR "))),
            }
        }
    }
}

/// The `WHERE` conditions of a statement for one field of a measurement, or `None` when
/// no row can match.
fn conditions(
    m: &Measurement,
    field: &str,
    start: i64,
    stop: i64,
    predicates: &[Predicate],
) -> Option<Vec<String>> {
    let time = ident(&m.time);
    let mut out = vec![
        format!("{time} >= {}", time_literal(start)),
        format!("{time} < {}", time_literal(stop)),
        format!("{} IS NOT NULL", ident(field)),
    ];
    for p in predicates.iter().filter(|p| pushable(p)) {
        match residual(p, m, field) {
            Residual::False => return None,
            Residual::True => {}
            Residual::Sql(s) => out.push(s),
        }
    }
    Some(out)
}

/// A tag column as a plain string: engines keep tags dictionary-encoded, and Ballista
/// 55 fails to sort or group dictionaries that cross a shuffle ("RowConverter column
/// schema mismatch"), so tags are selected, grouped and sorted as strings.
fn tag_expr(tag: &str) -> String {
    format!("CAST({} AS VARCHAR)", ident(tag))
}

/// A tag selected under its own name.
fn tag_select(tag: &str) -> String {
    format!("{} AS {}", tag_expr(tag), ident(tag))
}

/// Tags an equality fixes for every row (a top-level `tag == "v"`, alone or in an `and`).
/// They are left out of `ORDER BY`: sorting by a constant changes nothing, and Ballista
/// 55 plans such a sort inconsistently across a shuffle (its sanity check rejects the
/// merge and the job never finishes).
fn pinned(predicates: &[Predicate], m: &Measurement) -> Vec<String> {
    fn walk(p: &Predicate, out: &mut Vec<String>) {
        match p {
            Predicate::Eq(c, _) => out.push(c.clone()),
            Predicate::And(ps) => ps.iter().for_each(|p| walk(p, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for p in predicates.iter().filter(|p| pushable(p)) {
        walk(p, &mut out);
    }
    out.retain(|c| m.tags.contains(c));
    out
}

/// `ORDER BY` of a statement: the tags in key order (but those [`pinned`]), then `last`.
fn order_by(m: &Measurement, predicates: &[Predicate], last: &str) -> String {
    let pinned = pinned(predicates, m);
    let mut order: Vec<String> = tags_in_key_order(m)
        .into_iter()
        .filter(|t| !pinned.iter().any(|p| p == t))
        .map(|t| format!("{} NULLS FIRST", ident(t)))
        .collect();
    order.push(last.to_string());
    order.join(", ")
}

/// The tags of a measurement in the order Flux sorts group keys by them.
pub fn tags_in_key_order(m: &Measurement) -> Vec<&str> {
    let mut tags: Vec<&str> = m.tags.iter().map(String::as_str).collect();
    tags.sort_unstable();
    tags
}

/// The statement reading one field of a measurement: columns `time`, the tags (in
/// group-key order), the field; `None` when the predicates rule the field out.
pub fn read_statement(
    m: &Measurement,
    field: &str,
    start: i64,
    stop: i64,
    predicates: &[Predicate],
) -> Option<String> {
    let conds = conditions(m, field, start, stop, predicates)?;
    let tags = tags_in_key_order(m);
    let mut select = vec![ident(&m.time)];
    select.extend(tags.iter().map(|t| tag_select(t)));
    select.push(ident(field));
    Some(format!(
        "SELECT {} FROM {} WHERE {} ORDER BY {}",
        select.join(", "),
        m.table,
        conds.join(" AND "),
        order_by(m, predicates, &ident(&m.time))
    ))
}

/// Whether an aggregate is pushed as SQL (see the module's documentation).
pub fn pushed(aggregate: Aggregate) -> bool {
    matches!(
        aggregate,
        Aggregate::Count | Aggregate::First | Aggregate::Last | Aggregate::Min | Aggregate::Max
    )
}

/// The window start of `time` as SQL.
fn window_expr(m: &Measurement, w: &Windowing) -> String {
    format!(
        "date_bin(INTERVAL '{} nanoseconds', {}, {})",
        w.every,
        ident(&m.time),
        time_literal(w.offset)
    )
}

/// The statement computing an aggregate of one field per series (and window): columns
/// `t` (the chosen point's time for selectors, the window's start for `count`), the
/// tags (in group-key order), `v`.
pub fn aggregate_statement(
    m: &Measurement,
    field: &str,
    start: i64,
    stop: i64,
    predicates: &[Predicate],
    aggregate: Aggregate,
    window: Option<&Windowing>,
) -> Option<String> {
    if !pushed(aggregate) {
        return None;
    }
    let conds = conditions(m, field, start, stop, predicates)?;
    let tags = tags_in_key_order(m);
    let (f, time) = (ident(field), ident(&m.time));
    let (t, v) = match aggregate {
        Aggregate::Count => (
            // Without windows `_time` is the range's start (set when shaping).
            window.map_or_else(|| format!("min({time})"), |w| window_expr(m, w)),
            format!("count({f})"),
        ),
        Aggregate::First => (
            format!("min({time})"),
            format!("first_value({f} ORDER BY {time})"),
        ),
        Aggregate::Last => (
            format!("max({time})"),
            format!("last_value({f} ORDER BY {time})"),
        ),
        Aggregate::Min | Aggregate::Max => {
            let dir = if aggregate == Aggregate::Min {
                "ASC"
            } else {
                "DESC"
            };
            let by = format!("ORDER BY {f} {dir}, {time} ASC");
            (
                format!("first_value({time} {by})"),
                format!("first_value({f} {by})"),
            )
        }
        Aggregate::Sum | Aggregate::Mean => return None,
    };
    let mut select = vec![format!("{t} AS \"t\"")];
    select.extend(tags.iter().map(|t| tag_select(t)));
    select.push(format!("{v} AS \"v\""));
    let mut group: Vec<String> = tags.iter().map(|t| tag_expr(t)).collect();
    if let Some(w) = window {
        group.push(window_expr(m, w));
    }
    let mut sql = format!(
        "SELECT {} FROM {} WHERE {}",
        select.join(", "),
        m.table,
        conds.join(" AND ")
    );
    if !group.is_empty() {
        sql.push_str(&format!(" GROUP BY {}", group.join(", ")));
    }
    // Ordered by time last: one row per series without windows, so the same order.
    sql.push_str(&format!(" ORDER BY {}", order_by(m, predicates, "\"t\"")));
    Some(sql)
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluxi_value::ColumnType;
    use std::sync::Arc;

    fn cpu() -> Measurement {
        Measurement {
            name: "cpu".into(),
            table: "\"datafusion\".\"b\".\"cpu\"".into(),
            time: "time".into(),
            tags: vec!["region".into(), "host".into()],
            fields: vec![("usage".into(), ColumnType::Float)],
        }
    }

    fn re(s: &str) -> Arc<regex::Regex> {
        Arc::new(regex::Regex::new(s).unwrap())
    }

    #[test]
    fn quoting_doubles_the_quote() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(
            time_literal(1_704_067_200_000_000_001),
            "TIMESTAMP '2024-01-01T00:00:00.000000001Z'"
        );
        assert_eq!(
            time_literal(0),
            "TIMESTAMP '1970-01-01T00:00:00.000000000Z'"
        );
    }

    #[test]
    fn measurement_and_field_predicates_are_decided_before_sql() {
        let m = cpu();
        let eq = |c: &str, v: &str| Predicate::Eq(c.into(), v.into());
        assert_eq!(
            residual(&eq("_measurement", "cpu"), &m, "usage"),
            Residual::True
        );
        assert_eq!(
            residual(&eq("_measurement", "mem"), &m, "usage"),
            Residual::False
        );
        assert_eq!(
            residual(&eq("_field", "usage"), &m, "usage"),
            Residual::True
        );
        assert_eq!(
            residual(
                &Predicate::NotEq("_field".into(), "usage".into()),
                &m,
                "usage"
            ),
            Residual::False
        );
        assert_eq!(
            residual(
                &Predicate::Matches("_measurement".into(), re("^c")),
                &m,
                "usage"
            ),
            Residual::True
        );
        // A tag the measurement does not have is null: every comparison is false.
        assert_eq!(residual(&eq("dc", "x"), &m, "usage"), Residual::False);
        assert_eq!(
            residual(&Predicate::NotEq("dc".into(), "x".into()), &m, "usage"),
            Residual::False
        );
        let p = Predicate::Or(vec![
            eq("_field", "other"),
            Predicate::And(vec![eq("host", "a'b"), eq("_measurement", "cpu")]),
            Predicate::NotMatches("region".into(), re("^eu")),
        ]);
        assert_eq!(
            residual(&p, &m, "usage"),
            Residual::Sql("(\"host\" = 'a''b' OR CAST(\"region\" AS VARCHAR) !~ '^eu')".into())
        );
        assert_eq!(
            residual(
                &Predicate::Or(vec![eq("dc", "x"), eq("_field", "usage")]),
                &m,
                "usage"
            ),
            Residual::True
        );
    }

    #[test]
    fn a_read_orders_by_tags_in_key_order_then_time() {
        let m = cpu();
        let sql = read_statement(
            &m,
            "usage",
            0,
            60,
            &[Predicate::Eq("host".into(), "h1".into())],
        )
        .unwrap();
        assert_eq!(
            sql,
            "SELECT \"time\", CAST(\"host\" AS VARCHAR) AS \"host\", CAST(\"region\" AS VARCHAR) AS \"region\", \"usage\" FROM \"datafusion\".\"b\".\"cpu\" \
             WHERE \"time\" >= TIMESTAMP '1970-01-01T00:00:00.000000000Z' \
             AND \"time\" < TIMESTAMP '1970-01-01T00:00:00.000000060Z' \
             AND \"usage\" IS NOT NULL AND \"host\" = 'h1' \
             ORDER BY \"region\" NULLS FIRST, \"time\""
        );
        assert!(read_statement(
            &m,
            "usage",
            0,
            60,
            &[Predicate::Eq("_field".into(), "x".into())]
        )
        .is_none());
        // A predicate on another column is left to the engine.
        let other = Predicate::Eq("_value".into(), "1".into());
        assert!(!pushable(&other));
        assert!(read_statement(&m, "usage", 0, 60, &[other]).is_some());
    }

    #[test]
    fn aggregates_group_by_tags_and_windows() {
        let m = cpu();
        let w = Windowing {
            every: 60_000_000_000,
            offset: 0,
        };
        let sql = aggregate_statement(&m, "usage", 0, 60, &[], Aggregate::Count, Some(&w)).unwrap();
        assert!(sql.starts_with(
            "SELECT date_bin(INTERVAL '60000000000 nanoseconds', \"time\", TIMESTAMP '1970-01-01T00:00:00.000000000Z') AS \"t\", CAST(\"host\" AS VARCHAR) AS \"host\", CAST(\"region\" AS VARCHAR) AS \"region\", count(\"usage\") AS \"v\""
        ), "{sql}");
        assert!(sql.ends_with(
            "GROUP BY CAST(\"host\" AS VARCHAR), CAST(\"region\" AS VARCHAR), date_bin(INTERVAL '60000000000 nanoseconds', \"time\", TIMESTAMP '1970-01-01T00:00:00.000000000Z') ORDER BY \"host\" NULLS FIRST, \"region\" NULLS FIRST, \"t\""
        ), "{sql}");
        let max = aggregate_statement(&m, "usage", 0, 60, &[], Aggregate::Max, None).unwrap();
        assert!(
            max.contains("first_value(\"time\" ORDER BY \"usage\" DESC, \"time\" ASC) AS \"t\""),
            "{max}"
        );
        assert!(aggregate_statement(&m, "usage", 0, 60, &[], Aggregate::Mean, None).is_none());
        assert!(aggregate_statement(&m, "usage", 0, 60, &[], Aggregate::Sum, Some(&w)).is_none());
    }
}
