//! The annotated-CSV decoder, with the rules of upstream's `csv.from`.

use super::reader::{records, CsvRecord};
use crate::column::ColumnType;
use crate::error::ValueError;
use crate::table::Table;
use crate::value::Value;

/// What a CSV text decodes to: one result's name and its tables.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The result name: from `#default`, else the first row's `result` cell, else
    /// `_result`.
    pub result: String,
    /// The tables in CSV order (tables with equal keys are not merged).
    pub tables: Vec<Table>,
}

struct Block {
    types: Vec<ColumnType>,
    group: Vec<bool>,
    defaults: Vec<String>,
    labels: Vec<String>,
    default_table: String,
    default_result: String,
}

fn err(line: usize, msg: impl std::fmt::Display) -> ValueError {
    ValueError::Csv(format!("line {line}: {msg}"))
}

/// Parse one cell of a column type.
fn parse_cell(text: &str, ty: ColumnType) -> Result<Value, String> {
    let bad = || format!("cannot parse {text:?} as {}", ty.csv_name());
    Ok(match ty {
        ColumnType::String => Value::string(text),
        ColumnType::Int => Value::Int(text.parse::<i64>().map_err(|_| bad())?),
        ColumnType::UInt => Value::UInt(text.parse::<u64>().map_err(|_| bad())?),
        ColumnType::Float => Value::Float(parse_go_float(text).ok_or_else(bad)?),
        ColumnType::Bool => Value::Bool(match text {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
            "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
            _ => return Err(bad()),
        }),
        ColumnType::Time => {
            let t = fluxi_time::parse_rfc3339(text)
                .map_err(|e| format!("cannot parse {text:?} as dateTime: {e}"))?;
            // Times outside 1677..2262 wrap around, as upstream's 64-bit nanoseconds do.
            Value::Time(
                t.seconds
                    .wrapping_mul(1_000_000_000)
                    .wrapping_add(i64::from(t.nanos)),
            )
        }
    })
}

/// Go's `ParseFloat` spellings: decimal, exponent, `NaN`, `Inf`, `+Inf`, `-Inf`.
fn parse_go_float(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Inf" | "+Inf" | "inf" | "+inf" => Some(f64::INFINITY),
        "-Inf" | "-inf" => Some(f64::NEG_INFINITY),
        _ if text
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
            && !text.is_empty() =>
        {
            text.parse().ok()
        }
        _ => None,
    }
}

/// Decode annotated CSV: `#datatype`, `#group` and `#default` annotations are required in
/// every block; empty cells take the column default, and an empty default is null.
pub fn decode(text: &str) -> Result<Decoded, ValueError> {
    let recs = records(text);
    let mut tables = Vec::new();
    let mut result: Option<String> = None;
    let mut row_result: Option<String> = None;
    let mut i = 0;
    while i < recs.len() {
        // Annotations of one block.
        let block_line = recs[i].line;
        let mut datatype = None;
        let mut group = None;
        let mut default = None;
        // As upstream, an annotation is named with or without its `#` (`datatype,...`
        // is `#datatype,...`) until all three are read; other `#` lines are skipped.
        while let Some(r) = recs.get(i) {
            let first = r.fields.first().map(String::as_str).unwrap_or_default();
            let complete = datatype.is_some() && group.is_some() && default.is_some();
            match first.strip_prefix('#').unwrap_or(first) {
                "datatype" if !complete || first.starts_with('#') => datatype = Some(r),
                "group" if !complete || first.starts_with('#') => group = Some(r),
                "default" if !complete || first.starts_with('#') => default = Some(r),
                _ if first.starts_with('#') => {}
                _ => break,
            }
            i += 1;
        }
        let (Some(datatype), Some(group), Some(default)) = (datatype, group, default) else {
            let missing = if datatype.is_none() {
                "datatype"
            } else if group.is_none() {
                "group"
            } else {
                "default"
            };
            return Err(err(
                block_line,
                format!("missing expected annotation {missing}"),
            ));
        };
        let Some(header) = recs.get(i) else {
            return Err(err(
                block_line,
                "annotations are not followed by a header row",
            ));
        };
        i += 1;
        let block = block_of(datatype, group, default, header)?;
        // As upstream, a block's result is the `result` cell of its `#default` row (the
        // rows' own `result` cells are not read), and every block must have the same one.
        note_result(&mut result, &block.default_result, default.line)?;
        // Data rows up to the next annotation block: as upstream, a row whose first
        // cell is not empty starts one.
        let start = i;
        while i < recs.len() && recs[i].fields.first().is_none_or(|f| f.is_empty()) {
            i += 1;
        }
        let rows = &recs[start..i];
        if rows.is_empty() {
            tables.push(empty_table(&block, header.line)?);
            continue;
        }
        let mut current: Vec<Vec<Value>> = Vec::new();
        let mut current_id: Option<String> = None;
        for r in rows {
            let id = r
                .fields
                .get(2)
                .filter(|s| !s.is_empty())
                .cloned()
                .unwrap_or_else(|| block.default_table.clone());
            if row_result.is_none() {
                row_result = r.fields.get(1).filter(|s| !s.is_empty()).cloned();
            }
            if current_id.as_ref().is_some_and(|c| *c != id) {
                tables.push(table_of(&block, std::mem::take(&mut current), header.line)?);
            }
            current_id = Some(id);
            current.push(row_of(&block, r)?);
        }
        tables.push(table_of(&block, current, header.line)?);
    }
    // The name: the `#default` one; when that is empty, the first row's (a name only,
    // as upstream never reads rows' `result` cells); else `_result`.
    let result = result
        .filter(|r| !r.is_empty())
        .or(row_result)
        .unwrap_or_else(|| "_result".into());
    Ok(Decoded { result, tables })
}

