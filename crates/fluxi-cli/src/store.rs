//! The store the commands read and write: where it is (`--data`, `$FLUXI_DATA`, the
//! per-user default), the one place every command opens it ([`open_store`]: scripts open
//! it on first use through `fluxi::EngineBuilder::open_lazily_with`), `fluxi write`,
//! `fluxi delete`, `fluxi bucket` and `fluxi store check|repair`.

use crate::out::outln;
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi::{
    DeletePredicate, DiskOptions, DiskStorage, ParseOptions, ParsedText, Precision, Storage,
    StorageError,
};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// The store directory: `--data DIR`, else `$FLUXI_DATA`, else `$XDG_DATA_HOME/fluxi`,
/// else `~/.local/share/fluxi`.
pub fn data_dir(flag: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(d) = flag {
        return Ok(d);
    }
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = env("FLUXI_DATA") {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = env("XDG_DATA_HOME") {
        return Ok(PathBuf::from(d).join("fluxi"));
    }
    if let Some(h) = env("HOME") {
        return Ok(PathBuf::from(h).join(".local/share/fluxi"));
    }
    Err("no store directory: give --data DIR or set FLUXI_DATA".into())
}

/// What a command needs of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// To write it: the store's lock (a command fails while another process has it).
    Write,
    /// To run queries: the lock when free, else read-only (the last committed state,
    /// while another process writes); writes from the script then fail.
    Query,
}

/// Opens the store. Every command opens it here, and here what opening it found (a
/// write-ahead log recovered, records dropped, damaged files) is told on standard error.
pub fn open_store(dir: &Path, access: Access) -> Result<DiskStorage, StorageError> {
    let opened = match access {
        Access::Write => DiskStorage::open(dir),
        Access::Query => DiskStorage::open_or_read_only(dir, DiskOptions::default()),
    };
    let store = opened.map_err(|e| fluxi::opening(dir, e))?;
    let report = store.recovery();
    if report.is_noteworthy() {
        eprint!("{report}");
        let _ = std::io::stderr().flush();
    }
    Ok(store)
}

/// Open the store now, to write it.
pub fn open(dir: &Path) -> Result<Arc<DiskStorage>, String> {
    open_store(dir, Access::Write)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// What `fluxi store` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreAction {
    /// Verify everything; change nothing.
    Check,
    /// Move damaged data files aside.
    Repair,
}

