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
