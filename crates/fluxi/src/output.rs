//! Results written as they are computed: a query's tables go to an [`io::Write`] in one
//! of the formats `fluxi` prints, table by table, so the first bytes of a long result
//! leave before the query ends (see [`crate::Engine::execute_to`]).

pub use fluxi_value::csv::{Annotation, Dialect};
use fluxi_value::csv::{Encoder, LineEnding};
use fluxi_value::text::{JsonLinesEncoder, TextEncoder};
use fluxi_value::Table;
use std::io::{self, Write};
use std::sync::mpsc;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The upstream CLI's table text.
    Table,
    /// Annotated CSV with CRLF line endings (InfluxDB's HTTP API).
    Csv,
    /// One JSON object per row.
    JsonLines,
}

/// Writes results in a [`Format`] as their tables arrive.
pub struct ResultWriter<W: Write> {
    out: Out<W>,
    encoder: Encoders,
    buf: String,
}

/// Where a [`ResultWriter`]'s text goes.
enum Out<W: Write> {
    /// Written by the caller's thread, table by table.
    Direct(W),
    /// Written by the caller's thread at first, then by a thread of its own
    /// ([`ResultWriter::spooled`]).
    Spooled(Spool<W>),
}

/// Output is handed to a writing thread once this much has been written directly: a
/// short answer is written before a thread could start, and waking a thread on another
/// core costs up to milliseconds on a virtual machine; a long one gains from the overlap.
const SPOOL_AFTER: usize = 4 << 20;

/// The output of a spooled writer, before and after its thread starts.
struct Spool<W> {
    /// The output, until the thread takes it.
    out: Option<W>,
    /// Bytes written before the thread started.
    written: usize,
    /// How many may be before it starts ([`SPOOL_AFTER`]).
    after: usize,
    /// Starts the thread (made where `W` is known to be `Send + 'static`).
    start: fn(W) -> io::Result<Writing<W>>,
    writing: Option<Writing<W>>,
}

/// A writing thread and the text buffers that go back and forth: the writer encodes
/// table `k + 1` into one buffer while the thread writes table `k` from the other, and
/// the buffers are reused, not made afresh per table.
struct Writing<W> {
    /// Filled buffers to the thread (none once closed).
    to_thread: Option<mpsc::SyncSender<String>>,
    /// Buffers back from the thread, emptied, or the error that stopped it.
    back: mpsc::Receiver<io::Result<String>>,
    /// Whether a buffer is at the thread.
    busy: bool,
    /// The thread; it gives the output back when it ends.
    thread: Option<std::thread::JoinHandle<W>>,
}

impl<W: Write + Send + 'static> Writing<W> {
    fn start(mut out: W) -> io::Result<Writing<W>> {
        let (to_thread, inbox) = mpsc::sync_channel::<String>(1);
        let (reply, back) = mpsc::sync_channel::<io::Result<String>>(1);
        let thread = std::thread::Builder::new()
            .name("fluxi-output".into())
            .spawn(move || {
                for mut text in inbox {
                    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
                    text.clear();
                    let failed = written.is_err();
                    if reply.send(written.map(|()| text)).is_err() || failed {
                        break;
                    }
                }
                out
            })?;
        Ok(Writing {
            to_thread: Some(to_thread),
            back,
            busy: false,
            thread: Some(thread),
        })
    }
}

impl<W> Writing<W> {
    /// Waits for the buffer at the thread (if any) and returns it, emptied.
    fn settle(&mut self) -> io::Result<Option<String>> {
        if !self.busy {
            return Ok(None);
        }
        self.busy = false;
        match self.back.recv() {
            Ok(r) => r.map(Some),
            Err(_) => Err(io::Error::other("the output thread stopped")),
        }
    }

    /// Hands `text` to the thread once it has written the previous buffer; returns that
    /// buffer (emptied, for the next table) when there was one.
    fn hand(&mut self, text: String) -> io::Result<Option<String>> {
        let spare = self.settle()?;
        let Some(to_thread) = &self.to_thread else {
            return Err(io::Error::other("the output thread stopped"));
        };
        to_thread
            .send(text)
            .map_err(|_| io::Error::other("the output thread stopped"))?;
        self.busy = true;
        Ok(spare)
    }

    /// Waits until everything handed over is written; the thread's output back.
    fn finish(&mut self) -> Option<W> {
        self.to_thread = None;
        self.thread.take().and_then(|t| t.join().ok())
    }
}

