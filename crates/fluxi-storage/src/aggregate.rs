//! Aggregates and selectors over stored series ([`Storage::read_aggregate`]).
//!
//! [`aggregate_read`] is the reference: it computes an aggregate from the tables of a
//! [`Storage::read`] answer, and is how [`crate::MemoryStorage`] answers
//! `read_aggregate`. Backends that compute aggregates natively use the same core (an
//! accumulator fed a series' points in time order, in as many pieces as they come), so
//! that every backend gives bit-for-bit the same answer: sums of floats are added in time
//! order, one value after the other.
//!
//! [`Storage::read_aggregate`]: crate::Storage::read_aggregate
//! [`Storage::read`]: crate::Storage::read

use crate::storage::{Aggregate, ReadResult, Result, StorageError, Windowing};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampNanosecondType, UInt64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray, TimestampNanosecondArray,
    UInt64Array,
};
use arrow_schema::DataType;
use fluxi_value::{ColumnType, Table};
use std::sync::Arc;

/// A value a selector picked.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Float(f64),
    Int(i64),
    UInt(u64),
    Str(String),
    Bool(bool),
}

/// The value at `row` of an array of a field type.
fn scalar(values: &dyn Array, row: usize) -> Option<Scalar> {
    if row >= values.len() || values.is_null(row) {
        return None;
    }
    Some(match values.data_type() {
        DataType::Float64 => Scalar::Float(values.as_primitive_opt::<Float64Type>()?.value(row)),
        DataType::Int64 => Scalar::Int(values.as_primitive_opt::<Int64Type>()?.value(row)),
        DataType::UInt64 => Scalar::UInt(values.as_primitive_opt::<UInt64Type>()?.value(row)),
        DataType::Utf8 => Scalar::Str(values.as_string_opt::<i32>()?.value(row).to_string()),
        DataType::Boolean => Scalar::Bool(values.as_boolean_opt()?.value(row)),
        _ => return None,
    })
}

/// The window being accumulated.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    /// Whether a window is open.
    open: bool,
    /// `_time` of an aggregate: the window's start, clipped to the range's start.
    time: i64,
    /// The window's end (exclusive); none when it is past the largest time.
    stop: Option<i64>,
    first_row: usize,
    count: u64,
    fsum: f64,
    isum: i64,
    usum: u64,
}

/// Computes an aggregate per window of one series, fed its points in time order (times
/// sorted and unique across all pieces, values without nulls).
#[derive(Debug)]
pub(crate) struct Accumulator {
    aggregate: Aggregate,
    window: Option<Windowing>,
    range_start: i64,
    ty: DataType,
    /// Rows fed so far.
    seen: usize,
    current: Window,
    /// A selector's pick in the current window: value, time, row.
    best: Option<(Scalar, i64, usize)>,
    times: Vec<i64>,
    rows: Vec<usize>,
    counts: Vec<i64>,
    floats: Vec<f64>,
    ints: Vec<i64>,
    uints: Vec<u64>,
    picks: Vec<Scalar>,
}

/// An accumulator's answer.
#[derive(Debug)]
pub(crate) struct Aggregated {
    /// `_time` of each row.
    pub times: Vec<i64>,
    /// `_value` of each row.
    pub values: ArrayRef,
    /// For each row, the input row it comes from (counting over all pieces fed): the
    /// chosen point for selectors, the window's first point otherwise.
    pub rows: Vec<usize>,
}

fn type_error(ty: &DataType) -> StorageError {
    StorageError::Backend(format!("aggregate: unexpected value type {ty}"))
}

impl Accumulator {
    /// An accumulator for values of Arrow type `ty`; `None` when the aggregate does not
    /// apply to it (`Sum`, `Mean`, `Min`, `Max` of strings or booleans).
    pub(crate) fn new(
        aggregate: Aggregate,
        window: Option<Windowing>,
        range_start: i64,
        ty: DataType,
    ) -> Option<Accumulator> {
        let numeric = matches!(ty, DataType::Float64 | DataType::Int64 | DataType::UInt64);
        let any = matches!(ty, DataType::Utf8 | DataType::Boolean);
        let ok = match aggregate {
            Aggregate::Count | Aggregate::First | Aggregate::Last => numeric || any,
            _ => numeric,
        };
        ok.then(|| Accumulator {
            aggregate,
            window,
            range_start,
            ty,
            seen: 0,
            current: Window::default(),
            best: None,
            times: Vec::new(),
            rows: Vec::new(),
            counts: Vec::new(),
            floats: Vec::new(),
            ints: Vec::new(),
            uints: Vec::new(),
            picks: Vec::new(),
        })
    }

