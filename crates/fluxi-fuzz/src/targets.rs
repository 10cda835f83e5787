//! The fuzz targets: what each reads and what it must never do.

use fluxi_semantic::{Checker, Library};
use fluxi_storage::line_protocol::{self, ParseOptions, Precision};
use fluxi_value::csv;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A reader of untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The lexer and parser; a file that parses without errors is also formatted, and the
    /// formatted text must parse without errors too.
    Syntax,
    /// Parsing and type checking (with the standard library).
    Check,
    /// Line protocol, InfluxDB's rules and with CRLF accepted; parsed points written back
    /// as line protocol.
    LineProtocol,
    /// Annotated CSV (`csv.from`): annotated and raw decoding, and encoding what decodes.
    AnnotatedCsv,
}

/// The most bytes of one repository file used as a seed (seeds stay quick to mutate).
const SEED_BYTES: usize = 16 << 10;

impl Target {
    /// Every target.
    pub const ALL: [Target; 4] = [
        Target::Syntax,
        Target::Check,
        Target::LineProtocol,
        Target::AnnotatedCsv,
    ];

    /// Its name (also its corpus directory).
    pub fn name(self) -> &'static str {
        match self {
            Target::Syntax => "syntax",
            Target::Check => "check",
            Target::LineProtocol => "line_protocol",
            Target::AnnotatedCsv => "annotated_csv",
        }
    }

    /// The target of a name.
    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Feed it one input. Panics are what the fuzzer looks for.
    pub fn run(self, input: &[u8]) {
        match self {
            Target::Syntax => {
                let text = String::from_utf8_lossy(input);
                let parsed = fluxi_syntax::parse(&text);
                if parsed.errors().next().is_none() {
                    if let Ok(formatted) = fluxi_syntax::format(&text) {
                        let again = fluxi_syntax::parse(&formatted);
                        let first = again.errors().next().map(|e| e.to_string());
                        if let Some(e) = first {
                            panic!("the formatted text does not parse: {e}\n{formatted}");
                        }
                    }
                }
            }
            Target::Check => {
                let text = String::from_utf8_lossy(input);
                let parsed = fluxi_syntax::parse(&text);
                let mut checker = Checker::with_library(Arc::clone(library()));
                let _ = checker.check(&parsed.file, &text);
            }
            Target::LineProtocol => {
                let _ = line_protocol::parse(input, Precision::Nanoseconds, 0);
                let mut options = ParseOptions::new(Precision::Seconds, 1);
                options.accept_crlf = true;
                if let Ok(batch) = line_protocol::parse_batch(input, &options) {
                    for point in batch.into_points() {
                        let _ = line_protocol::to_line(&point);
                    }
                }
            }
            Target::AnnotatedCsv => {
                let text = String::from_utf8_lossy(input);
                if let Ok(decoded) = csv::decode(&text) {
                    let _ = csv::encode(&[(decoded.result, decoded.tables)], csv::LineEnding::Crlf);
                }
                let _ = csv::decode_raw(&text);
            }
        }
    }

    /// Tokens the mutator inserts: the syntax this reader is built around.
    pub fn dictionary(self) -> &'static [&'static [u8]] {
        match self {
            Target::Syntax | Target::Check => &[
                b"|>",
                b"=>",
                b"(",
                b")",
                b"{",
                b"}",
                b"[",
                b"]",
                b"\"",
                b"${",
                b"\\",
                b"//",
                b"with",
                b"return",
                b"import",
                b"option",
                b"builtin",
                b"testcase",
                b"r._value",
                b"1h",
                b"2020-01-01T00:00:00Z",
                b"/re/",
                b"\n",
                b":",
                b",",
                b"exists",
                b"0.5",
            ],
            Target::LineProtocol => &[
                b",",
                b"=",
                b" ",
                b"\"",
                b"\\",
                b"\n",
                b"\r\n",
                b"#",
                b"i",
                b"u",
                b"t",
                b"1e9",
                b"\0",
                b"\xff",
                b"-",
                b"9223372036854775807",
                b"_field",
                b"time",
            ],
            Target::AnnotatedCsv => &[
                b"#datatype,",
                b"#group,",
                b"#default,",
                b",",
                b"\"",
                b"\r\n",
                b"\n",
                b"long",
                b"double",
                b"dateTime:RFC3339",
                b"string",
                b"boolean",
                b"unsignedLong",
                b"duration",
                b"true",
                b"_result",
                b"",
                b"1970-01-01T00:00:00Z",
            ],
        }
    }

    /// The seed inputs: the repository's own inputs of this kind (first 16 KiB of each)
    /// and the files of `corpus/<name>/`, in a fixed order.
    pub fn seeds(self) -> Vec<Vec<u8>> {
        let root = crate::repo_root();
        let mut files = Vec::new();
        let (dirs, extension): (&[&str], &str) = match self {
            Target::Syntax | Target::Check => (&["tests/cases", "examples"], "flux"),
            Target::LineProtocol => (&["examples/data"], "lp"),
            Target::AnnotatedCsv => (&["tests/cases"], "csv"),
        };
        for d in dirs {
            collect(&root.join(d), extension, &mut files);
        }
        collect(&crate::corpus_dir(self), "", &mut files);
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .map(|mut bytes| {
                bytes.truncate(SEED_BYTES);
                bytes
            })
            .collect()
    }
}

/// The standard library, checked once for all inputs of [`Target::Check`].
fn library() -> &'static Arc<Library> {
    static LIBRARY: OnceLock<Arc<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| Arc::new(Library::new()))
}

/// Files under `dir` (recursively) with `extension` (any when empty).
fn collect(dir: &Path, extension: &str, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, extension, out);
        } else if extension.is_empty() || path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}
