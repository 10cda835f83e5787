//! The one canonical annotated-CSV encoder (upstream's byte layout).

use crate::cell::CellColumn;
use crate::table::Table;
use crate::value::{format_float, Value};
use fluxi_time::{Fraction, TimeText};

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

/// One annotation row of annotated CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Annotation {
    /// `#datatype`: each column's type.
    Datatype,
    /// `#group`: whether each column is in the group key.
    Group,
    /// `#default`: the result name (and an empty table's id and key values).
    Default,
}

/// How annotated CSV is laid out (InfluxDB's query `dialect`): which annotation rows, in
/// which order, whether the header row is written, and the delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    /// The annotation rows written before each header, in this order.
    pub annotations: Vec<Annotation>,
    /// Whether the row of column labels is written.
    pub header: bool,
    /// The character between cells.
    pub delimiter: char,
}

impl Default for Dialect {
    /// All three annotations, the header, commas (what [`encode`] writes).
    fn default() -> Self {
        Dialect {
            annotations: vec![Annotation::Datatype, Annotation::Group, Annotation::Default],
            header: true,
            delimiter: ',',
        }
    }
}

/// Annotated CSV written as tables arrive: [`Encoder::table`] for each table of a
/// result, then [`Encoder::end_result`]; the bytes are those of [`encode`].
#[derive(Debug)]
pub struct Encoder {
    eol: LineEnding,
    dialect: Dialect,
    /// The result being written and the shape of its last table.
    current: Option<(String, Shape)>,
    /// The next table id within the result.
    id: usize,
    /// Buffers for the pieces of a long table written on another thread (kept for the
    /// next table, so their memory is reused).
    spare: Vec<String>,
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
        Encoder::with_dialect(eol, Dialect::default())
    }

    /// An encoder with these line endings and this layout.
    pub fn with_dialect(eol: LineEnding, dialect: Dialect) -> Encoder {
        Encoder {
            eol,
            dialect,
            current: None,
            id: 0,
            spare: Vec::new(),
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
        let mut text = std::mem::take(out);
        // (This sink cannot fail.)
        let _ = self.table_pieces(&mut text, name, table, &mut |piece| {
            out.push_str(piece);
            piece.clear();
            Ok(())
        });
        out.push_str(&text);
    }

    /// One table of result `name`, appended to `out` and handed to `sink` a piece at a
    /// time: a long table's rows are written [`ROWS_PER_PIECE`] at a time (on two
    /// threads where there are two cores, one piece each in turn), and each piece, `out`
    /// first, is given to `sink` in order as it is done, so that its text is never held
    /// whole. `sink` writes a piece's text and leaves the string empty (it may put
    /// another, empty, string in its place). What is in `out` when this returns (a short
    /// table, or a long one's last rows) is for the caller to write. An error of `sink`
    /// stops the writing and is returned.
    pub fn table_pieces(
        &mut self,
        out: &mut String,
        name: &str,
        table: &Table,
        sink: &mut dyn FnMut(&mut String) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
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
            block_header(out, &self.dialect, name, id, table, nl);
        }
        let d = self.dialect.delimiter;
        let with_default = self.dialect.annotations.contains(&Annotation::Default);
        // Cells straight from the arrays. A group key column is one text for the table,
        // so a row is texts that are the same on every row (delimiters, the result and
        // table id, key values, the line ending) between the cells of the other columns.
        let n = table.num_rows();
        let mut parts: Vec<Part> = Vec::new();
        let mut text = String::new();
        text.push(d);
        if !with_default {
            text.push_str(&quote(name, eol, d));
        }
        text.push(d);
        text.push_str(itoa::Buffer::new().format(id));
        // (A key column is not read: a table of a read may not have built it.)
        for (i, (label, _)) in shape.columns.iter().enumerate() {
            text.push(d);
            if let Some(k) = table.key().get(label) {
                text.push_str(&quote(&cell(&k.value), eol, d));
            } else if let Some(array) = table.array(i) {
                parts.push(Part::same(std::mem::take(&mut text)));
                parts.push(Part::Each(CellColumn::of(array)));
            }
        }
        text.push_str(nl);
        parts.push(Part::same(text));
        // Times, numbers and booleans need quotes only if the delimiter can occur in them.
        let plain_safe = !(d.is_alphanumeric() || "+-.:".contains(d) || d.is_whitespace());
        let rows = Rows {
            parts: &parts,
            d,
            eol,
            plain_safe,
        };
        let pieces = n.div_ceil(ROWS_PER_PIECE).max(1);
        let piece = |k: usize| k * ROWS_PER_PIECE..((k + 1) * ROWS_PER_PIECE).min(n);
        let written = if pieces == 1 {
            rows.write(out, 0..n);
            Ok(())
        } else if cores() < 2 {
            (|| {
                for k in 0..pieces {
                    rows.write(out, piece(k));
                    if k + 1 < pieces {
                        sink(out)?;
                    }
                }
                Ok(())
            })()
        } else {
            let write_piece = |text: &mut String, k: usize| rows.write(text, piece(k));
            write_on_two_threads(out, &write_piece, pieces, &mut self.spare, sink)
        };
        self.current = Some((name.to_string(), shape));
        self.id += 1;
        written
    }

    /// End result `name` (a result without tables still ends with its blank line).
    pub fn end_result(&mut self, out: &mut String, name: &str) {
        let _ = name;
        out.push_str(self.nl());
        self.current = None;
        self.id = 0;
    }

    /// Append the in-band error table that ends a response whose output has begun: a
    /// blank line (when a result's tables precede it without the blank line that ends a
    /// result), the dialect's annotation rows for
    /// the two columns `error` and `reference`, the header and one row with `message`.
    /// Nothing may follow it.
    pub fn error(&mut self, out: &mut String, message: &str) {
        let nl = self.nl();
        let d = self.dialect.delimiter;
        if self.current.is_some() {
            out.push_str(nl);
        }
        for a in &self.dialect.annotations {
            let row = match a {
                Annotation::Datatype => ["#datatype", "string", "string"],
                Annotation::Group => ["#group", "true", "true"],
                Annotation::Default => ["#default", "", ""],
            };
            out.push_str(&row.join(&d.to_string()));
            out.push_str(nl);
        }
        if self.dialect.header {
            out.push(d);
            out.push_str("error");
            out.push(d);
            out.push_str("reference");
            out.push_str(nl);
        }
        out.push(d);
        out.push_str(&quote(message, self.eol, d));
        out.push(d);
        out.push_str(nl);
        self.current = None;
    }
}

