//! `internal/promql`: PromQL's functions over Flux tables, each table one series.
//!
//! The range-vector functions (`changes`, `resets`, `extrapolatedRate`, `holtWinters`,
//! `instantRate`, `linearRegression`) reduce a table to one row: its group key and a float
//! `_value` (no output when the table has too few samples). `promHistogramQuantile`
//! reduces a table of buckets; `labelReplace` rewrites a key column; `timestamp` replaces
//! values by times; the `promql*` date functions read Unix seconds. The semantics (and the
//! numbers of upstream's tests) follow Prometheus as upstream Flux implements it.

use crate::util::{derived, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Stream, Table, Value};
use std::collections::HashSet;

const PACKAGE: &str = "internal/promql";
const NS_PER_SEC: f64 = 1e9;
const NS_PER_DAY: i64 = 86_400_000_000_000;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "changes", |_, a| {
        per_series(a, |t| changes(t, false))
    });
    r.register(PACKAGE, "resets", |_, a| {
        per_series(a, |t| changes(t, true))
    });
    r.register(PACKAGE, "extrapolatedRate", extrapolated_rate);
    r.register(PACKAGE, "holtWinters", holt_winters);
    r.register(PACKAGE, "instantRate", instant_rate);
    r.register(PACKAGE, "linearRegression", linear_regression);
    r.register(PACKAGE, "promHistogramQuantile", histogram_quantile);
    r.register(PACKAGE, "labelReplace", label_replace);
    r.register(PACKAGE, "timestamp", timestamp);
    r.register(PACKAGE, "emptyTable", empty_table);
    r.register(PACKAGE, "promqlDayOfMonth", |i, a| {
        date_part(i, a, |c| c.day)
    });
    r.register(PACKAGE, "promqlDayOfWeek", |i, a| {
        date_part(i, a, |c| c.weekday)
    });
    r.register(PACKAGE, "promqlDaysInMonth", |i, a| {
        date_part(i, a, |c| fluxi_time::days_in_month(c.year, c.month))
    });
    r.register(PACKAGE, "promqlHour", |i, a| date_part(i, a, |c| c.hour));
    r.register(PACKAGE, "promqlMinute", |i, a| {
        date_part(i, a, |c| c.minute)
    });
    r.register(PACKAGE, "promqlMonth", |i, a| date_part(i, a, |c| c.month));
    r.register(PACKAGE, "promqlYear", |i, a| date_part(i, a, |c| c.year));
}

