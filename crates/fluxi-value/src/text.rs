//! Result output in the upstream CLI's table text and as JSON lines.

use crate::cell::{CellColumn, ColumnText};
use crate::column::ColumnType;
use crate::table::Table;
use fluxi_time::{Fraction, TimeText};
use std::fmt::Write;

fn min_width(ty: ColumnType) -> usize {
    match ty {
        ColumnType::String => 22,
        ColumnType::Int => 26,
        ColumnType::UInt => 27,
        ColumnType::Float => 28,
        ColumnType::Bool => 12,
        ColumnType::Time => 30,
    }
}

/// One table as the upstream CLI prints it: key columns first, every cell right-aligned
/// to its column width and followed by two spaces.
pub fn table_text(t: &Table) -> String {
    let cols = t.columns();
    let mut order: Vec<usize> = (0..cols.len())
        .filter(|c| t.key().contains(&cols[*c].0))
        .collect();
    order.extend((0..cols.len()).filter(|c| !t.key().contains(&cols[*c].0)));
    let rows = t.num_rows();
    let headers: Vec<String> = order
        .iter()
        .map(|c| format!("{}:{}", cols[*c].0, cols[*c].1))
        .collect();
    // Column by column: every cell's text, and so each column's width.
    let texts: Vec<ColumnText> = order
        .iter()
        .map(|c| ColumnText::new(CellColumn::of(t.batch().column(*c)), rows, Fraction::Nine))
        .collect();
    let widths: Vec<usize> = order
        .iter()
        .zip(&headers)
        .zip(&texts)
        .map(|((c, h), text)| {
            let ty = cols.get(*c).map_or(ColumnType::String, |(_, ty)| *ty);
            min_width(ty).max(h.chars().count()).max(text.width)
        })
        .collect();
    let keys: Vec<&str> = t.key().columns().iter().map(|k| k.label.as_str()).collect();
    let mut out = format!("Table: keys: [{}]\n", keys.join(", "));
    for (h, w) in headers.iter().zip(&widths) {
        let _ = write!(out, "{h:>w$}  ");
    }
    out.push('\n');
    for w in &widths {
        out.push_str(&"-".repeat(*w));
        out.push_str("  ");
    }
    out.push('\n');
    out.reserve(rows * (widths.iter().sum::<usize>() + 2 * widths.len() + 1));
    for r in 0..rows {
        for (text, w) in texts.iter().zip(&widths) {
            let cell = text.get(r);
            let chars = if cell.is_ascii() {
                cell.len()
            } else {
                cell.chars().count()
            };
            out.extend(std::iter::repeat_n(' ', w.saturating_sub(chars)));
            out.push_str(cell);
            out.push_str("  ");
        }
        out.push('\n');
    }
    out
}

/// Every result as table text, each under `Result: <name>`.
pub fn results_text(results: &[(String, Vec<Table>)]) -> String {
    let mut out = String::new();
    let mut e = TextEncoder::default();
    for (name, tables) in results {
        for t in tables {
            e.table(&mut out, name, t);
        }
        e.end_result(&mut out, name);
    }
    out
}

/// Table text written as tables arrive (the bytes of [`results_text`]).
#[derive(Debug, Default)]
pub struct TextEncoder {
    current: Option<String>,
}

impl TextEncoder {
    /// Append one table of result `name`.
    pub fn table(&mut self, out: &mut String, name: &str, t: &Table) {
        if self.current.as_deref() != Some(name) {
            let _ = writeln!(out, "Result: {name}");
            self.current = Some(name.to_string());
        }
        out.push_str(&table_text(t));
    }

    /// End result `name` (a result without tables still gets its heading).
    pub fn end_result(&mut self, out: &mut String, name: &str) {
        if self.current.as_deref() != Some(name) {
            let _ = writeln!(out, "Result: {name}");
        }
        self.current = None;
    }
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One cell as a JSON value: `null`, booleans and numbers as they are, times and
/// non-finite floats (`NaN`, `+Inf`, `-Inf`) as strings.
fn json_cell(col: &CellColumn<'_>, row: usize, out: &mut String, times: &mut TimeText) {
    if col.is_null(row) {
        out.push_str("null");
    } else if let Some(s) = col.str(row) {
        json_string(s, out);
    } else {
        match col {
            CellColumn::Time(_) => {
                out.push('"');
                col.write(row, out, Fraction::Trimmed, times);
                out.push('"');
            }
            CellColumn::Float(_) if !col.float(row).is_some_and(f64::is_finite) => {
                out.push('"');
                col.write(row, out, Fraction::Trimmed, times);
                out.push('"');
            }
            _ => col.write(row, out, Fraction::Trimmed, times),
        }
    }
}

/// One JSON object per row: `result`, `table` and every column.
pub fn results_json_lines(results: &[(String, Vec<Table>)]) -> String {
    let mut out = String::new();
    let mut e = JsonLinesEncoder::default();
    for (name, tables) in results {
        for t in tables {
            e.table(&mut out, name, t);
        }
        e.end_result(&mut out, name);
    }
    out
}

/// JSON lines written as tables arrive (the bytes of [`results_json_lines`]).
#[derive(Debug, Default)]
pub struct JsonLinesEncoder {
    id: usize,
}

impl JsonLinesEncoder {
    /// Append the rows of one table of result `name`.
    pub fn table(&mut self, out: &mut String, name: &str, t: &Table) {
        let mut row_start = String::from("{\"result\":");
        json_string(name, &mut row_start);
        let _ = write!(row_start, ",\"table\":{}", self.id);
        let labels: Vec<String> = t
            .columns()
            .iter()
            .map(|(label, _)| {
                let mut l = String::from(",");
                json_string(label, &mut l);
                l.push(':');
                l
            })
            .collect();
        let cols: Vec<CellColumn<'_>> = t.batch().columns().iter().map(CellColumn::of).collect();
        let mut times = TimeText::default();
        for r in 0..t.num_rows() {
            out.push_str(&row_start);
            for (label, col) in labels.iter().zip(&cols) {
                out.push_str(label);
                json_cell(col, r, out, &mut times);
            }
            out.push_str("}\n");
        }
        self.id += 1;
    }

    /// End result `name`: table ids start again at 0.
    pub fn end_result(&mut self, _: &mut String, _: &str) {
        self.id = 0;
    }
}