/// The rows of a piece of a long table's text (about 100–300 KB for common rows): a
/// table of more is written and handed on a piece at a time.
pub const ROWS_PER_PIECE: usize = 2048;

/// The buffers the second thread writing a long table's pieces has (see
/// `write_on_two_threads`).
const BUFFERS: usize = 2;

/// How many pieces past the one to hand on next the writing thread may write.
const AHEAD: usize = 2;

/// The machine's cores.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// Writes pieces `0..pieces` of a table (`write_piece(text, k)` appends piece `k`) on
/// this thread and on one scoped thread, handing each to `sink` in order; the last piece
/// is left in `out`. Whichever thread is free writes the next piece not yet taken (this
/// one the first, into `out`), so neither waits for the other to start or to catch up
/// while there are pieces left; this thread waits only for a piece the other has taken
/// and not finished. The other thread writes into one of [`BUFFERS`] buffers that go
/// back and forth (from `spare`, or new; back to `spare` at the end), and this one runs
/// at most [`AHEAD`] pieces ahead of the one to hand on next, so a few pieces' text is
/// held at once, never a whole table. If the other thread stops, this one writes the
/// pieces it took.
fn write_on_two_threads(
    out: &mut String,
    write_piece: &(dyn Fn(&mut String, usize) + Sync),
    pieces: usize,
    spare: &mut Vec<String>,
    sink: &mut dyn FnMut(&mut String) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    // The next piece not yet taken (the first is this thread's).
    let next = AtomicUsize::new(1);
    let take = || next.fetch_add(1, Ordering::Relaxed);
    std::thread::scope(|scope| {
        let (done_tx, done_rx) = mpsc::sync_channel::<(usize, String)>(BUFFERS);
        let (free_tx, free_rx) = mpsc::channel::<String>();
        for _ in 0..BUFFERS {
            let _ = free_tx.send(spare.pop().unwrap_or_default());
        }
        let take = &take;
        let other = scope.spawn(move || {
            // A buffer first, then a piece: a piece taken is never left waiting for one.
            while let Ok(mut text) = free_rx.recv() {
                let k = take();
                if k >= pieces {
                    // None left: the buffers it has go back.
                    return std::iter::once(text).chain(free_rx.try_iter()).collect();
                }
                text.clear();
                write_piece(&mut text, k);
                // (Never blocks: the channel has room for every buffer.)
                if done_tx.send((k, text)).is_err() {
                    break;
                }
            }
            Vec::new()
        });
        write_piece(out, 0);
        // Pieces written and not handed on yet, by number, and whether this thread wrote
        // them (their buffers are this thread's; the others' go back to the other).
        let mut ready: BTreeMap<usize, (String, bool)> = BTreeMap::new();
        let mut own: Vec<String> = std::mem::take(spare);
        let mut other_stopped = false;
        let mut result = Ok(());
        // `out` holds piece `at`.
        let mut at = 0;
        while at + 1 < pieces {
            result = sink(out);
            if result.is_err() {
                break;
            }
            at += 1;
            loop {
                while let Ok((k, text)) = done_rx.try_recv() {
                    ready.insert(k, (text, false));
                }
                if let Some((mut text, mine)) = ready.remove(&at) {
                    // The emptied buffer takes the place of the piece's, so that each
                    // thread keeps as many buffers as it had.
                    std::mem::swap(out, &mut text);
                    if mine {
                        own.push(text);
                    } else if let Err(mpsc::SendError(text)) = free_tx.send(text) {
                        own.push(text);
                    }
                    break;
                }
                if next.load(Ordering::Relaxed) <= at + AHEAD {
                    let k = take();
                    if k == at {
                        write_piece(out, k);
                        break;
                    }
                    if k < pieces {
                        let mut text = own.pop().unwrap_or_default();
                        text.clear();
                        write_piece(&mut text, k);
                        ready.insert(k, (text, true));
                        continue;
                    }
                }
                if other_stopped {
                    // Taken by the other thread, which stopped before handing it over.
                    write_piece(out, at);
                    break;
                }
                match done_rx.recv() {
                    Ok((k, text)) => {
                        ready.insert(k, (text, false));
                    }
                    Err(_) => other_stopped = true,
                }
            }
        }
        // Stop the other thread (no buffer comes, none can be handed over), and keep the
        // buffers for the next table.
        drop(free_tx);
        own.extend(done_rx.try_iter().map(|(_, text)| text));
        drop(done_rx);
        if let Ok(left) = other.join() {
            own.extend(left);
        }
        own.extend(ready.into_values().map(|(text, _)| text));
        // Never more than the other thread's and the pieces this one may write ahead.
        debug_assert!(own.len() <= BUFFERS + AHEAD, "{} buffers", own.len());
        for mut text in own {
            if spare.len() < BUFFERS + AHEAD {
                text.clear();
                spare.push(text);
            }
        }
        result
    })
}