/// `fluxi store check|repair`: opening the store recovers its log (and says what that
/// kept and dropped); `check` then verifies every data file against the manifest (size,
/// CRC-32, footer) and exits 1 when anything was dropped or is damaged; `repair` moves
/// damaged files to `quarantine/`, drops them from the manifest and says which series
/// and time ranges were lost.
pub fn store_command(data: Option<PathBuf>, action: StoreAction) -> ExitCode {
    let dir = match data_dir(data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    if !DiskStorage::exists_in(&dir) {
        return failed(&format!("there is no store at {}", dir.display()));
    }
    let access = match action {
        StoreAction::Check => Access::Query,
        StoreAction::Repair => Access::Write,
    };
    let store = match open_store(&dir, access) {
        Ok(s) => s,
        Err(e) => return failed(&e.to_string()),
    };
    if store.is_read_only() {
        eprintln!(
            "note: another process has the store open for writing; checking the state it last committed"
        );
    }
    let recovery = store.recovery().clone();
    let result = match action {
        StoreAction::Check => store.check(),
        StoreAction::Repair => store.repair(),
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => return failed(&e.to_string()),
    };
    print!("{report}");
    match action {
        StoreAction::Check if recovery.lost_anything() || !report.is_clean() => {
            eprintln!(
                "error: the store has damage{}",
                if report.is_clean() {
                    " (see the recovery report above)"
                } else {
                    "; `fluxi store repair` moves the damaged files aside"
                }
            );
            ExitCode::from(EXIT_ERROR)
        }
        StoreAction::Check => {
            println!("ok: {} is intact", dir.display());
            ExitCode::SUCCESS
        }
        StoreAction::Repair => {
            if report.is_clean() {
                println!("ok: nothing to repair");
            } else {
                println!(
                    "repaired: {} damaged file(s) moved to {}",
                    report.damaged.len(),
                    dir.join("quarantine").display()
                );
            }
            ExitCode::SUCCESS
        }
    }
}

/// Parse a duration such as `30d`, `12h`, `1w`, `90m` (for `--retention`); `0` or `inf`
/// keeps data forever.
pub fn parse_retention(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t == "0" || t == "inf" || t.is_empty() {
        return Ok(None);
    }
    parse_duration(t, "--retention").map(Some)
}

/// Nanoseconds of a duration such as `30d`, `12h`, `1w`, `1h30m`, `500ms` given to
/// `flag`; an error naming the flag otherwise.
pub fn parse_duration(text: &str, flag: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = || format!("{flag} needs a duration such as 30d, 12h or 1w, not {text:?}");
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| !c.is_alphabetic())
            .map_or(rest.len(), |(i, _)| i);
        let unit = match &rest[..unit_len] {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 7 * 86_400_000_000_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    Ok(total)
}

/// What `fluxi bucket` does.
pub enum BucketAction {
    /// Make a bucket.
    Create {
        /// Its name.
        name: String,
        /// How long data is kept (`--retention`).
        retention: Option<String>,
        /// Its description (a server's buckets only).
        description: Option<String>,
    },
    /// List the buckets.
    List,
    /// Delete a bucket and its data.
    Delete {
        /// Its name.
        name: Option<String>,
        /// Its ID (a server's buckets only).
        id: Option<String>,
    },
}

/// `fluxi bucket create|list|delete`.
pub fn bucket(data: Option<PathBuf>, action: BucketAction) -> ExitCode {
    let dir = match data_dir(data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    let retention =
        match &action {
            BucketAction::Create {
                description: Some(_),
                ..
            } => return usage(
                "--description is kept by a server only (give --host); the local store keeps none",
            ),
            BucketAction::Delete { id: Some(_), .. } => {
                return usage(
                    "--id names a server's bucket (give --host); delete a local bucket by name",
                )
            }
            BucketAction::Delete { name: None, .. } => {
                return usage("give the name of the bucket to delete")
            }
            BucketAction::Create {
                retention: Some(r), ..
            } => match parse_retention(r) {
                Ok(r) => r,
                Err(e) => return usage(&e),
            },
            _ => None,
        };
    let store = match open(&dir) {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    let result = match action {
        BucketAction::Create { name, .. } => store.create_bucket(&name, retention).map(|()| {
            outln!("created bucket {name:?} in {}", dir.display());
        }),
        BucketAction::Delete { name, .. } => {
            let name = name.unwrap_or_default();
            store.delete_bucket(&name).map(|()| {
                outln!("deleted bucket {name:?}");
            })
        }
        BucketAction::List => store.buckets().map(|all| {
            outln!("{:<32} retention", "name");
            for b in all {
                let r = b.retention.map_or_else(
                    || "forever".to_string(),
                    |ns| fluxi::Duration::from_nanos(ns).to_string(),
                );
                outln!("{:<32} {r}", b.name);
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&e.to_string()),
    }
}

/// `fluxi delete --bucket B --start T --stop T [--predicate P]`: deletes the points of the
/// bucket with `start <= time <= stop` whose series the predicate matches (InfluxDB 2.7's
/// delete syntax). Bad times and predicates are usage errors (exit 2), told before the
/// store is opened. The store is closed at the end (a flush, whose compaction rewrites
/// the data files without the deleted points).
pub fn delete(
    data: Option<PathBuf>,
    bucket: &str,
    start: &str,
    stop: &str,
    predicate: &str,
) -> ExitCode {
    let time = |flag: &str, text: &str| {
        fluxi::parse_time(text).map_err(|_| {
            format!("--{flag} needs an RFC 3339 time such as 2024-01-01T00:00:00Z, not {text:?}")
        })
    };
    let (start_ns, stop_ns) = match (time("start", start), time("stop", stop)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return usage(&e),
    };
    if start_ns > stop_ns {
        return usage(&format!("--start {start} is after --stop {stop}"));
    }
    let predicate = match DeletePredicate::parse(predicate) {
        Ok(p) => p,
        Err(e) => return usage(&format!("--predicate: {e}")),
    };
    let dir = match data_dir(data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    if !DiskStorage::exists_in(&dir) {
        return failed(&format!("there is no store at {}", dir.display()));
    }
    let store = match open(&dir) {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    if let Err(e) = store.delete(bucket, start_ns, stop_ns, &predicate) {
        return match e {
            StorageError::BucketNotFound(_) => {
                failed(&format!("bucket {bucket:?} not found in {}", dir.display()))
            }
            e => failed(&e.to_string()),
        };
    }
    let which = if predicate.is_all() {
        "every series".to_string()
    } else {
        format!("series where {predicate}")
    };
    outln!(
        "deleted the points of bucket {bucket:?} from {} to {} (both included), {which}",
        fluxi::Value::Time(start_ns),
        fluxi::Value::Time(stop_ns)
    );
    // The delete is durable (logged); the flush makes it permanent in the data files.
    match store.flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&format!(
            "the delete is done (it is in the write-ahead log), but flushing the store failed: {e}"
        )),
    }
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

fn failed(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_ERROR)
}

/// The input of `fluxi write`: a file (and its length) or standard input (`-`).
pub fn open_input(file: &Path) -> Result<(Box<dyn Read + Send>, Option<u64>), String> {
    if file.as_os_str() == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    match std::fs::File::open(file) {
        Ok(f) => {
            let len = f.metadata().ok().map(|m| m.len());
            Ok((Box::new(f), len))
        }
        Err(e) => Err(format!("cannot read {}: {e}", file.display())),
    }
}

/// Bytes per batch `fluxi write` hands to the store (cut at a line end).
const BATCH_BYTES: usize = 8 << 20;

/// `fluxi write --bucket NAME [--precision P] FILE|-`: line protocol in batches of about
/// 8 MiB; each batch is written whole or not at all, and the first bad batch stops the
/// write with every bad line of it reported by its line number in the input. Lines may
/// end in CRLF; a line longer than `max_line` bytes stops the write (it is never split).
/// The store is flushed at the end, and a failed flush is an error too.
pub fn write(
    data: Option<PathBuf>,
    bucket: &str,
    precision: &str,
    max_line: usize,
    file: &Path,
) -> ExitCode {
    let precision = match precision {
        "ns" => Precision::Nanoseconds,
        "us" => Precision::Microseconds,
        "ms" => Precision::Milliseconds,
        "s" => Precision::Seconds,
        other => {
            return usage(&format!(
                "--precision must be ns, us, ms or s, not {other:?}"
            ))
        }
    };
    let dir = match data_dir(data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    let (input, total) = match open_input(file) {
        Ok(i) => i,
        Err(e) => return usage(&e),
    };
    let store = match open(&dir) {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    match store.buckets() {
        Ok(all) if all.iter().any(|b| b.name == bucket) => {}
        Ok(_) => {
            return failed(&format!(
                "bucket {bucket:?} not found in {}; create it with `fluxi bucket create {bucket}`",
                dir.display()
            ))
        }
        Err(e) => return failed(&e.to_string()),
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    let mut options = ParseOptions::new(precision, now);
    // Files written on Windows end their lines in CRLF; the carriage return is not data.
    options.accept_crlf = true;
    let progress = std::io::stderr().is_terminal() && total.is_some_and(|t| t > 64 << 20);
    let started = std::time::Instant::now();
    let mut batches = LineBatches::new(input, BATCH_BYTES, max_line);
    let mut w = Written {
        file,
        options,
        max_line,
        lines: 0,
        points: 0,
        bytes: 0,
        progress: progress.then_some(total).flatten(),
        started,
    };
    if let Err(code) = write_batches(&store, bucket, &mut w, &mut batches) {
        return code;
    }
    let Written {
        lines: lines_done,
        points,
        ..
    } = w;
    if progress {
        eprintln!();
    }
    // What is not flushed is safe in the write-ahead log, but a store that cannot write
    // its data files is a problem to report now, not at the next open.
    if let Err(e) = store.flush() {
        eprintln!(
            "error: {points} points from {lines_done} lines are in the write-ahead log of {}, \
             but writing them into data files failed: {e}",
            dir.display()
        );
        return ExitCode::from(EXIT_ERROR);
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {points} points from {lines_done} lines to {bucket:?} in {secs:.2} s ({:.0} lines/s)",
        lines_done as f64 / secs.max(1e-9)
    );
    ExitCode::SUCCESS
}

/// A `fluxi write` in progress: what it writes with, and how far it got.
struct Written<'f> {
    file: &'f Path,
    options: ParseOptions,
    max_line: usize,
    lines: usize,
    points: usize,
    bytes: u64,
    /// The input's size, when progress is shown.
    progress: Option<u64>,
    started: std::time::Instant,
}

/// A batch read and parsed ahead of its write.
struct Ahead<'b> {
    text: &'b [u8],
    lines: usize,
    /// The first line longer than the limit (the batch is then not parsed).
    long: Option<usize>,
    parsed: Option<Result<ParsedText<'b>, StorageError>>,
}

/// Writes every batch of `batches`. Two buffers: while one batch is written, the next
/// is read into the other on a second thread and parsed in pieces, by that thread and,
/// once it has written its batch, by this one ([`Pieces`]).
fn write_batches(
    store: &DiskStorage,
    bucket: &str,
    w: &mut Written<'_>,
    batches: &mut LineBatches,
) -> Result<(), ExitCode> {
    let (mut slot_a, mut slot_b) = (Vec::new(), Vec::new());
    let first = std::sync::OnceLock::new();
    let mut next = read_ahead(batches, &mut slot_a, &first, w.options, w.max_line)
        .map(|read| parsed(read, first.into_inner(), w.options));
    while let Some(cur) = readable(next, w.file)? {
        let (written, after) = write_while_reading(store, bucket, w, cur, batches, &mut slot_b);
        written?;
        let Some(cur) = readable(after, w.file)? else {
            break;
        };
        let (written, after) = write_while_reading(store, bucket, w, cur, batches, &mut slot_a);
        written?;
        next = after;
    }
    Ok(())
}

/// A batch read ahead, or the error of reading the input.
fn readable<'b>(
    r: std::io::Result<Option<Ahead<'b>>>,
    file: &Path,
) -> Result<Option<Ahead<'b>>, ExitCode> {
    r.map_err(|e| failed(&format!("cannot read {}: {e}", file.display())))
}

/// A batch read ahead, before it is parsed: its text, lines, and first line longer than
/// the limit.
type ReadBatch<'b> = (&'b [u8], usize, Option<usize>);

/// Reads the next batch into `slot` (`None` at the end of the input) and, unless a line
/// is too long, offers its pieces in `pieces` and parses them with whichever thread is
/// free ([`Pieces::work`]).
fn read_ahead<'b>(
    batches: &mut LineBatches,
    slot: &'b mut Vec<u8>,
    pieces: &std::sync::OnceLock<Pieces<'b>>,
    options: ParseOptions,
    max_line: usize,
) -> std::io::Result<Option<ReadBatch<'b>>> {
    if !batches.next_batch_into(slot)? {
        return Ok(None);
    }
    let text: &'b [u8] = slot;
    let long = long_line(text, max_line);
    if long.is_none() {
        let offered = pieces.get_or_init(|| Pieces::of(text, options));
        offered.work();
    }
    Ok(Some((text, lines_in(text), long)))
}

/// A batch read ahead with what its pieces parsed to.
fn parsed<'b>(
    read: Option<ReadBatch<'b>>,
    pieces: Option<Pieces<'b>>,
    options: ParseOptions,
) -> Option<Ahead<'b>> {
    read.map(|(text, lines, long)| Ahead {
        text,
        lines,
        long,
        parsed: long.is_none().then(|| match pieces {
            Some(p) => p.parsed(),
            None => ParsedText::parse(text, &options),
        }),
    })
}

