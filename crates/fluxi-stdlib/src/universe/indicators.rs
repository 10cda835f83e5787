//! Technical-analysis indicators and forecasting: `chandeMomentumOscillator`,
//! `kaufmansER`, `kaufmansAMA`, `relativeStrengthIndex`, `tripleExponentialDerivative`,
//! `holtWinters`, `integral` (with `interpolate: "linear"`), `timeWeightedAvg`,
//! `timedMovingAverage`, and `experimental.unpivot` (plus `experimental.kaufmansAMA` and
//! `experimental.integral`, which are the universe functions under other types).
//!
//! The numeric recipes follow upstream's so that results agree with its test data to the
//! last digits that matter: where upstream reads the slot of a null value as zero, so do
//! these (noted at each place), and `holtWinters` fits its parameters with the same
//! Nelder–Mead search, step for step.

use crate::util::{derived, ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ops;
use fluxi_value::{ColumnType, Stream, Table, Value};

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register(
        "universe",
        "chandeMomentumOscillator",
        chande_momentum_oscillator,
    );
    r.register("universe", "kaufmansER", kaufmans_er);
    r.register("universe", "kaufmansAMA", kaufmans_ama);
    r.register("universe", "relativeStrengthIndex", relative_strength_index);
    r.register(
        "universe",
        "tripleExponentialDerivative",
        triple_exponential_derivative,
    );
    r.register("universe", "holtWinters", holt_winters);
    r.register("universe", "integral", integral);
    r.register("universe", "timeWeightedAvg", time_weighted_avg);
    r.register("universe", "timedMovingAverage", timed_moving_average);
    r.register("experimental", "unpivot", unpivot);
    // The experimental variants differ only in their declared types.
    r.register("experimental", "kaufmansAMA", kaufmans_ama);
    r.register("experimental", "integral", integral);
}

// ------------------------------------------------------------------ shared helpers

/// A table with `t`'s group key and the given columns and rows.
fn rebuild(
    t: &Table,
    cols: &[(String, ColumnType)],
    rows: &[Vec<Value>],
) -> Result<Table, EvalError> {
    let labels: Vec<String> = t.key().columns().iter().map(|k| k.label.clone()).collect();
    let values: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
    Table::from_rows(&labels, cols, rows, Some(&values)).map_err(ve)
}

/// The required period `n`, which must be positive.
fn period(a: &mut Args) -> Result<usize, EvalError> {
    let n = a
        .opt_int("n")?
        .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
    usize::try_from(n)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| EvalError::msg(format!("the period `n` must be greater than 0, got {n}")))
}

fn is_numeric(ty: ColumnType) -> bool {
    matches!(ty, ColumnType::Int | ColumnType::UInt | ColumnType::Float)
}