fn key_text(key: &GroupKey) -> String {
    let parts: Vec<String> = key
        .columns()
        .iter()
        .map(|k| format!("{}={}", k.label, k.value))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// Refuse a second table with a key already seen (a series must be one table).
fn check_unique(seen: &mut HashSet<GroupKey>, key: &GroupKey) -> Result<(), EvalError> {
    if seen.insert(key.clone()) {
        Ok(())
    } else {
        Err(EvalError::msg(format!(
            "two tables have the same group key {}; each series must be one table",
            key_text(key)
        )))
    }
}

/// The index of a float column the function needs.
fn float_column(t: &Table, label: &str) -> Result<usize, EvalError> {
    let Some(c) = t.column_index(label) else {
        return Err(EvalError::msg(format!(
            "table {} has no `{label}` column",
            key_text(t.key())
        )));
    };
    match t.columns().get(c).map(|(_, ty)| *ty) {
        Some(ColumnType::Float) => Ok(c),
        Some(ty) => Err(EvalError::msg(format!(
            "column `{label}` must be of type float, found {}",
            ty.name()
        ))),
        None => Err(EvalError::msg(format!(
            "table {} has no `{label}` column",
            key_text(t.key())
        ))),
    }
}

/// The index of the `_time` column.
fn time_column(t: &Table) -> Result<usize, EvalError> {
    match t.column_index("_time") {
        Some(c) if t.columns().get(c).map(|(_, ty)| *ty) == Some(ColumnType::Time) => Ok(c),
        Some(_) => Err(EvalError::msg("column `_time` must be of type time")),
        None => Err(EvalError::msg(format!(
            "table {} has no `_time` column",
            key_text(t.key())
        ))),
    }
}

/// A time the group key holds (`_start`, `_stop`).
fn key_time(t: &Table, label: &str) -> Result<i64, EvalError> {
    match t.key().get(label).map(|k| &k.value) {
        Some(Value::Time(ns)) => Ok(*ns),
        Some(v) => Err(EvalError::msg(format!(
            "group key column `{label}` must be a time, found {}",
            if v.is_null() { "null" } else { v.type_name() }
        ))),
        None => Err(EvalError::msg(format!(
            "`{label}` is not in the group key of table {}",
            key_text(t.key())
        ))
        .with_hint("use range() first, or group by `_start` and `_stop`")),
    }
}

/// The non-null float values of a column, in row order.
fn floats(t: &Table, c: usize) -> Vec<f64> {
    (0..t.num_rows())
        .filter_map(|r| match t.value(r, c) {
            Value::Float(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The samples (time, value) of the rows where both are present, in row order.
fn samples(t: &Table) -> Result<Vec<(i64, f64)>, EvalError> {
    let tc = time_column(t)?;
    let vc = float_column(t, "_value")?;
    Ok((0..t.num_rows())
        .filter_map(|r| match (t.value(r, tc), t.value(r, vc)) {
            (Value::Time(ts), Value::Float(v)) => Some((ts, v)),
            _ => None,
        })
        .collect())
}

/// A one-row table: the group key's columns and a float `_value`.
fn key_and_value(t: &Table, value: f64) -> Result<Table, EvalError> {
    let key = t.key();
    if key.contains("_value") {
        return Err(EvalError::msg("`_value` must not be in the group key"));
    }
    let mut cols: Vec<(String, ColumnType)> = key
        .columns()
        .iter()
        .map(|k| (k.label.clone(), k.ty))
        .collect();
    cols.push(("_value".to_string(), ColumnType::Float));
    let mut row: Vec<Value> = key.columns().iter().map(|k| k.value.clone()).collect();
    row.push(Value::Float(value));
    let labels: Vec<String> = key.columns().iter().map(|k| k.label.clone()).collect();
    Table::from_rows(&labels, &cols, &[row], None).map_err(ve)
}

/// Reduce every table to its key and one value (`None`: no output for that table).
fn per_series(a: &mut Args, f: impl Fn(&Table) -> Result<Option<f64>, EvalError>) -> R {
    let tables = a.tables()?;
    reduce_tables(&tables, f)
}

fn reduce_tables(tables: &Stream, f: impl Fn(&Table) -> Result<Option<f64>, EvalError>) -> R {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in tables.tables() {
        check_unique(&mut seen, t.key())?;
        if let Some(v) = f(t)? {
            out.push(key_and_value(t, v)?);
        }
    }
    derived(tables, out)
}

/// `changes` (or with `resets`, `resets`) of one table.
fn changes(t: &Table, resets: bool) -> Result<Option<f64>, EvalError> {
    let vc = float_column(t, "_value")?;
    let values = floats(t, vc);
    if values.is_empty() {
        return Ok(None);
    }
    let count = values
        .windows(2)
        .filter(|w| {
            let (prev, cur) = (w[0], w[1]);
            if resets {
                cur < prev
            } else {
                cur != prev && !(cur.is_nan() && prev.is_nan())
            }
        })
        .count();
    Ok(Some(count as f64))
}

fn extrapolated_rate(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let is_counter = a.opt_bool("isCounter")?.unwrap_or(false);
    let is_rate = a.opt_bool("isRate")?.unwrap_or(false);
    reduce_tables(&tables, |t| {
        let start = key_time(t, "_start")?;
        let stop = key_time(t, "_stop")?;
        let s = samples(t)?;
        let (Some(&(first_t, first_v)), Some(&(last_t, last_v))) = (s.first(), s.last()) else {
            return Ok(None);
        };
        if s.len() < 2 {
            return Ok(None);
        }
        // A drop in a counter is a reset: the value before it is added back.
        let mut correction = 0.0;
        if is_counter {
            for w in s.windows(2) {
                if w[1].1 < w[0].1 {
                    correction += w[0].1;
                }
            }
        }
        let mut result = last_v - first_v + correction;
        let mut to_start = ns_between(start, first_t);
        let to_end = ns_between(last_t, stop);
        let sampled = ns_between(first_t, last_t);
        let average_step = sampled / (s.len() - 1) as f64;
        if is_counter && result > 0.0 && first_v >= 0.0 {
            // A counter does not extrapolate below zero: its zero point bounds the start.
            let to_zero = sampled * (first_v / result);
            if to_zero < to_start {
                to_start = to_zero;
            }
        }
        // Extrapolate to an end of the range when the samples come close to it (within
        // 110% of their average spacing); otherwise by half a spacing.
        let threshold = average_step * 1.1;
        let mut interval = sampled;
        interval += if to_start < threshold {
            to_start
        } else {
            average_step / 2.0
        };
        interval += if to_end < threshold {
            to_end
        } else {
            average_step / 2.0
        };
        result *= interval / sampled;
        if is_rate {
            result /= ns_between(start, stop) / NS_PER_SEC;
        }
        Ok(Some(result))
    })
}

/// Nanoseconds from `a` to `b` as a float (exact for any two times).
fn ns_between(a: i64, b: i64) -> f64 {
    (i128::from(b) - i128::from(a)) as f64
}

fn holt_winters(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let sf = a.opt_float("smoothingFactor")?.unwrap_or(0.0);
    let tf = a.opt_float("trendFactor")?.unwrap_or(0.0);
    for (name, v) in [("smoothingFactor", sf), ("trendFactor", tf)] {
        if !(v > 0.0 && v < 1.0) {
            return Err(EvalError::msg(format!(
                "`{name}` must be greater than 0 and less than 1, got {v}"
            )));
        }
    }
    reduce_tables(&tables, |t| {
        let s = samples(t)?;
        let values: Vec<f64> = s.iter().map(|(_, v)| *v).collect();
        let [first, second, ..] = values[..] else {
            return Ok(None);
        };
        // Level `s1` (and the one before, `s0`) and trend `b`; the first trend is the
        // first difference.
        let (mut s0, mut s1, mut b) = (0.0, first, second - first);
        for (i, v) in values.iter().enumerate().skip(1) {
            if i > 1 {
                b = tf * (s1 - s0) + (1.0 - tf) * b;
            }
            let level = sf * v + (1.0 - sf) * (s1 + b);
            s0 = s1;
            s1 = level;
        }
        Ok(Some(s1))
    })
}

fn instant_rate(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let is_rate = a.opt_bool("isRate")?.unwrap_or(false);
    reduce_tables(&tables, |t| {
        let s = samples(t)?;
        let [.., (prev_t, prev_v), (last_t, last_v)] = s[..] else {
            return Ok(None);
        };
        let mut result = if is_rate && last_v < prev_v {
            // A counter reset: the counter counted `last_v` since.
            last_v
        } else {
            last_v - prev_v
        };
        let interval = ns_between(prev_t, last_t);
        if interval == 0.0 {
            return Ok(None);
        }
        if is_rate {
            result /= interval / NS_PER_SEC;
        }
        Ok(Some(result))
    })
}

fn linear_regression(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let predict = a.opt_bool("predict")?.unwrap_or(false);
    let from_now = a.opt_float("fromNow")?.unwrap_or(0.0);
    reduce_tables(&tables, |t| {
        let s = samples(t)?;
        let Some(&(first_t, _)) = s.first() else {
            return Ok(None);
        };
        if s.len() < 2 {
            return Ok(None);
        }
        // x is seconds since the first sample (`deriv`) or since `_stop`
        // (`predict_linear`, whose intercept is then the value at `_stop`).
        let origin = if predict {
            key_time(t, "_stop")?
        } else {
            first_t
        };
        let (mut sx, mut sy, mut sxy, mut sx2) = (0.0, 0.0, 0.0, 0.0);
        for &(ts, v) in &s {
            let x = ns_between(origin, ts) / NS_PER_SEC;
            sx += x;
            sy += v;
            sxy += x * v;
            sx2 += x * x;
        }
        let n = s.len() as f64;
        let slope = (sxy - sx * sy / n) / (sx2 - sx * sx / n);
        Ok(Some(if predict {
            let intercept = sy / n - slope * sx / n;
            slope * from_now + intercept
        } else {
            slope
        }))
    })
}

fn histogram_quantile(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let q = a
        .opt_float("quantile")?
        .ok_or_else(|| EvalError::msg("missing required argument `quantile`"))?;
    let count_col = a.string_or("countColumn", "_value")?;
    let upper_col = a.string_or("upperBoundColumn", "le")?;
    let value_col = a.string_or("valueColumn", "_value")?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in tables.tables() {
        check_unique(&mut seen, t.key())?;
        let key = t.key();
        if key.contains(&value_col) {
            return Err(EvalError::msg(format!(
                "value column `{value_col}` must not be in the group key"
            )));
        }
        let mut cols: Vec<(String, ColumnType)> = key
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        cols.push((value_col.clone(), ColumnType::Float));
        let labels: Vec<String> = key.columns().iter().map(|k| k.label.clone()).collect();
        let key_values: Vec<Value> = key.columns().iter().map(|k| k.value.clone()).collect();
        let cc = float_column(t, &count_col)?;
        // A table without upper bounds has no buckets: an empty result table.
        let Some(uc) = t.column_index(&upper_col) else {
            out.push(Table::from_rows(&labels, &cols, &[], Some(&key_values)).map_err(ve)?);
            continue;
        };
        if t.columns().get(uc).map(|(_, ty)| *ty) != Some(ColumnType::String) {
            return Err(EvalError::msg(format!(
                "upper bound column `{upper_col}` must be of type string"
            )));
        }
        let mut buckets = Vec::with_capacity(t.num_rows());
        for r in 0..t.num_rows() {
            let count = match t.value(r, cc) {
                Value::Float(c) => c,
                _ => {
                    return Err(EvalError::msg(format!(
                        "null count in column `{count_col}` (row {r} of table {})",
                        key_text(key)
                    )))
                }
            };
            // A missing or unparsable bound is not a bucket.
            let Value::String(bound) = t.value(r, uc) else {
                continue;
            };
            if let Some(upper) = parse_bound(&bound) {
                buckets.push(Bucket { upper, count });
            }
        }
        let mut row = key_values.clone();
        row.push(Value::Float(bucket_quantile(q, buckets)));
        out.push(Table::from_rows(&labels, &cols, &[row], None).map_err(ve)?);
    }
    derived(&tables, out)
}

/// A bucket's upper bound as Prometheus writes it ("0.5", "+Inf", "1e3").
fn parse_bound(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok()
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    upper: f64,
    count: f64,
}

/// The `q` quantile of cumulative buckets (in any order), interpolated linearly within
/// the bucket it falls in, with 0 as the lower bound of a positive lowest bucket.
fn bucket_quantile(q: f64, mut buckets: Vec<Bucket>) -> f64 {
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.upper.total_cmp(&b.upper));
    match buckets.last() {
        Some(b) if b.upper == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    // Buckets of one bound are one bucket.
    let mut merged: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match merged.last_mut() {
            Some(last) if last.upper == b.upper => last.count += b.count,
            _ => merged.push(b),
        }
    }
    // Counts must not decrease with the bound: take the running maximum.
    let mut max = f64::NEG_INFINITY;
    for b in &mut merged {
        if b.count > max {
            max = b.count;
        } else {
            b.count = max;
        }
    }
    let n = merged.len();
    if n < 2 {
        return f64::NAN;
    }
    let rank = q * merged[n - 1].count;
    // The first bucket (the +Inf one not counted) whose count reaches the rank (none
    // when the rank is NaN).
    let i = merged[..n - 1].partition_point(|b| {
        b.count
            .partial_cmp(&rank)
            .is_none_or(|o| o == std::cmp::Ordering::Less)
    });
    if i == n - 1 {
        return merged[n - 2].upper;
    }
    if i == 0 && merged[0].upper <= 0.0 {
        return merged[0].upper;
    }
    let (start, below) = if i > 0 {
        (merged[i - 1].upper, merged[i - 1].count)
    } else {
        (0.0, 0.0)
    };
    let end = merged[i].upper;
    start + (end - start) * ((rank - below) / (merged[i].count - below))
}

fn label_replace(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let source = a.string("source")?;
    let destination = a.string("destination")?;
    let pattern = a.string("regex")?;
    let replacement = a.string("replacement")?;
    // The expression must match the whole label value.
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        // The parser's message ends with a line "error: <what>".
        let text = e.to_string();
        let what = text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or(&text)
            .to_string();
        EvalError::msg(format!("invalid regular expression {pattern:?}: {what}"))
    })?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in tables.tables() {
        let key = t.key();
        let value = match key.get(&source).map(|k| &k.value) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.to_string(),
            Some(v) => {
                return Err(EvalError::msg(format!(
                    "source column `{source}` must be a string, found {}",
                    v.type_name()
                )))
            }
        };
        let out_key = match re.captures(&value) {
            None => key.clone(),
            Some(caps) => {
                let mut expanded = String::new();
                caps.expand(&replacement, &mut expanded);
                let mut cols: Vec<KeyColumn> = key
                    .columns()
                    .iter()
                    .filter(|k| k.label != destination)
                    .cloned()
                    .collect();
                if !expanded.is_empty() {
                    cols.push(KeyColumn {
                        label: destination.clone(),
                        ty: ColumnType::String,
                        value: Value::string(expanded),
                    });
                }
                GroupKey::new(cols)
            }
        };
        if out_key.contains("_value") {
            return Err(EvalError::msg("`_value` must not be in the group key"));
        }
        check_unique(&mut seen, &out_key).map_err(|e| {
            e.with_hint("label_replace made two series the same; choose a destination that keeps them apart")
        })?;
        let vc = float_column(t, "_value")?;
        let mut cols: Vec<(String, ColumnType)> = out_key
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        cols.push(("_value".to_string(), ColumnType::Float));
        let key_values: Vec<Value> = out_key.columns().iter().map(|k| k.value.clone()).collect();
        let rows: Vec<Vec<Value>> = (0..t.num_rows())
            .map(|r| {
                let mut row = key_values.clone();
                row.push(t.value(r, vc));
                row
            })
            .collect();
        let labels: Vec<String> = out_key.columns().iter().map(|k| k.label.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &rows, Some(&key_values)).map_err(ve)?);
    }
    derived(&tables, out)
}