/// Line protocol parsed piece by piece, by whichever thread is free: each takes the next
/// piece not taken. The pieces are whole lines, about [`PIECE_BYTES`] each.
struct Pieces<'b> {
    text: &'b [u8],
    options: ParseOptions,
    parts: Vec<&'b [u8]>,
    next: std::sync::atomic::AtomicUsize,
    parsed: Vec<std::sync::OnceLock<Result<ParsedText<'b>, StorageError>>>,
}

/// The size of a piece of a batch parsed on its own: a batch is parsed by two threads
/// in turn, and small pieces let the one that comes late still take a share.
const PIECE_BYTES: usize = 1 << 20;

impl<'b> Pieces<'b> {
    fn of(text: &'b [u8], options: ParseOptions) -> Pieces<'b> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let cut = match rest.get(PIECE_BYTES..) {
                // At the end of the line the piece's last byte is in.
                Some(after) => {
                    memchr::memchr(b'\n', after).map_or(rest.len(), |i| PIECE_BYTES + i + 1)
                }
                None => rest.len(),
            };
            let (part, tail) = rest.split_at(cut);
            parts.push(part);
            rest = tail;
        }
        let parsed = parts.iter().map(|_| std::sync::OnceLock::new()).collect();
        Pieces {
            text,
            options,
            parts,
            next: std::sync::atomic::AtomicUsize::new(0),
            parsed,
        }
    }

    /// Parses pieces no thread has taken until none is left.
    fn work(&self) {
        loop {
            let k = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (Some(part), Some(slot)) = (self.parts.get(k), self.parsed.get(k)) else {
                return;
            };
            let _ = slot.set(ParsedText::parse(part, &self.options));
        }
    }

    /// The batch parsed, once every piece is (the threads that took them have ended). A
    /// bad line anywhere has the batch parsed again whole, for an error whose line
    /// numbers count from its start.
    fn parsed(self) -> Result<ParsedText<'b>, StorageError> {
        let (text, options) = (self.text, self.options);
        let mut pieces = Vec::with_capacity(self.parsed.len());
        for slot in self.parsed {
            match slot.into_inner() {
                Some(Ok(p)) => pieces.push(p),
                _ => return ParsedText::parse(text, &options),
            }
        }
        ParsedText::from_pieces(text, pieces).map_or_else(|| ParsedText::parse(text, &options), Ok)
    }
}