impl<W> Drop for Writing<W> {
    /// Everything handed over is written before the writer is gone.
    fn drop(&mut self) {
        self.finish();
    }
}

enum Encoders {
    Table(TextEncoder),
    Csv(Encoder),
    Json(JsonLinesEncoder),
}

impl Encoders {
    /// Appends a table of result `name` (`None`: the end of the result) to `out`.
    fn write(&mut self, out: &mut String, name: &str, table: Option<&Table>) {
        match (self, table) {
            (Encoders::Table(e), Some(t)) => e.table(out, name, t),
            (Encoders::Table(e), None) => e.end_result(out, name),
            (Encoders::Csv(e), Some(t)) => e.table(out, name, t),
            (Encoders::Csv(e), None) => e.end_result(out, name),
            (Encoders::Json(e), Some(t)) => e.table(out, name, t),
            (Encoders::Json(e), None) => e.end_result(out, name),
        }
    }
}

impl<W: Write> ResultWriter<W> {
    /// A writer of `format` into `out`.
    pub fn new(out: W, format: Format) -> Self {
        let encoder = match format {
            Format::Table => Encoders::Table(TextEncoder::default()),
            Format::Csv => Encoders::Csv(Encoder::new(LineEnding::Crlf)),
            Format::JsonLines => Encoders::Json(JsonLinesEncoder::default()),
        };
        ResultWriter {
            out: Out::Direct(out),
            encoder,
            buf: String::new(),
        }
    }

    /// A writer of `format` into `out` that, once the output is long (a few MiB), writes
    /// on a thread of its own, so that encoding the next table and writing the last one
    /// overlap (what `fluxi run` uses for standard output). A result is on `out` (or its
    /// error returned) when the call that completes it (`write(name, None)`) returns,
    /// and all output is by the time the writer is dropped.
    pub fn spooled(out: W, format: Format) -> Self
    where
        W: Send + 'static,
    {
        Self::spooled_after(out, format, SPOOL_AFTER)
    }

    /// [`ResultWriter::spooled`], the thread started once more than `after` bytes would
    /// have been written.
    fn spooled_after(out: W, format: Format, after: usize) -> Self
    where
        W: Send + 'static,
    {
        let mut w = ResultWriter::new(out, format);
        if let Out::Direct(out) = w.out {
            w.out = Out::Spooled(Spool {
                out: Some(out),
                written: 0,
                after,
                start: Writing::start,
                writing: None,
            });
        }
        w
    }

    /// A writer of annotated CSV (CRLF) laid out as `dialect` says (InfluxDB's query
    /// dialect: annotation rows, header, delimiter).
    pub fn csv(out: W, dialect: Dialect) -> Self {
        ResultWriter {
            out: Out::Direct(out),
            encoder: Encoders::Csv(Encoder::with_dialect(LineEnding::Crlf, dialect)),
            buf: String::new(),
        }
    }

    /// End the output with an error: for CSV the in-band error table InfluxDB writes
    /// once a response has begun (nothing may follow it); for the other formats a line
    /// `error: message`.
    pub fn write_error(&mut self, message: &str) -> io::Result<()> {
        self.buf.clear();
        match &mut self.encoder {
            Encoders::Csv(e) => e.error(&mut self.buf, message),
            _ => {
                self.buf.push_str("error: ");
                self.buf.push_str(message);
                self.buf.push('\n');
            }
        }
        self.emit(true)
    }

    /// Write a table of result `name` (`None`: the result is complete) and flush it.
    pub fn write(&mut self, name: &str, table: Option<&Table>) -> io::Result<()> {
        self.buf.clear();
        match (&mut self.encoder, table) {
            // A long table's text is written a piece at a time, as it is made.
            (Encoders::Csv(e), Some(t)) => {
                let out = &mut self.out;
                e.table_pieces(&mut self.buf, name, t, &mut |piece| pass(out, piece, false))?;
            }
            (encoder, table) => encoder.write(&mut self.buf, name, table),
        }
        emit(&mut self.out, &mut self.buf, table.is_none())
    }

    /// Writes what is in `buf` and flushes it; `settle`: wait until it is written.
    fn emit(&mut self, settle: bool) -> io::Result<()> {
        emit(&mut self.out, &mut self.buf, settle)
    }

