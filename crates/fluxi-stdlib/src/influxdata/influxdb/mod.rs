//! `influxdata/influxdb`: `from`, `to` and `buckets` over the interpreter's storage, and
//! the helpers the pushdown-aware builtins share.
//!
//! `from(bucket:)` returns a stream not read yet: a [`LogicalPlan`] read. `range`,
//! `filter`, `aggregateWindow` and the aggregates and selectors add their node to such a
//! plan ([`extend_plan`]); the rules of [`fluxi_exec::rules`] then decide what storage
//! does, when a function that needs the rows (or the end of the program) reads it.

mod cardinality;
pub(crate) mod schema;
pub(crate) mod secrets;
pub(crate) mod tasks;
pub(crate) mod v1;
mod wide;

use crate::util::ve;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::logical::{Deferred, LogicalPlan};
use fluxi_exec::plan::ReadPlan;
use fluxi_storage::{FieldValue, Point, Storage, StorageError, SYSTEM_BUCKETS};
use fluxi_value::{ColumnType, Record, Stream, Table, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

type R = Result<Value, EvalError>;

const PACKAGE: &str = "influxdata/influxdb";

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "from", from);
    r.register(PACKAGE, "to", to);
    r.register(PACKAGE, "buckets", buckets);
    r.register(PACKAGE, "cardinality", cardinality::cardinality);
    v1::register(r);
    r.register(PACKAGE, "wideTo", |i, a| wide::wide_to(i, a, "wideTo"));
    r.register("experimental", "to", |i, a| {
        wide::wide_to(i, a, "experimental.to")
    });
}

/// The plan behind a stream not read yet.
pub fn pending_plan(s: &Stream) -> Option<Arc<LogicalPlan>> {
    let plan = s.pending_part()?.as_any().downcast_ref::<LogicalPlan>()?;
    Some(Arc::new(plan.clone()))
}

/// A stream not read yet, computed by this plan when something needs its rows.
pub fn plan_stream(plan: LogicalPlan) -> Stream {
    let bounds = plan.bounds();
    Stream::pending(Arc::new(plan), bounds)
}

/// [`plan_stream`] as a value.
pub fn plan_value(plan: LogicalPlan) -> Value {
    Value::Stream(plan_stream(plan))
}

/// For a builtin that takes plans: when its input is a plan not read yet, the node
/// `make` builds from that plan and this call (shown as `text`), as a stream not read
/// yet; `None` when the input has been read (the builtin then computes its result).
pub fn extend_plan(
    tables: &Stream,
    a: &Args,
    text: impl Into<String>,
    make: impl FnOnce(Arc<LogicalPlan>, Arc<dyn Deferred>) -> LogicalPlan,
) -> Option<Value> {
    let input = pending_plan(tables)?;
    let call = a.defer(text)?;
    Some(plan_value(make(input, call)))
}

/// The storage read a plan comes down to once the rules have run, when it is a plain
/// read (nothing left to compute above it): for functions that ask storage themselves.
pub fn pending_read(interp: &Interpreter, s: &Stream) -> Option<ReadPlan> {
    let plan = pending_plan(s)?;
    let optimized = fluxi_exec::rules::optimize(
        &plan,
        &fluxi_exec::rules::RuleContext {
            pushdown: interp.pushdown(),
        },
    );
    match &*optimized.plan {
        LogicalPlan::Read(r) if r.aggregate.is_none() => Some(r.read.clone()),
        _ => None,
    }
}

/// A stream for a read not made yet.
pub fn pending_stream(read: ReadPlan) -> Stream {
    plan_stream(LogicalPlan::read(read))
}

/// A stream computed by storage from a read (an aggregate pushed into it).
pub fn computed_stream(read: &ReadPlan, tables: Vec<Table>, pushed: String) -> Stream {
    Stream::new(tables)
        .with_bounds(read.range())
        .with_plan(Arc::new(read.node(Some(pushed))))
}

/// A stable id for a bucket, derived from its name (fluxi's buckets have no other id).
pub fn bucket_id(name: &str) -> String {
    // FNV-1a, 64 bits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn remote_unsupported(a: &mut Args, what: &str) -> Result<(), EvalError> {
    for arg in ["host", "token"] {
        if a.opt_string(arg)?.is_some() {
            return Err(EvalError::msg(format!(
                "{what}(`{arg}:`) reads a remote InfluxDB, which fluxi does not do: not implemented: {what} with `{arg}`"
            ))
            .with_hint("fluxi reads its own store; drop `host`/`token` and use `--data DIR`"));
        }
    }
    // An organisation names the only one there is.
    a.opt_string("org")?;
    a.opt_string("orgID")?;
    Ok(())
}

