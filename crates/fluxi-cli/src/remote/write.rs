//! The remote form of `fluxi write`: line protocol posted to `/api/v2/write` in batches.

use super::{failed, Conn};
use crate::store::{lines_in, long_line, open_input, LineBatches};
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi_client::ClientError;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Bytes per request (cut at a line end): well under the servers' usual body limits
/// (`fluxi serve`'s default is 32 MiB).
const BATCH_BYTES: usize = 4 << 20;
/// How long one batch may take to be sent and answered.
const WRITE_TIMEOUT: Duration = Duration::from_secs(300);

/// `fluxi write --bucket B ... --host URL`: each batch is one request, written whole or
/// refused whole by the server; the first refused batch stops the write, with the
/// server's reasons and, for bad lines, their numbers in the input.
pub fn write(conn: &Conn, bucket: &str, precision: &str, max_line: usize, file: &Path) -> ExitCode {
    let org = match conn.org() {
        Ok(o) => o.clone(),
        Err(code) => return code,
    };
    let api = match conn.api(WRITE_TIMEOUT) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let (input, _) = match open_input(file) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let started = Instant::now();
    let mut batches = LineBatches::new(input, BATCH_BYTES, max_line);
    let mut lines_done = 0usize;
    loop {
        let buf = match batches.next_batch() {
            Ok(Some(b)) => b,
            Ok(None) => break,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", file.display());
                report_written(lines_done);
                return ExitCode::from(EXIT_ERROR);
            }
        };
        if let Some(at) = long_line(buf, max_line) {
            eprintln!(
                "error: line {} of {} is longer than {max_line} bytes (--max-line-length); it was not written",
                lines_done + at,
                file.display()
            );
            report_written(lines_done);
            return ExitCode::from(EXIT_ERROR);
        }
        if let Err(e) = api.write(&org, bucket, precision, buf, false) {
            let code = failed(
                &format!("writing to bucket {bucket:?} at {}", conn.host),
                &e,
            );
            if let ClientError::Api(api) = &e {
                for (text, number) in bad_lines(&api.message, buf) {
                    eprintln!("  line {}: {text}", lines_done + number);
                }
            }
            eprintln!("this batch was not written");
            report_written(lines_done);
            return code;
        }
        lines_done += lines_in(buf);
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "wrote {lines_done} lines to {bucket:?} at {} in {secs:.2} s",
        conn.host
    );
    ExitCode::SUCCESS
}

/// The lines of `batch` that a server's `unable to parse '<line>': <reason>` messages
/// name: each message and the 1-based number of its line in the batch.
fn bad_lines<'a>(message: &'a str, batch: &[u8]) -> Vec<(&'a str, usize)> {
    let text = String::from_utf8_lossy(batch);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    message
        .split('\n')
        .filter_map(|m| {
            let rest = m.strip_prefix("unable to parse '")?;
            let quoted = &rest[..rest.rfind("': ")?];
            let at = lines.iter().position(|l| l.trim_start() == quoted)?;
            Some((m, at + 1))
        })
        .collect()
}

/// Says how much of the input was written before the write stopped.
fn report_written(lines_done: usize) {
    if lines_done > 0 {
        eprintln!("lines 1 to {lines_done} were written before it");
    } else {
        eprintln!("nothing was written");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_lines_are_found_in_the_batch() {
        let batch = b"m v=1\n  m,t=a x\nm v=2\r\nq\n";
        let found = super::bad_lines(
            "unable to parse 'm,t=a x': missing fields\nunable to parse 'q': missing fields\nunable to parse 'zz': missing fields",
            batch,
        );
        let numbers: Vec<usize> = found.iter().map(|(_, n)| *n).collect();
        assert_eq!(numbers, [2, 4]);
    }
}