fn timestamp(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in tables.tables() {
        check_unique(&mut seen, t.key())?;
        if t.key().contains("_value") {
            return Err(EvalError::msg("`_value` must not be in the group key"));
        }
        let vc = float_column(t, "_value")?;
        let types = t.columns();
        let time_of = |label: &str| {
            t.column_index(label)
                .filter(|c| types.get(*c).map(|(_, ty)| *ty) == Some(ColumnType::Time))
        };
        let Some(tc) = time_of("_time").or_else(|| time_of("_stop")) else {
            return Err(EvalError::msg(format!(
                "table {} has neither a `_time` nor a `_stop` column of type time",
                key_text(t.key())
            )));
        };
        let mut rows = t.rows();
        for row in &mut rows {
            row[vc] = match row[tc] {
                // Unix seconds at millisecond precision (truncated toward zero).
                Value::Time(ns) => Value::Float((ns / 1_000_000) as f64 / 1e3),
                _ => Value::Null,
            };
        }
        let labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
        let key_values: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &types, &rows, Some(&key_values)).map_err(ve)?);
    }
    derived(&tables, out)
}

fn empty_table(_: &mut Interpreter, _: &mut Args) -> R {
    let cols = [
        ("_start".to_string(), ColumnType::Time),
        ("_stop".to_string(), ColumnType::Time),
        ("_time".to_string(), ColumnType::Time),
        ("_value".to_string(), ColumnType::Float),
    ];
    let labels = ["_start".to_string(), "_stop".to_string()];
    let t = Table::from_rows(&labels, &cols, &[], Some(&[Value::Time(0), Value::Time(0)]))
        .map_err(ve)?;
    Ok(Value::Stream(Stream::new(vec![t])))
}