/// Writes batch `cur` while the next is read into `slot` on another thread and parsed
/// there, and here once `cur` is written.
fn write_while_reading<'b>(
    store: &DiskStorage,
    bucket: &str,
    w: &mut Written<'_>,
    cur: Ahead<'_>,
    batches: &mut LineBatches,
    slot: &'b mut Vec<u8>,
) -> (Result<(), ExitCode>, std::io::Result<Option<Ahead<'b>>>) {
    let (options, max_line) = (w.options, w.max_line);
    let pieces = std::sync::OnceLock::new();
    let (written, next) = std::thread::scope(|scope| {
        let pieces = &pieces;
        let reader = scope.spawn(move || read_ahead(batches, slot, pieces, options, max_line));
        let written = write_batch(store, bucket, w, cur);
        // After a failed write nothing more is written: no help parsing the next batch.
        if let (Ok(()), Some(p)) = (&written, pieces.get()) {
            p.work();
        }
        let next = reader
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the thread reading the input failed")));
        (written, next)
    });
    let next = next.map(|read| parsed(read, pieces.into_inner(), options));
    (written, next)
}

/// Writes one batch read ahead; on an error, says what failed and what was written.
fn write_batch(
    store: &DiskStorage,
    bucket: &str,
    w: &mut Written<'_>,
    cur: Ahead<'_>,
) -> Result<(), ExitCode> {
    let (file, lines_done, points) = (w.file, w.lines, w.points);
    if let Some(at) = cur.long {
        eprintln!(
            "error: line {} of {} is longer than {} bytes (--max-line-length); \
             it was not written",
            lines_done + at,
            file.display(),
            w.max_line
        );
        report_written(lines_done, points);
        return Err(ExitCode::from(EXIT_ERROR));
    }
    let written = match cur.parsed {
        Some(Ok(parsed)) => store.write_parsed(&parsed, bucket),
        Some(Err(e)) => Err(e),
        None => Ok(0),
    };
    match written {
        Ok(n) => w.points += n,
        Err(StorageError::LineProtocol(mut e)) => {
            for l in &mut e.lines {
                l.line += lines_done;
            }
            eprintln!(
                "error: {} has bad lines; this batch was not written:",
                file.display()
            );
            for l in &e.lines {
                eprintln!("  line {}: {l}", l.line);
            }
            if lines_done > 0 {
                eprintln!(
                    "lines 1 to {lines_done} ({points} points) were written before this batch"
                );
            } else {
                eprintln!("nothing was written");
            }
            return Err(ExitCode::from(EXIT_ERROR));
        }
        Err(e) => {
            // A type conflict is found for the batch; name the line it comes from.
            let line = match &e {
                StorageError::FieldTypeConflict {
                    measurement,
                    field,
                    found,
                    ..
                } => fluxi::line_with_field(cur.text, &w.options, measurement, field, found),
                _ => None,
            };
            match line {
                Some(n) => eprintln!("error: line {}: {e}", lines_done + n),
                None => eprintln!("error: {e}"),
            }
            eprintln!("this batch was not written");
            report_written(lines_done, points);
            return Err(ExitCode::from(EXIT_ERROR));
        }
    }
    w.lines += cur.lines;
    w.bytes += cur.text.len() as u64;
    if let Some(t) = w.progress {
        let pct = w.bytes as f64 * 100.0 / t.max(1) as f64;
        let rate = w.lines as f64 / w.started.elapsed().as_secs_f64().max(1e-9);
        eprint!("\r{pct:5.1}%  {} lines  {rate:.0} lines/s ", w.lines);
        let _ = std::io::stderr().flush();
    }
    Ok(())
}