    fn open(&mut self, t: i64, row: usize) {
        let (start, stop) = match self.window {
            Some(w) => {
                let s = w.start_of(t);
                (s, s.checked_add(w.every))
            }
            None => (self.range_start, None),
        };
        self.current = Window {
            open: true,
            time: start.max(self.range_start),
            stop,
            first_row: row,
            count: 0,
            fsum: 0.0,
            isum: 0,
            usum: 0,
        };
    }

    fn close(&mut self) {
        let w = self.current;
        if !w.open {
            return;
        }
        self.current.open = false;
        match self.aggregate {
            Aggregate::Count => {
                self.counts.push(w.count as i64);
                self.times.push(w.time);
                self.rows.push(w.first_row);
            }
            Aggregate::Mean => {
                self.floats.push(w.fsum / w.count as f64);
                self.times.push(w.time);
                self.rows.push(w.first_row);
            }
            Aggregate::Sum => {
                match self.ty {
                    DataType::Int64 => self.ints.push(w.isum),
                    DataType::UInt64 => self.uints.push(w.usum),
                    _ => self.floats.push(w.fsum),
                }
                self.times.push(w.time);
                self.rows.push(w.first_row);
            }
            _ => {
                if let Some((v, t, row)) = self.best.take() {
                    self.picks.push(v);
                    self.times.push(t);
                    self.rows.push(row);
                }
            }
        }
    }

    /// Feeds the next points: times sorted, after every time fed before.
    pub(crate) fn push(&mut self, times: &[i64], values: &dyn Array) -> Result<()> {
        if values.data_type() != &self.ty {
            return Err(StorageError::Backend(
                "a series holds values of two types".into(),
            ));
        }
        if values.len() != times.len() {
            return Err(StorageError::Backend(
                "aggregate: as many times as values expected".into(),
            ));
        }
        let n = times.len();
        let mut i = 0;
        while i < n {
            let t = times[i];
            let inside = self.current.open && self.current.stop.is_none_or(|s| t < s);
            if !inside {
                self.close();
                self.open(t, self.seen + i);
            }
            let stop = self.current.stop;
            let rest = times.get(i..).unwrap_or_default();
            let j = match stop {
                None => n,
                // Windows are short: look a few points ahead before searching.
                Some(s) => match rest.iter().take(16).position(|&x| x >= s) {
                    Some(k) => i + k,
                    None => i + rest.partition_point(|&x| x < s),
                },
            };
            let j = j.max(i + 1);
            self.add(times, values, i, j)?;
            i = j;
        }
        self.seen += n;
        Ok(())
    }

    /// Adds rows `[i, j)` (all in the current window).
    fn add(&mut self, times: &[i64], values: &dyn Array, i: usize, j: usize) -> Result<()> {
        let seen = self.seen;
        let aggregate = self.aggregate;
        let w = &mut self.current;
        let best = &mut self.best;
        w.count += (j - i) as u64;
        let bad = || type_error(values.data_type());
        match aggregate {
            Aggregate::Count => {}
            Aggregate::Sum | Aggregate::Mean => match values.data_type() {
                DataType::Float64 => {
                    let v = values.as_primitive_opt::<Float64Type>().ok_or_else(bad)?;
                    for x in v.values().get(i..j).unwrap_or_default() {
                        w.fsum += x;
                    }
                }
                DataType::Int64 => {
                    let v = values.as_primitive_opt::<Int64Type>().ok_or_else(bad)?;
                    for &x in v.values().get(i..j).unwrap_or_default() {
                        w.isum = w.isum.wrapping_add(x);
                        w.fsum += x as f64;
                    }
                }
                DataType::UInt64 => {
                    let v = values.as_primitive_opt::<UInt64Type>().ok_or_else(bad)?;
                    for &x in v.values().get(i..j).unwrap_or_default() {
                        w.usum = w.usum.wrapping_add(x);
                        w.fsum += x as f64;
                    }
                }
                other => return Err(type_error(other)),
            },
            Aggregate::First => {
                if best.is_none() {
                    let v = scalar(values, i).ok_or_else(bad)?;
                    *best = Some((v, times[i], seen + i));
                }
            }
            Aggregate::Last => {
                let v = scalar(values, j - 1).ok_or_else(bad)?;
                *best = Some((v, times[j - 1], seen + j - 1));
            }
            Aggregate::Min | Aggregate::Max => {
                let max = aggregate == Aggregate::Max;
                // The earliest extreme of these rows, then against the window's so far.
                let k = match values.data_type() {
                    DataType::Float64 => extreme::<Float64Type>(values, i, j, max),
                    DataType::Int64 => extreme::<Int64Type>(values, i, j, max),
                    DataType::UInt64 => extreme::<UInt64Type>(values, i, j, max),
                    other => return Err(type_error(other)),
                }
                .ok_or_else(bad)?;
                let v = scalar(values, k).ok_or_else(bad)?;
                let better = match &*best {
                    None => true,
                    Some((b, _, _)) => {
                        if max {
                            less(b, &v)
                        } else {
                            less(&v, b)
                        }
                    }
                };
                if better {
                    *best = Some((v, times[k], seen + k));
                }
            }
        }
        Ok(())
    }

