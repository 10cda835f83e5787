//! `internal/gen.tables`: tables of random float values, one per combination of
//! generated tag values, drawn as upstream draws them (so a seed gives upstream's rows;
//! see [`crate::gorand`]).

use crate::gorand::GoRand;
use crate::util::{ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ExecError;
use fluxi_value::table::build_array;
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Stream, Table, Value};

/// The most rows one `gen.tables` makes (rows per series times series); more is a
/// `fluxi::exec::limit` error.
pub const MAX_ROWS: u64 = 10_000_000;

/// Rows when `n` is 0 (upstream's default number of points).
const DEFAULT_ROWS: u64 = 6;
/// Nanoseconds between rows.
const PERIOD: i64 = 10_000_000_000;

pub fn register(r: &mut Registry) {
    r.register("internal/gen", "tables", tables);
}

struct Tag {
    name: String,
    cardinality: u64,
}

/// `tables(n:, nulls:, tags:, seed:)`: for each tag in order, `cardinality` random tag
/// values (3 to 7 letters and digits, starting with a letter); one table for each
/// combination of them (the first tag varying slowest), keyed by the tags, with `n` rows
/// (6 when `n` is 0) of `_time` (10 s apart, the last one 10 s before `now()` truncated to
/// 10 s) and `_value` (normal with mean 0 and standard deviation 50; null with
/// probability `nulls`). Tables come in upstream's order: the first combination, then
/// the others from the last back. Without `seed`, the clock seeds the generator.
fn tables(interp: &mut Interpreter, a: &mut Args) -> Result<Value, EvalError> {
    let n = a
        .opt_int("n")?
        .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
    let rows = match u64::try_from(n) {
        Ok(0) => DEFAULT_ROWS,
        Ok(n) => n,
        Err(_) => return Err(EvalError::msg(format!("`n` must not be negative, got {n}"))),
    };
    let nulls = a.opt_float("nulls")?.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&nulls) {
        return Err(EvalError::msg(format!(
            "`nulls` is a probability between 0.0 and 1.0, got {nulls}"
        )));
    }
    let tags = tag_list(a)?;
    let seed = match a.opt_int("seed")? {
        Some(s) => s,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0),
    };
    let series = tags
        .iter()
        .filter(|t| t.cardinality > 0)
        .try_fold(1u64, |acc, t| acc.checked_mul(t.cardinality));
    let total = series.and_then(|s| s.checked_mul(rows));
    let total = match total {
        Some(t) if t <= MAX_ROWS => t,
        _ => {
            return Err(ex(ExecError::Limit(format!(
                "{} rows asked for ({rows} rows for each of {} series); the most is {MAX_ROWS}",
                total.map_or_else(|| "too many".to_string(), |t| t.to_string()),
                series.map_or_else(|| "too many".to_string(), |s| s.to_string()),
            ))))
        }
    };
    let now = interp.now()?;
    // The first time: `rows` periods before now truncated to the period.
    let start = i128::from(now)
        - i128::from(now.rem_euclid(PERIOD))
        - i128::from(PERIOD) * i128::from(rows);
    let last = start + i128::from(PERIOD) * (i128::from(rows) - 1);
    let (Ok(start), Ok(_)) = (i64::try_from(start), i64::try_from(last)) else {
        return Err(EvalError::msg(format!(
            "{rows} rows 10 s apart ending at now() do not fit in the times fluxi can hold"
        )));
    };
    let bytes = usize::try_from(total)
        .unwrap_or(usize::MAX)
        .saturating_mul(2 * size_of::<Value>());
    interp.reserve(bytes, "gen.tables")?;
    let result = generate(&tags, rows, nulls, seed, start);
    interp.release(bytes);
    Ok(Value::Stream(Stream::new(result?)))
}

