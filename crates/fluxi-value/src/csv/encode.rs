//! The one canonical annotated-CSV encoder (upstream's byte layout).

use crate::table::Table;
use crate::value::{format_float, Value};

/// Line endings: CRLF on the wire, LF in golden files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    /// `\r\n`
    Crlf,
    /// `\n`
    Lf,
}

/// Encode results (name and tables, in order) with all three annotations.
pub fn encode(results: &[(String, Vec<Table>)], eol: LineEnding) -> String {
    let mut out = String::new();
    let mut e = Encoder::new(eol);
    for (name, tables) in results {
        for table in tables {
            e.table(&mut out, name, table);
        }
        e.end_result(&mut out, name);
    }
    out
}

/// Annotated CSV written as tables arrive: [`Encoder::table`] for each table of a
/// result, then [`Encoder::end_result`]; the bytes are those of [`encode`].
#[derive(Debug)]
pub struct Encoder {
    eol: LineEnding,
    /// The result being written and the shape of its last table.
    current: Option<(String, Shape)>,
    /// The next table id within the result.
    id: usize,
}

/// What decides whether a table needs a new annotation block.
#[derive(Debug, PartialEq)]
struct Shape {
    columns: Vec<(String, crate::ColumnType)>,
    key: Vec<String>,
    empty: bool,
}

impl Encoder {
    /// An encoder with these line endings.
    pub fn new(eol: LineEnding) -> Encoder {
        Encoder {
            eol,
            current: None,
            id: 0,
        }
    }

    fn nl(&self) -> &'static str {
        match self.eol {
            LineEnding::Crlf => "\r\n",
            LineEnding::Lf => "\n",
        }
    }

    /// Append one table of result `name`.
    pub fn table(&mut self, out: &mut String, name: &str, table: &Table) {
        let nl = self.nl();
        let eol = self.eol;
        let shape = Shape {
            columns: table.columns(),
            key: key_labels(table),
            empty: table.is_empty(),
        };
        if self.current.as_ref().is_some_and(|(n, _)| n != name) {
            let previous = self
                .current
                .as_ref()
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            self.end_result(out, &previous);
        }
        let id = self.id;
        let new_block = match &self.current {
            None => true,
            Some((_, p)) => {
                p.empty || shape.empty || p.columns != shape.columns || p.key != shape.key
            }
        };
        if new_block {
            if self.current.is_some() {
                out.push_str(nl);
            }
            block_header(out, name, id, table, nl);
        }
        // Cells column by column; a group key column is one value for the table.
        let n = table.num_rows();
        let cells: Vec<Cells> = shape
            .columns
            .iter()
            .enumerate()
            .map(|(c, (label, _))| match table.key().get(label) {
                Some(k) => Cells::Same(quote(&cell(&k.value), eol)),
                None => Cells::Each(
                    (0..n)
                        .map(|r| quote(&cell(&table.value(r, c)), eol))
                        .collect(),
                ),
            })
            .collect();
        let id_text = id.to_string();
        for r in 0..n {
            out.push_str(",,");
            out.push_str(&id_text);
            for c in &cells {
                out.push(',');
                out.push_str(match c {
                    Cells::Same(s) => s,
                    Cells::Each(v) => &v[r],
                });
            }
            out.push_str(nl);
        }
        self.current = Some((name.to_string(), shape));
        self.id += 1;
    }

    /// End result `name` (a result without tables still ends with its blank line).
    pub fn end_result(&mut self, out: &mut String, name: &str) {
        let _ = name;
        out.push_str(self.nl());
        self.current = None;
        self.id = 0;
    }
}

/// The text of one column's cells.
enum Cells {
    /// The same for every row (a group key column).
    Same(String),
    /// One per row.
    Each(Vec<String>),
}

fn key_labels(t: &Table) -> Vec<String> {
    t.key().columns().iter().map(|c| c.label.clone()).collect()
}

fn block_header(out: &mut String, result: &str, id: usize, table: &Table, nl: &str) {
    let columns = table.columns();
    out.push_str("#datatype,string,long");
    for (_, ty) in &columns {
        out.push(',');
        out.push_str(ty.csv_name());
    }
    out.push_str(nl);
    out.push_str("#group,false,false");
    for (label, _) in &columns {
        out.push_str(if table.key().contains(label) {
            ",true"
        } else {
            ",false"
        });
    }
    out.push_str(nl);
    out.push_str("#default,");
    out.push_str(&quote(result, LineEnding::Crlf));
    out.push(',');
    if table.is_empty() {
        out.push_str(&id.to_string());
    }
    for (label, _) in &columns {
        out.push(',');
        if table.is_empty() {
            if let Some(k) = table.key().get(label) {
                out.push_str(&quote(&cell(&k.value), LineEnding::Crlf));
            }
        }
    }
    out.push_str(nl);
    out.push_str(",result,table");
    for (label, _) in &columns {
        out.push(',');
        out.push_str(&quote(label, LineEnding::Crlf));
    }
    out.push_str(nl);
}

/// A value as CSV cell text (before quoting); null is empty.
pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Float(f) => format_float(*f),
        Value::Time(t) => fluxi_time::format_rfc3339(*t, fluxi_time::Fraction::Trimmed),
        other => other.to_string(),
    }
}

/// Go `encoding/csv` quoting with CRLF: quote fields holding `,`, `"`, CR or LF, or starting
/// with a space; `"` doubles; CR is dropped and LF becomes the line ending.
fn quote(s: &str, eol: LineEnding) -> String {
    let needs =
        s.contains([',', '"', '\r', '\n']) || s.starts_with(char::is_whitespace) || s == "\\.";
    if !needs {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\r' => {}
            '\n' => out.push_str(match eol {
                LineEnding::Crlf => "\r\n",
                LineEnding::Lf => "\n",
            }),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