/// What writing a table's rows needs.
struct Rows<'a> {
    /// What a row is made of, in order.
    parts: &'a [Part<'a>],
    d: char,
    eol: LineEnding,
    /// Whether cells other than strings never need quotes.
    plain_safe: bool,
}

impl Rows<'_> {
    /// Append rows `range`.
    fn write(&self, out: &mut String, range: std::ops::Range<usize>) {
        let (d, eol) = (self.d, self.eol);
        let mut scratch = String::new();
        let mut times = TimeText::default();
        let before = out.len();
        let first = range.start;
        let n = range.len();
        for r in range {
            for p in self.parts {
                match p {
                    Part::Same(s) => out.push_str(s),
                    Part::One(c) => out.push(*c),
                    Part::Each(col) => match col.str(r) {
                        Some(s) => push_quoted(out, s, eol, d),
                        None if self.plain_safe => col.write(r, out, Fraction::Trimmed, &mut times),
                        None => {
                            scratch.clear();
                            col.write(r, &mut scratch, Fraction::Trimmed, &mut times);
                            push_quoted(out, &scratch, eol, d);
                        }
                    },
                }
            }
            if r == first {
                // Room for the rest, at about the first row's length.
                out.reserve((out.len() - before) * (n - 1));
            }
        }
    }
}

