//! `influxdata/influxdb/schema`: questions about the measurements, tags and fields of a
//! bucket, answered by reading it through the package's `_from` option (which scripts and
//! tests may replace), and `fieldsAsCols`.
//!
//! They are builtins rather than Flux definitions so that `_from` is looked up when they
//! run: a replacement set with `option schema._from = ...` takes effect.

use crate::influxdata::influxdb::{computed_stream, pending_read, pending_stream};
use crate::util::ex;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::ops;
use fluxi_storage::{Aggregate, Predicate};
use fluxi_syntax::Span;
use fluxi_value::{Duration, Stream, Value};

type R = Result<Value, EvalError>;

const PACKAGE: &str = "influxdata/influxdb/schema";

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "fieldsAsCols", fields_as_cols);
    r.register(PACKAGE, "tagValues", |i, a| {
        let tag = a.string("tag")?;
        let rows = Rows::from_args(i, a, Which::Predicate)?;
        distinct_values(i, rows, &tag)
    });
    r.register(PACKAGE, "measurementTagValues", |i, a| {
        let tag = a.string("tag")?;
        let rows = Rows::from_args(i, a, Which::Measurement)?;
        distinct_values(i, rows, &tag)
    });
    r.register(PACKAGE, "fieldKeys", |i, a| {
        let rows = Rows::from_args(i, a, Which::Predicate)?;
        distinct_values(i, rows, "_field")
    });
    r.register(PACKAGE, "measurementFieldKeys", |i, a| {
        let rows = Rows::from_args(i, a, Which::Measurement)?;
        distinct_values(i, rows, "_field")
    });
    r.register(PACKAGE, "measurements", |i, a| {
        let rows = Rows::from_args(i, a, Which::All)?;
        distinct_values(i, rows, "_measurement")
    });
    r.register(PACKAGE, "tagKeys", |i, a| {
        let rows = Rows::from_args(i, a, Which::Predicate)?;
        tag_keys(i, rows)
    });
    r.register(PACKAGE, "measurementTagKeys", |i, a| {
        let rows = Rows::from_args(i, a, Which::Measurement)?;
        tag_keys(i, rows)
    });
}

/// Call a universe function with named arguments and a piped stream.
pub(super) fn universe(
    interp: &mut Interpreter,
    name: &str,
    args: Vec<(&str, Value)>,
    input: Value,
    span: Span,
) -> R {
    let f = interp.option("universe", name)?;
    let named = args.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    interp.call(&f, named, Some(input), span)
}

/// `pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")`.
fn fields_as_cols(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let strings = |xs: &[&str]| {
        Value::Array(std::sync::Arc::new(
            xs.iter().map(|x| Value::string(*x)).collect(),
        ))
    };
    universe(
        interp,
        "pivot",
        vec![
            ("rowKey", strings(&["_time"])),
            ("columnKey", strings(&["_field"])),
            ("valueColumn", Value::string("_value")),
        ],
        Value::Stream(tables),
        a.span,
    )
}

/// Which rows of the bucket a helper looks at.
enum Which {
    /// Those matching the optional `predicate`.
    Predicate,
    /// Those of `measurement`.
    Measurement,
    /// All of them.
    All,
}

/// The bucket's rows between `start` (default 30 days ago) and `stop` (default now) that
/// the helper looks at.
pub(super) struct Rows {
    pub(super) stream: Stream,
    pub(super) span: Span,
}

