//! Wide answers to long tables, as they stream in.
//!
//! A statement of [`crate::sql`] answers with columns `time` (or `t`), the tags in
//! group-key order, and the value, ordered by the tags and then time. [`Shaper`] cuts
//! that into one Flux table per series (a run of rows with the same tag values), with the
//! columns fluxi's own stores give (`_start`, `_stop`, `_time`, `_value`, `_field`,
//! `_measurement`, then the tags the series has, by name) and hands each table on as
//! soon as the next series begins. It checks the order it relies on: rows of a series
//! out of time order, or a series arriving after a later one, are an error, never a
//! silently wrong answer.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray, TimestampNanosecondArray};
use arrow_schema::{DataType, TimeUnit};
use fluxi_storage::StorageError;
use fluxi_value::{ColumnType, Table};
use std::sync::Arc;

/// What the first column holds and what becomes `_time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeColumn {
    /// The point's time (reads, selectors).
    Point,
    /// A window's start, clipped to the range's start (`count` per window).
    WindowStart,
    /// Ignored: `_time` is the range's start (`count` without windows).
    RangeStart,
}

/// Cuts the answers of one measurement and field into tables.
#[derive(Debug)]
pub struct Shaper {
    start: i64,
    stop: i64,
    measurement: String,
    field: String,
    tags: Vec<String>,
    ty: ColumnType,
    time: TimeColumn,
    current: Option<Series>,
    /// The tag values of the last series finished, to check the order.
    last: Option<Vec<Option<String>>>,
}

#[derive(Debug)]
struct Series {
    key: Vec<Option<String>>,
    times: Vec<i64>,
    values: Vec<ArrayRef>,
}

fn err(what: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("flight sql answer: {what}"))
}

/// The Arrow type fluxi keeps values of a Flux type in.
pub fn arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Float => DataType::Float64,
        ColumnType::Int => DataType::Int64,
        ColumnType::UInt => DataType::UInt64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Time => DataType::Timestamp(TimeUnit::Nanosecond, None),
        _ => DataType::Utf8,
    }
}

/// Nanoseconds since the epoch of a timestamp column, whatever its unit or zone.
fn nanos(col: &ArrayRef) -> Result<Vec<Option<i64>>, StorageError> {
    let ns = match col.data_type() {
        DataType::Timestamp(_, tz) => {
            arrow_cast::cast(col, &DataType::Timestamp(TimeUnit::Nanosecond, tz.clone()))
                .map_err(err)?
        }
        other => return Err(err(format!("the time column is {other}, not a timestamp"))),
    };
    let ints = arrow_cast::cast(&ns, &DataType::Int64).map_err(err)?;
    Ok(ints.as_primitive::<Int64Type>().iter().collect())
}

/// A column of `n` times the same string.
fn repeated(s: &str, n: usize) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(std::iter::repeat_n(s, n)))
}

impl Shaper {
    /// A shaper for one field (of Flux type `ty`) of a measurement with these tags (in
    /// group-key order, as the statement selects them), read over `[start, stop)`.
    pub fn new(
        (start, stop): (i64, i64),
        measurement: &str,
        field: &str,
        tags: Vec<String>,
        ty: ColumnType,
        time: TimeColumn,
    ) -> Shaper {
        Shaper {
            start,
            stop,
            measurement: measurement.to_string(),
            field: field.to_string(),
            tags,
            ty,
            time,
            current: None,
            last: None,
        }
    }

