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
    /// The write-ahead log: a store whose log is the input is opened (recovery), read
    /// and checked, through [`DiskStorage`]'s public API, on real files.
    Wal,
    /// The manifest: a store whose `MANIFEST` is the input is opened, read and checked.
    Manifest,
}

/// The most bytes of one repository file used as a seed (seeds stay quick to mutate).
const SEED_BYTES: usize = 16 << 10;

impl Target {
    /// Every target.
    pub const ALL: [Target; 6] = [
        Target::Syntax,
        Target::Check,
        Target::LineProtocol,
        Target::AnnotatedCsv,
        Target::Wal,
        Target::Manifest,
    ];

    /// Its name (also its corpus directory).
    pub fn name(self) -> &'static str {
        match self {
            Target::Syntax => "syntax",
            Target::Check => "check",
            Target::LineProtocol => "line_protocol",
            Target::AnnotatedCsv => "annotated_csv",
            Target::Wal => "wal",
            Target::Manifest => "manifest",
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
            Target::Wal => store::open_with(store::Part::Wal, input),
            Target::Manifest => store::open_with(store::Part::Manifest, input),
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
            Target::Wal => &[b"\0\0\0\0", b"\xff\xff\xff\xff", b"\x01", b"cpu v=1 1\n"],
            Target::Manifest => &[
                b"fluxi-manifest ",
                b"{",
                b"}",
                b"\"",
                b"[",
                b"]",
                b":",
                b"null",
                b"0",
                b"\n",
                b"-1",
                b"18446744073709551615",
                b"\"buckets\"",
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
            Target::Wal | Target::Manifest => {
                let part = if self == Target::Wal {
                    store::Part::Wal
                } else {
                    store::Part::Manifest
                };
                let mut seeds = vec![store::template_bytes(part)];
                collect(&crate::corpus_dir(self), "", &mut files);
                files.sort();
                seeds.extend(files.iter().filter_map(|f| std::fs::read(f).ok()));
                return seeds;
            }
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

/// A real store on disk for the WAL and manifest targets.
mod store {
    use fluxi_storage::line_protocol::{ParseOptions, Precision};
    use fluxi_storage::{DiskStorage, Storage};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    /// Which file of the store the input replaces.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(super) enum Part {
        Wal,
        Manifest,
    }

    fn scratch(name: &str) -> PathBuf {
        static N: AtomicU64 = AtomicU64::new(0);
        std::env::temp_dir().join(format!(
            "fluxi-fuzz-{}-{name}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// A store with two buckets, points flushed into data files and more only in the
    /// log: its files by name, made once.
    fn template() -> &'static Vec<(String, Vec<u8>)> {
        static FILES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
        FILES.get_or_init(|| {
            let dir = scratch("template");
            let mut files = Vec::new();
            if let Ok(store) = DiskStorage::open(&dir) {
                let options = ParseOptions::new(Precision::Seconds, 0);
                let _ = store.create_bucket("a", None);
                let _ = store.create_bucket("b", Some(3_600_000_000_000));
                let _ = store.write_line_protocol(
                    "a",
                    b"cpu,host=x v=1 1\ncpu,host=y v=2i 2\n",
                    &options,
                );
                let _ = store.flush();
                let _ = store.write_line_protocol(
                    "a",
                    b"cpu,host=x v=3 3\nmem s=\"t\",b=true 4\n",
                    &options,
                );
                let _ = store.write_line_protocol("b", b"m u=5u 5\n", &options);
                // Copied while it is open: closing would flush the log into data files.
                collect_files(&dir, &dir, &mut files);
                drop(store);
            }
            let _ = std::fs::remove_dir_all(&dir);
            files.sort();
            files
        })
    }

    fn collect_files(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                collect_files(root, &path, out);
            } else if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(root), std::fs::read(&path)) {
                out.push((rel.to_string_lossy().into_owned(), bytes));
            }
        }
    }

    fn is_part(name: &str, part: Part) -> bool {
        match part {
            Part::Wal => name.starts_with("wal-") && name.ends_with(".log"),
            Part::Manifest => name == "MANIFEST",
        }
    }

    /// The template's bytes of `part` (the seed).
    pub(super) fn template_bytes(part: Part) -> Vec<u8> {
        template()
            .iter()
            .find(|(n, _)| is_part(n, part))
            .map(|(_, b)| b.clone())
            .unwrap_or_default()
    }

    /// Open a copy of the template whose `part` is `input`, read every bucket and check
    /// the store. Errors are fine; a panic is not.
    pub(super) fn open_with(part: Part, input: &[u8]) {
        let dir = scratch("case");
        for (name, bytes) in template() {
            let path = dir.join(name);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let content: &[u8] = if is_part(name, part) { input } else { bytes };
            let _ = std::fs::write(&path, content);
        }
        if let Ok(store) = DiskStorage::open(&dir) {
            let _ = store.recovery();
            if let Ok(buckets) = store.buckets() {
                for b in buckets {
                    let _ = store.measurements(&b.name);
                }
            }
            let _ = store.check();
        }
        let _ = std::fs::remove_dir_all(&dir);
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
