//! `fluxi serve` (the InfluxDB 2 HTTP API over the store) and `fluxi setup` (onboarding
//! a running server, as `influx setup` does).

use crate::{EXIT_ERROR, EXIT_USAGE};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// What `fluxi serve` was given.
pub struct ServeOptions {
    pub data: Option<PathBuf>,
    pub bind: Option<String>,
    pub max_body: Option<String>,
    pub memory_limit: Option<String>,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// A setting from its flag, else from `$FLUXI_<NAME>`.
fn flag_or_env(flag: Option<String>, var: &str) -> Option<String> {
    flag.or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
}

pub fn serve(o: ServeOptions) -> ExitCode {
    let data = match crate::store::data_dir(o.data) {
        Ok(d) => d,
        Err(e) => return usage(&e),
    };
    let mut config = fluxi_server::Config::new(data);
    if let Some(b) = flag_or_env(o.bind, "FLUXI_HTTP_BIND_ADDRESS") {
        match b.parse::<SocketAddr>() {
            Ok(a) => config.bind = a,
            Err(_) => {
                return usage(&format!(
                    "--http-bind-address needs an address such as 127.0.0.1:8086, not {b:?}"
                ))
            }
        }
    }
    if let Some(m) = flag_or_env(o.max_body, "FLUXI_MAX_BODY_SIZE") {
        match fluxi::parse_size(&m) {
            Ok(n) => config.max_body_bytes = n,
            Err(e) => return usage(&format!("--max-body-size: {e}")),
        }
    }
    match crate::run::memory_limit(o.memory_limit) {
        Ok(m) => config.memory_limit = m,
        Err(e) => return usage(&e),
    }
    let data_shown = config.data.display().to_string();
    let result = fluxi_server::serve_until_signal(config, |addr| {
        // The one line a script waits for; the port is the real one when 0 was asked.
        println!("fluxi serve: listening on http://{addr} (data in {data_shown})");
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
    let api = match fluxi_client::Api::new(&host, None) {
        Ok(a) => a,
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