    /// The answer.
    pub(crate) fn finish(mut self) -> Result<Aggregated> {
        self.close();
        let values: ArrayRef = match self.aggregate {
            Aggregate::Count => Arc::new(Int64Array::from(self.counts)),
            Aggregate::Mean => Arc::new(Float64Array::from(self.floats)),
            Aggregate::Sum => match self.ty {
                DataType::Int64 => Arc::new(Int64Array::from(self.ints)),
                DataType::UInt64 => Arc::new(UInt64Array::from(self.uints)),
                _ => Arc::new(Float64Array::from(self.floats)),
            },
            _ => picks(&self.ty, self.picks)?,
        };
        Ok(Aggregated {
            times: self.times,
            values,
            rows: self.rows,
        })
    }
}

/// Strict order of two numbers of the same type.
fn less(a: &Scalar, b: &Scalar) -> bool {
    match (a, b) {
        (Scalar::Float(x), Scalar::Float(y)) => x < y,
        (Scalar::Int(x), Scalar::Int(y)) => x < y,
        (Scalar::UInt(x), Scalar::UInt(y)) => x < y,
        _ => false,
    }
}

/// The row of the earliest smallest (or largest) value of rows `[i, j)`.
fn extreme<T: arrow_array::ArrowPrimitiveType>(
    values: &dyn Array,
    i: usize,
    j: usize,
    max: bool,
) -> Option<usize>
where
    T::Native: PartialOrd,
{
    let v = values.as_primitive_opt::<T>()?.values().get(i..j)?;
    let mut best = 0;
    for (k, x) in v.iter().enumerate() {
        let better = if max { *x > v[best] } else { *x < v[best] };
        if better {
            best = k;
        }
    }
    (!v.is_empty()).then_some(i + best)
}

/// The picked values as an array of the field's type.
fn picks(ty: &DataType, picks: Vec<Scalar>) -> Result<ArrayRef> {
    let mismatch = || StorageError::Backend("aggregate: picked values of two types".into());
    Ok(match ty {
        DataType::Float64 => Arc::new(
            picks
                .into_iter()
                .map(|p| match p {
                    Scalar::Float(x) => Ok(x),
                    _ => Err(mismatch()),
                })
                .collect::<Result<Float64Array>>()?,
        ),
        DataType::Int64 => Arc::new(
            picks
                .into_iter()
                .map(|p| match p {
                    Scalar::Int(x) => Ok(x),
                    _ => Err(mismatch()),
                })
                .collect::<Result<Int64Array>>()?,
        ),
        DataType::UInt64 => Arc::new(
            picks
                .into_iter()
                .map(|p| match p {
                    Scalar::UInt(x) => Ok(x),
                    _ => Err(mismatch()),
                })
                .collect::<Result<UInt64Array>>()?,
        ),
        DataType::Utf8 => Arc::new(StringArray::from(
            picks
                .into_iter()
                .map(|p| match p {
                    Scalar::Str(x) => Ok(x),
                    _ => Err(mismatch()),
                })
                .collect::<Result<Vec<String>>>()?,
        )),
        DataType::Boolean => Arc::new(BooleanArray::from(
            picks
                .into_iter()
                .map(|p| match p {
                    Scalar::Bool(x) => Ok(x),
                    _ => Err(mismatch()),
                })
                .collect::<Result<Vec<bool>>>()?,
        )),
        other => return Err(type_error(other)),
    })
}

/// The type of an aggregate's `_value` for values of type `input`.
pub(crate) fn output_type(aggregate: Aggregate, input: ColumnType) -> ColumnType {
    match aggregate {
        Aggregate::Count => ColumnType::Int,
        Aggregate::Mean => ColumnType::Float,
        _ => input,
    }
}

/// Computes an aggregate from the tables of a read (Flux's long shape: one series per
/// table, rows sorted by time, `_value` without nulls), as
/// [`crate::Storage::read_aggregate`] describes: one row per non-empty window, `_time` the
/// chosen point's time for selectors and the window's start (clipped to the range's
/// start; the range's start without windows) for `Count`, `Sum` and `Mean`. The other
/// columns keep the values of the window's first row (of the chosen row for selectors).
///
/// `None` when the aggregate does not apply to a series' type.
pub fn aggregate_read(
    result: ReadResult,
    range_start: i64,
    aggregate: Aggregate,
    window: Option<Windowing>,
) -> Result<Option<ReadResult>> {
    let mut tables = Vec::with_capacity(result.tables.len());
    for table in &result.tables {
        if table.is_empty() {
            continue;
        }
        match aggregate_table(table, range_start, aggregate, window)? {
            Some(t) => tables.push(t),
            None => return Ok(None),
        }
    }
    Ok(Some(ReadResult {
        tables,
        applied: result.applied,
    }))
}

