//! Values of the non-function builtins: `true`, `false`, math and date constants, `inf`,
//! `timezone.utc`.

use fluxi_eval::Registry;
use fluxi_value::{Duration, Record, Value};
use std::sync::Arc;

pub fn register(r: &mut Registry) {
    r.constant("internal/boolean", "true", Value::Bool(true));
    r.constant("internal/boolean", "false", Value::Bool(false));
    // `inf` is the longest duration: used as "one window for everything".
    r.constant(
        "universe",
        "inf",
        Value::Duration(Duration::from_nanos(i64::MAX)),
    );
    let utc = Record::from_fields([
        (Arc::from("zone"), Value::string("UTC")),
        (Arc::from("offset"), Value::Duration(Duration::default())),
    ]);
    r.constant("timezone", "utc", Value::Record(Arc::new(utc)));
    for (name, v) in [
        ("pi", std::f64::consts::PI),
        ("e", std::f64::consts::E),
        ("phi", 1.618_033_988_749_895_f64),
        ("sqrt2", std::f64::consts::SQRT_2),
        ("sqrte", 1.648_721_270_700_128_1_f64),
        ("sqrtpi", 1.772_453_850_905_516_f64),
        ("sqrtphi", 1.272_019_649_514_069_f64),
        ("ln2", std::f64::consts::LN_2),
        ("log2e", std::f64::consts::LOG2_E),
        ("ln10", std::f64::consts::LN_10),
        ("log10e", std::f64::consts::LOG10_E),
        ("maxfloat", f64::MAX),
        ("smallestNonzeroFloat", 5e-324_f64),
    ] {
        r.constant("math", name, Value::Float(v));
    }
    r.constant("math", "maxint", Value::Int(i64::MAX));
    r.constant("math", "minint", Value::Int(i64::MIN));
    r.constant("math", "maxuint", Value::UInt(u64::MAX));
    for (i, day) in [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ]
    .iter()
    .enumerate()
    {
        r.constant("date", *day, Value::Int(i as i64));
    }
    let months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    for (i, m) in months.iter().enumerate() {
        r.constant("date", *m, Value::Int(i as i64 + 1));
    }
}