/// A piece of every row.
enum Part<'a> {
    /// The same text on every row.
    Same(String),
    /// The same one character on every row (the delimiter between two columns outside
    /// the group key): pushed as a character, where a text of a length known only at
    /// run time is copied by a call to `memcpy`, which costs more.
    One(char),
    /// The cell of a column outside the group key.
    Each(CellColumn<'a>),
}

impl Part<'_> {
    fn same(text: String) -> Self {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Part::One(c),
            _ => Part::Same(text),
        }
    }
}

fn key_labels(t: &Table) -> Vec<String> {
    t.key().columns().iter().map(|c| c.label.clone()).collect()
}

fn block_header(
    out: &mut String,
    dialect: &Dialect,
    result: &str,
    id: usize,
    table: &Table,
    nl: &str,
) {
    let d = dialect.delimiter;
    let q = |s: &str| quote(s, LineEnding::Crlf, d);
    let columns = table.columns();
    for a in &dialect.annotations {
        match a {
            Annotation::Datatype => {
                out.push_str("#datatype");
                out.push(d);
                out.push_str("string");
                out.push(d);
                out.push_str("long");
                for (_, ty) in &columns {
                    out.push(d);
                    out.push_str(ty.csv_name());
                }
            }
            Annotation::Group => {
                out.push_str("#group");
                out.push(d);
                out.push_str("false");
                out.push(d);
                out.push_str("false");
                for (label, _) in &columns {
                    out.push(d);
                    out.push_str(if table.key().contains(label) {
                        "true"
                    } else {
                        "false"
                    });
                }
            }
            Annotation::Default => {
                out.push_str("#default");
                out.push(d);
                out.push_str(&q(result));
                out.push(d);
                if table.is_empty() {
                    out.push_str(&id.to_string());
                }
                for (label, _) in &columns {
                    out.push(d);
                    if table.is_empty() {
                        if let Some(k) = table.key().get(label) {
                            out.push_str(&q(&cell(&k.value)));
                        }
                    }
                }
            }
        }
        out.push_str(nl);
    }
    if dialect.header {
        out.push(d);
        out.push_str("result");
        out.push(d);
        out.push_str("table");
        for (label, _) in &columns {
            out.push(d);
            out.push_str(&q(label));
        }
        out.push_str(nl);
    }
}

/// A value as CSV cell text (before quoting); null is empty.
pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Float(f) => format_float(*f),
        Value::Time(t) => fluxi_time::format_rfc3339(*t, Fraction::Trimmed),
        other => other.to_string(),
    }
}

/// Go `encoding/csv` quoting with CRLF: quote fields holding the delimiter, `"`, CR or LF,
/// or starting with a space; `"` doubles; CR is dropped and LF becomes the line ending.
fn quote(s: &str, eol: LineEnding, delimiter: char) -> String {
    let mut out = String::with_capacity(s.len());
    push_quoted(&mut out, s, eol, delimiter);
    out
}