/// The bucket named by `bucket` or `bucketID`.
fn bucket_arg(interp: &mut Interpreter, a: &mut Args, what: &str) -> Result<String, EvalError> {
    remote_unsupported(a, what)?;
    match (a.opt_string("bucket")?, a.opt_string("bucketID")?) {
        (Some(b), None) => Ok(b),
        (None, Some(id)) => {
            let storage = interp.storage()?;
            let all = storage.buckets().map_err(EvalError::from)?;
            all.into_iter()
                .find(|b| bucket_id(&b.name) == id)
                .map(|b| b.name)
                .ok_or_else(|| EvalError::msg(format!("could not find bucket with id {id:?}")))
        }
        (Some(_), Some(_)) => Err(EvalError::msg(format!(
            "{what}: give either `bucket` or `bucketID`, not both"
        ))),
        (None, None) => Err(EvalError::msg(format!(
            "{what}: specify either `bucket` or `bucketID`"
        ))),
    }
}

fn from(interp: &mut Interpreter, a: &mut Args) -> R {
    let bucket = bucket_arg(interp, a, "from")?;
    from_bucket(interp, &bucket)
}

/// What `from(bucket:)` returns for this bucket: a read not made yet.
fn from_bucket(interp: &mut Interpreter, bucket: &str) -> R {
    let bucket = bucket.to_string();
    let storage = interp.storage()?;
    // InfluxDB always has its system buckets; a store that has not been written to
    // `_monitoring` yet reads as that empty bucket rather than as a missing one.
    if SYSTEM_BUCKETS.contains(&bucket.as_str())
        && !storage
            .buckets()
            .map_err(EvalError::from)?
            .iter()
            .any(|b| b.name == bucket)
    {
        return Ok(Value::Stream(Stream::new(Vec::new())));
    }
    Ok(Value::Stream(pending_stream(ReadPlan::new(
        storage, &bucket,
    ))))
}

fn buckets(interp: &mut Interpreter, a: &mut Args) -> R {
    remote_unsupported(a, "buckets")?;
    let storage = interp.storage()?;
    let all = storage.buckets().map_err(EvalError::from)?;
    let labels: Vec<(String, ColumnType)> = [
        ("name", ColumnType::String),
        ("id", ColumnType::String),
        ("organizationID", ColumnType::String),
        ("retentionPolicy", ColumnType::String),
        ("retentionPeriod", ColumnType::Int),
    ]
    .into_iter()
    .map(|(l, t)| (l.to_string(), t))
    .collect();
    let rows: Vec<Vec<Value>> = all
        .iter()
        .map(|b| {
            vec![
                Value::string(b.name.as_str()),
                Value::string(bucket_id(&b.name).as_str()),
                Value::string(""),
                Value::string(""),
                Value::Int(b.retention.unwrap_or(0)),
            ]
        })
        .collect();
    let table = Table::from_rows(&[], &labels, &rows, None).map_err(ve)?;
    Ok(Value::Stream(Stream::new(vec![table])))
}

/// A Flux value as a field value; `None` for values that are not written (null, NaN and
/// infinite floats, as InfluxDB skips them).
fn field_value(v: &Value) -> Result<Option<FieldValue>, EvalError> {
    Ok(Some(match v {
        Value::Null => return Ok(None),
        Value::Float(f) if !f.is_finite() => return Ok(None),
        Value::Float(f) => FieldValue::Float(*f),
        Value::Int(i) => FieldValue::Int(*i),
        Value::UInt(u) => FieldValue::UInt(*u),
        Value::String(s) => FieldValue::String(s.to_string()),
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Time(t) => FieldValue::Int(*t),
        other => {
            return Err(EvalError::msg(format!(
                "unsupported field type {}",
                other.type_name()
            )))
        }
    }))
}