/// Say how much of the input was written before the write stopped.
fn report_written(lines_done: usize, points: usize) {
    if lines_done > 0 {
        eprintln!("lines 1 to {lines_done} ({points} points) were written before it");
    } else {
        eprintln!("nothing was written");
    }
}

/// How many lines a batch of [`LineBatches`] holds.
pub fn lines_in(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', b).count() + usize::from(!b.ends_with(b"\n") && !b.is_empty())
}

/// Line-protocol input in batches of whole lines, about `batch_bytes` each (a line is
/// never split; one longer than the batch makes a batch of its own, read only as far as
/// `max_line` bytes).
pub struct LineBatches {
    input: Box<dyn Read + Send>,
    batch_bytes: usize,
    max_line: usize,
    buf: Vec<u8>,
    carry: Vec<u8>,
    chunk: Vec<u8>,
    eof: bool,
}

impl LineBatches {
    pub fn new(input: Box<dyn Read + Send>, batch_bytes: usize, max_line: usize) -> LineBatches {
        LineBatches {
            input,
            batch_bytes,
            max_line,
            buf: Vec::with_capacity(batch_bytes + (1 << 20)),
            carry: Vec::new(),
            chunk: vec![0u8; 1 << 20],
            eof: false,
        }
    }

    fn read_more(&mut self) -> std::io::Result<()> {
        loop {
            match self.input.read(&mut self.chunk) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.buf.extend_from_slice(&self.chunk[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Puts the next batch in `out` (whose buffer is kept for a later batch); false at
    /// the end of the input.
    pub fn next_batch_into(&mut self, out: &mut Vec<u8>) -> std::io::Result<bool> {
        if self.next_batch()?.is_none() {
            return Ok(false);
        }
        std::mem::swap(out, &mut self.buf);
        Ok(true)
    }

    /// The next batch (`None` at the end of the input): whole lines, ending in a newline
    /// except at the end of the input.
    pub fn next_batch(&mut self) -> std::io::Result<Option<&[u8]>> {
        self.buf.clear();
        self.buf.append(&mut self.carry);
        while !self.eof && self.buf.len() < self.batch_bytes {
            self.read_more()?;
        }
        // A batch holding no line end is one long line: read on to its end, as long as
        // it stays within the limit.
        while !self.eof && !self.buf.contains(&b'\n') && self.buf.len() <= self.max_line {
            self.read_more()?;
        }
        if !self.eof {
            if let Some(cut) = self.buf.iter().rposition(|&b| b == b'\n') {
                self.carry.extend_from_slice(&self.buf[cut + 1..]);
                self.buf.truncate(cut + 1);
            }
        }
        if self.buf.is_empty() && self.eof {
            return Ok(None);
        }
        Ok(Some(&self.buf))
    }
}

/// The 1-based number, within a batch, of its first line longer than `max_line` bytes.
pub fn long_line(batch: &[u8], max_line: usize) -> Option<usize> {
    let mut start = 0;
    let mut line = 1;
    for end in memchr::memchr_iter(b'\n', batch) {
        if end - start > max_line {
            return Some(line);
        }
        start = end + 1;
        line += 1;
    }
    (batch.len() - start > max_line).then_some(line)
}

/// `fluxi export --parquet DIR --bucket B`: the bucket as Parquet files, one set per
/// measurement, for an engine to register (`flightsql://...?register=DIR`).
pub fn export(
    data: Option<PathBuf>,
    bucket: &str,
    parquet: &Path,
    rows_per_file: usize,
) -> ExitCode {
    let dir = match data_dir(data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    if !DiskStorage::exists_in(&dir) {
        return failed(&format!("there is no store at {}", dir.display()));
    }
    let store = match open_store(&dir, Access::Query) {
        Ok(s) => Arc::new(s),
        Err(e) => return failed(&e.to_string()),
    };
    let engine = fluxi::Engine::with_storage(store);
    let Some(storage) = engine.storage() else {
        return failed("the engine has no store");
    };
    match fluxi::flightsql::export_bucket(storage.as_ref(), bucket, parquet, rows_per_file) {
        Ok(report) => {
            for m in &report.manifest.measurements {
                outln!(
                    "{}: {} rows in {} file{} ({})",
                    m.name,
                    m.rows,
                    m.files,
                    if m.files == 1 { "" } else { "s" },
                    report.dir.join(&m.dir).display()
                );
            }
            outln!("wrote {}", report.dir.display());
            ExitCode::SUCCESS
        }
        Err(StorageError::BucketNotFound(_)) => {
            failed(&format!("bucket {bucket:?} not found in {}", dir.display()))
        }
        Err(e) => failed(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::{lines_in, long_line};

    /// `lines_in` and `long_line` against their definitions (lines are what splitting
    /// at `\n` gives; a trailing newline ends the last line) on random batches.
    #[test]
    fn line_counts_and_long_lines_follow_their_definitions() {
        let mut x: u64 = 0x0123_4567_89ab_cdef;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..2_000 {
            let len = next(300) as usize;
            let batch: Vec<u8> = (0..len)
                .map(|_| match next(12) {
                    0 => b'\n',
                    1 => b'\r',
                    _ => b'a',
                })
                .collect();
            let want_lines = batch.split(|&b| b == b'\n').count()
                - usize::from(batch.is_empty() || batch.ends_with(b"\n"));
            assert_eq!(lines_in(&batch), want_lines, "{batch:?}");
            let max = next(40) as usize;
            let want_long = batch
                .split(|&b| b == b'\n')
                .position(|l| l.len() > max)
                .map(|i| i + 1);
            assert_eq!(long_line(&batch, max), want_long, "{batch:?} {max}");
        }
    }
}
