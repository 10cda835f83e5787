//! `testing` and the parts of `experimental` the test harness relies on: diff, assertions,
//! catch.

use crate::util::{ex, ve};
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_exec::{diff::diff, TableBuilder};
use fluxi_value::{GroupKey, Record, Stream, Value};
use std::sync::Arc;

type R = Result<Value, EvalError>;

pub fn register(r: &mut Registry) {
    r.register("experimental", "diff", experimental_diff);
    r.register("testing", "diff", testing_diff);
    r.register("testing", "assertEqualValues", assert_equal_values);
    r.register("testing", "assertEmpty", assert_empty);
    r.register("testing", "assertEquals", assert_equals);
    r.register("experimental", "catch", catch);
    r.register("testing", "shouldError", should_error);
}

fn experimental_diff(_: &mut Interpreter, a: &mut Args) -> R {
    let got = a
        .take_pipe("got")
        .ok_or_else(|| EvalError::msg("missing `got`"))?;
    let want = a.stream("want")?;
    let Value::Stream(got) = got else {
        return Err(EvalError::msg("`got` must be a stream of tables"));
    };
    Ok(Value::Stream(Stream::new(
        diff(got.tables(), want.tables()).map_err(ex)?,
    )))
}

/// `testing.diff(got, want)`: the diff, yielded as the `errorOutput` result.
fn testing_diff(interp: &mut Interpreter, a: &mut Args) -> R {
    let d = experimental_diff(interp, a)?;
    if let Value::Stream(s) = &d {
        interp.yield_result("errorOutput", s.clone())?;
    }
    Ok(d)
}

fn one_row(v: Value) -> Result<Stream, EvalError> {
    let mut b = TableBuilder::new(&GroupKey::default());
    b.push_row([("v", v)]).map_err(ve)?;
    Ok(Stream::new(vec![b.finish().map_err(ve)?]))
}

fn assert_equal_values(interp: &mut Interpreter, a: &mut Args) -> R {
    let got = one_row(a.required("got")?)?;
    let want = one_row(a.required("want")?)?;
    let d = Stream::new(diff(got.tables(), want.tables()).map_err(ex)?);
    interp.yield_result("errorOutput", d.clone())?;
    Ok(Value::Stream(d))
}

fn assert_empty(_: &mut Interpreter, a: &mut Args) -> R {
    let tables = a.tables()?;
    let non_empty = tables.tables().iter().filter(|t| !t.is_empty()).count();
    if non_empty > 0 {
        return Err(EvalError::new(
            fluxi_eval::ErrorKind::Failed,
            format!("found {non_empty} tables that were not empty"),
        ));
    }
    Ok(Value::Stream(tables))
}

/// `testing.assertEquals(name, got, want)`: the piped `got` unchanged when each of its
/// tables has a table of the same group key in `want` with the same columns (labels and
/// types, in order, in the key too) and the same rows in the same order (floats compared
/// exactly, null equal to null), and `want` has no other tables; otherwise it fails,
/// naming the assertion, as upstream: "test NAME: tables not equal" or "test NAME: unequal
/// group key sets", or "assertEquals streams had unequal table counts".
fn assert_equals(_: &mut Interpreter, a: &mut Args) -> R {
    let name = a.string("name")?;
    let got = a
        .take_pipe("got")
        .ok_or_else(|| EvalError::msg("missing `got`"))?;
    let Value::Stream(got) = got else {
        return Err(EvalError::msg("`got` must be a stream of tables"));
    };
    let want = a.stream("want")?;
    let failed = |msg: String| EvalError::new(fluxi_eval::ErrorKind::Failed, msg);
    let (got_tables, want_tables) = (got.tables(), want.tables());
    let mut matched = vec![false; want_tables.len()];
    let mut unmatched_got = false;
    for g in got_tables {
        match want_tables.iter().position(|w| w.key() == g.key()) {
            Some(i) => {
                if !tables_equal(g, &want_tables[i]) {
                    return Err(failed(format!("test {name}: tables not equal")));
                }
                matched[i] = true;
            }
            None => unmatched_got = true,
        }
    }
    if unmatched_got || matched.iter().any(|m| !m) {
        return Err(failed(format!("test {name}: unequal group key sets")));
    }
    if got_tables.len() != want_tables.len() {
        return Err(failed(
            "assertEquals streams had unequal table counts".to_string(),
        ));
    }
    Ok(Value::Stream(got))
}

/// Whether two tables have the same key and table columns (in order) and the same rows.
fn tables_equal(a: &fluxi_value::Table, b: &fluxi_value::Table) -> bool {
    let key_cols = |t: &fluxi_value::Table| -> Vec<(String, fluxi_value::ColumnType)> {
        t.key()
            .columns()
            .iter()
            .map(|k| (k.label.clone(), k.ty))
            .collect()
    };
    if key_cols(a) != key_cols(b) || a.columns() != b.columns() || a.num_rows() != b.num_rows() {
        return false;
    }
    let same = |x: &Value, y: &Value| match (x, y) {
        (Value::Null, Value::Null) => true,
        _ => x.equals(y) == Some(true),
    };
    let width = a.columns().len();
    (0..a.num_rows()).all(|r| (0..width).all(|c| same(&a.value(r, c), &b.value(r, c))))
}

/// `experimental.catch(fn)`: call `fn`; on error return `{code, msg}` instead of failing.
fn catch(interp: &mut Interpreter, a: &mut Args) -> R {
    let f = a.function("fn")?;
    let span = a.span;
    let fields: Vec<(Arc<str>, Value)> = match interp.call(&f, Vec::new(), None, span) {
        Ok(v) => vec![(Arc::from("value"), v), (Arc::from("code"), Value::UInt(0))],
        Err(e) => vec![
            (Arc::from("code"), Value::UInt(3)),
            (Arc::from("msg"), Value::string(e.to_string())),
        ],
    };
    Ok(Value::Record(Arc::new(Record::from_fields(fields))))
}

/// `testing.shouldError(fn, want)`: `fn` must fail with a message matching `want`; a
/// mismatching message is written to `errorOutput`.
fn should_error(interp: &mut Interpreter, a: &mut Args) -> R {
    let f = a.function("fn")?;
    let want = match a.required("want")? {
        Value::Regex(r) => r,
        v => {
            return Err(EvalError::msg(format!(
                "`want` must be a regular expression, not {}",
                v.type_name()
            )))
        }
    };
    let span = a.span;
    match interp.call(&f, Vec::new(), None, span) {
        Ok(_) => Err(EvalError::new(
            fluxi_eval::ErrorKind::Failed,
            "shouldError expected an error",
        )),
        Err(e) => {
            let msg = e.to_string();
            let tables = if want.is_match(&msg) {
                Vec::new()
            } else {
                one_row(Value::string(msg))?.into_tables()
            };
            let s = Stream::new(tables);
            interp.yield_result("errorOutput", s.clone())?;
            Ok(Value::Stream(s))
        }
    }
}