    /// Take a batch of the answer; `emit` gets each finished table and says whether to
    /// go on. Returns `false` once `emit` has said stop.
    pub fn push(
        &mut self,
        batch: &RecordBatch,
        emit: &mut dyn FnMut(Table) -> Result<bool, StorageError>,
    ) -> Result<bool, StorageError> {
        let k = self.tags.len();
        if batch.num_columns() != k + 2 {
            return Err(err(format!(
                "{} columns, expected {} (time, {k} tags, value)",
                batch.num_columns(),
                k + 2
            )));
        }
        let n = batch.num_rows();
        let times = nanos(batch.column(0))?;
        let mut tag_cols = Vec::with_capacity(k);
        for i in 0..k {
            let c = arrow_cast::cast(batch.column(1 + i), &DataType::Utf8).map_err(err)?;
            tag_cols.push(c);
        }
        let tag_strs: Vec<&StringArray> = tag_cols.iter().map(|c| c.as_string::<i32>()).collect();
        let values = arrow_cast::cast(batch.column(k + 1), &arrow_type(self.ty)).map_err(err)?;
        if values.null_count() > 0 {
            return Err(err("a value is null"));
        }
        let key_at = |row: usize| -> Vec<Option<String>> {
            tag_strs
                .iter()
                .map(|c| (!c.is_null(row)).then(|| c.value(row).to_string()))
                .collect()
        };
        let same_key = |row: usize, key: &[Option<String>]| {
            tag_strs.iter().zip(key).all(|(c, k)| match k {
                None => c.is_null(row),
                Some(v) => !c.is_null(row) && c.value(row) == v,
            })
        };
        let mut row = 0;
        while row < n {
            let continues = self.current.as_ref().is_some_and(|s| same_key(row, &s.key));
            if !continues {
                if !self.finish_series(emit)? {
                    return Ok(false);
                }
                let key = key_at(row);
                if self.last.as_ref().is_some_and(|l| *l >= key) {
                    return Err(err(format!(
                        "series out of order in {}.{}: {key:?} after {:?}",
                        self.measurement, self.field, self.last
                    )));
                }
                self.current = Some(Series {
                    key,
                    times: Vec::new(),
                    values: Vec::new(),
                });
            }
            let Some(series) = self.current.as_mut() else {
                break;
            };
            let mut end = row + 1;
            while end < n && same_key(end, &series.key) {
                end += 1;
            }
            for t in &times[row..end] {
                let t = match (self.time, *t) {
                    (TimeColumn::RangeStart, _) => self.start,
                    (TimeColumn::WindowStart, Some(t)) => t.max(self.start),
                    (TimeColumn::Point, Some(t)) => t,
                    (_, None) => return Err(err("a time is null")),
                };
                if series.times.last().is_some_and(|&last| last >= t) {
                    return Err(err(format!(
                        "times out of order in a series of {}.{}",
                        self.measurement, self.field
                    )));
                }
                series.times.push(t);
            }
            series.values.push(values.slice(row, end - row));
            row = end;
        }
        Ok(true)
    }

    /// The answer is complete: emit the last table. Returns what `emit` said.
    pub fn finish(
        &mut self,
        emit: &mut dyn FnMut(Table) -> Result<bool, StorageError>,
    ) -> Result<bool, StorageError> {
        self.finish_series(emit)
    }