/// A numeric cell as a float; null (and anything else) reads as 0, as upstream reads the
/// value slot of a null.
fn float_or_zero(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::UInt(u) => *u as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// A numeric cell as a float, or None when it is null.
fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// The columns named in `wanted` that the table has, checked to be numeric.
fn numeric_targets(t: &Table, wanted: &[String]) -> Result<Vec<bool>, EvalError> {
    let cols = t.columns();
    let mut targets = vec![false; cols.len()];
    for (i, (label, ty)) in cols.iter().enumerate() {
        if wanted.contains(label) {
            if !is_numeric(*ty) {
                return Err(EvalError::msg(format!(
                    "column \"{label}\" must be int, uint or float, found {}",
                    ty.name()
                )));
            }
            targets[i] = true;
        }
    }
    Ok(targets)
}

/// The output columns when the target columns become floats.
fn float_targets(t: &Table, targets: &[bool]) -> Vec<(String, ColumnType)> {
    t.columns()
        .into_iter()
        .zip(targets)
        .map(|((l, ty), hit)| (l, if *hit { ColumnType::Float } else { ty }))
        .collect()
}

// ------------------------------------------------------------------ Chande / Kaufman

/// One step of the Chande momentum sums: add the newest change, compute the oscillator,
/// then take out the change that leaves the window.
fn next_cmo(mut up: f64, mut down: f64, diff: f64, leaving: f64) -> (f64, f64, f64) {
    if diff > 0.0 {
        up += diff;
    } else if diff < 0.0 {
        down -= diff;
    }
    let value = 100.0 * (up - down) / (up + down);
    if leaving > 0.0 {
        up -= leaving;
    } else {
        down += leaving;
    }
    (value, up, down)
}

/// The Chande momentum oscillator of one column, for rows `n..`. Changes between
/// consecutive rows are taken in the column's own type (integers wrap) and then made
/// floats; a null counts as 0.
fn cmo_column(t: &Table, c: usize, ty: ColumnType, n: usize) -> Vec<f64> {
    let rows = t.num_rows();
    let change = |i: usize| -> f64 {
        let (a, b) = (t.value(i, c), t.value(i - 1, c));
        match ty {
            ColumnType::Int => {
                let as_int = |v: &Value| if let Value::Int(x) = v { *x } else { 0 };
                as_int(&a).wrapping_sub(as_int(&b)) as f64
            }
            ColumnType::UInt => {
                let as_uint = |v: &Value| if let Value::UInt(x) = v { *x } else { 0 };
                as_uint(&a).wrapping_sub(as_uint(&b)) as f64
            }
            _ => float_or_zero(&a) - float_or_zero(&b),
        }
    };
    let (mut up, mut down) = (0.0, 0.0);
    let mut out = Vec::with_capacity(rows.saturating_sub(n));
    for i in 0..rows {
        let diff = if i == 0 { 0.0 } else { change(i) };
        let leaving = if i >= n { change(i - n + 1) } else { 0.0 };
        let (value, u, d) = next_cmo(up, down, diff, leaving);
        up = u;
        down = d;
        if i >= n {
            out.push(value);
        }
    }
    out
}

/// `chandeMomentumOscillator` over `columns` of every table; `post` adjusts each value.
fn cmo_tables(
    tables: &Stream,
    n: usize,
    columns: &[String],
    post: fn(f64) -> f64,
) -> Result<Vec<Table>, EvalError> {
    let mut out = Vec::new();
    for t in tables.tables() {
        let targets = numeric_targets(t, columns)?;
        let cols = float_targets(t, &targets);
        let in_cols = t.columns();
        let mut rows: Vec<Vec<Value>> = (n..t.num_rows())
            .map(|r| (0..in_cols.len()).map(|c| t.value(r, c)).collect())
            .collect();
        for (c, hit) in targets.iter().enumerate() {
            if !*hit {
                continue;
            }
            for (row, v) in rows.iter_mut().zip(cmo_column(t, c, in_cols[c].1, n)) {
                row[c] = Value::Float(post(v));
            }
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    Ok(out)
}

fn chande_momentum_oscillator(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = period(a)?;
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let out = cmo_tables(&tables, n, &columns, |v| v)?;
    derived(&tables, out)
}

/// Kaufman's efficiency ratio: the size of the Chande oscillator of `_value`, over 100.
fn kaufmans_er(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = period(a)?;
    let out = cmo_tables(&tables, n, &["_value".into()], |v| v.abs() / 100.0)?;
    derived(&tables, out)
}

/// Kaufman's adaptive moving average of one column for rows `n..`: the smoothing constant
/// comes from the efficiency ratio (fast period 2, slow period 30), and the average starts
/// from the value just before the first output row. Nulls count as 0.
fn kama_column(values: &[f64], n: usize) -> Vec<f64> {
    // (2/(2+1) - 2/(30+1)) reduces exactly to 56/93.
    const FAST_MINUS_SLOW: f64 = 56.0 / 93.0;
    const SLOW: f64 = 2.0 / 31.0;
    let mut out = Vec::with_capacity(values.len().saturating_sub(n));
    let Some(first) = values.first() else {
        return out;
    };
    let mut prev = *first;
    let (mut up, mut down) = (0.0, 0.0);
    let mut prev_kama = 0.0;
    let mut changes = vec![0.0; n];
    for (i, cur) in values.iter().copied().enumerate() {
        let diff = cur - prev;
        let leaving = if i >= n { changes[(i + 1) % n] } else { 0.0 };
        let (cmo, u, d) = next_cmo(up, down, diff, leaving);
        up = u;
        down = d;
        if i >= n {
            if i == n {
                prev_kama = prev;
            }
            let ratio = cmo.abs() / 100.0;
            let sc = ratio * FAST_MINUS_SLOW + SLOW;
            let kama = prev_kama + sc * sc * (cur - prev_kama);
            out.push(kama);
            prev_kama = kama;
        }
        changes[i % n] = cur - prev;
        prev = cur;
    }
    out
}

fn kaufmans_ama(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = period(a)?;
    let column = a.string_or("column", "_value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let targets = numeric_targets(t, std::slice::from_ref(&column))?;
        let cols = float_targets(t, &targets);
        let width = t.columns().len();
        let mut rows: Vec<Vec<Value>> = (n..t.num_rows())
            .map(|r| (0..width).map(|c| t.value(r, c)).collect())
            .collect();
        if let Some(c) = targets.iter().position(|hit| *hit) {
            let values: Vec<f64> = (0..t.num_rows())
                .map(|r| float_or_zero(&t.value(r, c)))
                .collect();
            for (row, v) in rows.iter_mut().zip(kama_column(&values, n)) {
                row[c] = Value::Float(v);
            }
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

// ------------------------------------------------------------------ EMAs: RSI and TRIX

/// An average fed one value at a time: the plain mean until `n` rows (values or nulls)
/// have gone by, then an exponential average with weight `multiplier`.
struct StepAverage {
    n: usize,
    seen: usize,
    count: f64,
    value: f64,
    warmed: bool,
    multiplier: f64,
}

impl StepAverage {
    fn new(n: usize, multiplier: f64) -> StepAverage {
        StepAverage {
            n,
            seen: 0,
            count: 0.0,
            value: 0.0,
            warmed: false,
            multiplier,
        }
    }

    fn add(&mut self, v: f64) {
        self.value = if self.count == 0.0 {
            v
        } else if !self.warmed {
            (self.value * self.count + v) / (self.count + 1.0)
        } else {
            v * self.multiplier + self.value * (1.0 - self.multiplier)
        };
        if self.count < self.n as f64 {
            self.count += 1.0;
        }
        self.skip();
    }

    /// A null: only the row position moves on.
    fn skip(&mut self) {
        if self.seen + 1 == self.n {
            self.warmed = true;
        }
        self.seen += 1;
    }
}

fn rsi_value(up: &StepAverage, down: &StepAverage) -> f64 {
    100.0 - (100.0 / (1.0 + up.value / down.value))
}

/// The relative strength index of one column: one value for each row from `n` on, or, when
/// the table has no more than `n` rows, one value from the averages so far. The first
/// change is measured from 0; nulls are skipped (and give null until a value is seen).
fn rsi_column(values: &[Option<f64>], n: usize) -> Vec<Value> {
    let multiplier = 1.0 / n as f64;
    let mut up = StepAverage::new(n, multiplier);
    let mut down = StepAverage::new(n, multiplier);
    let mut last: Option<f64> = None;
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let before = last.unwrap_or(0.0);
                up.add(if *v > before { v - before } else { 0.0 });
                down.add(if *v < before { before - v } else { 0.0 });
                last = Some(*v);
            }
            None => {
                up.skip();
                down.skip();
            }
        }
        if i >= n {
            out.push(match last {
                Some(_) => Value::Float(rsi_value(&up, &down)),
                None => Value::Null,
            });
        }
    }
    if values.len() <= n {
        out.push(match last {
            Some(_) => Value::Float(rsi_value(&up, &down)),
            None => Value::Null,
        });
    }
    out
}

fn relative_strength_index(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = period(a)?;
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let mut out = Vec::new();
    for t in tables.tables() {
        let targets = numeric_targets(t, &columns)?;
        let cols = float_targets(t, &targets);
        let len = t.num_rows();
        // Rows from `n` on; a short table gives one row carrying its last row's values.
        let kept: Vec<usize> = match len {
            0 => Vec::new(),
            l if l <= n => vec![l - 1],
            l => (n..l).collect(),
        };
        let mut rows: Vec<Vec<Value>> = kept
            .iter()
            .map(|r| (0..cols.len()).map(|c| t.value(*r, c)).collect())
            .collect();
        if len > 0 {
            for (c, hit) in targets.iter().enumerate() {
                if !*hit {
                    continue;
                }
                let values: Vec<Option<f64>> = (0..len).map(|r| float_of(&t.value(r, c))).collect();
                for (row, v) in rows.iter_mut().zip(rsi_column(&values, n)) {
                    row[c] = v;
                }
            }
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

/// An exponential moving average of a whole series: the mean of the non-null values among
/// the first `n` starts it (null if there were none), then one value per later row. A
/// null repeats the current average; the first value after an all-null start starts it.
fn ema_series(values: &[Option<f64>], n: usize) -> Vec<Option<f64>> {
    let multiplier = 2.0 / (n as f64 + 1.0);
    let mut out = Vec::new();
    if values.len() < n {
        return out;
    }
    let (mut sum, mut count) = (0.0, 0.0);
    for v in values[..n].iter().flatten() {
        sum += v;
        count += 1.0;
    }
    let mut value = 0.0;
    if count != 0.0 {
        value = sum / count;
        out.push(Some(value));
    } else {
        out.push(None);
    }
    for v in &values[n..] {
        match v {
            None => out.push((count != 0.0).then_some(value)),
            Some(x) => {
                let next = if count == 0.0 {
                    count += 1.0;
                    *x
                } else {
                    x * multiplier + value * (1.0 - multiplier)
                };
                out.push(Some(next));
                value = next;
            }
        }
    }
    out
}

/// TRIX: the percentage change of a triple-smoothed EMA of `_value`. Rows start where
/// the third EMA has a previous value; a table too short for that gives one row with its
/// last row's values and a null `_value`.
fn triple_exponential_derivative(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = period(a)?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let c = t
            .column_index("_value")
            .ok_or_else(|| EvalError::msg("the table has no _value column"))?;
        let mut cols = t.columns();
        if !is_numeric(cols[c].1) {
            return Err(EvalError::msg(format!(
                "column \"_value\" must be int, uint or float, found {}",
                cols[c].1.name()
            )));
        }
        cols[c].1 = ColumnType::Float;
        let len = t.num_rows();
        let values: Vec<Option<f64>> = (0..len).map(|r| float_of(&t.value(r, c))).collect();
        let third = ema_series(&ema_series(&ema_series(&values, n), n), n);
        let row_of = |r: usize| -> Vec<Value> { (0..cols.len()).map(|i| t.value(r, i)).collect() };
        let mut rows = Vec::new();
        if third.is_empty() {
            if len > 0 {
                let mut row = row_of(len - 1);
                row[c] = Value::Null;
                rows.push(row);
            }
        } else {
            let skip = len - (third.len() - 1);
            for (k, pair) in third.windows(2).enumerate() {
                let mut row = row_of(skip + k);
                row[c] = match (pair[0], pair[1]) {
                    (Some(before), Some(now)) => Value::Float(((now / before) - 1.0) * 100.0),
                    _ => Value::Null,
                };
                rows.push(row);
            }
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

// ------------------------------------------------------------------ integral

/// The running trapezoid sum of one column, with optional linear extension to the
/// table's `_start`/`_stop` bounds.
struct Area {
    bounds: Option<(i64, i64)>,
    unit: f64,
    points: u8,
    ts: [i64; 2],
    vs: [f64; 2],
    sum: f64,
}

impl Area {
    fn add(&mut self, t: i64, v: f64) {
        match self.points {
            0 => {
                self.ts[0] = t;
                self.vs[0] = v;
                self.points = 1;
            }
            1 => {
                self.sum += 0.5 * (v + self.vs[0]) * (t - self.ts[0]) as f64 / self.unit;
                self.ts[1] = t;
                self.vs[1] = v;
                self.points = 2;
                // Extend the first segment's line back to the start bound.
                if let Some((start, _)) = self.bounds {
                    if start < self.ts[0] {
                        let slope = (self.vs[1] - self.vs[0]) / (self.ts[1] - self.ts[0]) as f64;
                        let y = self.vs[0] - slope * (self.ts[0] - start) as f64;
                        self.sum +=
                            0.5 * (y + self.vs[0]) * (self.ts[0] - start) as f64 / self.unit;
                    }
                }
            }
            _ => {
                self.sum += 0.5 * (v + self.vs[1]) * (t - self.ts[1]) as f64 / self.unit;
                self.ts = [self.ts[1], t];
                self.vs = [self.vs[1], v];
            }
        }
    }

    fn total(&self) -> f64 {
        match (self.points, self.bounds) {
            (0, _) | (1, None) => 0.0,
            // One value held over the whole range.
            (1, Some((start, stop))) => self.vs[0] * (stop - start) as f64 / self.unit,
            (_, None) => self.sum,
            (_, Some((_, stop))) => {
                // Extend the last segment's line forward to the stop bound.
                let slope = (self.vs[1] - self.vs[0]) / (self.ts[1] - self.ts[0]) as f64;
                let y = self.vs[1] + slope * (stop - self.ts[1]) as f64;
                self.sum + 0.5 * (y + self.vs[1]) * (stop - self.ts[1]) as f64 / self.unit
            }
        }
    }
}

/// `integral` of `column` for every table: one row with the key and the area as a float.
fn integrate(
    tables: &Stream,
    unit_ns: i64,
    time_col: &str,
    column: &str,
    linear: bool,
) -> Result<Vec<Table>, EvalError> {
    let mut out = Vec::new();
    for t in tables.tables() {
        let bounds = if linear {
            let bound = |label: &str| match t.key().get(label).map(|k| &k.value) {
                Some(Value::Time(x)) => Ok(*x),
                _ => Err(EvalError::msg(format!(
                    "interpolation needs a time column {label} in the group key (use range() first)"
                ))),
            };
            Some((bound("_start")?, bound("_stop")?))
        } else {
            None
        };
        let c = t
            .column_index(column)
            .ok_or_else(|| EvalError::msg(format!("column \"{column}\" does not exist")))?;
        if t.key().contains(column) {
            return Err(EvalError::msg(format!(
                "column \"{column}\" is part of the group key and cannot be aggregated"
            )));
        }
        let ty = t.columns()[c].1;
        if !is_numeric(ty) {
            return Err(EvalError::msg(format!(
                "column \"{column}\" must be int, uint or float, found {}",
                ty.name()
            )));
        }
        let tc = t
            .column_index(time_col)
            .ok_or_else(|| EvalError::msg(format!("time column \"{time_col}\" does not exist")))?;
        let mut area = Area {
            bounds,
            unit: unit_ns as f64,
            points: 0,
            ts: [0; 2],
            vs: [0.0; 2],
            sum: 0.0,
        };
        let mut prev: Option<i64> = None;
        for r in 0..t.num_rows() {
            let time = match t.value(r, tc) {
                Value::Time(x) => x,
                Value::Null => {
                    return Err(EvalError::msg(format!(
                        "null time in column \"{time_col}\""
                    )))
                }
                v => {
                    return Err(EvalError::msg(format!(
                        "column \"{time_col}\" must hold times, found {}",
                        v.type_name()
                    )))
                }
            };
            match prev {
                Some(p) if p > time => {
                    return Err(EvalError::msg(format!(
                        "times in column \"{time_col}\" are out of order (sort by time first)"
                    )))
                }
                // A repeated time keeps only its first row.
                Some(p) if p == time => continue,
                _ => {}
            }
            prev = Some(time);
            if let Some(v) = float_of(&t.value(r, c)) {
                area.add(time, v);
            }
        }
        let mut cols: Vec<(String, ColumnType)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        cols.push((column.to_string(), ColumnType::Float));
        let mut row: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        row.push(Value::Float(area.total()));
        out.push(rebuild(t, &cols, &[row])?);
    }
    Ok(out)
}

/// `unit` as positive nanoseconds (default one second).
fn unit_nanos(a: &mut Args, required: bool) -> Result<i64, EvalError> {
    let unit = match a.opt_duration("unit")? {
        Some(u) => u,
        None if required => return Err(EvalError::msg("missing required argument `unit`")),
        None => return Ok(1_000_000_000),
    };
    unit.as_nanos().filter(|n| *n > 0).ok_or_else(|| {
        EvalError::msg(format!(
            "`unit` must be a positive duration without months, got {unit}"
        ))
    })
}

fn interpolation(a: &mut Args) -> Result<bool, EvalError> {
    match a.string_or("interpolate", "")?.as_str() {
        "" => Ok(false),
        "linear" => Ok(true),
        other => Err(EvalError::msg(format!(
            "`interpolate` must be \"\" or \"linear\", got \"{other}\""
        ))),
    }
}

fn integral(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let unit = unit_nanos(a, false)?;
    let time_col = a.string_or("timeColumn", "_time")?;
    let column = a.string_or("column", "_value")?;
    let linear = interpolation(a)?;
    derived(
        &tables,
        integrate(&tables, unit, &time_col, &column, linear)?,
    )
}

/// The linearly interpolated integral of `_value`, divided by the table's time range: the
/// average value weighted by how long each value held.
fn time_weighted_avg(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let unit = unit_nanos(a, true)?;
    let mut out = Vec::new();
    for t in integrate(&tables, unit, "_time", "_value", true)? {
        let time_of = |label: &str| match t.key().get(label).map(|k| &k.value) {
            Some(Value::Time(x)) => *x,
            _ => 0,
        };
        let range = time_of("_stop").wrapping_sub(time_of("_start")) as f64;
        let cols = t.columns();
        let mut rows = t.rows();
        if let Some(c) = t.column_index("_value") {
            for row in rows.iter_mut() {
                if let Value::Float(v) = row[c] {
                    row[c] = Value::Float(v * unit as f64 / range);
                }
            }
        }
        out.push(rebuild(&t, &cols, &rows)?);
    }
    derived(&tables, out)
}

/// `window(every, period) |> mean(column) |> duplicate(_stop as _time) |> window(every: inf)`.
fn timed_moving_average(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let every = a.required("every")?;
    let period = a.required("period")?;
    let column = a.string_or("column", "_value")?;
    let span = a.span;
    let window = interp.option("universe", "window")?;
    let mean = interp.option("universe", "mean")?;
    let duplicate = interp.option("universe", "duplicate")?;
    let inf = interp.option("universe", "inf")?;
    let windowed = interp.call(
        &window,
        vec![("every".into(), every), ("period".into(), period)],
        Some(Value::Stream(tables)),
        span,
    )?;
    let averaged = interp.call(
        &mean,
        vec![("column".into(), Value::string(column.as_str()))],
        Some(windowed),
        span,
    )?;
    let stamped = interp.call(
        &duplicate,
        vec![
            ("column".into(), Value::string("_stop")),
            ("as".into(), Value::string("_time")),
        ],
        Some(averaged),
        span,
    )?;
    interp.call(&window, vec![("every".into(), inf)], Some(stamped), span)
}

// ------------------------------------------------------------------ holtWinters

fn holt_winters(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let n = a
        .opt_int("n")?
        .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
    let interval = a
        .opt_duration("interval")?
        .ok_or_else(|| EvalError::msg("missing required argument `interval`"))?;
    let interval_ns = interval.as_nanos().filter(|n| *n > 0).ok_or_else(|| {
        EvalError::msg(format!(
            "`interval` must be a positive duration without months, got {interval}"
        ))
    })?;
    let with_fit = a.opt_bool("withFit")?.unwrap_or(false);
    let column = a.string_or("column", "_value")?;
    let time_col = a.string_or("timeColumn", "_time")?;
    let seasonality = a.opt_int("seasonality")?.unwrap_or(0);
    let with_min_sse = a.opt_bool("withMinSSE")?.unwrap_or(false);
    let mut out = Vec::new();
    for t in tables.tables() {
        let tc = t
            .column_index(&time_col)
            .ok_or_else(|| EvalError::msg(format!("cannot find time column \"{time_col}\"")))?;
        let c = t
            .column_index(&column)
            .ok_or_else(|| EvalError::msg(format!("cannot find column \"{column}\"")))?;
        let ty = t.columns()[c].1;
        if !is_numeric(ty) {
            return Err(EvalError::msg(format!(
                "column \"{column}\" must be int, uint or float, found {}",
                ty.name()
            )));
        }
        let mut cols: Vec<(String, ColumnType)> = t
            .key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect();
        let mut added = vec![
            ("_time".to_string(), ColumnType::Time),
            ("_value".to_string(), ColumnType::Float),
        ];
        if with_min_sse {
            added.push(("minSSE".to_string(), ColumnType::Float));
        }
        for (label, _) in &added {
            if t.key().contains(label) {
                return Err(EvalError::msg(format!(
                    "the group key must not contain \"{label}\", which holtWinters writes"
                )));
            }
        }
        cols.extend(added);
        let series = evenly_spaced(t, tc, c, &time_col, interval_ns)?;
        let model = HoltWinters {
            vs: &series.values,
            horizon: usize::try_from(n).unwrap_or(0),
            season: usize::try_from(seasonality).unwrap_or(0),
            with_fit,
        };
        let (values, min_sse) = model.run()?;
        let key: Vec<Value> = t.key().columns().iter().map(|k| k.value.clone()).collect();
        let mut time = if with_fit {
            series.start
        } else {
            series.stop.wrapping_add(interval_ns)
        };
        let mut rows = Vec::with_capacity(values.len());
        for v in values {
            let mut row = key.clone();
            row.push(Value::Time(time));
            row.push(Value::Float(v));
            if with_min_sse {
                row.push(Value::Float(min_sse));
            }
            rows.push(row);
            time = time.wrapping_add(interval_ns);
        }
        out.push(rebuild(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

/// A table's values put on a grid of `interval`-wide buckets.
struct Grid {
    values: Vec<Option<f64>>,
    /// The time of the first value.
    start: i64,
    /// The time of the last value after the first (0 when there is only one).
    stop: i64,
}

/// Upstream's time rounding: to the nearest multiple of `d` (ties away from the past).
fn round_time(t: i64, d: i64) -> i64 {
    let r = t % d;
    if (r as u64).wrapping_add(r as u64) < d as u64 {
        t.wrapping_sub(r)
    } else {
        t.wrapping_add(d - r)
    }
}

/// How many empty buckets holtWinters will fill before giving up.
const MAX_BUCKETS: i64 = 10_000_000;

/// Rows with a null time are dropped and leading nulls skipped; each bucket keeps its
/// first row, and a bucket without rows becomes a null.
fn evenly_spaced(
    t: &Table,
    tc: usize,
    c: usize,
    time_col: &str,
    interval: i64,
) -> Result<Grid, EvalError> {
    let cell = |r: usize| -> Result<Option<f64>, EvalError> {
        match float_of(&t.value(r, c)) {
            Some(v) if !v.is_finite() => Err(EvalError::msg(
                "the input contains NaN or an infinity, which the model cannot fit",
            )),
            v => Ok(v),
        }
    };
    let mut grid = Grid {
        values: Vec::new(),
        start: 0,
        stop: 0,
    };
    let mut bucket_end: Option<i64> = None;
    for r in 0..t.num_rows() {
        let time = match t.value(r, tc) {
            Value::Time(x) => x,
            Value::Null => continue,
            v => {
                return Err(EvalError::msg(format!(
                    "column \"{time_col}\" must hold times, found {}",
                    v.type_name()
                )))
            }
        };
        let rounded = round_time(time, interval);
        let Some(end) = bucket_end else {
            if t.value(r, c).is_null() {
                continue;
            }
            grid.start = time;
            bucket_end = Some(rounded);
            grid.values.push(cell(r)?);
            continue;
        };
        if rounded <= end {
            continue;
        }
        let gaps = (rounded - end - 1) / interval;
        if gaps > MAX_BUCKETS {
            return Err(EvalError::msg(format!(
                "a gap in the data spans {gaps} intervals; use a larger `interval`"
            )));
        }
        let mut end = end + interval;
        while rounded > end {
            grid.values.push(None);
            end += interval;
        }
        bucket_end = Some(end);
        grid.values.push(cell(r)?);
        grid.stop = time;
    }
    Ok(grid)
}

/// Damped Holt-Winters (multiplicative seasons when `season >= 2`), fitted to the series
/// by minimising the sum of squared one-step errors.
struct HoltWinters<'a> {
    vs: &'a [Option<f64>],
    horizon: usize,
    season: usize,
    with_fit: bool,
}

/// Parameter layout: alpha, beta, gamma, phi, level, trend, then the seasonal factors.
const SEASONS_AT: usize = 6;

impl HoltWinters<'_> {
    fn seasonal(&self) -> bool {
        self.season >= 2
    }

    /// The value slot of row `i` (a null reads as 0, as upstream reads it).
    fn at(&self, i: usize) -> f64 {
        self.vs.get(i).copied().flatten().unwrap_or(0.0)
    }

    fn valid(&self, i: usize) -> bool {
        matches!(self.vs.get(i), Some(Some(_)))
    }

    /// The forecast values and the smallest error sum found.
    fn run(&self) -> Result<(Vec<f64>, f64), EvalError> {
        let l = self.vs.len();
        let m = self.season;
        if l < 2 || (self.seasonal() && l < m) || self.horizon == 0 {
            return Ok((Vec::new(), 0.0));
        }
        // Starting guesses for the level and the trend.
        const WEIGHT: f64 = 0.5;
        let mut level = 0.0;
        let mut trend = 0.0;
        if self.seasonal() {
            for i in 0..m {
                if self.valid(i) {
                    level += (1.0 / m as f64) * self.at(i);
                }
            }
            for i in 0..m {
                if m + i >= l {
                    break;
                }
                if self.valid(i) && self.valid(m + i) {
                    trend += 1.0 / (m * m) as f64 * (self.at(m + i) - self.at(i));
                }
            }
        } else {
            level += WEIGHT * self.at(0);
            if self.valid(1) {
                trend = WEIGHT * (self.at(1) - self.at(0));
            }
        }
        let size = SEASONS_AT + if self.seasonal() { m } else { 0 };
        let mut start = vec![0.0; size];
        start[4] = level;
        start[5] = trend;
        if self.seasonal() {
            for i in 0..m {
                start[SEASONS_AT + i] = if self.valid(i) {
                    self.at(i) / level
                } else {
                    1.0
                };
            }
        }
        // A small grid of starting smoothing parameters, each refined by Nelder–Mead.
        const LOW: f64 = 0.3;
        const HIGH: f64 = 1.0;
        const STEP: f64 = 0.4;
        let mut min_sse = f64::INFINITY;
        let mut best: Option<Vec<f64>> = None;
        let mut sse = |p: &[f64]| self.sse(p);
        let mut alpha = LOW;
        while alpha < HIGH {
            let mut beta = LOW;
            while beta < HIGH {
                let mut gamma = LOW;
                while gamma < HIGH {
                    let mut phi = LOW;
                    while phi < HIGH {
                        start[..4].copy_from_slice(&[alpha, beta, gamma, phi]);
                        let (x, f) = nelder_mead(&mut sse, &start)?;
                        if f < min_sse || best.is_none() {
                            min_sse = f;
                            best = Some(x);
                        }
                        phi += STEP;
                    }
                    gamma += STEP;
                }
                beta += STEP;
            }
            alpha += STEP;
        }
        let mut params = best.unwrap_or(start);
        Ok((self.forecast(&mut params, false), min_sse))
    }

    /// Run the recurrences from the first value. With `only_fit` the result has one value
    /// per input row; otherwise the `horizon` values after them, preceded by the fitted
    /// values when `with_fit` is set. `params` is clamped and its seasonal factors are
    /// overwritten as the season advances.
    fn forecast(&self, params: &mut [f64], only_fit: bool) -> Vec<f64> {
        let h = if only_fit { 0 } else { self.horizon };
        // The smoothing parameters live in [0, 1] (NaN stays NaN).
        for p in params.iter_mut().take(4) {
            *p = p.clamp(0.0, 1.0);
        }
        let (alpha, beta, gamma, phi) = (params[0], params[1], params[2], params[3]);
        let mut y = self.at(0);
        let mut phi_h = phi;
        let mut level = params[4];
        let mut trend = params[5];
        let seasonal = self.seasonal();
        let (m, mut so) = if seasonal {
            let m = params.len() - SEASONS_AT;
            (m, m - 1)
        } else {
            (1, 0)
        };
        let l = self.vs.len();
        let keep_fit = only_fit || self.with_fit;
        let mut out = Vec::with_capacity(h + if keep_fit { l } else { 0 });
        if keep_fit {
            out.push(y);
        }
        let (mut s_now, mut s_ahead) = (1.0, 1.0);
        for t in 1..l + h {
            if seasonal {
                let hm = t % m;
                s_now = params[SEASONS_AT + (t + so - m) % m];
                s_ahead = params[SEASONS_AT + (t + hm + so - m) % m];
            }
            let damped = level + phi * trend;
            let next_level = alpha * (y / s_now) + (1.0 - alpha) * damped;
            let next_trend = beta * (next_level - level) + (1.0 - beta) * phi * trend;
            let next_season = gamma * (y / damped) + (1.0 - gamma) * s_now;
            y = (next_level + phi_h * next_trend) * s_ahead;
            level = next_level;
            trend = next_trend;
            phi_h += pow_int(phi, t as u64);
            if seasonal {
                params[SEASONS_AT + (t + so) % m] = next_season;
                so += 1;
            }
            if keep_fit || t >= l {
                out.push(y);
            }
        }
        out
    }

    /// The sum of squared differences between the fitted values and the non-null inputs.
    fn sse(&self, params: &[f64]) -> f64 {
        let mut p = params.to_vec();
        let fit = self.forecast(&mut p, true);
        let mut sum = 0.0;
        for (i, f) in fit.iter().enumerate() {
            if let Some(Some(v)) = self.vs.get(i) {
                let d = f - v;
                sum += d * d;
            }
        }
        sum
    }
}

/// Stops a search after `ITERATIONS` major steps in a row that improve the best value by
/// no more than `ABSOLUTE`.
struct Convergence {
    best: Option<f64>,
    stale: usize,
}

impl Convergence {
    const ABSOLUTE: f64 = 1e-4;
    const ITERATIONS: usize = 100;

    fn done(&mut self, f: f64) -> bool {
        let Some(best) = self.best else {
            self.best = Some(f);
            return false;
        };
        // No relative tolerance: 0 * max(|f|, |best|) keeps an infinite best from ever
        // counting as improved, as in upstream's optimiser.
        let max_abs = f.abs().max(best.abs());
        if f < best && best - f > 0.0 * max_abs + Self::ABSOLUTE {
            self.best = Some(f);
            self.stale = 0;
            return false;
        }
        self.stale += 1;
        self.stale >= Self::ITERATIONS
    }
}

/// A hard stop for pathological inputs (the error sum can only improve by more than the
/// tolerance finitely often, but the number of times may be astronomical).
const MAX_MAJOR_STEPS: usize = 1_000_000;

/// Nelder–Mead minimisation from `x0`: the simplex is `x0` plus one vertex 0.05 along
/// each axis; reflection, expansion, contraction and shrink factors depend on the
/// dimension; vertices stay sorted by value (stably). Returns the best vertex and value.
fn nelder_mead(f: &mut dyn FnMut(&[f64]) -> f64, x0: &[f64]) -> Result<(Vec<f64>, f64), EvalError> {
    let dim = x0.len();
    let d = dim as f64;
    let (reflection, expansion, contraction, shrink) = if dim == 1 {
        (1.0, 2.0, 0.5, 0.5)
    } else {
        (1.0, 1.0 + 2.0 / d, 0.75 - 1.0 / (2.0 * d), 1.0 - 1.0 / d)
    };
    let f0 = f(x0);
    if f0.is_nan() || f0 == f64::INFINITY {
        return Err(EvalError::msg(
            "cannot fit the model: the error of the starting guess is not a finite number",
        ));
    }
    let mut conv = Convergence {
        best: None,
        stale: 0,
    };
    conv.done(f0);
    let mut verts: Vec<Vec<f64>> = Vec::with_capacity(dim + 1);
    let mut vals: Vec<f64> = Vec::with_capacity(dim + 1);
    for i in 0..dim {
        let mut x = x0.to_vec();
        x[i] += 0.05;
        vals.push(f(&x));
        verts.push(x);
    }
    verts.push(x0.to_vec());
    vals.push(f0);
    sort_simplex(&mut verts, &mut vals);
    let mut centroid = centroid_of(&verts, dim);
    // x = centroid + scale * (centroid - worst)
    let toward = |centroid: &[f64], worst: &[f64], scale: f64| -> Vec<f64> {
        centroid
            .iter()
            .zip(worst)
            .map(|(c, w)| (c - w) * scale + c)
            .collect()
    };
    for _ in 0..MAX_MAJOR_STEPS {
        if conv.done(vals[0]) {
            break;
        }
        let xr = toward(&centroid, &verts[dim], reflection);
        let fr = f(&xr);
        if fr >= vals[0] && fr < vals[dim - 1] {
            replace_worst(&mut verts, &mut vals, &mut centroid, xr, fr);
            continue;
        }
        if fr < vals[0] {
            let xe = toward(&centroid, &verts[dim], reflection * expansion);
            let fe = f(&xe);
            if fe < fr {
                replace_worst(&mut verts, &mut vals, &mut centroid, xe, fe);
            } else {
                replace_worst(&mut verts, &mut vals, &mut centroid, xr, fr);
            }
            continue;
        }
        let (xc, fc, accepted) = if fr < vals[dim] {
            let xc = toward(&centroid, &verts[dim], reflection * contraction);
            let fc = f(&xc);
            (xc, fc, fc <= fr)
        } else {
            let xc = toward(&centroid, &verts[dim], -contraction);
            let fc = f(&xc);
            (xc, fc, fc < vals[dim])
        };
        if accepted {
            replace_worst(&mut verts, &mut vals, &mut centroid, xc, fc);
            continue;
        }
        // Shrink every vertex toward the best one.
        for i in 1..=dim {
            let x: Vec<f64> = verts[i]
                .iter()
                .zip(&verts[0])
                .map(|(v, b)| (v - b) * shrink + b)
                .collect();
            vals[i] = f(&x);
            verts[i] = x;
        }
        sort_simplex(&mut verts, &mut vals);
        centroid = centroid_of(&verts, dim);
    }
    Ok((verts[0].clone(), vals[0]))
}

/// Stable insertion sort of the vertices by value.
fn sort_simplex(verts: &mut [Vec<f64>], vals: &mut [f64]) {
    for i in 1..vals.len() {
        let mut j = i;
        while j > 0 && vals[j] < vals[j - 1] {
            vals.swap(j, j - 1);
            verts.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// The centroid of every vertex but the worst (the last).
fn centroid_of(verts: &[Vec<f64>], dim: usize) -> Vec<f64> {
    let mut c = vec![0.0; dim];
    for v in verts.iter().take(dim) {
        for (cj, vj) in c.iter_mut().zip(v) {
            *cj += vj;
        }
    }
    for cj in c.iter_mut() {
        *cj /= dim as f64;
    }
    c
}

/// Put `x` in place of the worst vertex, keep the order, and move the centroid by the
/// vertex that left it and the one that joined.
fn replace_worst(
    verts: &mut [Vec<f64>],
    vals: &mut [f64],
    centroid: &mut [f64],
    x: Vec<f64>,
    fx: f64,
) {
    let dim = centroid.len();
    verts[dim].clone_from(&x);
    vals[dim] = fx;
    for i in (0..dim).rev() {
        if vals[i] < fx {
            break;
        }
        verts.swap(i, i + 1);
        vals.swap(i, i + 1);
    }
    let out = -1.0 / dim as f64;
    for (c, v) in centroid.iter_mut().zip(&verts[dim]) {
        *c += out * v;
    }
    let inn = 1.0 / dim as f64;
    for (c, v) in centroid.iter_mut().zip(&x) {
        *c += inn * v;
    }
}

/// `x` to a whole power by binary powering on the mantissa (the exponent kept apart),
/// multiplying in the same order as upstream's `math.Pow`, so the results agree exactly.
fn pow_int(x: f64, n: u64) -> f64 {
    if n == 0 || x == 1.0 {
        return 1.0;
    }
    if n == 1 {
        return x;
    }
    if x.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        return if x.is_sign_negative() && n % 2 == 1 {
            x
        } else {
            0.0
        };
    }
    if x.is_infinite() {
        return if x < 0.0 && n % 2 == 1 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let (mut x1, mut xe) = frexp(x);
    let (mut a1, mut ae) = (1.0f64, 0i64);
    let mut i = n;
    while i != 0 {
        if !(-(1 << 12)..=(1 << 12)).contains(&xe) {
            ae += xe;
            break;
        }
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    ldexp(a1, ae)
}

/// `x = frac * 2^exp` with `|frac|` in [0.5, 1), for finite non-zero `x`.
fn frexp(x: f64) -> (f64, i64) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (x, bias) = if x.abs() < f64::MIN_POSITIVE {
        (x * (1u64 << 52) as f64, -52)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64 - 1022;
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, exp + bias)
}

/// 2^k for k in the normal exponent range.
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// `frac * 2^exp`, rounded once.
fn ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (f, e) = frexp(frac);
    let exp = exp + e;
    if exp > 1024 {
        return f.signum() * f64::INFINITY;
    }
    if exp >= -1021 {
        // f * 2^exp is a normal number: exact.
        return f * 2.0 * pow2(exp - 1);
    }
    if exp < -1086 {
        return 0.0 * f.signum();
    }
    // Subnormal: scale exactly into the normal range, then round once.
    f * pow2(exp + 128) * pow2(-128)
}

// ------------------------------------------------------------------ experimental.unpivot

/// Each column that is neither in the group key nor in `otherColumns` becomes its own
/// table of `_field` (the column's label) and `_value`, keeping the rows where it is not
/// null. `_field` joins the group key unless `otherColumns` lists it.
fn unpivot(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let others = a
        .opt_strings("otherColumns")?
        .unwrap_or_else(|| vec!["_time".into()]);
    let field_in_key = !others.iter().any(|c| c == "_field");
    let mut produced = Vec::new();
    for t in tables.tables() {
        let cols = t.columns();
        if cols.iter().any(|(l, _)| l == "_field" || l == "_value") {
            return Err(EvalError::msg(
                "unpivot can't have \"_field\" or \"_value\" as an input column",
            ));
        }
        let mut other_cols: Vec<(String, Option<usize>, ColumnType)> = Vec::new();
        for o in &others {
            if other_cols.iter().any(|(l, _, _)| l == o) {
                continue;
            }
            if o == "_field" {
                other_cols.push((o.clone(), None, ColumnType::String));
                continue;
            }
            let i = t.column_index(o).ok_or_else(|| {
                EvalError::msg(format!("unpivot could not find column named \"{o}\""))
            })?;
            // A key column is in every output table already.
            if !t.key().contains(o) {
                other_cols.push((o.clone(), Some(i), cols[i].1));
            }
        }
        let key_cols = t.key().columns();
        for (c, (label, ty)) in cols.iter().enumerate() {
            if t.key().contains(label) || others.contains(label) {
                continue;
            }
            let mut out_cols: Vec<(String, ColumnType)> =
                key_cols.iter().map(|k| (k.label.clone(), k.ty)).collect();
            let mut key_labels: Vec<String> = key_cols.iter().map(|k| k.label.clone()).collect();
            let mut key_values: Vec<Value> = key_cols.iter().map(|k| k.value.clone()).collect();
            if field_in_key {
                out_cols.push(("_field".into(), ColumnType::String));
                key_labels.push("_field".into());
                key_values.push(Value::string(label.as_str()));
            }
            out_cols.extend(other_cols.iter().map(|(l, _, ty)| (l.clone(), *ty)));
            out_cols.push(("_value".into(), *ty));
            let mut rows = Vec::new();
            for r in 0..t.num_rows() {
                let v = t.value(r, c);
                if v.is_null() {
                    continue;
                }
                let mut row: Vec<Value> = key_cols.iter().map(|k| k.value.clone()).collect();
                if field_in_key {
                    row.push(Value::string(label.as_str()));
                }
                for (_, at, _) in &other_cols {
                    row.push(match at {
                        Some(i) => t.value(r, *i),
                        None => Value::string(label.as_str()),
                    });
                }
                row.push(v);
                rows.push(row);
            }
            produced.push(
                Table::from_rows(&key_labels, &out_cols, &rows, Some(&key_values)).map_err(ve)?,
            );
        }
    }
    let merged = ops::merge_by_key(produced).map_err(|e| {
        EvalError::msg(format!(
            "columns that end up in the same table must have the same type: {}",
            ex(e)
        ))
    })?;
    derived(&tables, merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow_int_matches_repeated_multiplication_for_normal_values() {
        assert_eq!(pow_int(0.5, 3), 0.125);
        assert_eq!(pow_int(0.9, 0), 1.0);
        assert_eq!(pow_int(0.9, 1), 0.9);
        assert_eq!(pow_int(0.9, 2), 0.9 * 0.9);
        assert_eq!(pow_int(0.0, 5), 0.0);
        assert!(pow_int(f64::NAN, 3).is_nan());
        // Below the normal range the mantissa form still gives a correctly scaled result.
        assert!(pow_int(1e-200, 2) == 0.0);
        assert!(pow_int(1e-160, 2) > 0.0);
    }

    #[test]
    fn frexp_and_ldexp_round_trip() {
        for x in [1.0, 0.3, 123.456, -7.5, 1e-310, 1e300] {
            let (f, e) = frexp(x);
            assert!((0.5..1.0).contains(&f.abs()), "{x}: {f}");
            assert_eq!(ldexp(f, e), x);
        }
    }

    #[test]
    fn round_time_rounds_half_up() {
        assert_eq!(round_time(14, 10), 10);
        assert_eq!(round_time(15, 10), 20);
        assert_eq!(round_time(20, 10), 20);
    }

    #[test]
    fn nelder_mead_finds_a_quadratic_minimum() {
        let mut f = |x: &[f64]| (x[0] - 1.0).powi(2) + (x[1] + 2.0).powi(2);
        let (x, v) = nelder_mead(&mut f, &[0.0, 0.0]).expect("finite start");
        assert!(v < 1e-3, "{v}");
        assert!(
            (x[0] - 1.0).abs() < 0.05 && (x[1] + 2.0).abs() < 0.05,
            "{x:?}"
        );
    }

    #[test]
    fn ema_series_starts_with_the_mean() {
        let s = ema_series(&[Some(1.0), Some(3.0), Some(5.0)], 2);
        assert_eq!(
            s,
            vec![Some(2.0), Some(5.0 * (2.0 / 3.0) + 2.0 * (1.0 - 2.0 / 3.0))]
        );
        assert!(ema_series(&[Some(1.0)], 2).is_empty());
        assert_eq!(
            ema_series(&[None, None, Some(4.0)], 2),
            vec![None, Some(4.0)]
        );
    }
}