/// The first block's result is `result`; a later block with another one is an error.
fn note_result(result: &mut Option<String>, name: &str, line: usize) -> Result<(), ValueError> {
    match result {
        Some(r) if r != name => Err(err(
            line,
            format!("csv.from() can only parse 1 result; found {r:?} and {name:?}"),
        )),
        Some(_) => Ok(()),
        None => {
            *result = Some(name.to_string());
            Ok(())
        }
    }
}

fn block_of(
    datatype: &CsvRecord,
    group: &CsvRecord,
    default: &CsvRecord,
    header: &CsvRecord,
) -> Result<Block, ValueError> {
    let width = header.fields.len();
    if width < 3 {
        return Err(err(
            header.line,
            "the header row needs the columns ,result,table and at least one more",
        ));
    }
    for (name, r) in [
        ("#datatype", datatype),
        ("#group", group),
        ("#default", default),
    ] {
        if r.fields.len() != width {
            return Err(err(
                r.line,
                format!(
                    "{name} has {} columns but the header row has {width}",
                    r.fields.len()
                ),
            ));
        }
    }
    let mut types = Vec::new();
    let mut flags = Vec::new();
    for c in 3..width {
        let t = &datatype.fields[c];
        let ty = ColumnType::from_csv_name(t).ok_or_else(|| {
            err(
                datatype.line,
                format!(
                    "unsupported data type {t:?} for column {:?}",
                    header.fields[c]
                ),
            )
        })?;
        types.push(ty);
        let g = &group.fields[c];
        flags.push(match g.as_str() {
            "true" => true,
            "false" | "" => false,
            other => {
                return Err(err(
                    group.line,
                    format!("#group values are true or false, found {other:?}"),
                ))
            }
        });
    }
    Ok(Block {
        types,
        group: flags,
        defaults: default.fields[3..].to_vec(),
        labels: header.fields[3..].to_vec(),
        default_table: default.fields[2].clone(),
        default_result: default.fields[1].clone(),
    })
}

fn row_of(block: &Block, r: &CsvRecord) -> Result<Vec<Value>, ValueError> {
    if r.fields.len() != block.labels.len() + 3 {
        return Err(err(
            r.line,
            format!(
                "the row has {} columns but the header has {}",
                r.fields.len(),
                block.labels.len() + 3
            ),
        ));
    }
    let mut values = Vec::with_capacity(block.labels.len());
    for (c, ty) in block.types.iter().enumerate() {
        let cell = &r.fields[c + 3];
        let text = if cell.is_empty() {
            &block.defaults[c]
        } else {
            cell
        };
        if text.is_empty() {
            values.push(Value::Null);
            continue;
        }
        values.push(
            parse_cell(text, *ty)
                .map_err(|m| err(r.line, format!("column {:?}: {m}", block.labels[c])))?,
        );
    }
    Ok(values)
}

fn columns_of(block: &Block) -> (Vec<(String, ColumnType)>, Vec<String>) {
    let columns: Vec<(String, ColumnType)> = block
        .labels
        .iter()
        .cloned()
        .zip(block.types.iter().copied())
        .collect();
    let key: Vec<String> = block
        .labels
        .iter()
        .zip(&block.group)
        .filter(|(_, g)| **g)
        .map(|(l, _)| l.clone())
        .collect();
    (columns, key)
}

fn table_of(block: &Block, rows: Vec<Vec<Value>>, line: usize) -> Result<Table, ValueError> {
    let (columns, key) = columns_of(block);
    Table::from_rows(&key, &columns, &rows, None).map_err(|e| err(line, e))
}

/// A block without rows: an empty table whose key values come from `#default`.
fn empty_table(block: &Block, line: usize) -> Result<Table, ValueError> {
    let (columns, key) = columns_of(block);
    let mut key_values = Vec::new();
    for (c, label) in block.labels.iter().enumerate() {
        if key.contains(label) {
            let d = &block.defaults[c];
            key_values.push(if d.is_empty() {
                Value::Null
            } else {
                parse_cell(d, block.types[c])
                    .map_err(|m| err(line, format!("#default of column {label:?}: {m}")))?
            });
        }
    }
    Table::from_rows(&key, &columns, &[], Some(&key_values)).map_err(|e| err(line, e))
}

/// `csv.from(mode: "raw")`: the first row is the header, every column is a string, one
/// table with an empty key.
pub fn decode_raw(text: &str) -> Result<Table, ValueError> {
    let recs = records(text);
    let Some(header) = recs.first() else {
        return Table::from_rows(&[], &[], &[], None);
    };
    let columns: Vec<(String, ColumnType)> = header
        .fields
        .iter()
        .map(|l| (l.clone(), ColumnType::String))
        .collect();
    let mut rows = Vec::new();
    for r in &recs[1..] {
        if r.fields.len() != columns.len() {
            return Err(err(
                r.line,
                format!(
                    "the row has {} columns but the header has {}",
                    r.fields.len(),
                    columns.len()
                ),
            ));
        }
        rows.push(r.fields.iter().map(|f| Value::string(f.as_str())).collect());
    }
    Table::from_rows(&[], &columns, &rows, None)
}
