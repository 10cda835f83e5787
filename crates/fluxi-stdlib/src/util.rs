//! Small helpers shared by the builtins.

use fluxi_eval::{EvalError, Interpreter};
use fluxi_exec::ExecError;
use fluxi_syntax::Span;
use fluxi_value::{Record, Value};
use std::sync::Arc;

/// An operator error as a runtime error, keeping its kind (and code).
pub fn ex(e: ExecError) -> EvalError {
    EvalError::from(e)
}

/// A value-layer error as a runtime error, keeping its kind (and code).
pub fn ve(e: fluxi_value::ValueError) -> EvalError {
    EvalError::from(e)
}

/// Run an operator that calls a Flux row function `fn(<param>: record)`. An error inside
/// the function keeps its own place in the script (it is not flattened into the operator's
/// message).
pub fn with_row_fn<T>(
    interp: &mut Interpreter,
    f: &Value,
    param: &str,
    span: Span,
    op: impl FnOnce(&mut dyn FnMut(Record) -> Result<Value, ExecError>) -> Result<T, ExecError>,
) -> Result<T, EvalError> {
    let mut failure: Option<EvalError> = None;
    let result = {
        let mut call = |rec: Record| -> Result<Value, ExecError> {
            interp
                .call(
                    f,
                    vec![(param.to_string(), Value::Record(Arc::new(rec)))],
                    None,
                    span,
                )
                .map_err(|e| {
                    let msg = e.to_string();
                    failure = Some(e);
                    ExecError::msg(msg)
                })
        };
        op(&mut call)
    };
    match (result, failure) {
        (_, Some(e)) => Err(e),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(ex(e)),
    }
}

/// A stream made from `input` by a transformation: it keeps `input`'s range bounds.
pub fn derived(
    input: &fluxi_value::Stream,
    tables: Vec<fluxi_value::Table>,
) -> Result<Value, EvalError> {
    Ok(Value::Stream(
        fluxi_value::Stream::new(tables).with_bounds(input.bounds()),
    ))
}
