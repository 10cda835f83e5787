//! Builtins that make or transform streams of tables.

use crate::influxdata::influxdb::extend_plan;
use crate::util::{derived, ex, ve, with_row_fn};
use crate::vectorize;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::logical::{self, LogicalPlan};
use fluxi_exec::ops::{self, Aggregate, Selector};
use fluxi_exec::vector;
use fluxi_exec::TableBuilder;
use fluxi_value::csv;
use fluxi_value::{ColumnType, GroupKey, KeyColumn, Stream, Table, Value};

type R = Result<Value, EvalError>;

fn stream(tables: Vec<Table>) -> R {
    Ok(Value::Stream(Stream::new(tables)))
}

pub fn register(r: &mut Registry) {
    r.register("csv", "from", csv_from);
    r.register("array", "from", array_from);
    r.register("experimental/array", "from", array_from);
    // Takes plans: a yielded plan streams to the result sink instead of being held.
    r.register_pushdown("universe", "yield", yield_);
    r.register_pushdown("universe", "range", range);
    r.register_pushdown("universe", "filter", filter);
    r.register("universe", "map", map);
    r.register("universe", "keep", keep);
    r.register("universe", "drop", drop);
    r.register("universe", "rename", rename);
    r.register("universe", "group", group);
    r.register("universe", "sort", sort);
    r.register("universe", "limit", |i, a| limit(i, a, false));
    r.register("universe", "tail", |i, a| limit(i, a, true));
    r.register_pushdown("universe", "count", |i, a| {
        aggregate(i, a, Aggregate::Count)
    });
    r.register_pushdown("universe", "sum", |i, a| aggregate(i, a, Aggregate::Sum));
    r.register_pushdown("universe", "mean", |i, a| aggregate(i, a, Aggregate::Mean));
    r.register("universe", "spread", |i, a| {
        aggregate(i, a, Aggregate::Spread)
    });
    r.register_pushdown("universe", "first", |i, a| selector(i, a, Selector::First));
    r.register_pushdown("universe", "last", |i, a| selector(i, a, Selector::Last));
    r.register_pushdown("universe", "min", |i, a| selector(i, a, Selector::Min));
    r.register_pushdown("universe", "max", |i, a| selector(i, a, Selector::Max));
    r.register("universe", "duplicate", duplicate);
    r.register("universe", "set", set);
    for name in ["pass", "opaque", "slurp"] {
        r.register("internal/debug", name, identity);
    }
    // `sink` consumes its input and passes nothing on.
    r.register("internal/debug", "sink", |_, a| {
        a.tables()?;
        stream(Vec::new())
    });
    r.register("internal/debug", "null", |_, _| Ok(Value::Null));
    r.register("internal/debug", "getOption", get_option);
    // `feature(key:)`: upstream answers a flag it does not know with null, and a flag it
    // knows with its value. fluxi has no feature flags (nothing of its behaviour can be
    // switched that way), so every key is one it does not know: null.
    r.register("internal/debug", "feature", |_, a| {
        a.string("key")?;
        Ok(Value::Null)
    });
    r.register("testing/expect", "planner", |_, _| {
        Ok(Value::Record(Default::default()))
    });
}

/// `debug.getOption(pkg:, name:)`: the value option `name` of package `pkg` has where it
/// is called (a script's `option pkg.name = ...` included).
fn get_option(interp: &mut Interpreter, a: &mut Args) -> R {
    let pkg = a.string("pkg")?;
    let name = a.string("name")?;
    if interp.checker().package(&pkg).is_err() {
        return Err(EvalError::msg(format!("there is no package {pkg:?}")));
    }
    let declared = interp.package_values(&pkg)?.contains_key(name.as_str());
    if !declared {
        return Err(EvalError::msg(format!(
            "package {pkg:?} has no option {name:?}"
        )));
    }
    interp.option(&pkg, &name)
}

fn identity(_: &mut Interpreter, a: &mut Args) -> R {
    Ok(Value::Stream(a.tables()?))
}

fn csv_from(interp: &mut Interpreter, a: &mut Args) -> R {
    let text = match a.opt_string("csv")? {
        Some(t) => t,
        None => match a.opt_string("file")? {
            Some(path) => interp.read_file("csv.from", &path)?,
            None => return Err(EvalError::msg("give either `csv` or `file`")),
        },
    };
    let mode = a.string_or("mode", "annotations")?;
    match mode.as_str() {
        "annotations" => {
            let d = csv::decode(&text).map_err(ve)?;
            stream(d.tables)
        }
        "raw" => stream(vec![csv::decode_raw(&text).map_err(ve)?]),
        other => Err(EvalError::msg(format!(
            "unknown mode {other:?}; use \"annotations\" or \"raw\""
        ))),
    }
}

