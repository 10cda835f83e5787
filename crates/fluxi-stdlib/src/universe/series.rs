//! Running and statistical transformations over a table's rows: moving averages, EMAs,
//! `increase`, `histogram`, `histogramQuantile`, `linearBins`, `logarithmicBins`, the
//! state counters and `stateTracking`, `sample`, `skew`, `covariance`, the
//! `highest*`/`lowest*` family, `hourSelection`, `truncateTimeColumn`, `today`, `cov` and
//! `pearsonr`.

use crate::util::{derived, ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ops::{self, row_record, take_rows};
use fluxi_exec::window::WindowSpec;
use fluxi_exec::TableBuilder;
use fluxi_value::{ColumnType, Duration, Stream, Table, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("universe", "movingAverage", moving_average);
    r.register("universe", "exponentialMovingAverage", |i, a| {
        ema_family(i, a, 1)
    });
    r.register("universe", "doubleEMA", |i, a| ema_family(i, a, 2));
    r.register("universe", "tripleEMA", |i, a| ema_family(i, a, 3));
    r.register("universe", "increase", increase);
    r.register("universe", "histogram", histogram);
    r.register("universe", "histogramQuantile", histogram_quantile);
    r.register("universe", "stateCount", |i, a| state(i, a, false));
    r.register("universe", "stateDuration", |i, a| state(i, a, true));
    r.register("universe", "stateTracking", state_tracking);
    r.register("universe", "linearBins", |_, a| {
        bins(a, "width", |b, w| b + w)
    });
    r.register("universe", "logarithmicBins", |_, a| {
        bins(a, "factor", |b, f| b * f)
    });
    r.register("universe", "sample", sample);
    r.register("universe", "skew", skew);
    r.register("universe", "covariance", covariance);
    r.register("universe", "hourSelection", hour_selection);
    r.register("universe", "truncateTimeColumn", truncate_time_column);
    r.register("universe", "today", today);
    r.register("universe", "highestMax", |i, a| {
        highest_lowest(i, a, "max", true)
    });
    r.register("universe", "highestAverage", |i, a| {
        highest_lowest(i, a, "mean", true)
    });
    r.register("universe", "highestCurrent", |i, a| {
        highest_lowest(i, a, "last", true)
    });
    r.register("universe", "lowestMin", |i, a| {
        highest_lowest(i, a, "min", false)
    });
    r.register("universe", "lowestAverage", |i, a| {
        highest_lowest(i, a, "mean", false)
    });
    r.register("universe", "lowestCurrent", |i, a| {
        highest_lowest(i, a, "last", false)
    });
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn rebuild(
    t: &Table,
    cols: &[(String, ColumnType)],
    rows: &[Vec<Value>],
) -> Result<Table, EvalError> {
    let labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
    let values: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
    Table::from_rows(&labels, cols, rows, Some(&values)).map_err(ve)
}

fn n_arg(a: &mut Args) -> Result<usize, EvalError> {
    let n = a
        .opt_int("n")?
        .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
    usize::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| EvalError::msg(format!("`n` must be positive, got {n}")))
}

/// A computed series: how many leading rows to drop, and one value per row.
type Series = (usize, Vec<Option<f64>>);

/// Replace `_value` with a float series computed from it; rows before `skip` are dropped.
fn value_series(
    tables: &Stream,
    f: &dyn Fn(&[Option<f64>]) -> Series,
) -> Result<Vec<Table>, EvalError> {
    let mut out = Vec::new();
    for t in tables.tables() {
        let Some(c) = t.column_index("_value") else {
            out.push(t.clone());
            continue;
        };
        let mut cols = t.columns();
        cols[c].1 = ColumnType::Float;
        let rows = t.rows();
        let values: Vec<Option<f64>> = rows.iter().map(|r| num(&r[c])).collect();
        let (skip, series) = f(&values);
        let mut out_rows = Vec::new();
        for (i, mut r) in rows.into_iter().enumerate().skip(skip) {
            r[c] = series
                .get(i)
                .copied()
                .flatten()
                .map_or(Value::Null, Value::Float);
            out_rows.push(r);
        }
        out.push(rebuild(t, &cols, &out_rows)?);
    }
    Ok(out)
}

fn moving_average(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = n_arg(a)?;
    let out = value_series(&tables, &|v| {
        let mut s = vec![None; v.len()];
        for i in 0..v.len() {
            let from = (i + 1).saturating_sub(n);
            let window: Vec<f64> = v[from..=i].iter().flatten().copied().collect();
            if !window.is_empty() {
                s[i] = Some(window.iter().sum::<f64>() / window.len() as f64);
            }
        }
        (
            if v.len() < n {
                v.len().saturating_sub(1)
            } else {
                n - 1
            },
            s,
        )
    })?;
    derived(&tables, out)
}

/// EMA with the first value the simple mean of the first `n` values.
fn ema(v: &[Option<f64>], n: usize) -> Vec<Option<f64>> {
    let alpha = 2.0 / (n as f64 + 1.0);
    let mut out = vec![None; v.len()];
    let mut prev: Option<f64> = None;
    let mut seen: Vec<f64> = Vec::new();
    for (i, x) in v.iter().enumerate() {
        let Some(x) = x else {
            out[i] = prev;
            continue;
        };
        match prev {
            None => {
                seen.push(*x);
                if seen.len() == n {
                    prev = Some(seen.iter().sum::<f64>() / n as f64);
                    out[i] = prev;
                }
            }
            Some(p) => {
                prev = Some(alpha * x + (1.0 - alpha) * p);
                out[i] = prev;
            }
        }
    }
    out
}

fn ema_family(_: &mut Interpreter, a: &mut Args, order: usize) -> R {
    let tables = a.tables()?;
    let n = n_arg(a)?;
    let out = value_series(&tables, &|v| {
        let e1 = ema(v, n);
        let s = match order {
            1 => e1,
            2 => {
                let e2 = ema(&e1, n);
                e1.iter()
                    .zip(&e2)
                    .map(|(a, b)| Some(2.0 * (*a)? - (*b)?))
                    .collect()
            }
            _ => {
                let e2 = ema(&e1, n);
                let e3 = ema(&e2, n);
                (0..v.len())
                    .map(|i| Some(3.0 * e1[i]? - 3.0 * e2[i]? + e3[i]?))
                    .collect()
            }
        };
        (order * (n - 1), s)
    })?;
    derived(&tables, out)
}

/// `increase`: the running total of positive changes (a counter reset counts from zero).
fn increase(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut cols = t.columns();
        let idx: Vec<usize> = columns.iter().filter_map(|c| t.column_index(c)).collect();
        let mut rows = t.rows();
        for c in &idx {
            let float = cols[*c].1 == ColumnType::Float;
            if !float {
                cols[*c].1 = ColumnType::Int;
            }
            let mut prev: Option<f64> = None;
            let mut total = 0.0;
            for r in rows.iter_mut() {
                let Some(x) = num(&r[*c]) else { continue };
                if let Some(p) = prev {
                    total += if x >= p { x - p } else { x };
                }
                prev = Some(x);
                r[*c] = if float {
                    Value::Float(total)
                } else {
                    Value::Int(total as i64)
                };
            }
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

fn histogram(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let upper = a.string_or("upperBoundColumn", "le")?;
    let count = a.string_or("countColumn", "_value")?;
    let normalize = a.opt_bool("normalize")?.unwrap_or(false);
    let bins: Vec<f64> = match a.required("bins")? {
        Value::Array(items) => items.iter().filter_map(num).collect(),
        v => {
            return Err(EvalError::msg(format!(
                "`bins` must be an array of floats, not {}",
                v.type_name()
            )))
        }
    };
    let mut bins = bins;
    bins.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
    let mut out = Vec::new();
    for t in tables.tables() {
        let c = t
            .column_index(&column)
            .ok_or_else(|| EvalError::msg(format!("column \"{column}\" does not exist")))?;
        let values: Vec<f64> = (0..t.num_rows())
            .filter_map(|r| num(&t.value(r, c)))
            .collect();
        let mut b = TableBuilder::new(t.key());
        for k in t.key().columns() {
            b.add_column(&k.label, Some(k.ty)).map_err(ve)?;
        }
        b.add_column(&upper, Some(ColumnType::Float)).map_err(ve)?;
        b.add_column(&count, Some(ColumnType::Float)).map_err(ve)?;
        for bin in &bins {
            let mut n = values.iter().filter(|v| **v <= *bin).count() as f64;
            if normalize && !values.is_empty() {
                n /= values.len() as f64;
            }
            let mut row: Vec<(&str, Value)> = t
                .key()
                .columns()
                .iter()
                .map(|k| (k.label.as_str(), k.value.clone()))
                .collect();
            row.push((upper.as_str(), Value::Float(*bin)));
            row.push((count.as_str(), Value::Float(n)));
            b.push_row(row).map_err(ve)?;
        }
        out.push(b.finish().map_err(ve)?);
    }
    derived(&tables, out)
}

fn histogram_quantile(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let q = a
        .opt_float("quantile")?
        .ok_or_else(|| EvalError::msg("missing required argument `quantile`"))?;
    let count_col = a.string_or("countColumn", "_value")?;
    let upper_col = a.string_or("upperBoundColumn", "le")?;
    let value_col = a.string_or("valueColumn", "_value")?;
    let min_value = a.opt_float("minValue")?.unwrap_or(0.0);
    let on_non_monotonic = a.string_or("onNonmonotonic", "error")?;
    if !matches!(on_non_monotonic.as_str(), "error" | "force" | "drop") {
        return Err(EvalError::msg(format!(
            "value provided to histogramQuantile parameter onNonmonotonic is invalid; \
             must be one of \"error\", \"force\" or \"drop\", got \"{on_non_monotonic}\""
        )));
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        let cc = t
            .column_index(&count_col)
            .ok_or_else(|| EvalError::msg(format!("column \"{count_col}\" does not exist")))?;
        let uc = t
            .column_index(&upper_col)
            .ok_or_else(|| EvalError::msg(format!("column \"{upper_col}\" does not exist")))?;
        let mut buckets: Vec<(f64, f64)> = (0..t.num_rows())
            .filter_map(|r| Some((num(&t.value(r, uc))?, num(&t.value(r, cc))?)))
            .collect();
        buckets.sort_by(|x, y| x.0.partial_cmp(&y.0).unwrap_or(std::cmp::Ordering::Equal));
        let monotonic = buckets.windows(2).all(|w| w[1].1 >= w[0].1);
        let mut result = None;
        if !monotonic {
            match on_non_monotonic.as_str() {
                "error" => {
                    return Err(EvalError::msg("histogram records counts are not monotonic"))
                }
                "drop" => continue,
                _ => {
                    let mut max = 0.0f64;
                    for b in buckets.iter_mut() {
                        max = max.max(b.1);
                        b.1 = max;
                    }
                }
            }
        }
        if let Some(total) = buckets.last().map(|b| b.1).filter(|t| *t > 0.0) {
            let rank = q * total;
            let mut prev = (min_value, 0.0);
            for (le, c) in &buckets {
                if *c >= rank {
                    result = Some(if le.is_infinite() {
                        prev.0
                    } else if (c - prev.1).abs() < f64::EPSILON {
                        *le
                    } else {
                        prev.0 + (le - prev.0) * (rank - prev.1) / (c - prev.1)
                    });
                    break;
                }
                prev = (*le, *c);
            }
        }
        let mut cols: Vec<(String, ColumnType)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        cols.push((value_col.clone(), ColumnType::Float));
        let mut row: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        row.push(result.map_or(Value::Null, Value::Float));
        out.push(rebuild(t, &cols, &[row])?);
    }
    derived(&tables, out)
}

fn state(interp: &mut Interpreter, a: &mut Args, duration: bool) -> R {
    let tables = a.tables()?;
    let f = a.function("fn")?;
    let column = a.string_or(
        "column",
        if duration {
            "stateDuration"
        } else {
            "stateCount"
        },
    )?;
    let time_col = a.string_or("timeColumn", "_time")?;
    let unit = a
        .opt_duration("unit")?
        .unwrap_or(Duration::from_nanos(1_000_000_000));
    let unit_ns = unit.as_nanos().filter(|n| *n > 0).unwrap_or(1_000_000_000);
    let span = a.span;
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut cols = t.columns();
        let tc = t.column_index(&time_col);
        let slot = match cols.iter().position(|(l, _)| *l == column) {
            Some(i) => {
                cols[i].1 = ColumnType::Int;
                i
            }
            None => {
                cols.push((column.clone(), ColumnType::Int));
                cols.len() - 1
            }
        };
        let all = t.columns();
        let mut rows = t.rows();
        let mut count = 0i64;
        let mut since: Option<i64> = None;
        for (r, row) in rows.iter_mut().enumerate() {
            let rec = Value::Record(Arc::new(row_record(t, r, &all)));
            let hit = matches!(
                interp.call(&f, vec![("r".into(), rec)], None, span)?,
                Value::Bool(true)
            );
            let v = if !hit {
                count = 0;
                since = None;
                -1
            } else if duration {
                let now = match tc.map(|c| t.value(r, c)) {
                    Some(Value::Time(x)) => x,
                    _ => {
                        return Err(EvalError::msg(format!(
                            "stateDuration needs a time column \"{time_col}\""
                        )))
                    }
                };
                let start = *since.get_or_insert(now);
                (now - start) / unit_ns
            } else {
                count += 1;
                count
            };
            if row.len() <= slot {
                row.push(Value::Int(v));
            } else {
                row[slot] = Value::Int(v);
            }
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

/// `stateTracking`: per row, how many consecutive rows (`countColumn`) and how long
/// (`durationColumn`, in `durationUnit` since the first of them) `fn` has held; -1 on rows
/// where it does not. Either column is written only when named.
fn state_tracking(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let f = a.function("fn")?;
    let count_col = a.opt_string("countColumn")?;
    let duration_col = a.opt_string("durationColumn")?;
    let unit = a
        .opt_duration("durationUnit")?
        .unwrap_or(Duration::from_nanos(1_000_000_000));
    let time_col = a.string_or("timeColumn", "_time")?;
    let unit_ns = match unit.as_nanos() {
        Some(n) if n > 0 => n,
        _ if duration_col.is_some() => {
            return Err(EvalError::msg(format!(
                "the duration unit must be a positive duration without months, got {unit}"
            )))
        }
        _ => 1,
    };
    let span = a.span;
    let mut out = Vec::new();
    for t in tables.tables() {
        let tc = t
            .column_index(&time_col)
            .ok_or_else(|| EvalError::msg(format!("column \"{time_col}\" does not exist")))?;
        let all = t.columns();
        let mut cols = all.clone();
        let mut slot = |label: &Option<String>| {
            label
                .as_ref()
                .map(|l| match cols.iter().position(|(c, _)| c == l) {
                    Some(i) => {
                        cols[i].1 = ColumnType::Int;
                        i
                    }
                    None => {
                        cols.push((l.clone(), ColumnType::Int));
                        cols.len() - 1
                    }
                })
        };
        let (count_at, duration_at) = (slot(&count_col), slot(&duration_col));
        let mut rows = t.rows();
        let (mut count, mut in_count) = (-1i64, false);
        let (mut duration, mut in_duration, mut start) = (-1i64, false, 0i64);
        let mut prev: Option<i64> = None;
        for (r, row) in rows.iter_mut().enumerate() {
            let rec = Value::Record(Arc::new(row_record(t, r, &all)));
            let hit = matches!(
                interp.call(&f, vec![("r".into(), rec)], None, span)?,
                Value::Bool(true)
            );
            if duration_at.is_some() {
                let now = match t.value(r, tc) {
                    Value::Time(x) => x,
                    _ => {
                        return Err(EvalError::msg(format!(
                        "column \"{time_col}\" has a null or non-time value; durations need times"
                    )))
                    }
                };
                if prev.is_some_and(|p| p > now) {
                    return Err(EvalError::msg(format!(
                        "the times in column \"{time_col}\" are out of order (sort by time first)"
                    )));
                }
                prev = Some(now);
                if !hit {
                    in_duration = false;
                    duration = -1;
                } else if in_duration {
                    duration = (now - start) / unit_ns;
                } else {
                    in_duration = true;
                    start = now;
                    duration = 0;
                }
            }
            if !hit {
                in_count = false;
                count = -1;
            } else if in_count {
                count += 1;
            } else {
                in_count = true;
                count = 1;
            }
            for (at, v) in [(count_at, count), (duration_at, duration)] {
                if let Some(i) = at {
                    if row.len() <= i {
                        row.resize(i + 1, Value::Null);
                    }
                    row[i] = Value::Int(v);
                }
            }
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

/// `linearBins` / `logarithmicBins`: `count` bounds from `start`, each made from the last
/// by `step` with the `width` or `factor` argument, then +Inf unless `infinity: false`.
fn bins(a: &mut Args, by: &str, step: fn(f64, f64) -> f64) -> R {
    let start = a
        .opt_float("start")?
        .ok_or_else(|| EvalError::msg("missing required argument `start`"))?;
    let by_value = a
        .opt_float(by)?
        .ok_or_else(|| EvalError::msg(format!("missing required argument `{by}`")))?;
    let count = a
        .opt_int("count")?
        .ok_or_else(|| EvalError::msg("missing required argument `count`"))?;
    let count = usize::try_from(count)
        .map_err(|_| EvalError::msg(format!("`count` must not be negative, got {count}")))?;
    let infinity = a.opt_bool("infinity")?.unwrap_or(true);
    let mut bounds = Vec::with_capacity(count + 1);
    let mut bound = start;
    for _ in 0..count {
        bounds.push(Value::Float(bound));
        bound = step(bound, by_value);
    }
    if infinity {
        bounds.push(Value::Float(f64::INFINITY));
    }
    Ok(Value::Array(Arc::new(bounds)))
}

fn sample(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = n_arg(a)?;
    let pos = a.opt_int("pos")?.unwrap_or(-1);
    let _ = a.opt_string("column")?;
    let start = if pos < 0 {
        0
    } else {
        usize::try_from(pos).unwrap_or(0)
    };
    if start >= n {
        return Err(EvalError::msg(format!("pos must be less than n ({n})")));
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        let rows: Vec<usize> = (start..t.num_rows()).step_by(n).collect();
        out.push(take_rows(t, &rows).map_err(ex)?);
    }
    derived(&tables, out)
}

fn skew(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let c = t
            .column_index(&column)
            .ok_or_else(|| EvalError::msg(format!("column \"{column}\" does not exist")))?;
        let xs: Vec<f64> = (0..t.num_rows())
            .filter_map(|r| num(&t.value(r, c)))
            .collect();
        let n = xs.len() as f64;
        let v = if xs.len() < 2 {
            Value::Null
        } else {
            let mean = xs.iter().sum::<f64>() / n;
            let m2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            let m3 = xs.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / n;
            Value::Float(m3 / m2.powf(1.5))
        };
        let mut cols: Vec<(String, ColumnType)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        cols.push((column.clone(), ColumnType::Float));
        let mut row: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        row.push(v);
        out.push(rebuild(t, &cols, &[row])?);
    }
    derived(&tables, out)
}

pub(crate) fn covariance(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let columns = a
        .opt_strings("columns")?
        .ok_or_else(|| EvalError::msg("missing required argument `columns`"))?;
    let pearson = a.opt_bool("pearsonr")?.unwrap_or(false);
    let dst = a.string_or("valueDst", "_value")?;
    if columns.len() != 2 {
        return Err(EvalError::msg(format!(
            "covariance needs exactly two columns, got {}",
            columns.len()
        )));
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        let find = |l: &str| {
            t.column_index(l).ok_or_else(|| {
                EvalError::msg(format!("specified column does not exist in table: {l}"))
            })
        };
        let (cx, cy) = (find(&columns[0])?, find(&columns[1])?);
        let pairs: Vec<(f64, f64)> = (0..t.num_rows())
            .filter_map(|r| Some((num(&t.value(r, cx))?, num(&t.value(r, cy))?)))
            .collect();
        let n = pairs.len() as f64;
        let v = if pairs.len() < 2 {
            Value::Null
        } else {
            let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
            let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
            let cov = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum::<f64>() / (n - 1.0);
            if pearson {
                let sx = (pairs.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                let sy = (pairs.iter().map(|p| (p.1 - my).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
                Value::Float(cov / (sx * sy))
            } else {
                Value::Float(cov)
            }
        };
        let mut cols: Vec<(String, ColumnType)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        cols.push((dst.clone(), ColumnType::Float));
        let mut row: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        row.push(v);
        out.push(rebuild(t, &cols, &[row])?);
    }
    derived(&tables, out)
}

fn hour_selection(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let start = a
        .opt_int("start")?
        .ok_or_else(|| EvalError::msg("missing required argument `start`"))?;
    let stop = a
        .opt_int("stop")?
        .ok_or_else(|| EvalError::msg("missing required argument `stop`"))?;
    let time_col = a.string_or("timeColumn", "_time")?;
    let loc = crate::date::location(interp, a)?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let tc = t.column_index(&time_col);
        let rows: Vec<usize> = (0..t.num_rows())
            .filter(|r| match tc.map(|c| t.value(*r, c)) {
                Some(Value::Time(x)) => {
                    let hour = loc.to_local(x).rem_euclid(86_400_000_000_000) / 3_600_000_000_000;
                    if start <= stop {
                        hour >= start && hour <= stop
                    } else {
                        // An overnight range such as 22 to 6.
                        hour >= start || hour <= stop
                    }
                }
                _ => false,
            })
            .collect();
        out.push(take_rows(t, &rows).map_err(ex)?);
    }
    derived(&tables, out)
}

fn truncate_time_column(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let unit = a
        .opt_duration("unit")?
        .ok_or_else(|| EvalError::msg("missing required argument `unit`"))?;
    let time_col = a.string_or("timeColumn", "_time")?;
    let location = crate::date::location(interp, a)?;
    let spec = WindowSpec {
        every: unit,
        period: unit,
        offset: Duration::default(),
        create_empty: false,
        location,
    };
    spec.validate().map_err(ex)?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let cols = t.columns();
        let mut rows = t.rows();
        if let Some(c) = t.column_index(&time_col) {
            for r in rows.iter_mut() {
                if let Value::Time(x) = r[c] {
                    r[c] = spec.floor(x).map_or(Value::Null, Value::Time);
                }
            }
        }
        let key: Vec<_> = t
            .key()
            .columns()
            .iter()
            .filter(|k| k.label != time_col)
            .cloned()
            .collect();
        let labels: Vec<String> = key.iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = key.iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &rows, Some(&values)).map_err(ve)?);
    }
    derived(&tables, out)
}

fn today(interp: &mut Interpreter, a: &mut Args) -> R {
    let now = interp.now()?;
    let location = crate::date::location(interp, a)?;
    let day = Duration::from_nanos(86_400_000_000_000);
    let spec = WindowSpec {
        every: day,
        period: day,
        offset: Duration::default(),
        create_empty: false,
        location,
    };
    spec.floor(now)
        .map(Value::Time)
        .ok_or_else(|| EvalError::msg("the time is out of range"))
}

/// `highestMax` and friends: reduce each group (by `groupColumns`) with a selector or
/// `mean`, then keep the top (or bottom) `n` across all groups.
fn highest_lowest(interp: &mut Interpreter, a: &mut Args, reducer: &str, top: bool) -> R {
    let tables = a.tables()?;
    let n = a
        .opt_int("n")?
        .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
    let column = a.string_or("column", "_value")?;
    let group_columns = a.opt_strings("groupColumns")?.unwrap_or_default();
    let grouped = ops::group(tables.tables(), &group_columns, false).map_err(ex)?;
    let f = interp.option("universe", reducer)?;
    let reduced = interp.call(
        &f,
        vec![("column".into(), Value::string(column.as_str()))],
        Some(Value::Stream(Stream::new(grouped))),
        a.span,
    )?;
    let Value::Stream(reduced) = reduced else {
        return Err(EvalError::msg("the reducer did not return a stream"));
    };
    let all = ops::group(reduced.tables(), &[], false).map_err(ex)?;
    let sorted = ops::sort(&all, std::slice::from_ref(&column), top).map_err(ex)?;
    derived(&tables, ops::limit(&sorted, n, 0, false).map_err(ex)?)
}
