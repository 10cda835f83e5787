//! `sampledata`: small fixed data sets of every column type (fluxi's own values).

use crate::util::ve;
use fluxi_eval::{Args, EvalError, Interpreter, Registry};
use fluxi_value::{ColumnType, Stream, Table, Value};

const PACKAGE: &str = "sampledata";
/// 2021-01-01T00:00:00Z, the first row's time (`sampledata.start`).
const START: i64 = 1_609_459_200_000_000_000;
const STEP: i64 = 10_000_000_000;
const ROWS: usize = 6;
const FLOATS: [[f64; ROWS]; 2] = [
    [4.7, -12.3, 9.1, 15.6, 7.25, 11.0],
    [19.4, 3.85, -14.2, 8.6, 21.05, 16.3],
];
const STRINGS: [[&str; ROWS]; 2] = [
    ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"],
    ["golf", "hotel", "india", "juliett", "kilo", "lima"],
];
const BOOLS: [[bool; ROWS]; 2] = [
    [true, false, false, true, true, false],
    [false, true, true, true, false, true],
];
/// The rows (per series) that are null with `includeNull: true`.
const NULLS: [[usize; 2]; 2] = [[1, 4], [0, 3]];

pub fn register(r: &mut Registry) {
    r.register(PACKAGE, "float", |i, a| {
        set(i, a, ColumnType::Float, |s, k| Value::Float(FLOATS[s][k]))
    });
    r.register(PACKAGE, "int", |i, a| {
        set(i, a, ColumnType::Int, |s, k| {
            Value::Int(FLOATS[s][k] as i64)
        })
    });
    r.register(PACKAGE, "uint", |i, a| {
        set(i, a, ColumnType::UInt, |s, k| {
            Value::UInt((FLOATS[s][k] as i64).unsigned_abs())
        })
    });
    r.register(PACKAGE, "string", |i, a| {
        set(i, a, ColumnType::String, |s, k| {
            Value::string(STRINGS[s][k])
        })
    });
    r.register(PACKAGE, "bool", |i, a| {
        set(i, a, ColumnType::Bool, |s, k| Value::Bool(BOOLS[s][k]))
    });
    r.register(PACKAGE, "numericBool", |i, a| {
        set(i, a, ColumnType::Int, |s, k| {
            Value::Int(i64::from(BOOLS[s][k]))
        })
    });
}

/// The data set with values `value(series, row)`: one table per tag, keyed by `tag`.
fn set(
    _: &mut Interpreter,
    a: &mut Args,
    ty: ColumnType,
    value: impl Fn(usize, usize) -> Value,
) -> Result<Value, EvalError> {
    let include_null = a.opt_bool("includeNull")?.unwrap_or(false);
    let columns = [
        ("_time".to_string(), ColumnType::Time),
        ("tag".to_string(), ColumnType::String),
        ("_value".to_string(), ty),
    ];
    let key = ["tag".to_string()];
    let mut tables = Vec::with_capacity(2);
    for (s, tag) in ["t1", "t2"].into_iter().enumerate() {
        let rows: Vec<Vec<Value>> = (0..ROWS)
            .map(|k| {
                let v = if include_null && NULLS[s].contains(&k) {
                    Value::Null
                } else {
                    value(s, k)
                };
                vec![Value::Time(START + STEP * k as i64), Value::string(tag), v]
            })
            .collect();
        tables.push(Table::from_rows(&key, &columns, &rows, None).map_err(ve)?);
    }
    Ok(Value::Stream(Stream::new(tables)))
}
