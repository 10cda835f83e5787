//! The store the commands read and write: where it is (`--data`, `$FLUXI_DATA`, the
//! per-user default), `fluxi write` and `fluxi bucket`.

use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi_storage::{
    BucketInfo, DiskStorage, ParseOptions, Precision, ReadResult, ReadSpec, Storage, StorageError,
};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

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

/// Open the store now.
pub fn open(dir: &Path) -> Result<Arc<DiskStorage>, String> {
    DiskStorage::open(dir)
        .map(Arc::new)
        .map_err(|e| format!("cannot open the store at {}: {e}", dir.display()))
}

/// A store opened on first use, so that scripts that never touch a bucket neither create
/// nor lock the store directory.
pub struct LazyStore {
    dir: PathBuf,
    store: OnceLock<Result<Arc<DiskStorage>, String>>,
}

impl LazyStore {
    /// A store at `dir`, not opened yet.
    pub fn new(dir: PathBuf) -> LazyStore {
        LazyStore {
            dir,
            store: OnceLock::new(),
        }
    }

    fn get(&self) -> fluxi_storage::storage::Result<&DiskStorage> {
        match self.store.get_or_init(|| open(&self.dir)) {
            Ok(s) => Ok(s),
            Err(e) => Err(StorageError::Backend(e.clone())),
        }
    }
}

impl Storage for LazyStore {
    fn buckets(&self) -> fluxi_storage::storage::Result<Vec<BucketInfo>> {
        self.get()?.buckets()
    }
    fn create_bucket(
        &self,
        name: &str,
        retention: Option<i64>,
    ) -> fluxi_storage::storage::Result<()> {
        self.get()?.create_bucket(name, retention)
    }
    fn delete_bucket(&self, name: &str) -> fluxi_storage::storage::Result<()> {
        self.get()?.delete_bucket(name)
    }
    fn write(
        &self,
        bucket: &str,
        points: &[fluxi_storage::Point],
    ) -> fluxi_storage::storage::Result<usize> {
        self.get()?.write(bucket, points)
    }
    fn write_line_protocol(
        &self,
        bucket: &str,
        text: &[u8],
        options: &ParseOptions,
    ) -> fluxi_storage::storage::Result<usize> {
        self.get()?.write_line_protocol(bucket, text, options)
    }
    fn read(&self, spec: &ReadSpec) -> fluxi_storage::storage::Result<ReadResult> {
        self.get()?.read(spec)
    }
    fn read_aggregate(
        &self,
        spec: &ReadSpec,
        aggregate: fluxi_storage::Aggregate,
        window: Option<fluxi_storage::Windowing>,
    ) -> fluxi_storage::storage::Result<Option<ReadResult>> {
        self.get()?.read_aggregate(spec, aggregate, window)
    }
    fn predicate_pushdown(&self, p: &fluxi_storage::Predicate) -> fluxi_storage::Applied {
        self.get().map_or(fluxi_storage::Applied::Unsupported, |s| {
            s.predicate_pushdown(p)
        })
    }
    fn read_each(
        &self,
        spec: &ReadSpec,
        sink: &mut dyn FnMut(fluxi_value::Table) -> bool,
    ) -> fluxi_storage::storage::Result<()> {
        self.get()?.read_each(spec, sink)
    }
    fn aggregate_pushdown(
        &self,
        aggregate: fluxi_storage::Aggregate,
        window: Option<fluxi_storage::Windowing>,
    ) -> fluxi_storage::Applied {
        // A store that does not open computes nothing; the read reports why.
        self.get().map_or(fluxi_storage::Applied::Unsupported, |s| {
            s.aggregate_pushdown(aggregate, window)
        })
    }
    fn measurements(&self, bucket: &str) -> fluxi_storage::storage::Result<Vec<String>> {
        self.get()?.measurements(bucket)
    }
    fn tag_keys(
        &self,
        bucket: &str,
        measurement: Option<&str>,
    ) -> fluxi_storage::storage::Result<Vec<String>> {
        self.get()?.tag_keys(bucket, measurement)
    }
    fn tag_values(
        &self,
        bucket: &str,
        tag: &str,
        measurement: Option<&str>,
    ) -> fluxi_storage::storage::Result<Vec<String>> {
        self.get()?.tag_values(bucket, tag, measurement)
    }
    fn field_keys(
        &self,
        bucket: &str,
        measurement: Option<&str>,
    ) -> fluxi_storage::storage::Result<Vec<String>> {
        self.get()?.field_keys(bucket, measurement)
    }
}