/// The UTC calendar fields of a time.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    weekday: i64,
}

fn date_part(_: &mut Interpreter, a: &mut Args, f: fn(&Civil) -> i64) -> R {
    let seconds = a
        .opt_float("timestamp")?
        .ok_or_else(|| EvalError::msg("missing required argument `timestamp`"))?;
    let ns = (seconds * NS_PER_SEC).trunc();
    // i64::MAX as f64 rounds up to 2^63, which is already out of range.
    if !(ns >= i64::MIN as f64 && ns < i64::MAX as f64) {
        return Err(EvalError::msg(format!(
            "timestamp {seconds} is not a time fluxi can represent (Unix seconds between \
             about -9.2e9 and 9.2e9)"
        )));
    }
    let ns = ns as i64;
    let days = ns.div_euclid(NS_PER_DAY);
    let of_day = ns.rem_euclid(NS_PER_DAY) / 1_000_000_000;
    let (year, month, day) = fluxi_time::civil_from_days(days);
    let c = Civil {
        year,
        month,
        day,
        hour: of_day / 3600,
        minute: of_day / 60 % 60,
        // 1970-01-01 was a Thursday (4; Sunday is 0).
        weekday: (days + 4).rem_euclid(7),
    };
    Ok(Value::Float(f(&c) as f64))
}
