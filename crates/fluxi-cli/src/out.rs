//! Standard output for every command. `print!` panics when the reader has gone away
//! (`fluxi explain q.flux | head -1`); these macros stop writing instead, as `cat` does,
//! and the command ends normally. Another write error is reported once on standard error
//! and makes the command's exit status 1.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);
static FAILED: AtomicBool = AtomicBool::new(false);

/// Write to standard output unless it was closed.
pub fn write(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args) {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            FAILED.store(true, Ordering::Relaxed);
            eprintln!("error: writing to standard output: {e}");
        }
    }
}

/// Whether writing failed for another reason than a reader that left.
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}

/// `print!` that stops quietly on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*)) };
}

/// `println!` that stops quietly on a closed pipe.
macro_rules! outln {
    () => { $crate::out::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};
