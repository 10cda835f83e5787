//! The commands that manage a remote server the way the `influx` CLI does: `fluxi auth`,
//! `org`, `task`, `query`, the remote forms of `bucket` and `write`, and `fluxi config` (saved
//! connections). Which server and token: `--host`/`--token`/`--org` (or `--org-id`),
//! else `$FLUXI_HOST`/`$FLUXI_TOKEN`/`$FLUXI_ORG`, else the saved config named with
//! `--active-config` or the active one. A saved config's token and org are only ever
//! sent to that config's own host.

pub mod auth;
pub mod bucket;
pub mod config;
pub mod query;
pub mod task;
pub mod write;

use crate::out::outln;
use crate::{EXIT_ERROR, EXIT_USAGE};
use fluxi_client::{Api, ClientError, OrgRef};
use std::process::ExitCode;
use std::time::Duration;

// Where the server is and how to talk to it (the flags every remote command takes).
// (Not a doc comment: see `Command` in main.rs.)
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RemoteArgs {
    /// The server, e.g. http://127.0.0.1:8086 (default: $FLUXI_HOST, else the active
    /// config's).
    #[arg(long, value_name = "URL", global = true)]
    pub host: Option<String>,
    /// The API token (default: $FLUXI_TOKEN, else the config's). Tokens may start with
    /// `-` (URL-safe base64), so the value is taken whatever it starts with.
    #[arg(
        long,
        short = 't',
        value_name = "TOKEN",
        global = true,
        allow_hyphen_values = true
    )]
    pub token: Option<String>,
    /// The organization, by name (default: $FLUXI_ORG, else the config's).
    #[arg(long, short = 'o', value_name = "NAME", global = true)]
    pub org: Option<String>,
    /// The organization, by ID (instead of --org).
    #[arg(long, value_name = "ID", global = true, conflicts_with = "org")]
    pub org_id: Option<String>,
    /// Also trust the certificates in this PEM file for an https:// server (a private CA,
    /// or a self-signed server's certificate; default: $FLUXI_CA_CERT).
    #[arg(long, value_name = "FILE", global = true)]
    pub ca_cert: Option<std::path::PathBuf>,
    /// Use this saved config (`fluxi config list`) instead of the active one.
    #[arg(
        long = "active-config",
        short = 'c',
        value_name = "NAME",
        global = true
    )]
    pub config: Option<String>,
}

/// A server to talk to, as the flags, the environment and the saved configs say.
/// `Debug` does not show the token.
#[derive(Clone)]
pub struct Conn {
    /// Its URL.
    pub host: String,
    /// The token, if any was given.
    pub token: Option<String>,
    /// The organization, if any was given.
    pub org: Option<OrgRef>,
    /// A PEM file of certificates to trust for an https:// server.
    pub ca_cert: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("host", &self.host)
            .field("token", &self.token.as_ref().map(|_| "(hidden)"))
            .field("org", &self.org)
            .finish()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The server the remote flags, `$FLUXI_HOST`/`$FLUXI_TOKEN`/`$FLUXI_ORG` and the
/// saved configs name (`None`: no server is given or configured, so a command that has
/// a local form works on the local store).
pub fn resolve(args: &RemoteArgs) -> Result<Option<Conn>, String> {
    let saved = match &args.config {
        Some(name) => Some(config::named(name)?),
        None => config::active()?,
    };
    let host = args.host.clone().or_else(|| env("FLUXI_HOST"));
    // The saved config counts only for its own host: its token is never sent elsewhere.
    let saved = saved.filter(|c| {
        host.as_deref()
            .is_none_or(|h| h.trim_end_matches('/') == c.url.trim_end_matches('/'))
    });
    let Some(host) = host.or_else(|| saved.as_ref().map(|c| c.url.clone())) else {
        if args.config.is_some() || args.token.is_some() || args.org.is_some() {
            return Err(
                "no server: give --host URL, set $FLUXI_HOST, or save one with `fluxi config create`"
                    .into(),
            );
        }
        return Ok(None);
    };
    let token = args
        .token
        .clone()
        .or_else(|| env("FLUXI_TOKEN"))
        .or_else(|| saved.as_ref().map(|c| c.token.clone()));
    let org = match (&args.org_id, &args.org) {
        (Some(id), _) => Some(OrgRef::Id(id.clone())),
        (None, Some(name)) => Some(OrgRef::Name(name.clone())),
        (None, None) => env("FLUXI_ORG")
            .or_else(|| saved.as_ref().and_then(|c| c.org.clone()))
            .map(OrgRef::Name),
    };
    Ok(Some(Conn {
        host: host.trim_end_matches('/').to_string(),
        token: token.filter(|t| !t.is_empty()),
        org,
        ca_cert: args
            .ca_cert
            .clone()
            .or_else(|| env("FLUXI_CA_CERT").map(std::path::PathBuf::from)),
    }))
}

/// The server for a command that only works remotely.
pub fn require(args: &RemoteArgs, command: &str) -> Result<Conn, ExitCode> {
    match resolve(args) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => Err(usage(&format!(
            "{command} talks to a server: give --host URL (and --token), set $FLUXI_HOST, or save a connection with `fluxi config create`"
        ))),
        Err(e) => Err(usage(&e)),
    }
}