impl Rows {
    fn from_args(interp: &mut Interpreter, a: &mut Args, which: Which) -> Result<Rows, EvalError> {
        let span = a.span;
        let bucket = a.required("bucket")?;
        let start = a.take("start").unwrap_or(Value::Duration(Duration {
            months: 0,
            nanos: 30 * 86_400_000_000_000,
            negative: true,
        }));
        let stop = match a.take("stop") {
            Some(v) => v,
            None => Value::Time(interp.now()?),
        };
        let from = interp.option(PACKAGE, "_from")?;
        let data = interp.call(&from, vec![("bucket".into(), bucket)], None, span)?;
        let ranged = universe(
            interp,
            "range",
            vec![("start", start), ("stop", stop)],
            data,
            span,
        )?;
        let Value::Stream(ranged) = ranged else {
            return Err(EvalError::msg("range did not return a stream"));
        };
        let stream = match which {
            Which::All => ranged,
            Which::Predicate => match a.take("predicate") {
                None => ranged,
                Some(f) => {
                    match universe(
                        interp,
                        "filter",
                        vec![("fn", f)],
                        Value::Stream(ranged),
                        span,
                    )? {
                        Value::Stream(s) => s,
                        _ => return Err(EvalError::msg("filter did not return a stream")),
                    }
                }
            },
            Which::Measurement => {
                let measurement = a.required("measurement")?;
                if let (Some(read), Value::String(m)) =
                    (pending_read(interp, &ranged), &measurement)
                {
                    if interp.pushdown() {
                        let read = read.with_predicate(
                            Predicate::Eq("_measurement".into(), m.to_string()),
                            &format!("filter(fn: (r) => r._measurement == {m:?})"),
                        );
                        return Ok(Rows {
                            stream: pending_stream(read),
                            span,
                        });
                    }
                }
                let ranged = interp.materialize(ranged)?;
                let kept = ops::filter(ranged.tables(), false, &mut |r| {
                    Ok(match r.get("_measurement") {
                        Some(v) => v.equals(&measurement).map_or(Value::Null, Value::Bool),
                        None => Value::Null,
                    })
                })
                .map_err(ex)?;
                Stream::new(kept).with_bounds(ranged.bounds())
            }
        };
        Ok(Rows { stream, span })
    }
}

/// The rows as far as the helpers need them: one row per series is enough to know its
/// measurement, field and tags, so a read asks storage for each series' last point, which
/// it answers from its metadata, instead of reading every row.
pub(super) fn series_only(interp: &mut Interpreter, rows: Rows) -> Result<Rows, EvalError> {
    if let Some(read) = pending_read(interp, &rows.stream) {
        if interp.pushdown() && read.range().is_some() && !interp.explain_only() {
            if let Some(t) = read.read_aggregate(Aggregate::Last, None).map_err(ex)? {
                interp.count("aggregates pushed down", 1);
                let stream = computed_stream(&read, t, "last()".into());
                return Ok(Rows { stream, ..rows });
            }
        }
    }
    let stream = interp.materialize(rows.stream)?;
    Ok(Rows { stream, ..rows })
}

/// `keep(columns: [column]) |> group() |> distinct(column)`.
fn distinct_values(interp: &mut Interpreter, rows: Rows, column: &str) -> R {
    let rows = series_only(interp, rows)?;
    let kept = universe(
        interp,
        "keep",
        vec![(
            "columns",
            Value::Array(std::sync::Arc::new(vec![Value::string(column)])),
        )],
        Value::Stream(rows.stream),
        rows.span,
    )?;
    let grouped = universe(interp, "group", vec![], kept, rows.span)?;
    universe(
        interp,
        "distinct",
        vec![("column", Value::string(column))],
        grouped,
        rows.span,
    )
}

/// `keys() |> keep(columns: ["_value"]) |> distinct()`.
fn tag_keys(interp: &mut Interpreter, rows: Rows) -> R {
    let rows = series_only(interp, rows)?;
    let keys = universe(
        interp,
        "keys",
        vec![],
        Value::Stream(rows.stream),
        rows.span,
    )?;
    let kept = universe(
        interp,
        "keep",
        vec![(
            "columns",
            Value::Array(std::sync::Arc::new(vec![Value::string("_value")])),
        )],
        keys,
        rows.span,
    )?;
    universe(interp, "distinct", vec![], kept, rows.span)
}