fn array_from(_: &mut Interpreter, a: &mut Args) -> R {
    let rows = match a
        .take_pipe("rows")
        .ok_or_else(|| EvalError::msg("missing required argument `rows`"))?
    {
        Value::Array(rows) => rows,
        v => {
            return Err(EvalError::msg(format!(
                "`rows` must be an array of records, not {}",
                v.type_name()
            )))
        }
    };
    let mut b = TableBuilder::new(&GroupKey::default());
    for row in rows.iter() {
        match row {
            Value::Record(r) => b
                .push_row(r.fields().iter().map(|(l, v)| (&**l, v.clone())))
                .map_err(ve)?,
            v => {
                return Err(EvalError::msg(format!(
                    "`rows` must be records, found {}",
                    v.type_name()
                )))
            }
        }
    }
    stream(vec![b.finish().map_err(ve)?])
}

fn yield_(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let name = a.string_or("name", "_result")?;
    interp.yield_result(&name, tables.clone())?;
    Ok(Value::Stream(tables))
}

/// A bound of `range`: a time, a duration relative to now, or Unix seconds.
pub(crate) fn bound(
    interp: &mut Interpreter,
    v: Value,
    now: &mut Option<i64>,
) -> Result<i64, EvalError> {
    let mut get_now = |interp: &mut Interpreter| -> Result<i64, EvalError> {
        if let Some(n) = now {
            return Ok(*n);
        }
        let n = interp.now()?;
        *now = Some(n);
        Ok(n)
    };
    match v {
        Value::Time(t) => Ok(t),
        Value::Duration(d) => {
            let n = get_now(interp)?;
            d.add_to(n)
                .ok_or_else(|| EvalError::msg("the range bound is outside the representable times"))
        }
        Value::Int(secs) => secs
            .checked_mul(1_000_000_000)
            .ok_or_else(|| EvalError::msg("the range bound is outside the representable times")),
        v => Err(EvalError::msg(format!(
            "a range bound must be a time, a duration or an int, not {}",
            v.type_name()
        ))),
    }
}

fn range(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let mut now = None;
    let start_v = a.required("start")?;
    let start = bound(interp, start_v, &mut now)?;
    let stop = match a.take("stop") {
        Some(v) if !v.is_null() => bound(interp, v, &mut now)?,
        _ => match now {
            Some(n) => n,
            None => interp.now()?,
        },
    };
    if start >= stop {
        return Err(EvalError::msg("cannot query an empty range")
            .with_hint("`start` must be before `stop` (a negative duration such as `-1h` counts back from now)"));
    }
    let text = format!(
        "range(start: {}, stop: {})",
        Value::Time(start),
        Value::Time(stop)
    );
    if let Some(v) = extend_plan(&tables, a, text, |input, call| {
        LogicalPlan::Range(logical::Range {
            input,
            start,
            stop,
            call,
        })
    }) {
        return Ok(v);
    }
    let tables = interp.materialize(tables)?;
    Ok(Value::Stream(
        Stream::new(ops::range(tables.tables(), start, stop).map_err(ex)?)
            .with_bounds(Some((start, stop))),
    ))
}

fn filter(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let f = a.function("fn")?;
    let keep_empty = match a.opt_string("onEmpty")?.as_deref() {
        None | Some("drop") => false,
        Some("keep") => true,
        Some(other) => {
            return Err(EvalError::msg(format!(
                "onEmpty must be \"keep\" or \"drop\", not {other:?}"
            )))
        }
    };
    let span = a.span;
    let plan = vectorize::predicate(interp, &f);
    if plan.is_none() {
        interp.note_row_path("fn");
    }
    if let Some(v) = extend_plan(&tables, a, "filter(fn: ...)", |input, call| {
        LogicalPlan::Filter(logical::Filter {
            input,
            predicate: plan.clone(),
            keep_empty,
            pushed: false,
            call,
        })
    }) {
        return Ok(v);
    }
    let tables = interp.materialize(tables)?;
    let mut out = Vec::new();
    for t in tables.tables() {
        if let Some(Ok(kept)) = plan
            .as_ref()
            .map(|p| vector::filter_table(t, p, keep_empty))
        {
            out.extend(kept);
            interp.count(vectorize::VECTORIZED, 1);
            continue;
        }
        out.extend(with_row_fn(interp, &f, "r", span, |call| {
            ops::filter_table(t, keep_empty, call)
        })?);
    }
    derived(&tables, out)
}

fn map(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let f = a.function("fn")?;
    let span = a.span;
    let plan = vectorize::map_plan(interp, &f);
    if plan.is_none() {
        interp.note_row_path("fn");
    }
    let mut out = Vec::new();
    for t in tables.tables() {
        if let Some(Ok(mapped)) = plan.as_ref().map(|p| vector::map_table(t, p)) {
            out.push(mapped);
            interp.count(vectorize::VECTORIZED, 1);
            continue;
        }
        out.extend(with_row_fn(interp, &f, "r", span, |call| {
            ops::map_table(t, call)
        })?);
    }
    derived(&tables, out)
}

