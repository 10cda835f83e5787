//! `fluxi`: run, check and inspect Flux scripts.

mod check;
mod explain;
mod fmt;
mod out;
mod repl;
mod run;
mod serve;
mod store;
mod test;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status for a script with errors.
const EXIT_ERROR: u8 = 1;
/// Exit status for bad usage (unreadable file, unknown flag).
const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(name = "fluxi", version, about = "A Flux interpreter and query engine")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the interactive REPL (also what `fluxi` with no command does).
    Repl {
        /// The store `from(bucket:)` reads (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Fix `now()` to this time (RFC 3339).
        #[arg(long)]
        now: Option<String>,
        /// How results print (`:format` changes it).
        #[arg(long, value_enum, default_value = "table")]
        format: run::Format,
        /// The most memory a query may hold in tables, e.g. 512MiB or 2GiB, or `none`
        /// (default: $FLUXI_MEMORY_LIMIT, else half the machine's memory).
        #[arg(long, value_name = "SIZE")]
        memory_limit: Option<String>,
        /// Let scripts read files (`csv.from(file:)`) only inside this directory; may be
        /// repeated. Without it, scripts read any regular file you can.
        #[arg(long = "allow-file-read", value_name = "DIR")]
        allow_file_read: Vec<PathBuf>,
    },
    /// Check Flux files for syntax and type errors without running them.
    Check {
        /// Only parse; do not type-check.
        #[arg(long, conflicts_with = "types")]
        syntax_only: bool,
        /// Print the inferred type of every top-level binding.
        #[arg(long)]
        types: bool,
        /// The files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run a Flux script and print its results.
    Run {
        /// The script file (`-` for standard input).
        file: Option<PathBuf>,
        /// Run this script text instead of a file.
        #[arg(short = 'e', long = "exec", conflicts_with = "file")]
        exec: Option<String>,
        /// How to print results.
        #[arg(long, value_enum, default_value = "table")]
        format: run::Format,
        /// Fix `now()` to this time (RFC 3339); a script's `option now` still wins.
        #[arg(long)]
        now: Option<String>,
        /// The store `from(bucket:)` reads (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Print how long compiling, running and printing took, to standard error.
        #[arg(long)]
        timing: bool,
        /// The most memory a query may hold in tables, e.g. 512MiB or 2GiB, or `none`
        /// (default: $FLUXI_MEMORY_LIMIT, else half the machine's memory).
        #[arg(long, value_name = "SIZE")]
        memory_limit: Option<String>,
        /// Let scripts read files (`csv.from(file:)`) only inside this directory; may be
        /// repeated. Without it, scripts read any regular file you can.
        #[arg(long = "allow-file-read", value_name = "DIR")]
        allow_file_read: Vec<PathBuf>,
    },
    /// Print the plan of a script's results and what is pushed into storage, without
    /// reading data.
    Explain {
        /// The script file (`-` for standard input).
        file: PathBuf,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Fix `now()` to this time (RFC 3339).
        #[arg(long)]
        now: Option<String>,
    },
    /// Write line protocol into a bucket of the store.
    Write {
        /// The bucket (it must exist: `fluxi bucket create NAME`).
        #[arg(long, short)]
        bucket: String,
        /// The unit of the timestamps.
        #[arg(long, short, default_value = "ns", value_parser = ["ns", "us", "ms", "s"])]
        precision: String,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// The longest line accepted, in bytes (as `influx write`); a longer line is
        /// refused whole.
        #[arg(long, value_name = "BYTES", default_value_t = 16_000_000)]
        max_line_length: usize,
        /// The line-protocol file (`-` for standard input).
        file: PathBuf,
    },
    /// Delete the points of a bucket between two times (both included) whose series
    /// match a predicate, as `influx delete` does.
    Delete {
        /// The bucket.
        #[arg(long, short)]
        bucket: String,
        /// The first time to delete (RFC 3339, such as 2024-01-01T00:00:00Z).
        #[arg(long)]
        start: String,
        /// The last time to delete, included (RFC 3339).
        #[arg(long)]
        stop: String,
        /// Which series: conditions `_measurement="cpu"` or `tag="value"` (`=` or `!=`)
        /// joined by AND; without it, every series of the bucket.
        #[arg(long, short, default_value = "")]
        predicate: String,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Create, list or delete buckets of the store.
    Bucket {
        #[command(subcommand)]
        action: BucketCommand,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR", global = true)]
        data: Option<PathBuf>,
    },
    /// Verify the store (`check`) or move its damaged files aside (`repair`).
    Store {
        #[command(subcommand)]
        action: StoreCommand,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR", global = true)]
        data: Option<PathBuf>,
    },
    /// Run upstream-style `*_test.flux` testcases.
    Test {
        /// Files or directories to search for `*_test.flux` files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Run only these tests (`name` or `package.name`), whatever their tags.
        #[arg(long = "test")]
        tests: Vec<String>,
        /// Skip these tests (`name` or `package.name`).
        #[arg(long = "skip")]
        skips: Vec<String>,
        /// Run tests carrying these tags (a tagged test runs only if all its tags are given).
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
        /// Print every test's outcome (`-v`).
        #[arg(short, long, action = clap::ArgAction::Count)]
        verbose: u8,
        /// Fix `now()` for tests that do not set `option now`.
        #[arg(long)]
        now: Option<String>,
        /// The most memory a test may hold in tables, e.g. 512MiB or 2GiB, or `none`
        /// (default: $FLUXI_MEMORY_LIMIT, else half the machine's memory).
        #[arg(long, value_name = "SIZE")]
        memory_limit: Option<String>,
        /// Let scripts read files (`csv.from(file:)`) only inside this directory; may be
        /// repeated. Without it, scripts read any regular file you can.
        #[arg(long = "allow-file-read", value_name = "DIR")]
        allow_file_read: Vec<PathBuf>,
    },
    /// Format Flux files in canonical style (in place; `-` for standard input to output).
    Fmt {
        /// Write nothing; list the files that would change and exit 1 if any.
        #[arg(long)]
        check: bool,
        /// The files to format (`-` for standard input).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Serve the InfluxDB 2 HTTP API (write, query, buckets, orgs, tokens) over the store.
    Serve {
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Where to listen (default: $FLUXI_HTTP_BIND_ADDRESS, else 127.0.0.1:8086; port 0
        /// picks a free one, printed on start).
        #[arg(long, value_name = "ADDR")]
        http_bind_address: Option<String>,
        /// The largest request body, after decompression, e.g. 32MiB (default:
        /// $FLUXI_MAX_BODY_SIZE, else 32MiB); larger ones get 413.
        #[arg(long, value_name = "SIZE")]
        max_body_size: Option<String>,
        /// The most memory a query may hold in tables, e.g. 512MiB, or `none` (default:
        /// $FLUXI_MEMORY_LIMIT, else half the machine's memory).
        #[arg(long, value_name = "SIZE")]
        memory_limit: Option<String>,
    },
    /// Set up a new `fluxi serve`: the first user, organisation, bucket and an all-access
    /// token (printed once).
    Setup {
        /// The server (default: $FLUXI_HOST, else http://127.0.0.1:8086).
        #[arg(long)]
        host: Option<String>,
        #[arg(long, short)]
        username: String,
        /// At least 8 characters.
        #[arg(long, short)]
        password: String,
        #[arg(long, short)]
        org: String,
        #[arg(long, short)]
        bucket: String,
        /// How long the bucket keeps data, e.g. 30d (default: forever).
        #[arg(long, short)]
        retention: Option<String>,
        /// Use this as the operator token instead of a generated one.
        #[arg(long, short)]
        token: Option<String>,
    },
    /// Parse a Flux file and print its syntax tree.
    Parse {
        /// Print the compact syntax tree (the default).
        #[arg(long)]
        ast: bool,
        /// Print byte spans after every node.
        #[arg(long)]
        spans: bool,
        /// The file to parse (`-` for standard input).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum StoreCommand {
    /// Recover the write-ahead log and verify every data file (size, checksum); exit 1
    /// when anything was dropped or is damaged. Changes nothing else.
    Check,
    /// Move damaged data files to `quarantine/`, drop them from the manifest, and say
    /// which series and time ranges were lost.
    Repair,
}

#[derive(Subcommand)]
enum BucketCommand {
    /// Create a bucket.
    Create {
        /// Its name.
        name: String,
        /// How long data is kept, e.g. 30d, 12h, 1w (default: forever).
        #[arg(long)]
        retention: Option<String>,
    },
    /// List the buckets and their retention.
    List,
    /// Delete a bucket and all its data.
    Delete {
        /// Its name.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Checking and evaluation recurse over the syntax tree (at most 500 levels deep); a large
    // stack keeps deep but valid scripts far from overflowing it.
    let worker = std::thread::Builder::new()
        .name("fluxi".into())
        .stack_size(256 << 20)
        .spawn(move || {
            dispatch(cli.command.unwrap_or(Command::Repl {
                data: None,
                now: None,
                format: run::Format::Table,
                memory_limit: None,
                allow_file_read: Vec::new(),
            }))
        });
    match worker.map(|h| h.join()) {
        Ok(Ok(_)) if out::failed() => ExitCode::from(EXIT_ERROR),
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: internal error: the worker thread failed");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn dispatch(command: Command) -> ExitCode {
    match command {
        Command::Repl {
            data,
            now,
            format,
            memory_limit,
            allow_file_read,
        } => {
            let now = match now.map(|n| run::parse_now(&n)).transpose() {
                Ok(n) => n,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            let memory_limit = match run::memory_limit(memory_limit) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            };
            repl::repl(repl::ReplOptions {
                data,
                now,
                format,
                memory_limit,
                allow_file_read,
            })
        }
        Command::Check {
            syntax_only,
            types,
            files,
        } => check::check(&files, syntax_only, types),
        Command::Fmt { check, files } => fmt::fmt(&files, check),
        Command::Parse {
            ast: _,
            spans,
            file,
        } => check::parse(&file, spans),
        Command::Run {
            file,
            exec,
            format,
            now,
            data,
            timing,
            memory_limit,
            allow_file_read,
        } => run::run(run::RunOptions {
            file,
            exec,
            format,
            now,
            data,
            timing,
            memory_limit,
            allow_file_read,
        }),
        Command::Explain { file, data, now } => match now.map(|n| run::parse_now(&n)).transpose() {
            Ok(now) => explain::explain(&file, data, now),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(EXIT_USAGE)
            }
        },
        Command::Write {
            bucket,
            precision,
            data,
            max_line_length,
            file,
        } => store::write(data, &bucket, &precision, max_line_length, &file),
        Command::Delete {
            bucket,
            start,
            stop,
            predicate,
            data,
        } => store::delete(data, &bucket, &start, &stop, &predicate),
        Command::Bucket { action, data } => store::bucket(
            data,
            match action {
                BucketCommand::Create { name, retention } => {
                    store::BucketAction::Create { name, retention }
                }
                BucketCommand::List => store::BucketAction::List,
                BucketCommand::Delete { name } => store::BucketAction::Delete { name },
            },
        ),
        Command::Serve {
            data,
            http_bind_address,
            max_body_size,
            memory_limit,
        } => serve::serve(serve::ServeOptions {
            data,
            bind: http_bind_address,
            max_body: max_body_size,
            memory_limit,
        }),
        Command::Setup {
            host,
            username,
            password,
            org,
            bucket,
            retention,
            token,
        } => serve::setup(serve::SetupOptions {
            host,
            username,
            password,
            org,
            bucket,
            retention,
            token,
        }),
        Command::Store { action, data } => store::store_command(
            data,
            match action {
                StoreCommand::Check => store::StoreAction::Check,
                StoreCommand::Repair => store::StoreAction::Repair,
            },
        ),
        Command::Test {
            paths,
            tests,
            skips,
            tags,
            verbose,
            now,
            memory_limit,
            allow_file_read,
        } => test::test(test::TestOptions {
            paths,
            tests,
            skips,
            tags,
            verbose,
            now,
            memory_limit,
            allow_file_read,
        }),
    }
}