    /// The writer (for a spooled writer, once everything is written; an error if its
    /// thread failed).
    pub fn into_inner(self) -> io::Result<W> {
        match self.out {
            Out::Direct(out) => Ok(out),
            Out::Spooled(Spool { out: Some(out), .. }) => Ok(out),
            Out::Spooled(Spool { writing, .. }) => writing
                .and_then(|mut w| w.finish())
                .ok_or_else(|| io::Error::other("the output thread stopped")),
        }
    }
}

/// Writes `buf` to `out` and flushes it; `settle`: wait until it is written.
fn emit<W: Write>(out: &mut Out<W>, buf: &mut String, settle: bool) -> io::Result<()> {
    pass(out, buf, true)?;
    if let (true, Out::Spooled(spool)) = (settle, out) {
        if let Some(writing) = spool.writing.as_mut() {
            if let Some(spare) = writing.settle()? {
                *buf = spare;
            }
        }
    }
    Ok(())
}

/// Writes `buf` to `out` (`flush`: and flushes it) and leaves it empty. A writing thread
/// gets it as it is, `buf` then being a spare buffer back from that thread.
fn pass<W: Write>(out: &mut Out<W>, buf: &mut String, flush: bool) -> io::Result<()> {
    match out {
        Out::Direct(out) => {
            out.write_all(buf.as_bytes())?;
            buf.clear();
            if flush {
                out.flush()?;
            }
            Ok(())
        }
        Out::Spooled(spool) => {
            if let Some(out) = spool.out.as_mut() {
                if spool.written + buf.len() <= spool.after {
                    spool.written += buf.len();
                    out.write_all(buf.as_bytes())?;
                    buf.clear();
                    return if flush { out.flush() } else { Ok(()) };
                }
            }
            if let Some(out) = spool.out.take() {
                spool.writing = Some((spool.start)(out)?);
            }
            let Some(writing) = spool.writing.as_mut() else {
                return Err(io::Error::other("the output thread stopped"));
            };
            if let Some(spare) = writing.hand(std::mem::take(buf))? {
                *buf = spare;
            }
            buf.clear();
            Ok(())
        }
    }
}

/// One block of annotated CSV, as [`CsvBlocks`] reads it.
#[derive(Debug, Clone)]
pub enum CsvBlock {
    /// Tables of one result, of one shape (a result whose tables differ in columns or
    /// group key comes as several blocks with the same name).
    Tables {
        /// The result's name (`#default`, else the `result` column; `_result` if none).
        result: String,
        /// The tables, in order.
        tables: Vec<Table>,
    },
    /// The in-band error table (columns `error` and `reference`) with which a server
    /// ends a response whose query failed after the response began.
    Error(String),
}

/// Why [`CsvBlocks`] could not read a block.
#[derive(Debug, thiserror::Error)]
pub enum CsvReadError {
    /// Reading the input failed.
    #[error("reading the annotated CSV failed: {0}")]
    Io(#[from] io::Error),
    /// A line is not UTF-8.
    #[error("line {line} of the annotated CSV is not UTF-8")]
    NotUtf8 {
        /// Its 1-based number.
        line: usize,
    },
    /// A block is not annotated CSV as a query answers it.
    #[error("the annotated CSV block at line {line} cannot be read: {message}")]
    Decode {
        /// The 1-based number of the block's first line.
        line: usize,
        /// What is wrong (its line numbers count from the block's first line).
        message: String,
    },
}

/// Reads the annotated CSV of a query's answer (InfluxDB's `/api/v2/query` with all
/// three annotations and the header) block by block as it arrives: a block ends at an
/// empty line outside quotes, and each becomes a [`CsvBlock`], so a long answer can be
/// printed before its end.
#[derive(Debug)]
pub struct CsvBlocks<R> {
    input: R,
    /// Lines read so far.
    line: usize,
    done: bool,
}

impl<R: io::BufRead> CsvBlocks<R> {
    /// A reader of `input`.
    pub fn new(input: R) -> Self {
        CsvBlocks {
            input,
            line: 0,
            done: false,
        }
    }