/// Parse a duration such as `30d`, `12h`, `1w`, `90m` (for `--retention`); `0` or `inf`
/// keeps data forever.
pub fn parse_retention(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t == "0" || t == "inf" || t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("--retention needs a duration such as 30d, 12h or 1w, not {text:?}");
    let mut total: i64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
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
    Ok(Some(total))
}

/// What `fluxi bucket` does.
pub enum BucketAction {
    /// Make a bucket.
    Create {
        /// Its name.
        name: String,
        /// How long data is kept (`--retention`).
        retention: Option<String>,
    },
    /// List the buckets.
    List,
    /// Delete a bucket and its data.
    Delete {
        /// Its name.
        name: String,
    },
}

/// `fluxi bucket create|list|delete`.
pub fn bucket(data: Option<PathBuf>, action: BucketAction) -> ExitCode {
    let dir = match data_dir(data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    let retention = match &action {
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
            println!("created bucket {name:?} in {}", dir.display());
        }),
        BucketAction::Delete { name } => store.delete_bucket(&name).map(|()| {
            println!("deleted bucket {name:?}");
        }),
        BucketAction::List => store.buckets().map(|all| {
            println!("{:<32} retention", "name");
            for b in all {
                let r = b.retention.map_or_else(
                    || "forever".to_string(),
                    |ns| fluxi_value::Duration::from_nanos(ns).to_string(),
                );
                println!("{:<32} {r}", b.name);
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failed(&e.to_string()),
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

/// Bytes per batch `fluxi write` hands to the store (cut at a line end).
const BATCH_BYTES: usize = 8 << 20;

/// `fluxi write --bucket NAME [--precision P] FILE|-`: line protocol in batches of about
/// 8 MiB; each batch is written whole or not at all, and the first bad batch stops the
/// write with every bad line of it reported by its line number in the input.
pub fn write(data: Option<PathBuf>, bucket: &str, precision: &str, file: &Path) -> ExitCode {
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
    let (mut input, total): (Box<dyn Read>, Option<u64>) = if file.as_os_str() == "-" {
        (Box::new(std::io::stdin().lock()), None)
    } else {
        match std::fs::File::open(file) {
            Ok(f) => {
                let len = f.metadata().ok().map(|m| m.len());
                (Box::new(f), len)
            }
            Err(e) => return usage(&format!("cannot read {}: {e}", file.display())),
        }
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
    let options = ParseOptions::new(precision, now);
    let progress = std::io::stderr().is_terminal() && total.is_some_and(|t| t > 64 << 20);
    let started = std::time::Instant::now();
    let mut buf: Vec<u8> = Vec::with_capacity(BATCH_BYTES + (1 << 20));
    let mut carry: Vec<u8> = Vec::new();
    let (mut lines_done, mut points, mut bytes_done) = (0usize, 0usize, 0u64);
    let mut eof = false;
    while !eof {
        buf.clear();
        buf.append(&mut carry);
        // Fill up to the batch size, then cut after the last newline.
        let mut chunk = vec![0u8; 1 << 20];
        while buf.len() < BATCH_BYTES {
            match input.read(&mut chunk) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return failed(&format!("cannot read {}: {e}", file.display())),
            }
        }
        if !eof {
            if let Some(cut) = buf.iter().rposition(|&b| b == b'\n') {
                carry.extend_from_slice(&buf[cut + 1..]);
                buf.truncate(cut + 1);
            }
        }
        let batch_lines = bytecount(&buf) + usize::from(!buf.ends_with(b"\n") && !buf.is_empty());
        match store.write_line_protocol(bucket, &buf, &options) {
            Ok(n) => points += n,
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
                return ExitCode::from(EXIT_ERROR);
            }
            Err(e) => {
                eprintln!("error: {e}");
                if lines_done > 0 {
                    eprintln!(
                        "lines 1 to {lines_done} ({points} points) were written before this batch"
                    );
                }
                return ExitCode::from(EXIT_ERROR);
            }
        }
        lines_done += batch_lines;
        bytes_done += buf.len() as u64;
        if progress {
            if let Some(t) = total {
                let pct = bytes_done as f64 * 100.0 / t.max(1) as f64;
                let rate = lines_done as f64 / started.elapsed().as_secs_f64().max(1e-9);
                eprint!("\r{pct:5.1}%  {lines_done} lines  {rate:.0} lines/s ");
                let _ = std::io::stderr().flush();
            }
        }
    }
    if progress {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {points} points from {lines_done} lines to {bucket:?} in {secs:.2} s ({:.0} lines/s)",
        lines_done as f64 / secs.max(1e-9)
    );
    ExitCode::SUCCESS
}

fn bytecount(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}
