//! `fluxi query`: a Flux query run by the server, its results printed as `fluxi run`
//! prints them (or the annotated CSV as it came, with `--raw`).

use super::{failed, RemoteArgs};
use crate::out::out;
use crate::{EXIT_ERROR, EXIT_USAGE};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// How long `fluxi query` waits for the next bytes of an answer (a query may compute a
/// while before its first table).
const QUERY_TIMEOUT: Duration = Duration::from_secs(600);

/// What `fluxi query` was given.
pub struct QueryOptions {
    /// The query text (`-`: standard input).
    pub query: Option<String>,
    /// `--file`.
    pub file: Option<PathBuf>,
    /// `--raw`.
    pub raw: bool,
    /// `--format`.
    pub format: crate::run::Format,
    /// The server.
    pub remote: RemoteArgs,
}

/// `fluxi query`.
pub fn query(o: QueryOptions) -> ExitCode {
    let flux = match (o.query, o.file) {
        (Some(_), Some(_)) => {
            eprintln!("error: give the query or --file FILE, not both");
            return ExitCode::from(EXIT_USAGE);
        }
        (Some(q), None) if q == "-" => crate::check::read_source(std::path::Path::new("-")),
        (Some(q), None) => Ok(q),
        (None, Some(f)) => crate::check::read_source(&f),
        (None, None) => {
            eprintln!("error: give the query (`-` for standard input) or --file FILE");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let flux = match flux {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let conn = match super::require(&o.remote, "fluxi query") {
        Ok(c) => c,
        Err(code) => return code,
    };
    let org = match conn.org() {
        Ok(o) => o.clone(),
        Err(code) => return code,
    };
    let api = match conn.api(QUERY_TIMEOUT) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let response = match api.query(&org, &flux) {
        Ok(r) => r,
        Err(e) => return failed("the query failed", &e),
    };
    let mut body = BufReader::with_capacity(64 << 10, response.body);
    if o.raw {
        let mut line = Vec::new();
        loop {
            line.clear();
            match body.read_until(b'\n', &mut line) {
                Ok(0) => return ExitCode::SUCCESS,
                Ok(_) => out!("{}", String::from_utf8_lossy(&line)),
                Err(e) => {
                    eprintln!("error: reading the answer from {}: {e}", conn.host);
                    return ExitCode::from(EXIT_ERROR);
                }
            }
        }
    }
    let mut writer = fluxi::ResultWriter::new(std::io::stdout(), o.format.into());
    let mut current: Option<String> = None;
    let quiet_or_failed = |e: std::io::Error| {
        // The reader went away (`| head`): stop quietly, as `cat` does.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            ExitCode::SUCCESS
        } else {
            eprintln!("error: writing the results: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    };
    for block in fluxi::CsvBlocks::new(body) {
        match block {
            Ok(fluxi::CsvBlock::Tables { result, tables }) => {
                if let Some(previous) = current.as_ref().filter(|c| **c != result) {
                    if let Err(e) = writer.write(previous, None) {
                        return quiet_or_failed(e);
                    }
                }
                for t in &tables {
                    if let Err(e) = writer.write(&result, Some(t)) {
                        return quiet_or_failed(e);
                    }
                }
                current = Some(result);
            }
            Ok(fluxi::CsvBlock::Error(message)) => {
                if let Some(previous) = current.take() {
                    let _ = writer.write(&previous, None);
                }
                eprintln!("error: the query failed on the server: {message}");
                return ExitCode::from(EXIT_ERROR);
            }
            Err(e) => {
                eprintln!("error: the answer from {}: {e}", conn.host);
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    if let Some(previous) = current {
        if let Err(e) = writer.write(&previous, None) {
            return quiet_or_failed(e);
        }
    }
    ExitCode::SUCCESS
}
