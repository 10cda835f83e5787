//! `fluxi serve` (the InfluxDB 2 HTTP API over the store) and `fluxi setup` (onboarding
//! a running server, as `influx setup` does).

use crate::{EXIT_ERROR, EXIT_USAGE};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

// `fluxi serve`'s settings. Each comes from its flag, else from `$FLUXI_<NAME>`, else
// from the config file (`--config`, else `$FLUXI_CONFIG`), else its default.
// (Not a doc comment: see `Command` in main.rs.)
#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// A TOML file of settings, keyed as the flags are (`http-bind-address = "..."`);
    /// flags and variables win over it (default: $FLUXI_CONFIG).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The store (default: $FLUXI_DATA, else a per-user directory).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Serve the buckets of another engine too: flightsql://HOST:PORT[?...] (Apache
    /// Ballista, InfluxDB 3; read-only). The server's own records, system buckets and
    /// buckets created through the API stay in --data (default: $FLUXI_STORAGE).
    #[arg(long, value_name = "URL")]
    storage: Option<String>,
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
    /// Serve HTTPS with this certificate chain (PEM; needs --tls-key).
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Record every request as a point in the `_monitoring` bucket: `true` (the
    /// default) or `false` (default: $FLUXI_MONITORING).
    #[arg(long, value_name = "BOOL")]
    monitoring: Option<String>,
    /// The most missed runs of one task run after downtime; older ones are skipped with a
    /// log line (default: $FLUXI_TASK_CATCH_UP_LIMIT, else 100).
    #[arg(long, value_name = "N")]
    task_catch_up_limit: Option<String>,
    /// How long a task run may take before it is cancelled, e.g. 1h, or `none` (default:
    /// $FLUXI_TASK_TIME_LIMIT, else 1h).
    #[arg(long, value_name = "DURATION")]
    task_time_limit: Option<String>,
    /// The wait before the first retry of a failed task run; each later retry waits
    /// twice as long, up to 30 times this (default: $FLUXI_TASK_RETRY_DELAY, else 1m).
    #[arg(long, value_name = "DURATION")]
    task_retry_delay: Option<String>,
    /// Schedule tasks by the time written in FILE (RFC 3339 or Unix nanoseconds, moving
    /// only forward) instead of the wall clock: for tests and simulations (default:
    /// $FLUXI_TASK_CLOCK_FILE).
    #[arg(long, value_name = "FILE")]
    task_clock_file: Option<PathBuf>,
    /// Let Flux (`http.post`, `slack`, `pagerduty`, ...) send requests to DEST: a host,
    /// host:port, *.domain, an address, a URL prefix such as https://hooks.slack.com/, or
    /// *; repeatable (default: $FLUXI_ALLOW_EGRESS, comma-separated; else nowhere). A
    /// name resolving to a loopback or link-local address is reached only when DEST names
    /// it (`localhost`, or the address).
    #[arg(long = "allow-egress", value_name = "DEST")]
    allow_egress: Vec<String>,
    /// `secrets.get(key: K)` also reads the variable PREFIX followed by K when the org
    /// has no secret K (default: $FLUXI_SECRETS_FROM_ENV).
    #[arg(long, value_name = "PREFIX")]
    secrets_from_env: Option<String>,
    /// The bucket the metrics API (`/api/v1/metrics`) writes and reads (default:
    /// $FLUXI_METRICS_BUCKET, else `metrics`).
    #[arg(long, value_name = "NAME")]
    metrics_bucket: Option<String>,
    /// Metrics API batch requests per token per minute (default:
    /// $FLUXI_METRICS_BATCH_PER_MINUTE, else 10).
    #[arg(long, value_name = "N")]
    metrics_batch_per_minute: Option<String>,
    /// Metrics API queries per token per minute (default: $FLUXI_METRICS_QUERY_PER_MINUTE,
    /// else 60).
    #[arg(long, value_name = "N")]
    metrics_query_per_minute: Option<String>,
    /// Single-metric writes per token per minute, or `none` (default:
    /// $FLUXI_METRICS_WRITE_PER_MINUTE, else none).
    #[arg(long, value_name = "N")]
    metrics_write_per_minute: Option<String>,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// A setting from its flag, else from `$FLUXI_<NAME>`.
fn flag_or_env(flag: Option<String>, var: &str) -> Option<String> {
    flag.or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
}

/// The keys a config file may hold (the flags' names).
const FILE_KEYS: &[&str] = &[
    "data",
    "http-bind-address",
    "max-body-size",
    "memory-limit",
    "tls-cert",
    "tls-key",
    "monitoring",
    "task-catch-up-limit",
    "task-time-limit",
    "task-retry-delay",
    "task-clock-file",
    "allow-egress",
    "secrets-from-env",
    "metrics-bucket",
    "metrics-batch-per-minute",
    "metrics-query-per-minute",
    "metrics-write-per-minute",
];

/// The settings of a config file, as text, by key; an unknown key or a value that is
/// not a string, number or boolean is an error naming it.
fn read_config_file(path: &std::path::Path) -> Result<BTreeMap<String, String>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("the config file {} is not valid TOML: {e}", path.display()))?;
    let mut out = BTreeMap::new();
    for (key, value) in table {
        if !FILE_KEYS.contains(&key.as_str()) {
            return Err(format!(
                "the config file {} has an unknown setting {key:?}; the settings are: {}",
                path.display(),
                FILE_KEYS.join(", ")
            ));
        }
        let text = match value {
            toml::Value::String(s) => s,
            // The list of egress destinations: its strings, comma-separated.
            toml::Value::Array(items) if key == "allow-egress" => {
                let mut texts = Vec::new();
                for item in items {
                    match item {
                        toml::Value::String(s) => texts.push(s),
                        other => {
                            return Err(format!(
                                "the config file {}: {key} must be a list of strings, not one holding {}",
                                path.display(),
                                other.type_str()
                            ))
                        }
                    }
                }
                texts.join(",")
            }
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(format!(
                    "the config file {}: {key} must be a string, a number or true/false, not {}",
                    path.display(),
                    other.type_str()
                ))
            }
        };
        out.insert(key, text);
    }
    Ok(out)
}

