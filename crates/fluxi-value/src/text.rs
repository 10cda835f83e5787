//! Result output in the upstream CLI's table text and as JSON lines.

use crate::column::ColumnType;
use crate::table::Table;
use crate::value::{format_float, Value};
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

fn text_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Float(f) => format_float(*f),
        other => other.to_string(),
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
    let rows = t.rows();
    let headers: Vec<String> = order
        .iter()
        .map(|c| format!("{}:{}", cols[*c].0, cols[*c].1))
        .collect();
    let widths: Vec<usize> = order
        .iter()
        .zip(&headers)
        .map(|(c, h)| {
            let longest = rows
                .iter()
                .map(|r| text_cell(&r[*c]).chars().count())
                .max()
                .unwrap_or(0);
            min_width(cols[*c].1).max(h.chars().count()).max(longest)
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
    for r in &rows {
        for (c, w) in order.iter().zip(&widths) {
            let _ = write!(out, "{:>w$}  ", text_cell(&r[*c]));
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

fn json_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::UInt(u) => {
            let _ = write!(out, "{u}");
        }
        Value::Float(f) if f.is_finite() => out.push_str(&format_float(*f)),
        Value::Time(t) => json_string(
            &fluxi_time::format_rfc3339(*t, fluxi_time::Fraction::Trimmed),
            out,
        ),
        other => json_string(&text_cell(other), out),
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
        let cols = t.columns();
        for r in t.rows() {
            out.push_str("{\"result\":");
            json_string(name, out);
            let _ = write!(out, ",\"table\":{}", self.id);
            for ((label, _), v) in cols.iter().zip(&r) {
                out.push(',');
                json_string(label, out);
                out.push(':');
                json_value(v, out);
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