fn aggregate_table(
    table: &Table,
    range_start: i64,
    aggregate: Aggregate,
    window: Option<Windowing>,
) -> Result<Option<Table>> {
    let missing = |c: &str| StorageError::Backend(format!("aggregate: table without {c}"));
    let time_index = table
        .column_index("_time")
        .ok_or_else(|| missing("_time"))?;
    let value_index = table
        .column_index("_value")
        .ok_or_else(|| missing("_value"))?;
    let batch = table.batch();
    let times = batch
        .column(time_index)
        .as_primitive_opt::<TimestampNanosecondType>()
        .ok_or_else(|| missing("a _time column of times"))?;
    let values = batch.column(value_index);
    if values.null_count() > 0 {
        return Err(StorageError::Backend(
            "aggregate: a _value column with nulls".into(),
        ));
    }
    let Some(mut acc) =
        Accumulator::new(aggregate, window, range_start, values.data_type().clone())
    else {
        return Ok(None);
    };
    acc.push(times.values(), values.as_ref())?;
    let agg = acc.finish()?;
    let indices = arrow_array::UInt32Array::from_iter_values(
        // Tables are far smaller than 4G rows.
        agg.rows.iter().map(|&r| r as u32),
    );
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (i, (label, ty)) in table.columns().into_iter().enumerate() {
        if i == time_index {
            columns.push((
                label,
                ColumnType::Time,
                Arc::new(TimestampNanosecondArray::from(agg.times.clone())) as ArrayRef,
            ));
        } else if i == value_index {
            columns.push((label, output_type(aggregate, ty), Arc::clone(&agg.values)));
        } else {
            let taken = arrow_select::take::take(batch.column(i).as_ref(), &indices, None)
                .map_err(|e| StorageError::Backend(format!("aggregate: {e}")))?;
            columns.push((label, ty, taken));
        }
    }
    Table::from_arrays(table.key().clone(), columns, agg.times.len())
        .map(Some)
        .map_err(|e| StorageError::Backend(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        pieces: &[(&[i64], ArrayRef)],
        aggregate: Aggregate,
        window: Option<Windowing>,
    ) -> (Vec<i64>, ArrayRef) {
        let ty = pieces[0].1.data_type().clone();
        let mut acc = Accumulator::new(aggregate, window, 0, ty).unwrap_or_else(|| panic!());
        for (t, v) in pieces {
            acc.push(t, v.as_ref()).unwrap_or_else(|e| panic!("{e}"));
        }
        let out = acc.finish().unwrap_or_else(|e| panic!("{e}"));
        (out.times, out.values)
    }

    #[test]
    fn pieces_give_the_answer_of_the_whole() {
        let w = Some(Windowing {
            every: 10,
            offset: 0,
        });
        let whole: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 5.0, 2.0, 5.0, 0.1, 0.2]));
        let times = [1, 3, 9, 11, 12, 25];
        let a: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 5.0]));
        let b: ArrayRef = Arc::new(Float64Array::from(vec![2.0, 5.0, 0.1, 0.2]));
        for agg in [
            Aggregate::Count,
            Aggregate::Sum,
            Aggregate::Mean,
            Aggregate::Min,
            Aggregate::Max,
            Aggregate::First,
            Aggregate::Last,
        ] {
            let one = run(&[(&times, Arc::clone(&whole))], agg, w);
            let two = run(
                &[(&times[..2], Arc::clone(&a)), (&times[2..], Arc::clone(&b))],
                agg,
                w,
            );
            assert_eq!(one.0, two.0, "{agg:?}");
            assert_eq!(one.1.as_ref(), two.1.as_ref(), "{agg:?}");
        }
        let (t, v) = run(&[(&times, whole)], Aggregate::Max, w);
        // The earliest of equal values.
        assert_eq!(t, vec![3, 11, 25]);
        assert_eq!(
            v.as_primitive::<Float64Type>().values().to_vec(),
            vec![5.0, 5.0, 0.2]
        );
    }

    #[test]
    fn strings_have_no_sum() {
        assert!(Accumulator::new(Aggregate::Sum, None, 0, DataType::Utf8).is_none());
        assert!(Accumulator::new(Aggregate::Last, None, 0, DataType::Boolean).is_some());
    }
}
