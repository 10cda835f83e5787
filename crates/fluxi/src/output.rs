//! Results written as they are computed: a query's tables go to an [`io::Write`] in one
//! of the formats `fluxi` prints, table by table, so the first bytes of a long result
//! leave before the query ends (see [`crate::Engine::execute_to`]).

pub use fluxi_value::csv::{Annotation, Dialect};
use fluxi_value::csv::{Encoder, LineEnding};
use fluxi_value::text::{JsonLinesEncoder, TextEncoder};
use fluxi_value::Table;
use std::io::{self, Write};

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
    out: W,
    encoder: Encoders,
    buf: String,
}

enum Encoders {
    Table(TextEncoder),
    Csv(Encoder),
    Json(JsonLinesEncoder),
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
            out,
            encoder,
            buf: String::new(),
        }
    }

    /// A writer of annotated CSV (CRLF) laid out as `dialect` says (InfluxDB's query
    /// dialect: annotation rows, header, delimiter).
    pub fn csv(out: W, dialect: Dialect) -> Self {
        ResultWriter {
            out,
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
        self.out.write_all(self.buf.as_bytes())?;
        self.out.flush()
    }

    /// Write a table of result `name` (`None`: the result is complete) and flush it.
    pub fn write(&mut self, name: &str, table: Option<&Table>) -> io::Result<()> {
        self.buf.clear();
        match (&mut self.encoder, table) {
            (Encoders::Table(e), Some(t)) => e.table(&mut self.buf, name, t),
            (Encoders::Table(e), None) => e.end_result(&mut self.buf, name),
            (Encoders::Csv(e), Some(t)) => e.table(&mut self.buf, name, t),
            (Encoders::Csv(e), None) => e.end_result(&mut self.buf, name),
            (Encoders::Json(e), Some(t)) => e.table(&mut self.buf, name, t),
            (Encoders::Json(e), None) => e.end_result(&mut self.buf, name),
        }
        self.out.write_all(self.buf.as_bytes())?;
        self.out.flush()
    }

    /// The writer.
    pub fn into_inner(self) -> W {
        self.out
    }
}