    fn finish_series(
        &mut self,
        emit: &mut dyn FnMut(Table) -> Result<bool, StorageError>,
    ) -> Result<bool, StorageError> {
        let Some(series) = self.current.take() else {
            return Ok(true);
        };
        let n = series.times.len();
        let values = match series.values.len() {
            1 => Arc::clone(&series.values[0]),
            _ => {
                let parts: Vec<&dyn Array> = series.values.iter().map(|a| a.as_ref()).collect();
                arrow_select::concat::concat(&parts).map_err(err)?
            }
        };
        let time = |v: i64| -> ArrayRef { Arc::new(TimestampNanosecondArray::from(vec![v; n])) };
        let mut columns: Vec<(String, ColumnType, ArrayRef)> = vec![
            ("_start".into(), ColumnType::Time, time(self.start)),
            ("_stop".into(), ColumnType::Time, time(self.stop)),
            (
                "_time".into(),
                ColumnType::Time,
                Arc::new(TimestampNanosecondArray::from(series.times)),
            ),
            ("_value".into(), self.ty, values),
            (
                "_field".into(),
                ColumnType::String,
                repeated(&self.field, n),
            ),
            (
                "_measurement".into(),
                ColumnType::String,
                repeated(&self.measurement, n),
            ),
        ];
        let mut tags = Vec::new();
        for (tag, v) in self.tags.iter().zip(&series.key) {
            if let Some(v) = v {
                columns.push((tag.clone(), ColumnType::String, repeated(v, n)));
                tags.push((tag.as_str(), v.as_str()));
            }
        }
        let key =
            fluxi_storage::long_key(self.start, self.stop, &self.field, &self.measurement, tags);
        let table = Table::from_arrays(key, columns, n).map_err(err)?;
        self.last = Some(series.key);
        emit(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{DictionaryArray, Float64Array, Int32Array};
    use arrow_schema::{Field, Schema};

    fn batch(rows: &[(i64, Option<&str>, f64)]) -> RecordBatch {
        let time: ArrayRef = Arc::new(TimestampNanosecondArray::from(
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        ));
        let keys: Vec<Option<i32>> = rows.iter().map(|r| r.1.map(|_| 0)).collect();
        let names: Vec<&str> = rows.iter().map(|r| r.1.unwrap_or("")).collect();
        let host: ArrayRef = Arc::new(
            DictionaryArray::try_new(
                Int32Array::from(
                    keys.iter()
                        .enumerate()
                        .map(|(i, k)| k.map(|_| i as i32))
                        .collect::<Vec<_>>(),
                ),
                Arc::new(StringArray::from(names)),
            )
            .unwrap(),
        );
        let v: ArrayRef = Arc::new(Float64Array::from(
            rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        ));
        let schema = Schema::new(vec![
            Field::new("time", time.data_type().clone(), false),
            Field::new("host", host.data_type().clone(), true),
            Field::new("v", DataType::Float64, false),
        ]);
        RecordBatch::try_new(Arc::new(schema), vec![time, host, v]).unwrap()
    }

    fn shaper(time: TimeColumn) -> Shaper {
        Shaper::new(
            (5, 100),
            "cpu",
            "usage",
            vec!["host".into()],
            ColumnType::Float,
            time,
        )
    }

    #[test]
    fn runs_of_one_series_become_one_table_across_batches() {
        let mut s = shaper(TimeColumn::Point);
        let mut out = Vec::new();
        let mut emit = |t: Table| {
            out.push(t);
            Ok(true)
        };
        s.push(&batch(&[(10, None, 1.0), (11, Some("a"), 2.0)]), &mut emit)
            .unwrap();
        s.push(
            &batch(&[(12, Some("a"), 3.0), (7, Some("b"), 4.0)]),
            &mut emit,
        )
        .unwrap();
        s.finish(&mut emit).unwrap();
        assert_eq!(out.len(), 3);
        // The series without the tag has no such column.
        assert_eq!(out[0].key().columns().len(), 4);
        assert_eq!(out[0].num_rows(), 1);
        assert_eq!(out[1].num_rows(), 2);
        let labels: Vec<String> = out[1].columns().into_iter().map(|c| c.0).collect();
        assert_eq!(
            labels,
            [
                "_start",
                "_stop",
                "_time",
                "_value",
                "_field",
                "_measurement",
                "host"
            ]
        );
        assert!(out[1].key() < out[2].key());
    }

    #[test]
    fn answers_out_of_order_are_errors() {
        let mut emit = |_: Table| Ok(true);
        let mut s = shaper(TimeColumn::Point);
        let e = s
            .push(
                &batch(&[(10, Some("a"), 1.0), (9, Some("a"), 2.0)]),
                &mut emit,
            )
            .unwrap_err();
        assert!(e.to_string().contains("times out of order"), "{e}");
        let mut s = shaper(TimeColumn::Point);
        s.push(&batch(&[(10, Some("b"), 1.0)]), &mut emit).unwrap();
        let e = s
            .push(&batch(&[(10, Some("a"), 1.0)]), &mut emit)
            .unwrap_err();
        assert!(e.to_string().contains("series out of order"), "{e}");
    }

    #[test]
    fn window_starts_are_clipped_to_the_range() {
        let mut s = shaper(TimeColumn::WindowStart);
        let mut out = Vec::new();
        let mut emit = |t: Table| {
            out.push(t);
            Ok(true)
        };
        s.push(
            &batch(&[(0, Some("a"), 1.0), (60, Some("a"), 2.0)]),
            &mut emit,
        )
        .unwrap();
        s.finish(&mut emit).unwrap();
        let times = out[0]
            .batch()
            .column(2)
            .as_primitive::<arrow_array::types::TimestampNanosecondType>()
            .values()
            .to_vec();
        assert_eq!(times, [5, 60]);
    }
}