fn tag_list(a: &mut Args) -> Result<Vec<Tag>, EvalError> {
    let items = match a.take("tags") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(v) => {
            return Err(EvalError::msg(format!(
                "`tags` must be an array of records, not {}",
                v.type_name()
            )))
        }
    };
    let mut tags: Vec<Tag> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Record(r) = item else {
            return Err(EvalError::msg(format!(
                "tag {i} must be a record {{name, cardinality}}, not {}",
                item.type_name()
            )));
        };
        let name = match r.get("name") {
            Some(Value::String(s)) => s.to_string(),
            _ => return Err(EvalError::msg(format!("tag {i} needs a string `name`"))),
        };
        let cardinality = match r.get("cardinality") {
            Some(Value::Int(c)) => u64::try_from(*c).map_err(|_| {
                EvalError::msg(format!(
                    "tag {i} ({name:?}): `cardinality` must not be negative, got {c}"
                ))
            })?,
            _ => {
                return Err(EvalError::msg(format!(
                    "tag {i} ({name:?}) needs an int `cardinality`"
                )))
            }
        };
        if name == "_time" || name == "_value" {
            return Err(EvalError::msg(format!(
                "tag {i} is named {name:?}, a column gen.tables makes itself"
            )));
        }
        if cardinality > 0 && tags.iter().any(|t| t.cardinality > 0 && t.name == name) {
            return Err(EvalError::msg(format!("tag {name:?} is listed twice")));
        }
        tags.push(Tag { name, cardinality });
    }
    Ok(tags)
}

/// A tag value: 3 to 7 characters from `A-Za-z0-9`, the first a letter.
fn tag_value(r: &mut GoRand) -> String {
    let len = r.intn(5) + 3;
    let mut s = String::with_capacity(len as usize);
    for i in 0..len {
        let n = r.intn(if i == 0 { 52 } else { 62 }) as u8;
        s.push(char::from(match n {
            0..=25 => b'A' + n,
            26..=51 => b'a' + (n - 26),
            _ => b'0' + (n - 52),
        }));
    }
    s
}

fn generate(
    tags: &[Tag],
    rows: u64,
    nulls: f64,
    seed: i64,
    start: i64,
) -> Result<Vec<Table>, EvalError> {
    let mut r = GoRand::new(seed);
    // Every tag's values are drawn first, in order; then the combinations, the first tag
    // varying slowest.
    let mut keys: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for tag in tags.iter().filter(|t| t.cardinality > 0) {
        let values: Vec<String> = (0..tag.cardinality).map(|_| tag_value(&mut r)).collect();
        keys = keys
            .iter()
            .flat_map(|k| {
                values.iter().map(move |v| {
                    let mut k = k.clone();
                    k.push((tag.name.clone(), v.clone()));
                    k
                })
            })
            .collect();
    }
    // Upstream takes the series from a binary heap whose entries all weigh the same:
    // the first comes out first, then the rest from the last back.
    let order = std::iter::once(0).chain((1..keys.len()).rev());
    let rows_usize = usize::try_from(rows).unwrap_or(usize::MAX);
    let times: Vec<Value> = (0..rows)
        .map(|i| Value::Time(start + PERIOD * i as i64))
        .collect();
    let mut out = Vec::with_capacity(keys.len());
    for idx in order {
        let key = &keys[idx];
        let values: Vec<Value> = (0..rows)
            .map(|_| {
                if nulls > 0.0 && nulls > r.float64() {
                    Value::Null
                } else {
                    Value::Float(r.norm_float64() * 50.0)
                }
            })
            .collect();
        let mut columns = Vec::with_capacity(key.len() + 2);
        let mut key_columns = Vec::with_capacity(key.len());
        for (label, v) in key {
            let v = Value::string(v.as_str());
            columns.push((
                label.clone(),
                ColumnType::String,
                build_array(
                    label,
                    ColumnType::String,
                    std::iter::repeat_n(&v, rows_usize),
                )
                .map_err(ve)?,
            ));
            key_columns.push(KeyColumn {
                label: label.clone(),
                ty: ColumnType::String,
                value: v,
            });
        }
        columns.push((
            "_time".to_string(),
            ColumnType::Time,
            build_array("_time", ColumnType::Time, times.iter()).map_err(ve)?,
        ));
        columns.push((
            "_value".to_string(),
            ColumnType::Float,
            build_array("_value", ColumnType::Float, values.iter()).map_err(ve)?,
        ));
        out.push(Table::from_arrays(GroupKey::new(key_columns), columns, rows_usize).map_err(ve)?);
    }
    Ok(out)
}