/// The `columns` of `keep`/`drop`, or their `fn` predicate on labels.
fn column_predicate(
    interp: &mut Interpreter,
    a: &mut Args,
    tables: &Stream,
) -> Result<Vec<String>, EvalError> {
    if let Some(cols) = a.opt_strings("columns")? {
        return Ok(cols);
    }
    let Some(f) = a.take("fn") else {
        return Err(EvalError::msg("give either `columns` or `fn`"));
    };
    let mut chosen = Vec::new();
    for t in tables.tables() {
        for (label, _) in t.columns() {
            if chosen.contains(&label) {
                continue;
            }
            if let Value::Bool(true) = interp.call(
                &f,
                vec![("column".into(), Value::string(label.as_str()))],
                None,
                a.span,
            )? {
                chosen.push(label);
            }
        }
    }
    Ok(chosen)
}

fn keep(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let cols = column_predicate(interp, a, &tables)?;
    derived(
        &tables,
        ops::select_columns(tables.tables(), &|l| cols.iter().any(|c| c == l)).map_err(ex)?,
    )
}

fn drop(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let cols = column_predicate(interp, a, &tables)?;
    derived(
        &tables,
        ops::select_columns(tables.tables(), &|l| !cols.iter().any(|c| c == l)).map_err(ex)?,
    )
}