pub fn serve(args: ServeArgs) -> ExitCode {
    let file = match flag_or_env(args.config.map(|p| p.display().to_string()), "FLUXI_CONFIG") {
        Some(path) => match read_config_file(std::path::Path::new(&path)) {
            Ok(f) => f,
            Err(e) => return usage(&e),
        },
        None => BTreeMap::new(),
    };
    // Flag, else variable, else file.
    let setting = |flag: Option<String>, var: &str, key: &str| {
        flag_or_env(flag, var).or_else(|| file.get(key).cloned())
    };
    let path_setting = |flag: Option<PathBuf>, var: &str, key: &str| {
        setting(flag.map(|p| p.display().to_string()), var, key).map(PathBuf::from)
    };
    let data = match crate::store::data_dir(path_setting(args.data, "FLUXI_DATA", "data")) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    let mut config = fluxi_server::Config::new(data);
    if let Some(url) = setting(args.storage, "FLUXI_STORAGE", "storage") {
        match fluxi::flightsql::FlightSqlStorage::open(&url) {
            Ok(s) => config.storage = Some(fluxi_server::OtherStorage(std::sync::Arc::new(s))),
            Err(e) => {
                eprintln!("error: --storage: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    if let Some(b) = setting(
        args.http_bind_address,
        "FLUXI_HTTP_BIND_ADDRESS",
        "http-bind-address",
    ) {
        match b.parse::<SocketAddr>() {
            Ok(a) => config.bind = a,
            Err(_) => {
                return usage(&format!(
                    "--http-bind-address needs an address such as 127.0.0.1:8086, not {b:?}"
                ))
            }
        }
    }
    if let Some(m) = setting(args.max_body_size, "FLUXI_MAX_BODY_SIZE", "max-body-size") {
        match fluxi::parse_size(&m) {
            Ok(n) => config.max_body_bytes = n,
            Err(e) => return usage(&format!("--max-body-size: {e}")),
        }
    }
    match crate::run::memory_limit(setting(
        args.memory_limit,
        "FLUXI_MEMORY_LIMIT",
        "memory-limit",
    )) {
        Ok(m) => config.memory_limit = m,
        Err(e) => return usage(&e),
    }
    match setting(args.monitoring, "FLUXI_MONITORING", "monitoring").as_deref() {
        None | Some("true") => config.monitoring = true,
        Some("false") => config.monitoring = false,
        Some(other) => return usage(&format!("--monitoring takes true or false, not {other:?}")),
    }
    if let Some(n) = setting(
        args.task_catch_up_limit,
        "FLUXI_TASK_CATCH_UP_LIMIT",
        "task-catch-up-limit",
    ) {
        match n.trim().parse::<usize>() {
            Ok(n) if n >= 1 => config.tasks.catch_up_limit = n,
            _ => {
                return usage(&format!(
                    "--task-catch-up-limit needs a count of at least 1, not {n:?}"
                ))
            }
        }
    }
    if let Some(t) = setting(
        args.task_time_limit,
        "FLUXI_TASK_TIME_LIMIT",
        "task-time-limit",
    ) {
        config.tasks.time_limit = if t.trim().eq_ignore_ascii_case("none") {
            None
        } else {
            match crate::store::parse_duration(&t, "--task-time-limit") {
                Ok(n) if n > 0 => Some(std::time::Duration::from_nanos(n.unsigned_abs())),
                Ok(_) => return usage("--task-time-limit must be more than 0 (or none)"),
                Err(e) => return usage(&e),
            }
        };
    }
    if let Some(t) = setting(
        args.task_retry_delay,
        "FLUXI_TASK_RETRY_DELAY",
        "task-retry-delay",
    ) {
        match crate::store::parse_duration(&t, "--task-retry-delay") {
            Ok(n) if n > 0 => {
                let d = std::time::Duration::from_nanos(n.unsigned_abs());
                config.tasks.retry_delay = d;
                config.tasks.retry_delay_max = d.saturating_mul(30);
            }
            Ok(_) => return usage("--task-retry-delay must be more than 0"),
            Err(e) => return usage(&e),
        }
    }
    let egress = (!args.allow_egress.is_empty()).then(|| args.allow_egress.join(","));
    if let Some(list) = setting(egress, "FLUXI_ALLOW_EGRESS", "allow-egress") {
        for d in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            if let Err(e) = fluxi::EgressDestination::parse(d) {
                return usage(&format!("--allow-egress {d:?}: {e}"));
            }
            config.egress.push(d.to_string());
        }
    }
    if let Some(b) = setting(
        args.metrics_bucket,
        "FLUXI_METRICS_BUCKET",
        "metrics-bucket",
    ) {
        config.metrics.bucket = b;
    }
    let per_minute = |v: Option<String>, var: &str, key: &str| -> Result<Option<u32>, String> {
        match setting(v, var, key) {
            None => Ok(None),
            Some(t) => match t.trim().parse::<u32>() {
                Ok(n) if n >= 1 => Ok(Some(n)),
                _ => Err(format!("--{key} needs a count of at least 1, not {t:?}")),
            },
        }
    };
    match per_minute(
        args.metrics_batch_per_minute,
        "FLUXI_METRICS_BATCH_PER_MINUTE",
        "metrics-batch-per-minute",
    ) {
        Ok(Some(n)) => config.metrics.batch_per_minute = n,
        Ok(None) => {}
        Err(e) => return usage(&e),
    }
    match per_minute(
        args.metrics_query_per_minute,
        "FLUXI_METRICS_QUERY_PER_MINUTE",
        "metrics-query-per-minute",
    ) {
        Ok(Some(n)) => config.metrics.query_per_minute = n,
        Ok(None) => {}
        Err(e) => return usage(&e),
    }
    let writes = setting(
        args.metrics_write_per_minute,
        "FLUXI_METRICS_WRITE_PER_MINUTE",
        "metrics-write-per-minute",
    );
    if writes
        .as_deref()
        .is_some_and(|w| w.trim().eq_ignore_ascii_case("none"))
    {
        config.metrics.write_per_minute = None;
    } else {
        match per_minute(writes, "", "metrics-write-per-minute") {
            Ok(n) => config.metrics.write_per_minute = n,
            Err(e) => return usage(&e),
        }
    }
    config.secrets_env_prefix = setting(
        args.secrets_from_env,
        "FLUXI_SECRETS_FROM_ENV",
        "secrets-from-env",
    );
    if let Some(f) = path_setting(
        args.task_clock_file,
        "FLUXI_TASK_CLOCK_FILE",
        "task-clock-file",
    ) {
        config.task_clock = fluxi_server::TaskClock::File(f);
    }
    let cert = path_setting(args.tls_cert, "FLUXI_TLS_CERT", "tls-cert");
    let key = path_setting(args.tls_key, "FLUXI_TLS_KEY", "tls-key");
    match (cert, key) {
        (Some(cert), Some(key)) => config.tls = Some(fluxi_server::TlsFiles { cert, key }),
        (None, None) => {}
        (Some(_), None) => return usage("--tls-cert needs --tls-key"),
        (None, Some(_)) => return usage("--tls-key needs --tls-cert"),
    }
    let data_shown = config.data.display().to_string();
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let result = fluxi_server::serve_until_signal(config, |addr| {
        // The one line a script waits for; the port is the real one when 0 was asked.
        println!("fluxi serve: listening on {scheme}://{addr} (data in {data_shown})");
    });
    match result {
        Ok(()) => {
            eprintln!("fluxi serve: stopped; everything written is flushed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// What `fluxi setup` was given.
pub struct SetupOptions {
    pub host: Option<String>,
    pub username: String,
    pub password: String,
    pub org: String,
    pub bucket: String,
    pub retention: Option<String>,
    pub token: Option<String>,
}

pub fn setup(o: SetupOptions) -> ExitCode {
    let retention = match o.retention.as_deref().map(crate::store::parse_retention) {
        None => None,
        Some(Ok(r)) => r,
        Some(Err(e)) => return usage(&e),
    };
    let host =
        flag_or_env(o.host, "FLUXI_HOST").unwrap_or_else(|| "http://127.0.0.1:8086".to_string());
    // An https:// server with a private or self-signed certificate: $FLUXI_CA_CERT.
    let client = fluxi_client::Client::new(&host).and_then(|c| {
        match std::env::var_os("FLUXI_CA_CERT").filter(|v| !v.is_empty()) {
            Some(ca) => c.ca_file(std::path::Path::new(&ca)),
            None => Ok(c),
        }
    });
    let api = match client {
        Ok(c) => fluxi_client::Api::with_client(c, None),
        Err(e) => return usage(&e.to_string()),
    };
    let done = api.setup(&fluxi_client::Setup {
        username: &o.username,
        password: &o.password,
        org: &o.org,
        bucket: &o.bucket,
        retention_seconds: retention.map(|ns| ns / 1_000_000_000),
        token: o.token.as_deref(),
    });
    let done = match done {
        Ok(d) => d,
        Err(fluxi_client::ClientError::Api(e)) => {
            eprintln!("error: setup refused: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    println!("User\t{}", done.user);
    println!("Organization\t{}\t{}", done.org.name, done.org.id);
    println!("Bucket\t{}\t{}", done.bucket.name, done.bucket.id);
    println!("Token\t{}", done.token);
    eprintln!("keep the token: it is shown only this once (the server keeps only its hash)");
    ExitCode::SUCCESS
}