/// Append `s` to `out`, quoted as [`quote`] says.
fn push_quoted(out: &mut String, s: &str, eol: LineEnding, delimiter: char) {
    let needs = s.contains([delimiter, '"', '\r', '\n'])
        || s.starts_with(char::is_whitespace)
        || s == "\\.";
    if !needs {
        out.push_str(s);
        return;
    }
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
}

#[cfg(test)]
mod dialect_tests {
    use super::*;

    fn tables() -> Vec<Table> {
        let text = "#datatype,string,long,string,double\n#group,false,false,true,false\n#default,_result,,,\n,result,table,host,_value\n,,0,a,1.5\n,,1,b,2\n\n";
        crate::csv::decode(text).unwrap().tables
    }

    fn run(dialect: Dialect, error: Option<&str>) -> String {
        let mut e = Encoder::with_dialect(LineEnding::Crlf, dialect);
        let mut out = String::new();
        for t in tables() {
            e.table(&mut out, "r", &t);
        }
        match error {
            Some(m) => e.error(&mut out, m),
            None => e.end_result(&mut out, "r"),
        }
        out
    }

    /// A long table (written by several threads) reads back as the same rows, in order,
    /// and has the bytes of its rows written one by one through `Value`.
    #[test]
    fn long_tables_are_written_as_short_ones_are() {
        use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampNanosecondArray};
        use std::sync::Arc;
        let n = 4 * ROWS_PER_PIECE + 17;
        let columns: Vec<(String, crate::ColumnType, ArrayRef)> = vec![
            (
                "_time".into(),
                crate::ColumnType::Time,
                Arc::new(TimestampNanosecondArray::from_iter_values(
                    (0..n as i64).map(|i| i * 1_000_000_007),
                )),
            ),
            (
                "_value".into(),
                crate::ColumnType::Float,
                Arc::new(Float64Array::from_iter(
                    (0..n).map(|i| (i % 7 != 0).then_some(i as f64 / 3.0)),
                )),
            ),
            (
                "note".into(),
                crate::ColumnType::String,
                Arc::new(StringArray::from_iter(
                    (0..n).map(|i| (i % 5 != 0).then(|| format!("n,{i}\"x\""))),
                )),
            ),
        ];
        let table = Table::from_arrays(crate::GroupKey::default(), columns, n).unwrap();
        let mut e = Encoder::new(LineEnding::Crlf);
        let mut out = String::new();
        e.table(&mut out, "r", &table);
        let mut want = String::new();
        for r in 0..n {
            want.push_str(",,0");
            for c in 0..3 {
                want.push(',');
                want.push_str(&quote(&cell(&table.value(r, c)), LineEnding::Crlf, ','));
            }
            want.push_str("\r\n");
        }
        assert!(out.ends_with(&want), "rows differ");
        let back = crate::csv::decode(&format!("{out}\r\n")).unwrap();
        assert_eq!(back.tables[0].num_rows(), n);
        // In pieces: handed on in order, each of at most ROWS_PER_PIECE rows, the last
        // left in `out`, they make the same text (three times: later tables reuse the
        // other thread's buffers and get no block header).
        let mut pieces = Encoder::new(LineEnding::Crlf);
        for k in 0..3 {
            let mut handed: Vec<String> = Vec::new();
            let mut last = String::new();
            let written = pieces.table_pieces(&mut last, "r", &table, &mut |p| {
                handed.push(std::mem::take(p));
                Ok(())
            });
            assert!(written.is_ok());
            assert_eq!(handed.len(), n.div_ceil(ROWS_PER_PIECE) - 1);
            for p in handed.iter().skip(1) {
                assert_eq!(p.matches("\r\n").count(), ROWS_PER_PIECE);
            }
            assert_eq!(last.matches("\r\n").count(), n % ROWS_PER_PIECE);
            let joined = handed.concat() + &last;
            match k {
                0 => assert_eq!(joined, out),
                _ => assert_eq!(joined, want.replace(",,0,", &format!(",,{k},"))),
            }
            assert!(
                pieces.spare.len() <= 4,
                "{} spare buffers",
                pieces.spare.len()
            );
        }
    }

    /// A table of one int column `v` of `n` rows, 0 to n - 1.
    fn int_table(n: usize) -> Table {
        use arrow_array::{ArrayRef, Int64Array};
        let column: ArrayRef = std::sync::Arc::new(Int64Array::from_iter_values(0..n as i64));
        let columns = vec![("v".into(), crate::ColumnType::Int, column)];
        match Table::from_arrays(crate::GroupKey::default(), columns, n) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }

    /// Whichever thread is free writes the next piece: with a sink that is slow now and
    /// then (the other thread runs ahead, then this one catches up), the pieces are still
    /// handed on in order and make the same text, and the buffers kept stay few.
    #[test]
    fn pieces_written_by_either_thread_are_handed_on_in_order() {
        let n = 12 * ROWS_PER_PIECE + 5;
        let table = int_table(n);
        let whole = encode(&[("r".into(), vec![table.clone()])], LineEnding::Lf);
        for slow in [1, 2, 5] {
            let mut e = Encoder::new(LineEnding::Lf);
            let mut calls = 0;
            let mut seen = String::new();
            let mut out = String::new();
            let written = e.table_pieces(&mut out, "r", &table, &mut |p| {
                calls += 1;
                if calls % slow == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(3));
                }
                seen.push_str(&std::mem::take(p));
                Ok(())
            });
            assert!(written.is_ok());
            assert_eq!(calls, n.div_ceil(ROWS_PER_PIECE) - 1);
            e.end_result(&mut out, "r");
            assert_eq!(seen + &out, whole, "sink slow every {slow} pieces");
            assert!(e.spare.len() <= BUFFERS + AHEAD, "{}", e.spare.len());
        }
    }

    /// The pieces come out in order and the buffers stay few however the work falls
    /// between the threads: the other thread slow (this one writes ahead of it), this
    /// one's sink slow (the other runs ahead), or the other thread dying on a piece (this
    /// one writes the pieces it took). Buffers are told apart by their addresses: pieces
    /// of one length never make one grow.
    #[test]
    fn two_threads_hand_on_every_piece_in_order_however_the_work_falls() {
        let caller = std::thread::current().id();
        let pieces = 40;
        let text = |k: usize| format!("piece {k:03}\n");
        let want: String = (0..pieces).map(text).collect();
        for case in ["other slow", "sink slow", "other dies"] {
            let write = |out: &mut String, k: usize| {
                let micros = if std::thread::current().id() == caller {
                    300
                } else {
                    match case {
                        "other slow" => 3000,
                        "other dies" if k > 5 => panic!("piece {k}"),
                        _ => 300,
                    }
                };
                std::thread::sleep(std::time::Duration::from_micros(micros));
                out.push_str(&text(k));
            };
            let mut spare = Vec::new();
            let mut buffers = std::collections::HashSet::new();
            let mut out = String::with_capacity(64);
            for round in 0..3 {
                let mut seen = String::new();
                let written =
                    write_on_two_threads(&mut out, &write, pieces, &mut spare, &mut |p| {
                        if case == "sink slow" {
                            std::thread::sleep(std::time::Duration::from_millis(1));
                        }
                        buffers.insert(p.as_ptr() as usize);
                        seen.push_str(p);
                        p.clear();
                        Ok(())
                    });
                assert!(written.is_ok());
                seen.push_str(&out);
                out.clear();
                assert_eq!(seen, want, "{case}, round {round}");
                assert!(spare.len() <= BUFFERS + AHEAD, "{case}: {}", spare.len());
            }
            // The caller's, the other thread's and those this one wrote ahead into (a
            // thread that dies loses the buffer it had).
            assert!(
                case == "other dies" || buffers.len() <= 1 + BUFFERS + AHEAD,
                "{case}: {} buffers",
                buffers.len()
            );
        }
    }

    /// A sink that fails stops the writing of a long table: its error comes back, the
    /// pieces before it were handed on in order, and nothing hangs.
    #[test]
    fn a_failing_sink_stops_a_long_table() {
        let n = 6 * ROWS_PER_PIECE;
        let table = int_table(n);
        for fail_at in [0, 1, 3] {
            let mut e = Encoder::new(LineEnding::Lf);
            let mut calls = 0;
            let mut seen = String::new();
            let mut out = String::new();
            let written = e.table_pieces(&mut out, "r", &table, &mut |p| {
                calls += 1;
                if calls > fail_at {
                    return Err(std::io::Error::other("disk full"));
                }
                seen.push_str(&std::mem::take(p));
                Ok(())
            });
            match written {
                Err(err) => assert_eq!(err.to_string(), "disk full"),
                Ok(()) => panic!("the sink's error was lost"),
            }
            assert_eq!(calls, fail_at + 1);
            // What was handed on is the table's beginning.
            let whole = encode(&[("r".into(), vec![table.clone()])], LineEnding::Lf);
            assert!(whole.starts_with(&seen));
            // (The first piece carries the annotations and header: 4 lines.)
            let lines = if fail_at == 0 {
                0
            } else {
                4 + fail_at * ROWS_PER_PIECE
            };
            assert_eq!(seen.matches('\n').count(), lines);
        }
    }

    #[test]
    fn the_default_dialect_is_what_encode_writes() {
        let all = run(Dialect::default(), None);
        assert_eq!(all, encode(&[("r".into(), tables())], LineEnding::Crlf));
    }

    #[test]
    fn without_default_the_result_name_is_on_every_row() {
        let d = Dialect {
            annotations: vec![],
            header: true,
            delimiter: ',',
        };
        assert_eq!(
            run(d, None),
            ",result,table,host,_value\r\n,r,0,a,1.5\r\n,r,1,b,2\r\n\r\n"
        );
    }

    #[test]
    fn a_delimiter_between_two_cells_is_written_whatever_its_width() {
        let text = "#datatype,string,long,string,double,long\n#group,false,false,true,false,false\n#default,_result,,,,\n,result,table,host,_value,n\n,,0,a,1.5,3\n,,0,a,-2,4\n\n";
        let tables = crate::csv::decode(text).unwrap().tables;
        for d in [',', '\t', '¦'] {
            let dialect = Dialect {
                annotations: vec![],
                header: false,
                delimiter: d,
            };
            let mut e = Encoder::with_dialect(LineEnding::Crlf, dialect);
            let mut out = String::new();
            for t in &tables {
                e.table(&mut out, "r", t);
            }
            assert_eq!(
                out,
                format!("{d}r{d}0{d}a{d}1.5{d}3\r\n{d}r{d}0{d}a{d}-2{d}4\r\n")
            );
        }
    }

    #[test]
    fn annotations_follow_the_order_asked_and_the_delimiter() {
        let d = Dialect {
            annotations: vec![Annotation::Group, Annotation::Datatype],
            header: false,
            delimiter: '\t',
        };
        assert_eq!(
            run(d, None),
            "#group\tfalse\tfalse\ttrue\tfalse\r\n#datatype\tstring\tlong\tstring\tdouble\r\n\tr\t0\ta\t1.5\r\n\tr\t1\tb\t2\r\n\r\n"
        );
    }

    #[test]
    fn an_error_table_ends_the_output() {
        let d = Dialect {
            annotations: vec![Annotation::Datatype],
            header: true,
            delimiter: ',',
        };
        assert_eq!(
            run(d, Some("it failed, \"badly\"")),
            "#datatype,string,long,string,double\r\n,result,table,host,_value\r\n,r,0,a,1.5\r\n,r,1,b,2\r\n\r\n#datatype,string,string\r\n,error,reference\r\n,\"it failed, \"\"badly\"\"\",\r\n"
        );
    }
}
