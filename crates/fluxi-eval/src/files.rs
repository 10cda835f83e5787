//! Which files a query may read (`csv.from(file:)` and any later file-reading function).
//!
//! An engine reads no files unless allowed ([`FileAccess::None`], the default of
//! `fluxi::Engine` and of the server); the CLI reads what its user can
//! ([`FileAccess::Any`]) or, with `--allow-file-read DIR`, only inside those directories
//! ([`FileAccess::Only`]). Whatever the policy, only regular files are read: a FIFO would
//! block the query forever and a device or `/proc` file is not data (and may be secret,
//! as `/proc/self/environ` is), so those are refused with a clear error. A file larger
//! than the query's memory limit is refused before it is read.

use crate::error::{ErrorKind, EvalError};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a query may read from the file system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FileAccess {
    /// No files at all.
    #[default]
    None,
    /// Any regular file the process can read.
    Any,
    /// Regular files inside these directories (canonical paths, symbolic links resolved).
    Only(Vec<PathBuf>),
}

/// File systems whose files are not data: reading them can block, never end, or reveal
/// the process's secrets.
const PSEUDO_ROOTS: &[&str] = &["/proc", "/sys", "/dev"];

impl FileAccess {
    /// Only inside `dirs`. Each must exist; its canonical path (symbolic links resolved)
    /// is what files are checked against.
    pub fn only<P: AsRef<Path>>(dirs: &[P]) -> Result<FileAccess, String> {
        let mut roots = Vec::new();
        for d in dirs {
            let d = d.as_ref();
            let canonical = d
                .canonicalize()
                .map_err(|e| format!("cannot allow reading {}: {e}", d.display()))?;
            if !canonical.is_dir() {
                return Err(format!(
                    "cannot allow reading {}: not a directory",
                    d.display()
                ));
            }
            roots.push(canonical);
        }
        Ok(FileAccess::Only(roots))
    }

    /// Read the text of `path` if this policy allows it and it is a regular file of at
    /// most `max_bytes`; `what` names the function asking (`csv.from`) for the hint.
    pub fn read_to_string(
        &self,
        what: &str,
        path: &str,
        max_bytes: Option<usize>,
    ) -> Result<String, EvalError> {
        let refused = |why: String| {
            EvalError::new(
                ErrorKind::FileAccess,
                format!("cannot read {path:?}: {why}"),
            )
        };
        if *self == FileAccess::None {
            return Err(refused(format!(
                "this engine lets no query read files (to let `{what}` read them, allow \
                     directories with `--allow-file-read DIR` on the command line or \
                     `EngineBuilder::allow_file_read` when embedding)"
            )));
        }
        let canonical = Path::new(path)
            .canonicalize()
            .map_err(|e| refused(e.to_string()))?;
        if PSEUDO_ROOTS.iter().any(|r| canonical.starts_with(r)) {
            return Err(refused(format!(
                "{} is not a regular file of data",
                canonical.display()
            )));
        }
        if let FileAccess::Only(roots) = self {
            if !roots.iter().any(|r| canonical.starts_with(r)) {
                let allowed: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
                return Err(refused(format!(
                    "it is outside the directories files may be read from ({})",
                    allowed.join(", ")
                )));
            }
        }
        // Open without blocking (a FIFO with no writer would otherwise wait forever), then
        // look at what was opened, so a file swapped after the check is still caught.
        let mut file = open_nonblocking(&canonical).map_err(|e| refused(e.to_string()))?;
        let meta = file.metadata().map_err(|e| refused(e.to_string()))?;
        if !meta.is_file() {
            return Err(refused(format!(
                "it is not a regular file (a {})",
                kind_of(&meta)
            )));
        }
        if let Some(max) = max_bytes {
            if meta.len() > max as u64 {
                return Err(EvalError::new(
                    ErrorKind::MemoryLimit,
                    format!(
                        "{path:?} has {} bytes, more than the query's memory limit of {max} bytes",
                        meta.len()
                    ),
                ));
            }
        }
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| refused(e.to_string()))?;
        Ok(text)
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if meta.is_dir() {
        "directory"
    } else {
        "special file"
    }
}
