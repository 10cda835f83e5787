//! Values coded as `u64` so that rows can be matched by hashing plain integers: numbers,
//! times and booleans by their bits, strings by a number given to each distinct string.
//! Used by the join pairings ([`crate::join`]) and `pivot`'s row keys ([`crate::pivot`]).

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampNanosecondType, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, TimestampNanosecondArray,
    UInt64Array,
};
use arrow_schema::DataType;
use std::collections::HashMap;

/// A hash map for the coded values of one operation: aHash (fast on short keys, and
/// seeded per process, so values chosen to collide cannot slow a query down).
pub(crate) type CodeMap<K, V> = HashMap<K, V, ahash::RandomState>;

/// When two values are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Equality {
    /// Same type and same text (the `join` package): 0 and -0 differ, NaN equals NaN.
    Printed,
    /// Equal as values (universe `join`, `pivot` row keys): 0 equals -0 and NaN equals
    /// nothing, which a code cannot say: a NaN is not coded.
    Value,
}

/// One column, read for coding.
pub(crate) enum ColumnCoder<'a> {
    Int(&'a Int64Array),
    UInt(&'a UInt64Array),
    Time(&'a TimestampNanosecondArray),
    Float(&'a Float64Array, Equality),
    Bool(&'a BooleanArray),
    Str(&'a StringArray),
}

impl<'a> ColumnCoder<'a> {
    /// The coder of a column of a fluxi type; `None` for any other column.
    pub(crate) fn of(a: &'a ArrayRef, equality: Equality) -> Option<ColumnCoder<'a>> {
        Some(match a.data_type() {
            DataType::Int64 => ColumnCoder::Int(a.as_primitive::<Int64Type>()),
            DataType::UInt64 => ColumnCoder::UInt(a.as_primitive::<UInt64Type>()),
            DataType::Timestamp(..) => {
                ColumnCoder::Time(a.as_primitive_opt::<TimestampNanosecondType>()?)
            }
            DataType::Float64 => ColumnCoder::Float(a.as_primitive::<Float64Type>(), equality),
            DataType::Boolean => ColumnCoder::Bool(a.as_boolean()),
            DataType::Utf8 => ColumnCoder::Str(a.as_string::<i32>()),
            _ => return None,
        })
    }

    /// The code of row `r` (not null). Strings are numbered in `strings`, which two
    /// columns share to be compared. `None` for a NaN under [`Equality::Value`].
    pub(crate) fn code(&self, r: usize, strings: &mut CodeMap<&'a str, u64>) -> Option<u64> {
        Some(match self {
            ColumnCoder::Int(a) => a.value(r) as u64,
            ColumnCoder::UInt(a) => a.value(r),
            ColumnCoder::Time(a) => a.value(r) as u64,
            ColumnCoder::Float(a, equality) => {
                let f = a.value(r);
                match equality {
                    // Every NaN the same value; 0 and -0 apart (they print apart).
                    Equality::Printed if f.is_nan() => f64::NAN.to_bits(),
                    Equality::Printed => f.to_bits(),
                    Equality::Value if f.is_nan() => return None,
                    Equality::Value => (f + 0.0).to_bits(),
                }
            }
            ColumnCoder::Bool(a) => u64::from(a.value(r)),
            ColumnCoder::Str(a) => {
                let next = strings.len() as u64;
                *strings.entry(a.value(r)).or_insert(next)
            }
        })
    }
}
