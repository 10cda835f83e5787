//! Cell text written straight from Arrow arrays.
//!
//! The result encoders (annotated CSV, table text, JSON lines) write every cell through a
//! [`CellColumn`]: the array is downcast once per table, and each cell's text is appended
//! to the output without building a [`crate::Value`] or a `String` per cell. The text is
//! that of the values' own formatting ([`crate::format_float`], RFC 3339 times, decimal
//! integers, `true`/`false`, strings as they are).

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, TimestampNanosecondArray,
    UInt64Array,
};
use fluxi_time::{Fraction, TimeText};

use crate::value::push_float;

/// One column of a table, downcast to its fluxi type.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CellColumn<'a> {
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
    UInt(&'a UInt64Array),
    Float(&'a Float64Array),
    String(&'a StringArray),
    Time(&'a TimestampNanosecondArray),
    /// An array of no fluxi type: every cell is null.
    Null,
}

impl<'a> CellColumn<'a> {
    /// The column of an array.
    pub(crate) fn of(a: &'a ArrayRef) -> CellColumn<'a> {
        let any = a.as_any();
        if let Some(x) = any.downcast_ref::<Float64Array>() {
            CellColumn::Float(x)
        } else if let Some(x) = any.downcast_ref::<TimestampNanosecondArray>() {
            CellColumn::Time(x)
        } else if let Some(x) = any.downcast_ref::<StringArray>() {
            CellColumn::String(x)
        } else if let Some(x) = any.downcast_ref::<Int64Array>() {
            CellColumn::Int(x)
        } else if let Some(x) = any.downcast_ref::<UInt64Array>() {
            CellColumn::UInt(x)
        } else if let Some(x) = any.downcast_ref::<BooleanArray>() {
            CellColumn::Bool(x)
        } else {
            CellColumn::Null
        }
    }

    fn array(&self) -> Option<&dyn Array> {
        Some(match self {
            CellColumn::Bool(a) => *a,
            CellColumn::Int(a) => *a,
            CellColumn::UInt(a) => *a,
            CellColumn::Float(a) => *a,
            CellColumn::String(a) => *a,
            CellColumn::Time(a) => *a,
            CellColumn::Null => return None,
        })
    }

    /// Whether the cell at `row` is null (or past the array's end).
    pub(crate) fn is_null(&self, row: usize) -> bool {
        match self.array() {
            Some(a) => row >= a.len() || a.is_null(row),
            None => true,
        }
    }

    /// The string at `row`, if this is a string column and the cell is not null.
    pub(crate) fn str(&self, row: usize) -> Option<&'a str> {
        match self {
            CellColumn::String(a) if !self.is_null(row) => Some(a.value(row)),
            _ => None,
        }
    }

    /// Append the text of the cell at `row` (nothing for null); times with `fraction`,
    /// through `times` (one per column, or per table, written in row order).
    pub(crate) fn write(
        &self,
        row: usize,
        out: &mut String,
        fraction: Fraction,
        times: &mut TimeText,
    ) {
        if self.is_null(row) {
            return;
        }
        match self {
            CellColumn::Bool(a) => out.push_str(if a.value(row) { "true" } else { "false" }),
            CellColumn::Int(a) => out.push_str(itoa::Buffer::new().format(a.value(row))),
            CellColumn::UInt(a) => out.push_str(itoa::Buffer::new().format(a.value(row))),
            CellColumn::Float(a) => push_float(out, a.value(row)),
            CellColumn::String(a) => out.push_str(a.value(row)),
            CellColumn::Time(a) => times.write(out, a.value(row), fraction),
            CellColumn::Null => {}
        }
    }

    /// The float at `row`, if this is a float column and the cell is not null.
    pub(crate) fn float(&self, row: usize) -> Option<f64> {
        match self {
            CellColumn::Float(a) if !self.is_null(row) => Some(a.value(row)),
            _ => None,
        }
    }
}

/// The cells of one column as text, one after another, with where each ends: how the
/// table text finds column widths before it lays out rows.
#[derive(Debug, Default)]
pub(crate) struct ColumnText {
    text: String,
    ends: Vec<usize>,
    /// The widest cell, in characters.
    pub(crate) width: usize,
}

impl ColumnText {
    /// The text of `rows` cells of `column`.
    pub(crate) fn new(column: CellColumn<'_>, rows: usize, fraction: Fraction) -> ColumnText {
        let mut t = ColumnText {
            text: String::with_capacity(rows * 8),
            ends: Vec::with_capacity(rows),
            width: 0,
        };
        let mut times = TimeText::default();
        for r in 0..rows {
            let start = t.text.len();
            column.write(r, &mut t.text, fraction, &mut times);
            let cell = t.text.get(start..).unwrap_or_default();
            let chars = if cell.is_ascii() {
                cell.len()
            } else {
                cell.chars().count()
            };
            t.width = t.width.max(chars);
            t.ends.push(t.text.len());
        }
        t
    }

    /// The text of cell `row` (empty past the last).
    pub(crate) fn get(&self, row: usize) -> &str {
        let start = match row.checked_sub(1) {
            Some(p) => self.ends.get(p).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(row).copied().unwrap_or(start);
        self.text.get(start..end).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::array_value;
    use crate::value::{format_float, Value};
    use std::sync::Arc;

    /// What the encoders wrote before this module: the value's own text.
    fn via_value(a: &ArrayRef, row: usize, fraction: Fraction) -> String {
        match array_value(a, row) {
            Value::Null => String::new(),
            Value::Float(f) => format_float(f),
            Value::Time(t) => fluxi_time::format_rfc3339(t, fraction),
            other => other.to_string(),
        }
    }

    #[test]
    fn cells_are_the_text_of_their_values() {
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)])),
            Arc::new(Int64Array::from(vec![Some(i64::MIN), None, Some(-7)])),
            Arc::new(UInt64Array::from(vec![Some(u64::MAX), Some(0), None])),
            Arc::new(Float64Array::from(vec![
                Some(f64::NAN),
                Some(-0.0),
                Some(1e300),
            ])),
            Arc::new(StringArray::from(vec![Some("a,\"b\""), None, Some("ü")])),
            Arc::new(TimestampNanosecondArray::from(vec![
                Some(0),
                Some(-1),
                Some(1_700_000_000_123_400_000),
            ])),
        ];
        for a in &arrays {
            for row in 0..4 {
                for fraction in [Fraction::Trimmed, Fraction::Nine] {
                    let mut out = String::from("x");
                    CellColumn::of(a).write(row, &mut out, fraction, &mut TimeText::default());
                    assert_eq!(out, format!("x{}", via_value(a, row, fraction)));
                }
            }
        }
    }

    /// The float's text against Rust's `Display`: the same except where two shortest
    /// texts are equally near the value, where fluxi (as Go) takes the even last digit.
    fn check_float(f: f64) {
        let mut out = String::new();
        push_float(&mut out, f);
        if !f.is_finite() {
            return;
        }
        let display = format!("{f}");
        assert_eq!(out.parse::<f64>().ok(), Some(f), "{out} reads back");
        if out != display {
            assert_eq!(out.len(), display.len(), "{out} vs {display}");
            let (a, b) = (out.as_bytes(), display.as_bytes());
            let last = a.len() - 1;
            assert_eq!(a[..last], b[..last], "{out} vs {display}");
            assert_eq!(
                a[last] + 1,
                b[last],
                "{out} vs {display}: a tie, rounded down to even"
            );
            assert_eq!((a[last] - b'0') % 2, 0, "{out} vs {display}");
        }
    }

    #[test]
    fn floats_print_shortest_without_exponent() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check_float(f64::from_bits(x));
            // Metrics-like values: few decimals, moderate magnitudes, and their means.
            check_float((x % 10_000_000) as f64 / 1000.0);
            check_float((x % 10_000_000) as f64 / 3000.0);
            check_float((x % 1_000) as f64 * 1e-6);
        }
        for f in [
            0.0,
            1.0,
            0.1,
            1e16,
            1e17,
            123456789012345680.0,
            1e-5,
            1e-6,
            5e-324,
        ] {
            check_float(f);
            check_float(-f);
        }
        let text = |f: f64| {
            let mut out = String::new();
            push_float(&mut out, f);
            out
        };
        assert_eq!(text(1e21), format!("1{}", "0".repeat(21)));
        assert_eq!(text(-1.5e-7), "-0.00000015");
        assert_eq!(text(-0.0), "-0");
        assert_eq!(text(2.5), "2.5");
        // Exactly between ...797.2 and ...797.3: Go's strconv writes the even one.
        assert_eq!(
            text(f64::from_bits(0xc310_565a_94b4_e5f5)),
            "-1149636667324797.2"
        );
    }

    #[test]
    fn column_text_keeps_each_cell_and_the_widest() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("ab"), None, Some("üüü")]));
        let t = ColumnText::new(CellColumn::of(&a), 3, Fraction::Trimmed);
        assert_eq!((t.get(0), t.get(1), t.get(2)), ("ab", "", "üüü"));
        assert_eq!(t.width, 3);
    }
}