/// `to`: write each row as a point and pass the tables on (without rows whose time is
/// null, which are not written).
fn to(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let bucket = bucket_arg(interp, a, "to")?;
    let time_column = a.string_or("timeColumn", "_time")?;
    let measurement_column = a.string_or("measurementColumn", "_measurement")?;
    let tag_columns = a.opt_strings("tagColumns")?;
    let field_fn = a.take("fieldFn");
    let read_by_field_fn = field_fn.as_ref().map(columns_read_by).unwrap_or_default();
    let span = a.span;
    let storage = interp.storage()?;
    let mut points = Vec::new();
    for t in tables.tables() {
        let columns = t.columns();
        let index = |label: &str| columns.iter().position(|(l, _)| l == label);
        let m = index(&measurement_column).ok_or_else(|| {
            EvalError::msg(format!("no column with label {measurement_column} exists"))
        })?;
        if columns[m].1 != ColumnType::String {
            return Err(EvalError::msg(format!(
                "column {measurement_column} of type {} is not of type string",
                columns[m].1
            )));
        }
        let ti = index(&time_column).ok_or_else(|| EvalError::msg("no time column detected"))?;
        if columns[ti].1 != ColumnType::Time {
            return Err(EvalError::msg(format!(
                "column {time_column} of type {} is not of type time",
                columns[ti].1
            )));
        }
        let tags: Vec<usize> = match &tag_columns {
            Some(names) => {
                let mut idx = Vec::new();
                for n in names {
                    if let Some(i) = index(n) {
                        if columns[i].1 != ColumnType::String {
                            return Err(EvalError::msg("invalid type for tag column"));
                        }
                        idx.push(i);
                    }
                }
                idx
            }
            None => columns
                .iter()
                .enumerate()
                .filter(|(_, (l, ty))| {
                    *ty == ColumnType::String
                        && !matches!(l.as_str(), "_value" | "_field")
                        && *l != measurement_column
                        && !read_by_field_fn.contains(l)
                })
                .map(|(i, _)| i)
                .collect(),
        };
        let (fi, vi) = (index("_field"), index("_value"));
        if field_fn.is_none() {
            if fi.is_none() {
                return Err(EvalError::msg("table has no _field column"));
            }
            if vi.is_none() {
                return Err(EvalError::msg("table has no _value column"));
            }
        }
        for row in t.rows() {
            let Value::Time(time) = row[ti] else {
                continue;
            };
            let Value::String(measurement) = &row[m] else {
                continue;
            };
            let mut tag_values: Vec<(String, String)> = tags
                .iter()
                .filter_map(|i| match &row[*i] {
                    Value::String(s) if !s.is_empty() => {
                        Some((columns[*i].0.clone(), s.to_string()))
                    }
                    _ => None,
                })
                .collect();
            tag_values.sort();
            let mut fields: BTreeMap<String, FieldValue> = BTreeMap::new();
            match &field_fn {
                None => {
                    if let (Some(fi), Some(vi)) = (fi, vi) {
                        if let (Value::String(f), Some(v)) = (&row[fi], field_value(&row[vi])?) {
                            fields.insert(f.to_string(), v);
                        }
                    }
                }
                Some(f) => {
                    let record = Record::from_fields(
                        columns
                            .iter()
                            .zip(row.iter())
                            .map(|((l, _), v)| (Arc::from(l.as_str()), v.clone())),
                    );
                    let out = interp.call(
                        f,
                        vec![("r".into(), Value::Record(Arc::new(record)))],
                        None,
                        span,
                    )?;
                    let Value::Record(out) = out else {
                        return Err(EvalError::msg("`fieldFn` must return a record"));
                    };
                    for (k, v) in out.fields() {
                        if let Some(v) = field_value(v)? {
                            fields.insert(k.to_string(), v);
                        }
                    }
                }
            }
            if fields.is_empty() {
                continue;
            }
            points.push(Point {
                measurement: measurement.to_string(),
                tags: tag_values,
                fields: fields.into_iter().collect(),
                time,
            });
        }
    }
    if !points.is_empty() && !interp.explain_only() {
        write_points(&*storage, &bucket, &points)?;
        interp.count("points written", points.len() as u64);
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        out.push(drop_null_times(t, &time_column)?);
    }
    Ok(Value::Stream(Stream::new(out).with_bounds(tables.bounds())))
}

/// Writes `points` into `bucket`. A system bucket ([`SYSTEM_BUCKETS`]: `_monitoring`,
/// which InfluxDB always has and `monitor.check` writes into) that the store has not got
/// yet is made by this first write, with InfluxDB's retention for it; any other missing
/// bucket is an error.
fn write_points(storage: &dyn Storage, bucket: &str, points: &[Point]) -> Result<(), EvalError> {
    match storage.write(bucket, points) {
        Err(StorageError::BucketNotFound(_)) if SYSTEM_BUCKETS.contains(&bucket) => {
            let retention = fluxi_storage::system_bucket_retention(bucket);
            match storage.create_system_bucket(bucket, retention) {
                // Made meanwhile by another writer: write into it all the same.
                Ok(()) | Err(StorageError::BucketExists(_)) => {}
                Err(e) => return Err(e.into()),
            }
            storage.write(bucket, points).map_err(EvalError::from)?;
        }
        other => {
            other.map_err(EvalError::from)?;
        }
    }
    Ok(())
}

/// The columns a `fieldFn` reads (`r.<label>` of its record parameter); upstream does not
/// make them tags by default.
fn columns_read_by(f: &Value) -> HashSet<String> {
    use fluxi_semantic::nodes::{visit, ExprKind, Statement};
    let mut read = HashSet::new();
    let Value::Function(c) = f else {
        return read;
    };
    let Some(closure) = c.as_any().downcast_ref::<fluxi_eval::Closure>() else {
        return read;
    };
    let func = closure.function();
    let Some(param) = func.params.first().map(|p| p.name.as_str()) else {
        return read;
    };
    for s in &func.body {
        if let Statement::Return(e) | Statement::Expr(e) | Statement::Variable { init: e, .. } = s {
            visit(e, &mut |x| {
                if let ExprKind::Member { object, property } = &x.kind {
                    if matches!(&object.kind, ExprKind::Ident(n) if n == param) {
                        read.insert(property.clone());
                    }
                }
            });
        }
    }
    read
}

fn drop_null_times(t: &Table, time_column: &str) -> Result<Table, EvalError> {
    let Some(c) = t.column_index(time_column) else {
        return Ok(t.clone());
    };
    if t.batch().column(c).null_count() == 0 {
        return Ok(t.clone());
    }
    let keep: Vec<usize> = (0..t.num_rows())
        .filter(|r| !t.batch().column(c).is_null(*r))
        .collect();
    fluxi_exec::ops::take_rows(t, &keep).map_err(crate::util::ex)
}