    /// The text of the next block and the number of its first line (`None` at the end).
    fn next_text(&mut self) -> Result<Option<(String, usize)>, CsvReadError> {
        let mut block = String::new();
        let mut first = 0;
        let mut in_quotes = false;
        let mut raw = Vec::new();
        loop {
            raw.clear();
            let n = self.input.read_until(b'\n', &mut raw)?;
            if n == 0 {
                self.done = true;
                return Ok((!block.is_empty()).then_some((block, first)));
            }
            self.line += 1;
            let text =
                std::str::from_utf8(&raw).map_err(|_| CsvReadError::NotUtf8 { line: self.line })?;
            let blank = text.trim_end_matches(['\r', '\n']).is_empty();
            if blank && !in_quotes {
                if block.is_empty() {
                    continue; // blank lines between blocks
                }
                return Ok(Some((block, first)));
            }
            if block.is_empty() {
                first = self.line;
            }
            // A doubled quote inside a quoted cell toggles twice: the parity says whether
            // the line ends inside a quoted cell.
            if text.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
                in_quotes = !in_quotes;
            }
            block.push_str(text);
        }
    }
}

/// Decodes one block of annotated CSV.
fn decode_block(text: &str, line: usize) -> Result<CsvBlock, CsvReadError> {
    let bad = |e: fluxi_value::ValueError| CsvReadError::Decode {
        line,
        message: e.to_string(),
    };
    let header = text
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| !l.starts_with('#'));
    if header == Some(",error,reference") {
        // No `result` and `table` columns: read its rows as they are.
        let rows: String = text
            .split_inclusive('\n')
            .filter(|l| !l.starts_with('#'))
            .collect();
        let table = fluxi_value::csv::decode_raw(&rows).map_err(bad)?;
        let message = match (table.column_index("error"), table.num_rows()) {
            (Some(c), n) if n > 0 => match table.value(0, c) {
                fluxi_value::Value::String(s) => s.to_string(),
                other => format!("{other:?}"),
            },
            _ => String::new(),
        };
        return Ok(CsvBlock::Error(message));
    }
    let decoded = fluxi_value::csv::decode(text).map_err(bad)?;
    Ok(CsvBlock::Tables {
        result: decoded.result,
        tables: decoded.tables,
    })
}