fn rename(interp: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let span = a.span;
    if let Some(map) = a.opt_record("columns")? {
        for (old, _) in map.fields() {
            let present = tables
                .tables()
                .iter()
                .any(|t| t.column_index(old).is_some());
            if !present && !tables.tables().is_empty() {
                return Err(EvalError::msg(format!(
                    "rename error: column \"{old}\" doesn't exist"
                )));
            }
        }
        let result = ops::rename(tables.tables(), &mut |l| {
            Ok(match map.get(l) {
                Some(Value::String(s)) => s.to_string(),
                _ => l.to_string(),
            })
        });
        return derived(&tables, result.map_err(ex)?);
    }
    let f = a.function("fn")?;
    let mut failure = None;
    let result = ops::rename(tables.tables(), &mut |l| match interp.call(
        &f,
        vec![("column".into(), Value::string(l))],
        None,
        span,
    ) {
        Ok(Value::String(s)) => Ok(s.to_string()),
        Ok(v) => Err(fluxi_exec::ExecError::msg(format!(
            "the rename function must return a string, not {}",
            v.type_name()
        ))),
        Err(e) => {
            let m = e.to_string();
            failure = Some(e);
            Err(fluxi_exec::ExecError::msg(m))
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    derived(&tables, result.map_err(ex)?)
}

fn group(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let columns = a.opt_strings("columns")?.unwrap_or_default();
    let except = match a.opt_string("mode")?.as_deref() {
        None | Some("by") => false,
        Some("except") => true,
        Some(other) => {
            return Err(EvalError::msg(format!(
                "mode must be \"by\" or \"except\", not {other:?}"
            )))
        }
    };
    derived(
        &tables,
        ops::group(tables.tables(), &columns, except).map_err(ex)?,
    )
}

fn sort(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let columns = a
        .opt_strings("columns")?
        .unwrap_or_else(|| vec!["_value".into()]);
    let desc = a.opt_bool("desc")?.unwrap_or(false);
    derived(
        &tables,
        ops::sort(tables.tables(), &columns, desc).map_err(ex)?,
    )
}

fn limit(_: &mut Interpreter, a: &mut Args, from_end: bool) -> R {
    let tables = a.tables()?;
    let n = a
        .opt_int("n")?
        .ok_or_else(|| EvalError::msg("missing required argument `n`"))?;
    let offset = a.opt_int("offset")?.unwrap_or(0);
    // As upstream: a negative offset is an error; `n <= 0` keeps no rows.
    if offset < 0 {
        return Err(EvalError::msg(format!(
            "limit offset cannot be negative ({offset})"
        )));
    }
    derived(
        &tables,
        ops::limit(tables.tables(), n, offset, from_end).map_err(ex)?,
    )
}

/// An aggregate or selector of a plan not read yet becomes a node of the plan.
fn plan_aggregate(
    tables: &Stream,
    a: &Args,
    column: &str,
    aggregate: fluxi_storage::Aggregate,
) -> Option<Value> {
    let text = if column == "_value" {
        format!("{}()", aggregate.name())
    } else {
        format!("{}(column: {column:?})", aggregate.name())
    };
    extend_plan(tables, a, text, |input, call| {
        LogicalPlan::Aggregate(logical::AggregateNode {
            input,
            aggregate,
            column: column.to_string(),
            call,
        })
    })
}

fn aggregate(interp: &mut Interpreter, a: &mut Args, agg: Aggregate) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let pushed = match agg {
        Aggregate::Count => Some(fluxi_storage::Aggregate::Count),
        Aggregate::Sum => Some(fluxi_storage::Aggregate::Sum),
        Aggregate::Mean => Some(fluxi_storage::Aggregate::Mean),
        _ => None,
    };
    if let Some(p) = pushed {
        if let Some(v) = plan_aggregate(&tables, a, &column, p) {
            return Ok(v);
        }
    }
    let tables = interp.materialize(tables)?;
    derived(
        &tables,
        ops::aggregate(tables.tables(), &column, agg).map_err(ex)?,
    )
}

fn selector(interp: &mut Interpreter, a: &mut Args, sel: Selector) -> R {
    let tables = a.tables()?;
    let column = a.string_or("column", "_value")?;
    let pushed = match sel {
        Selector::First => fluxi_storage::Aggregate::First,
        Selector::Last => fluxi_storage::Aggregate::Last,
        Selector::Min => fluxi_storage::Aggregate::Min,
        Selector::Max => fluxi_storage::Aggregate::Max,
    };
    if let Some(v) = plan_aggregate(&tables, a, &column, pushed) {
        return Ok(v);
    }
    let tables = interp.materialize(tables)?;
    if matches!(sel, Selector::Min | Selector::Max) {
        for t in tables.tables() {
            if let Some((_, ty @ (ColumnType::String | ColumnType::Bool))) =
                t.columns().into_iter().find(|(l, _)| *l == column)
            {
                let which = if sel == Selector::Min {
                    "MinSelector"
                } else {
                    "MaxSelector"
                };
                // Upstream's wording, which scripts and tests match on.
                return Err(EvalError::msg(format!("invalid use of function: *universe.{which} has no implementation for type {ty}")));
            }
        }
    }
    derived(
        &tables,
        ops::select(tables.tables(), &column, sel).map_err(ex)?,
    )
}

fn duplicate(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let column = a.string("column")?;
    let as_ = a.string("as")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let c = t.column_index(&column).ok_or_else(|| {
            EvalError::msg(format!(
                "duplicate error: column \"{column}\" doesn't exist"
            ))
        })?;
        let mut cols = t.columns();
        let ty = cols[c].1;
        let mut rows = t.rows();
        match cols.iter().position(|(l, _)| *l == as_) {
            Some(existing) => {
                cols[existing].1 = ty;
                for r in rows.iter_mut() {
                    r[existing] = r[c].clone();
                }
            }
            None => {
                cols.push((as_.clone(), ty));
                for r in rows.iter_mut() {
                    let v = r[c].clone();
                    r.push(v);
                }
            }
        }
        out.push(rebuild_with_key(t, &cols, &rows)?);
    }
    derived(&tables, out)
}

fn rebuild_with_key(
    t: &Table,
    cols: &[(String, ColumnType)],
    rows: &[Vec<Value>],
) -> Result<Table, EvalError> {
    let key: Vec<&KeyColumn> = t
        .key()
        .columns()
        .iter()
        .filter(|k| cols.iter().any(|(l, ty)| *l == k.label && *ty == k.ty))
        .collect();
    let labels: Vec<String> = key.iter().map(|k| k.label.clone()).collect();
    let values: Vec<Value> = key.iter().map(|k| k.value.clone()).collect();
    Table::from_rows(&labels, cols, rows, Some(&values)).map_err(ve)
}

fn set(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let key = a.string("key")?;
    let value = a.string("value")?;
    let mut out = Vec::new();
    for t in tables.tables() {
        let mut cols = t.columns();
        let mut rows = t.rows();
        match cols.iter().position(|(l, _)| *l == key) {
            Some(i) => {
                cols[i].1 = ColumnType::String;
                for r in rows.iter_mut() {
                    r[i] = Value::string(value.as_str());
                }
            }
            None => {
                cols.push((key.clone(), ColumnType::String));
                for r in rows.iter_mut() {
                    r.push(Value::string(value.as_str()));
                }
            }
        }
        let mut kc: Vec<KeyColumn> = t.key().columns().to_vec();
        for k in kc.iter_mut() {
            if k.label == key {
                k.ty = ColumnType::String;
                k.value = Value::string(value.as_str());
            }
        }
        let labels: Vec<String> = kc.iter().map(|k| k.label.clone()).collect();
        let values: Vec<Value> = kc.iter().map(|k| k.value.clone()).collect();
        out.push(Table::from_rows(&labels, &cols, &rows, Some(&values)).map_err(ve)?);
    }
    derived(&tables, ops::merge_by_key(out).map_err(ex)?)
}
