//! `fluxi`: run, check and inspect Flux scripts.

mod backfill;
mod check;
mod explain;
mod fmt;
mod out;
mod remote;
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

/// Each command's arguments are defined only when it is the one run (`defer`): the whole
/// tree took 0.2 ms to build for each `fluxi` started. (A struct of arguments a command
/// flattens has no doc comment: defined late, its text would replace the command's own.)
#[derive(Subcommand)]
#[command(defer = true)]
enum Command {
    /// Start the interactive REPL (also what `fluxi` with no command does).
    Repl {
        /// The store `from(bucket:)` reads (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Read from another engine instead of the store: flightsql://HOST:PORT[?database=DB&token=T&tls=true&register=DIR]
        /// (Apache Ballista, InfluxDB 3; docs/storage.md).
        #[arg(long, value_name = "URL", conflicts_with = "data")]
        storage: Option<String>,
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
        #[command(flatten)]
        outside: run::Outside,
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
        /// Read from another engine instead of the store: flightsql://HOST:PORT[?database=DB&token=T&tls=true&register=DIR]
        /// (Apache Ballista, InfluxDB 3; docs/storage.md).
        #[arg(long, value_name = "URL", conflicts_with = "data")]
        storage: Option<String>,
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
        #[command(flatten)]
        outside: run::Outside,
    },
    /// Print the plan of a script's results and what is pushed into storage, without
    /// reading data.
    Explain {
        /// The script file (`-` for standard input).
        file: PathBuf,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Read from another engine instead of the store: flightsql://HOST:PORT[?database=DB&token=T&tls=true&register=DIR]
        /// (Apache Ballista, InfluxDB 3; docs/storage.md).
        #[arg(long, value_name = "URL", conflicts_with = "data")]
        storage: Option<String>,
        /// Fix `now()` to this time (RFC 3339).
        #[arg(long)]
        now: Option<String>,
    },
    /// Write line protocol into a bucket of the store, or of a server (with --host, or
    /// $FLUXI_HOST, or a saved config).
    Write {
        /// The bucket (it must exist: `fluxi bucket create NAME`); on a server its name or
        /// ID.
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
        #[command(flatten)]
        remote: remote::RemoteArgs,
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
    /// Write a bucket of the store as Parquet files, one set per measurement (time, tags,
    /// fields), for an engine such as Apache Ballista to register (docs/storage.md).
    Export {
        /// The directory to write into (the bucket's files go to DIR/BUCKET/).
        #[arg(long, value_name = "DIR")]
        parquet: PathBuf,
        /// The bucket.
        #[arg(long, short)]
        bucket: String,
        /// Start a new file of a measurement once one has this many rows (at the next
        /// series): more files let more executors scan at once.
        #[arg(long, value_name = "N", default_value_t = 1_000_000)]
        rows_per_file: usize,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Create, list or delete buckets of the store, or of a server (with --host, or
    /// $FLUXI_HOST, or a saved config).
    Bucket {
        #[command(subcommand)]
        action: BucketCommand,
        /// The store (default: $FLUXI_DATA, else a per-user directory).
        #[arg(long, value_name = "DIR", global = true)]
        data: Option<PathBuf>,
        #[command(flatten)]
        remote: remote::RemoteArgs,
    },
    /// Run a Flux query on a server and print its results (as `fluxi run` does).
    Query {
        /// The query (`-` for standard input).
        query: Option<String>,
        /// Read the query from this file.
        #[arg(long, short, value_name = "FILE")]
        file: Option<PathBuf>,
        /// Print the server's annotated CSV as it comes.
        #[arg(long, short)]
        raw: bool,
        /// How to print results.
        #[arg(long, value_enum, default_value = "table", conflicts_with = "raw")]
        format: run::Format,
        #[command(flatten)]
        remote: remote::RemoteArgs,
    },
    /// Create, list, delete, enable or disable a server's API tokens.
    Auth {
        #[command(subcommand)]
        action: AuthCommand,
        #[command(flatten)]
        remote: remote::RemoteArgs,
    },
    /// Manage a server's tasks (scheduled Flux) and their runs; backfill a task script
    /// locally (`fluxi task run FILE --from T --to T`).
    Task {
        #[command(subcommand)]
        action: remote::task::TaskCommand,
        #[command(flatten)]
        remote: remote::RemoteArgs,
    },
    /// List or create a server's organizations.
    Org {
        #[command(subcommand)]
        action: OrgCommand,
        #[command(flatten)]
        remote: remote::RemoteArgs,
    },
    /// Save connections to servers (URL, token, org) and pick the active one.
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
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
        #[command(flatten)]
        outside: run::Outside,
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
    Serve(serve::ServeArgs),
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
        #[arg(long, short, allow_hyphen_values = true)]
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
        #[arg(long, short)]
        retention: Option<String>,
        /// Its description (a server's buckets only).
        #[arg(long, short)]
        description: Option<String>,
    },
    /// List the buckets and their retention.
    List,
    /// Delete a bucket and all its data.
    Delete {
        /// Its name.
        #[arg(required_unless_present = "id")]
        name: Option<String>,
        /// Its ID (a server's buckets only).
        #[arg(long, conflicts_with = "name")]
        id: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuthCommand {
    /// Create a token for an organization (--org) and print it (this once).
    Create {
        /// What it is for.
        #[arg(long, short)]
        description: Option<String>,
        /// Read access to this bucket (by ID); may be repeated.
        #[arg(long = "read-bucket", value_name = "ID")]
        read_bucket: Vec<String>,
        /// Write access to this bucket (by ID); may be repeated.
        #[arg(long = "write-bucket", value_name = "ID")]
        write_bucket: Vec<String>,
        /// Read access to every bucket of the organization.
        #[arg(long)]
        read_buckets: bool,
        /// Write access to every bucket of the organization.
        #[arg(long)]
        write_buckets: bool,
        /// Read and write access to everything in the organization.
        #[arg(long)]
        all_access: bool,
    },
    /// List the tokens' authorizations (never the tokens themselves).
    List,
    /// Delete an authorization: its token is refused from then on.
    Delete {
        /// Its ID (`fluxi auth list`).
        #[arg(long, short)]
        id: String,
    },
    /// Enable an authorization's token again.
    Active {
        #[arg(long, short)]
        id: String,
    },
    /// Disable an authorization's token (it stays, refused for everything).
    Inactive {
        #[arg(long, short)]
        id: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// List the organizations.
    List,
    /// Create an organization.
    Create {
        /// Its name.
        #[arg(long, short)]
        name: String,
        /// Its description.
        #[arg(long, short)]
        description: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Save a connection (kept in a file only you may read).
    Create {
        /// Its name.
        #[arg(long, short, alias = "config-name")]
        name: String,
        /// The server, e.g. http://127.0.0.1:8086.
        #[arg(long = "host-url", short = 'u', value_name = "URL")]
        host_url: String,
        /// The API token.
        #[arg(long, short, allow_hyphen_values = true)]
        token: String,
        /// The organization, by name.
        #[arg(long, short)]
        org: Option<String>,
        /// Make it the active config (the first one saved is).
        #[arg(long, short)]
        active: bool,
    },
    /// List the saved connections (never their tokens).
    List,
    /// Make a saved connection the active one.
    Activate {
        /// Its name.
        name: String,
    },
    /// Forget a saved connection.
    #[command(alias = "rm")]
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
            warm_heap();
            let code = dispatch(cli.command.unwrap_or(Command::Repl {
                data: None,
                storage: None,
                now: None,
                format: run::Format::Table,
                memory_limit: None,
                allow_file_read: Vec::new(),
                outside: run::Outside::default(),
            }));
            end(if out::failed() {
                ExitCode::from(EXIT_ERROR)
            } else {
                code
            });
        });
    // The worker ends the process itself (`end`): it is back here only if it could not
    // be started or panicked.
    let _ = worker.map(|h| h.join());
    eprintln!("error: internal error: the worker thread failed");
    ExitCode::from(EXIT_ERROR)
}

/// Ends the process with `code` from the thread that ran the command, now that it is done
/// and its output written: returning would have this thread's 256 MiB stack and
/// allocator arena given back and the thread joined by `main` (0.1–0.2 ms), just before
/// the OS takes everything back anyway. Standard output is flushed on the way out.
fn end(code: ExitCode) -> ! {
    let status = (0..=u8::MAX).find(|&c| ExitCode::from(c) == code);
    std::process::exit(status.map_or(i32::from(EXIT_ERROR), i32::from))
}

/// Sets the C library's allocator up for this thread's work at once instead of page by
/// page. glibc grows the heap of a thread other than the main one by exactly what each
/// allocation lacks, one `mprotect` call per step (hundreds in a short query), and maps
/// and unmaps every block of over 128 KiB afresh until a freed one raises that
/// threshold. Freeing a 1 MiB block raises it (to 1 MiB, and what a heap keeps free
/// when it shrinks to 2 MiB), and a block just under it then grows this thread's heap in
/// one step and stays there, free, for what follows. (4 MiB was as fast and kept 10 MiB
/// more in a long streaming query.) With another allocator this is an allocation and a
/// free. Measured in docs/performance.md.
fn warm_heap() {
    const BLOCK: usize = 1 << 20;
    for size in [BLOCK, BLOCK - (64 << 10)] {
        let block: Vec<u8> = Vec::with_capacity(size);
        drop(std::hint::black_box(block));
    }
}

fn dispatch(command: Command) -> ExitCode {
    match command {
        Command::Repl {
            data,
            storage,
            now,
            format,
            memory_limit,
            allow_file_read,
            outside,
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
                storage,
                now,
                format,
                memory_limit,
                allow_file_read,
                outside,
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
            storage,
            timing,
            memory_limit,
            allow_file_read,
            outside,
        } => run::run(run::RunOptions {
            file,
            exec,
            format,
            now,
            data,
            storage,
            timing,
            memory_limit,
            allow_file_read,
            outside,
        }),
        Command::Explain {
            file,
            data,
            storage,
            now,
        } => match now.map(|n| run::parse_now(&n)).transpose() {
            Ok(now) => explain::explain(&file, data, storage.as_deref(), now),
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
            remote,
        } => match remote::local_or_remote(data.is_some(), &remote) {
            Err(code) => code,
            Ok(Some(conn)) => {
                remote::write::write(&conn, &bucket, &precision, max_line_length, &file)
            }
            Ok(None) => store::write(data, &bucket, &precision, max_line_length, &file),
        },
        Command::Delete {
            bucket,
            start,
            stop,
            predicate,
            data,
        } => store::delete(data, &bucket, &start, &stop, &predicate),
        Command::Export {
            parquet,
            bucket,
            rows_per_file,
            data,
        } => store::export(data, &bucket, &parquet, rows_per_file),
        Command::Bucket {
            action,
            data,
            remote,
        } => {
            let action = match action {
                BucketCommand::Create {
                    name,
                    retention,
                    description,
                } => store::BucketAction::Create {
                    name,
                    retention,
                    description,
                },
                BucketCommand::List => store::BucketAction::List,
                BucketCommand::Delete { name, id } => store::BucketAction::Delete { name, id },
            };
            match remote::local_or_remote(data.is_some(), &remote) {
                Err(code) => code,
                Ok(Some(conn)) => remote::bucket::bucket(&conn, action),
                Ok(None) => store::bucket(data, action),
            }
        }
        Command::Query {
            query,
            file,
            raw,
            format,
            remote,
        } => remote::query::query(remote::query::QueryOptions {
            query,
            file,
            raw,
            format,
            remote,
        }),
        Command::Auth { action, remote } => remote::auth::auth(
            &remote,
            match action {
                AuthCommand::Create {
                    description,
                    read_bucket,
                    write_bucket,
                    read_buckets,
                    write_buckets,
                    all_access,
                } => remote::auth::AuthAction::Create {
                    description,
                    grants: remote::auth::Grants {
                        read_bucket,
                        write_bucket,
                        read_buckets,
                        write_buckets,
                        all_access,
                    },
                },
                AuthCommand::List => remote::auth::AuthAction::List,
                AuthCommand::Delete { id } => remote::auth::AuthAction::Delete { id },
                AuthCommand::Active { id } => {
                    remote::auth::AuthAction::SetActive { id, active: true }
                }
                AuthCommand::Inactive { id } => {
                    remote::auth::AuthAction::SetActive { id, active: false }
                }
            },
        ),
        Command::Task { action, remote } => remote::task::task(&remote, action),
        Command::Org { action, remote } => remote::auth::org(
            &remote,
            match action {
                OrgCommand::List => remote::auth::OrgAction::List,
                OrgCommand::Create { name, description } => {
                    remote::auth::OrgAction::Create { name, description }
                }
            },
        ),
        Command::Config { action } => remote::config::config(match action {
            ConfigCommand::Create {
                name,
                host_url,
                token,
                org,
                active,
            } => remote::config::ConfigAction::Create {
                name,
                url: host_url,
                token,
                org,
                active,
            },
            ConfigCommand::List => remote::config::ConfigAction::List,
            ConfigCommand::Activate { name } => remote::config::ConfigAction::Activate { name },
            ConfigCommand::Delete { name } => remote::config::ConfigAction::Delete { name },
        }),
        Command::Serve(args) => serve::serve(args),
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
            outside,
        } => test::test(test::TestOptions {
            paths,
            tests,
            skips,
            tags,
            verbose,
            now,
            memory_limit,
            allow_file_read,
            outside,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command, at any depth, once its deferred arguments are defined: the
    /// definitions are consistent, and no command's text was replaced by that of a
    /// struct of arguments it flattens (what a doc comment on such a struct does).
    #[test]
    fn deferred_arguments_keep_each_commands_own_text() {
        fn walk(cmd: &clap::Command, path: &str, seen: &mut usize) {
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                let about = sub.get_about().map(|a| a.to_string());
                let long_about = sub.get_long_about().map(|a| a.to_string());
                let mut built = sub.clone();
                built.build();
                assert_eq!(built.get_about().map(|a| a.to_string()), about, "{name}");
                assert_eq!(
                    built.get_long_about().map(|a| a.to_string()),
                    long_about,
                    "{name}"
                );
                assert!(about.is_some(), "{name} says what it does");
                *seen += 1;
                walk(&built, &name, seen);
            }
        }
        let cli = Cli::command();
        cli.clone().debug_assert();
        let mut seen = 0;
        walk(&cli, "fluxi", &mut seen);
        assert!(seen > 40, "{seen} commands");
    }
}