impl<R: io::BufRead> Iterator for CsvBlocks<R> {
    type Item = Result<CsvBlock, CsvReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_text() {
            Ok(Some((text, line))) => Some(decode_block(&text, line)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_results_shapes_and_errors_are_read_back() {
        let engine = crate::Engine::in_memory();
        let program = engine
            .compile(
                r#"import "array"
                array.from(rows: [{a: 1, s: "x,\"y\"\n\nz"}, {a: 2, s: ""}]) |> yield(name: "one")
                array.from(rows: [{b: 1.5}]) |> yield(name: "two")
                array.from(rows: [{c: true}]) |> yield(name: "two_again")"#,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let results = engine.execute(&program).unwrap_or_else(|e| panic!("{e}"));
        let mut csv = results.to_csv();
        let mut w = ResultWriter::new(Vec::new(), Format::Csv);
        w.write_error("boom, \"quoted\"")
            .unwrap_or_else(|e| panic!("{e}"));
        let out = w.into_inner().unwrap_or_else(|e| panic!("{e}"));
        csv.push_str(&String::from_utf8_lossy(&out));

        let blocks: Vec<CsvBlock> = CsvBlocks::new(csv.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(blocks.len(), 4, "{blocks:?}");
        let mut seen = Vec::new();
        for b in &blocks[..3] {
            let CsvBlock::Tables { result, tables } = b else {
                panic!("{b:?}")
            };
            seen.push((result.clone(), tables.clone()));
        }
        // The tables read back encode to the same CSV.
        let again = fluxi_value::csv::encode(&seen, LineEnding::Crlf);
        assert_eq!(again, results.to_csv());
        assert!(
            matches!(seen[0].1[0].value(0, 1), fluxi_value::Value::String(s) if &*s == "x,\"y\"\n\nz"),
            "{:?}",
            seen[0].1[0].value(0, 1)
        );
        match &blocks[3] {
            CsvBlock::Error(m) => assert_eq!(m, "boom, \"quoted\""),
            other => panic!("{other:?}"),
        }
    }

    /// Shares what was written with the test, and can be told to fail.
    #[derive(Clone, Default)]
    struct Shared {
        bytes: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
        /// Fail every write after this many bytes.
        fail_after: Option<usize>,
    }

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let mut b = self
                .bytes
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?;
            if self.fail_after.is_some_and(|n| b.len() + buf.len() > n) {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            b.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn tables() -> Vec<(String, Vec<Table>)> {
        let engine = crate::Engine::in_memory();
        let results = engine
            .query(
                r#"import "array"
                import "generate"
                array.from(rows: [{k: "a", t: 2024-01-01T00:00:00Z, v: 1.5}, {k: "b", t: 2024-01-02T00:00:00.5Z, v: 2.0}])
                    |> group(columns: ["k"]) |> yield(name: "one")
                array.from(rows: [{x: 1}, {x: 2}, {x: 3}]) |> yield(name: "two")
                // Long enough for CSV to be written in several runs.
                generate.from(count: 9000, fn: (n) => n * 3, start: 2024-01-01T00:00:00Z, stop: 2024-01-02T00:00:00Z)
                    |> yield(name: "three")"#,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        results
            .iter()
            .map(|r| (r.name.clone(), r.tables.clone()))
            .collect()
    }

    /// Spooled writing gives the bytes of direct writing, each result complete on the
    /// output when the call that ends it returns, in every format, whether the thread
    /// starts at once, after the first table, or never.
    #[test]
    fn a_spooled_writer_writes_what_a_direct_one_does() {
        let results = tables();
        let formats = [Format::Csv, Format::JsonLines, Format::Table];
        for (format, after) in formats
            .into_iter()
            .flat_map(|f| [(f, 0), (f, 200), (f, SPOOL_AFTER)])
        {
            let expected = Shared::default();
            let mut direct = ResultWriter::new(expected.clone(), format);
            let out = Shared::default();
            let mut spooled = ResultWriter::spooled_after(out.clone(), format, after);
            for (name, tables) in &results {
                for t in tables {
                    direct
                        .write(name, Some(t))
                        .unwrap_or_else(|e| panic!("{e}"));
                    spooled
                        .write(name, Some(t))
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                direct.write(name, None).unwrap_or_else(|e| panic!("{e}"));
                spooled.write(name, None).unwrap_or_else(|e| panic!("{e}"));
                let now = out.bytes.lock().map(|b| b.clone()).unwrap_or_default();
                let want = expected.bytes.lock().map(|b| b.clone()).unwrap_or_default();
                assert_eq!(
                    String::from_utf8_lossy(&now),
                    String::from_utf8_lossy(&want),
                    "{format:?}"
                );
            }
            let back = spooled.into_inner().unwrap_or_else(|e| panic!("{e}"));
            let all = back.bytes.lock().map(|b| b.clone()).unwrap_or_default();
            let want = expected.bytes.lock().map(|b| b.clone()).unwrap_or_default();
            assert!(!want.is_empty());
            assert_eq!(all, want);
            if format == Format::Csv {
                // Long tables come in pieces; together they are the canonical encoding.
                let canonical = fluxi_value::csv::encode(&results, LineEnding::Crlf);
                assert_eq!(String::from_utf8_lossy(&want), canonical);
            }
        }
    }

    /// A failing output stops a spooled writer with the output's error, by the end of
    /// the result at the latest, and every later write fails too.
    #[test]
    fn a_spooled_writers_output_error_comes_back() {
        let results = tables();
        let out = Shared {
            fail_after: Some(10),
            ..Shared::default()
        };
        let mut w = ResultWriter::spooled_after(out, Format::Csv, 0);
        let (name, tables) = &results[0];
        let mut errors = Vec::new();
        for t in tables {
            errors.extend(w.write(name, Some(t)).err());
        }
        errors.extend(w.write(name, None).err());
        assert!(
            errors
                .first()
                .is_some_and(|e| e.kind() == io::ErrorKind::StorageFull),
            "{errors:?}"
        );
        let later = w.write(&results[1].0, Some(&results[1].1[0]));
        assert!(later.is_err(), "{later:?}");
    }

    #[test]
    fn a_bad_block_names_its_line() {
        let csv = "#datatype,string,long\r\n#group,false,false\r\n#default,_result,\r\n,result,table,a\r\n\r\n#datatype,string,long,long\r\n#group,false,false,false\r\n#default,_result,,\r\n,result,table,a\r\n,,0,x\r\n";
        let mut blocks = CsvBlocks::new(csv.as_bytes());
        let err = blocks.next().and_then(Result::err).map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("line 1")),
            "{err:?}"
        );
        let err = blocks.next().and_then(Result::err).map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("line 6")),
            "{err:?}"
        );
        let bad = CsvBlocks::new(&b"\xff\xfe\n"[..]).next();
        assert!(matches!(bad, Some(Err(CsvReadError::NotUtf8 { line: 1 }))));
    }
}