/// For a command with a local and a remote form: the server, or `None` for the local
/// store (`--data` given, or no server given or configured).
pub fn local_or_remote(data_given: bool, args: &RemoteArgs) -> Result<Option<Conn>, ExitCode> {
    if data_given {
        if args.host.is_some() || args.config.is_some() {
            return Err(usage(
                "--data names the local store and --host (or --active-config) a server: give one of them",
            ));
        }
        return Ok(None);
    }
    resolve(args).map_err(|e| usage(&e))
}

impl Conn {
    /// The API with the token (an error when there is none). `timeout`: how long a read
    /// may wait for the server.
    pub fn api(&self, timeout: Duration) -> Result<Api, ExitCode> {
        let Some(token) = &self.token else {
            return Err(usage(&format!(
                "no token for {}: give --token, set $FLUXI_TOKEN, or save one with `fluxi config create`",
                self.host
            )));
        };
        let client = fluxi_client::Client::new(&self.host).and_then(|c| match &self.ca_cert {
            Some(ca) => c.ca_file(ca),
            None => Ok(c),
        });
        match client {
            Ok(c) => Ok(Api::with_client(c.timeout(Some(timeout)), Some(token))),
            Err(e) => Err(usage(&e.to_string())),
        }
    }

    /// The organization (an error when none is given).
    pub fn org(&self) -> Result<&OrgRef, ExitCode> {
        self.org.as_ref().ok_or_else(|| {
            usage("no organization: give --org NAME or --org-id ID, set $FLUXI_ORG, or save one in a config")
        })
    }
}

/// How long the management calls wait for an answer.
pub const API_TIMEOUT: Duration = Duration::from_secs(60);

pub fn usage(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(EXIT_USAGE)
}

/// Reports a failed call: `error: CONTEXT: message (HTTP status code)` and a hint for
/// the statuses that usually mean a wrong setting.
pub fn failed(context: &str, e: &ClientError) -> ExitCode {
    match e {
        ClientError::Api(api) => {
            eprintln!("error: {context}: {api}");
            if let Some(h) = api.hint() {
                eprintln!("hint: {h}");
            }
        }
        ClientError::BadUrl(_) | ClientError::Invalid(_) => return usage(&e.to_string()),
        other => eprintln!("error: {context}: {other}"),
    }
    ExitCode::from(EXIT_ERROR)
}

/// Prints rows under a header, each column as wide as its widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        text.trim_end().to_string()
    };
    outln!("{}", line(header.to_vec()));
    for row in rows {
        outln!("{}", line(row.iter().map(String::as_str).collect()));
    }
}
