//! `fluxi serve`: the InfluxDB 2 HTTP API (write, query, delete, buckets, orgs,
//! authorizations, onboarding) over the embedded store, with tokens that may read or write
//! only some buckets. The engine is reached only through the `fluxi` facade and runs on blocking
//! threads; the HTTP side is tokio + axum. docs/server.md says what is supported.

mod analyze;
mod api;
pub mod conn;
mod delete;
mod error;
pub mod meta;
mod metrics;
pub mod monitor;
mod query;
mod secrets;
mod task_runs;
mod tls;
mod write;

pub use error::ApiError;
pub use metrics::{MetricsConfig, MAX_BATCH as MAX_METRICS_BATCH};
pub use tls::TlsFiles;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use fluxi::{DiskStorage, Engine, Storage};
use futures_util::StreamExt;
use meta::{Auth, Meta, MetaError, Permission};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The version the server reports (`X-Influxdb-Version`, `/health`).
pub const VERSION: &str = concat!("fluxi-", env!("CARGO_PKG_VERSION"));

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory (the embedded store and `server.json`).
    pub data: PathBuf,
    /// Where to listen.
    pub bind: SocketAddr,
    /// The largest request body accepted, counted after decompression (413 above it).
    pub max_body_bytes: usize,
    /// The most bytes of tables one query may hold (`None`: no limit).
    pub memory_limit: Option<usize>,
    /// Time limits of connections and request bodies.
    pub timeouts: conn::Timeouts,
    /// Serve HTTPS with these files instead of HTTP.
    pub tls: Option<TlsFiles>,
    /// Record every request as a point in the `_monitoring` bucket (the `/metrics`
    /// counters are kept either way).
    pub monitoring: bool,
    /// How the task scheduler behaves (catch-up limit, retries, time limit, history).
    pub tasks: fluxi_tasks::Config,
    /// The clock tasks are scheduled by.
    pub task_clock: TaskClock,
    /// Where Flux may send requests (`http.post`, `slack`, ...): destinations as
    /// `fluxi::EngineBuilder::allow_egress` takes them. Empty: nowhere.
    pub egress: Vec<String>,
    /// `secrets.get(key: K)` also reads the variable `PREFIX` + `K` when an org's own
    /// secrets have no `K`.
    pub secrets_env_prefix: Option<String>,
    /// The application metrics API (`/api/v1/metrics`): its bucket and rate limits.
    pub metrics: MetricsConfig,
    /// Another engine whose buckets are served too (`--storage flightsql://...`): a
    /// bucket it has is read there; the server's own buckets stay in the store.
    pub storage: Option<OtherStorage>,
}

/// Another engine's storage served beside the store ([`Config::storage`]).
#[derive(Clone)]
pub struct OtherStorage(pub Arc<dyn Storage>);

impl std::fmt::Debug for OtherStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtherStorage(..)")
    }
}

/// The clock the server's tasks are scheduled by.
#[derive(Debug, Clone, Default)]
pub enum TaskClock {
    /// The system's wall clock.
    #[default]
    System,
    /// The time written in this file (RFC 3339 or Unix nanoseconds), moving only forward
    /// when the file changes: for tests and simulations that drive a server process
    /// through days of schedule ([`fluxi_tasks::FileClock`]).
    File(PathBuf),
    /// A clock the embedding program moves (tests in the same process).
    Manual(Arc<fluxi_tasks::ManualClock>),
}

impl Config {
    /// Defaults: 127.0.0.1:8086, 32 MiB bodies, the engine's default memory limit.
    pub fn new(data: PathBuf) -> Config {
        Config {
            data,
            bind: SocketAddr::from(([127, 0, 0, 1], 8086)),
            max_body_bytes: 32 << 20,
            memory_limit: fluxi::default_memory_limit(),
            monitoring: true,
            tls: None,
            timeouts: conn::Timeouts::default(),
            tasks: fluxi_tasks::Config::default(),
            task_clock: TaskClock::System,
            egress: Vec::new(),
            secrets_env_prefix: None,
            metrics: MetricsConfig::default(),
            storage: None,
        }
    }
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The store could not be opened or flushed.
    #[error("{0}")]
    Store(#[from] fluxi::Error),
    /// The server's records could not be read or written.
    #[error("{0}")]
    Meta(#[from] MetaError),
    /// The task scheduler could not start (its store is damaged or held by another).
    #[error("tasks: {0}")]
    Tasks(#[from] fluxi_tasks::TaskError),
    /// The TLS certificate or key cannot be used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The address could not be bound, or the runtime failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What every handler shares.
pub(crate) struct App {
    pub(crate) engine: Engine,
    pub(crate) store: Arc<DiskStorage>,
    /// What queries, writes and deletes of user buckets go to: the store, or the store
    /// and another engine ([`Config::storage`]).
    pub(crate) buckets: Arc<dyn Storage>,
    meta: Arc<Mutex<Meta>>,
    /// The task scheduler (its store is `DATA/tasks`).
    pub(crate) tasks: fluxi_tasks::Scheduler,
    /// The organizations' secrets.
    pub(crate) secrets: Arc<secrets::Secrets>,
    pub(crate) config: Config,
    pub(crate) monitor: monitor::Monitor,
    /// The metrics API's requests per token in the last minute.
    pub(crate) metric_limits: metrics::Limiter,
    started: SystemTime,
    started_at: Instant,
}

pub(crate) type Shared = Arc<App>;

impl App {
    pub(crate) fn meta(&self) -> MutexGuard<'_, Meta> {
        lock_meta(&self.meta)
    }

    /// The authorization of the request's token: 401 without one or with one the server
    /// does not know. An inactive token passes here and fails every permission check.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<Auth, ApiError> {
        let token = token_of(headers).ok_or_else(ApiError::unauthorized)?;
        let meta = self.meta();
        let auth = meta
            .auth_by_token(&token)
            .cloned()
            .ok_or_else(ApiError::unauthorized)?;
        let user_inactive = meta
            .records
            .users
            .iter()
            .any(|u| u.id == auth.user_id && u.status != "active");
        if user_inactive {
            return Err(ApiError::forbidden("User is inactive"));
        }
        Ok(auth)
    }

    /// The authorization of an InfluxDB 1 request: the token in `p` (the user `u` is
    /// not checked, as InfluxDB 2 does not), in `Authorization: Token [user:]T`, or as the
    /// password of `Authorization: Basic`.
    pub(crate) fn authenticate_v1(
        &self,
        headers: &HeaderMap,
        _user: Option<&str>,
        password: Option<&str>,
    ) -> Result<Auth, ApiError> {
        if let Some(p) = password.filter(|p| !p.is_empty()) {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&format!("Token {p}")) {
                h.insert(axum::http::header::AUTHORIZATION, v);
            }
            return self.authenticate(&h);
        }
        let value = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let candidates: Vec<String> = match value.trim().split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("basic") => {
                base64_decode(rest.trim())
                    .and_then(|b| String::from_utf8(b).ok())
                    .and_then(|s| s.split_once(':').map(|(_, t)| t.to_string()))
                    .into_iter()
                    .collect()
            }
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("token") => {
                let rest = rest.trim();
                let mut c = vec![rest.to_string()];
                if let Some((_, t)) = rest.split_once(':') {
                    c.push(t.to_string());
                }
                c
            }
            _ => return self.authenticate(headers),
        };
        for token in candidates {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&format!("Token {token}")) {
                h.insert(axum::http::header::AUTHORIZATION, v);
            }
            if let Ok(auth) = self.authenticate(&h) {
                return Ok(auth);
            }
        }
        Err(ApiError::unauthorized())
    }

    /// The org named by the `org` (name, or an ID when it looks like one) or `orgID`
    /// query parameter.
    pub(crate) fn resolve_org(
        &self,
        org: Option<&str>,
        org_id: Option<&str>,
    ) -> Result<meta::Org, ApiError> {
        let meta = self.meta();
        match (
            org_id.filter(|s| !s.is_empty()),
            org.filter(|s| !s.is_empty()),
        ) {
            (Some(id), _) => meta
                .org(id)
                .cloned()
                .ok_or_else(|| ApiError::not_found("organization not found")),
            (None, Some(o)) if meta::looks_like_id(o) => meta
                .org(o)
                .cloned()
                .ok_or_else(|| ApiError::not_found("organization not found")),
            (None, Some(name)) => meta.org_by_name(name).cloned().ok_or_else(|| {
                ApiError::not_found(format!("organization name \"{name}\" not found"))
            }),
            (None, None) => Err(ApiError::invalid("Please provide either orgID or org")),
        }
    }

    /// The `fluxi::Access` of a token: the buckets it may read and write.
    pub(crate) fn access_of(&self, auth: &Auth) -> fluxi::Access {
        access_of(&self.meta(), auth)
    }

    /// Record a change of the records: `change` edits them, then they are saved; when
    /// saving fails the edit is undone.
    pub(crate) fn change<T>(
        &self,
        change: impl FnOnce(&mut Meta) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut meta = self.meta();
        let before = meta.records.clone();
        let out = change(&mut meta)?;
        if let Err(e) = meta.save() {
            meta.records = before;
            return Err(ApiError::internal(e.to_string()));
        }
        Ok(out)
    }
}

fn lock_meta(meta: &Mutex<Meta>) -> MutexGuard<'_, Meta> {
    match meta.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The `fluxi::Access` of a token: the buckets it may read and write.
fn access_of(meta: &Meta, auth: &Auth) -> fluxi::Access {
    let everything = |action: &str| {
        auth.allows(&Permission::on(action, "buckets", None, None)) && auth.status == "active"
    };
    let set = |action: &str| {
        if everything(action) {
            return fluxi::Buckets::All;
        }
        let names: std::collections::BTreeSet<String> = meta
            .records
            .buckets
            .iter()
            .filter(|b| {
                auth.allows(&Permission::on(
                    action,
                    "buckets",
                    Some(&b.id),
                    Some(&b.org_id),
                ))
            })
            .map(|b| b.name.clone())
            .collect();
        fluxi::Buckets::Named(names)
    };
    fluxi::Access {
        read: set("read"),
        write: set("write"),
    }
}

/// A task runs with the access of the token that created it, as the records say when
/// each attempt starts: a deleted or deactivated token (or user) stops its tasks. It reads
/// the secrets of its organization.
struct TokenAccess {
    meta: Arc<Mutex<Meta>>,
    secrets: Arc<secrets::Secrets>,
}

impl fluxi_tasks::Authorizer for TokenAccess {
    fn secrets(&self, task: &fluxi_tasks::Task) -> Option<Arc<dyn fluxi::SecretStore>> {
        Some(self.secrets.of_org(&task.org_id))
    }

    fn access(&self, task: &fluxi_tasks::Task) -> Result<fluxi::Access, String> {
        let meta = lock_meta(&self.meta);
        let auth = meta
            .records
            .auths
            .iter()
            .find(|a| a.id == task.authorization_id)
            .ok_or_else(|| {
                format!(
                    "the task's authorization {} was deleted; update the task with another token",
                    task.authorization_id
                )
            })?;
        if auth.status != "active" {
            return Err(format!(
                "the task's authorization {} is inactive",
                task.authorization_id
            ));
        }
        if meta
            .records
            .users
            .iter()
            .any(|u| u.id == auth.user_id && u.status != "active")
        {
            return Err(format!("the task's owner {} is inactive", auth.user_id));
        }
        Ok(access_of(&meta, auth))
    }
}

/// The token of `Authorization: Token X` or `Bearer X` (the scheme in any case).
fn token_of(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer") {
        let t = rest.trim();
        (!t.is_empty()).then(|| t.to_string())
    } else {
        None
    }
}

/// Standard base64 (with or without padding), for Basic auth; `None` when malformed.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<std::thread::JoinHandle<Result<(), ServerError>>>,
}

impl Server {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop accepting, finish the requests in flight, flush the store; returns how that
    /// went.
    pub fn stop(mut self) -> Result<(), ServerError> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> Result<(), ServerError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.done.take() {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the server thread failed").into())),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// Start a server on its own threads (for embedding and tests); it runs until
/// [`Server::stop`] or drop.
pub fn start(config: Config) -> Result<Server, ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let app = open(config)?;
    let tls = app.config.tls.as_ref().map(tls::acceptor).transpose()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(app.config.bind))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let done = std::thread::Builder::new()
        .name("fluxi-server".into())
        .spawn(move || {
            runtime.block_on(serve_on(listener, tls, app, async {
                let _ = rx.await;
            }))
        })?;
    Ok(Server {
        addr,
        shutdown: Some(tx),
        done: Some(done),
    })
}

/// Serve until SIGTERM or Ctrl-C, then finish the requests in flight and flush the
/// store. `on_listening` is told the bound address first.
pub fn serve_until_signal(
    config: Config,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = open(config)?;
        let tls = app.config.tls.as_ref().map(tls::acceptor).transpose()?;
        let listener = tokio::net::TcpListener::bind(app.config.bind).await?;
        on_listening(listener.local_addr()?);
        serve_on(listener, tls, app, shutdown_signal()).await
    })
}

/// Serve on `listener`, over TLS when `tls` is given.
async fn serve_on(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    match tls {
        Some(acceptor) => run(tls::TlsListener::new(listener, acceptor)?, app, shutdown).await,
        None => run(listener, app, shutdown).await,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

fn open(config: Config) -> Result<Shared, ServerError> {
    std::fs::create_dir_all(&config.data)?;
    let store = Arc::new(DiskStorage::open(&config.data).map_err(fluxi::Error::from)?);
    // What opening found (the log replayed after a crash, anything lost or damaged), on
    // standard error as every CLI command tells it.
    let report = store.recovery();
    if report.records > 0 {
        eprintln!(
            "fluxi serve: recovered {} records ({} points) from the write-ahead log",
            report.records, report.points
        );
    }
    eprint!("{report}");
    let buckets: Arc<dyn Storage> = match &config.storage {
        Some(other) => Arc::new(fluxi::RoutedStorage::new(
            Arc::clone(&other.0),
            Arc::clone(&store) as Arc<dyn Storage>,
        )),
        None => Arc::clone(&store) as Arc<dyn Storage>,
    };
    let engine = config
        .egress
        .iter()
        .fold(
            Engine::builder()
                .storage(Arc::clone(&buckets))
                .memory_limit(config.memory_limit),
            |b, d| b.allow_egress(d.clone()),
        )
        .build()?;
    let secrets = Arc::new(secrets::Secrets::open(
        &config.data,
        config.secrets_env_prefix.clone(),
    )?);
    let meta = Arc::new(Mutex::new(Meta::open(&config.data)?));
    let clock: Arc<dyn fluxi_tasks::Clock> = match &config.task_clock {
        TaskClock::System => Arc::new(fluxi_tasks::SystemClock),
        TaskClock::File(path) => fluxi_tasks::FileClock::open(path)?,
        TaskClock::Manual(c) => Arc::clone(c) as Arc<dyn fluxi_tasks::Clock>,
    };
    let tasks = fluxi_tasks::Scheduler::open_observed(
        &config.data.join("tasks"),
        engine.clone(),
        clock,
        Arc::new(TokenAccess {
            meta: Arc::clone(&meta),
            secrets: Arc::clone(&secrets),
        }),
        config.tasks.clone(),
        Some(task_runs::observer(&store).map_err(fluxi::Error::from)?),
    )?;
    let torn = tasks.status().recovery.torn_bytes;
    if torn > 0 {
        eprintln!(
            "fluxi serve: tasks: dropped the last {torn} bytes of the task journal, a change \
             cut short by a crash and never acknowledged"
        );
    }
    let writer = if config.monitoring {
        Some(monitor::monitoring_writer(&store).map_err(fluxi::Error::from)?)
    } else {
        None
    };
    let app = Arc::new(App {
        engine,
        store,
        buckets,
        meta,
        tasks,
        secrets,
        config,
        monitor: monitor::Monitor::new(writer),
        metric_limits: metrics::Limiter::default(),
        started: SystemTime::now(),
        started_at: Instant::now(),
    });
    forget_lost_buckets(&app).map_err(|e| std::io::Error::other(e.message))?;
    adopt_store_buckets(&app).map_err(|e| std::io::Error::other(e.message))?;
    Ok(app)
}

/// Drop the records of buckets the store does not have. A bucket is made in the store
/// before its record and deleted from the store before its record goes, so a record
/// without a bucket is one whose deletion was cut short (a crash between the two).
fn forget_lost_buckets(app: &App) -> Result<(), ApiError> {
    let names: std::collections::HashSet<String> = app
        .buckets
        .buckets()
        .map_err(|e| ApiError::internal(e.to_string()))?
        .into_iter()
        .map(|b| b.name)
        .collect();
    let lost = app
        .meta()
        .records
        .buckets
        .iter()
        .any(|b| !names.contains(&b.name));
    if !lost {
        return Ok(());
    }
    app.change(|meta| {
        meta.records.buckets.retain(|b| names.contains(&b.name));
        Ok(())
    })
}

/// Give every bucket of the store that has no record yet (made with `fluxi bucket
/// create` or `fluxi write`) a record in the first org, once there is one.
pub(crate) fn adopt_store_buckets(app: &App) -> Result<(), ApiError> {
    let names: Vec<String> = app
        .buckets
        .buckets()
        .map_err(|e| ApiError::internal(e.to_string()))?
        .into_iter()
        .map(|b| b.name)
        .collect();
    let needs = {
        let meta = app.meta();
        !meta.records.orgs.is_empty()
            && names
                .iter()
                .any(|n| !meta.records.buckets.iter().any(|b| &b.name == n))
    };
    if !needs {
        return Ok(());
    }
    app.change(|meta| {
        let Some(org) = meta.records.orgs.first().map(|o| o.id.clone()) else {
            return Ok(());
        };
        for n in &names {
            if !meta.records.buckets.iter().any(|b| &b.name == n) {
                let id = meta
                    .new_id()
                    .map_err(|e| ApiError::internal(e.to_string()))?;
                meta.records.buckets.push(meta::Bucket {
                    id,
                    org_id: org.clone(),
                    name: n.clone(),
                    description: String::new(),
                    created_at: now_nanos(),
                    updated_at: 0,
                    kind: if fluxi::SYSTEM_BUCKETS.contains(&n.as_str()) {
                        "system".into()
                    } else {
                        "user".into()
                    },
                });
            }
        }
        Ok(())
    })
}

async fn run<L>(
    listener: L,
    app: Shared,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let router = router(Arc::clone(&app));
    conn::serve(listener, router, app.config.timeouts, shutdown).await;
    // Runs in progress stop at their next function call and run again at the next start.
    let stopping = Arc::clone(&app);
    tokio::task::spawn_blocking(move || stopping.tasks.shutdown())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    // Every request has finished; write the last request points, then make what was
    // written durable in the data files too.
    if let Err(e) = app.monitor.close() {
        eprintln!("fluxi serve: the last request points could not be written to _monitoring: {e}");
    }
    let store = Arc::clone(&app.store);
    tokio::task::spawn_blocking(move || store.flush())
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .map_err(fluxi::Error::from)?;
    app.meta().save()?;
    Ok(())
}

fn router(app: Shared) -> Router {
    Router::new()
        .route("/ping", get(ping).head(ping))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(monitor::metrics))
        .route("/api/v2/setup", get(api::setup_allowed).post(api::setup))
        .route("/api/v2/write", post(write::write))
        .route("/write", post(write::write_v1))
        .route("/query", get(v1_query).post(v1_query))
        .route("/api/v2/query", post(query::query))
        .route("/api/v2/query/analyze", post(analyze::analyze))
        .route("/api/v2/query/ast", post(analyze::ast))
        .route("/api/v2/delete", post(delete::delete))
        .route(
            "/api/v2/buckets",
            get(api::list_buckets).post(api::create_bucket),
        )
        .route(
            "/api/v2/buckets/{id}",
            get(api::get_bucket)
                .patch(api::update_bucket)
                .delete(api::delete_bucket),
        )
        .route("/api/v2", get(api_root))
        .route("/api/v2/orgs", get(api::list_orgs).post(api::create_org))
        .route(
            "/api/v2/orgs/{id}",
            get(api::get_org)
                .patch(api::update_org)
                .delete(api::delete_org),
        )
        .route(
            "/api/v2/orgs/{id}/secrets",
            get(api::list_secrets).patch(api::patch_secrets),
        )
        .route(
            "/api/v2/orgs/{id}/secrets/delete",
            post(api::delete_secrets),
        )
        .route(
            "/api/v2/orgs/{id}/secrets/{key}",
            axum::routing::delete(api::delete_secret),
        )
        .route("/api/v2/users", get(api::list_users).post(api::create_user))
        .route(
            "/api/v2/users/{id}",
            get(api::get_user)
                .patch(api::update_user)
                .delete(api::delete_user),
        )
        .route("/api/v2/users/{id}/password", post(api::set_password))
        .route("/api/v2/me", get(api::me))
        .route(
            "/api/v2/authorizations",
            get(api::list_auths).post(api::create_auth),
        )
        .route(
            "/api/v2/authorizations/{id}",
            get(api::get_auth)
                .delete(api::delete_auth)
                .patch(api::update_auth),
        )
        .route("/api/v2/tasks", get(api::list_tasks).post(api::create_task))
        .route(
            "/api/v2/tasks/{id}",
            get(api::get_task)
                .patch(api::update_task)
                .delete(api::delete_task),
        )
        .route(
            "/api/v2/tasks/{id}/runs",
            get(api::list_runs).post(api::run_task),
        )
        .route(
            "/api/v2/tasks/{id}/runs/{run}",
            get(api::get_run).delete(api::cancel_run),
        )
        .route("/api/v2/tasks/{id}/runs/{run}/retry", post(api::retry_run))
        .route("/api/v2/tasks/{id}/runs/{run}/logs", get(api::run_logs))
        .route("/api/v2/tasks/{id}/logs", get(api::task_logs))
        .route(
            "/api/v1/metrics",
            get(metrics::list_metrics).post(metrics::write_one),
        )
        .route("/api/v1/metrics/batch", post(metrics::write_batch))
        .route("/api/v1/flux/batch", post(metrics::write_flux_batch))
        .route("/api/v1/metrics/{name}", get(metrics::get_metric))
        .route("/api/v1/metrics/{name}/query", get(metrics::query_metric))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(common_headers))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            monitor::instrument,
        ))
        .with_state(app)
}

async fn common_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert("x-influxdb-build", HeaderValue::from_static("OSS"));
    h.insert("x-influxdb-version", HeaderValue::from_static(VERSION));
    r
}

async fn not_found() -> ApiError {
    ApiError::not_found("path not found")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed("method not allowed")
}

/// `GET /api/v2`: the API's routes, without a token (as InfluxDB).
async fn api_root() -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "authorizations": "/api/v2/authorizations",
            "buckets": "/api/v2/buckets",
            "delete": "/api/v2/delete",
            "health": "/health",
            "me": "/api/v2/me",
            "orgs": "/api/v2/orgs",
            "query": {
                "self": "/api/v2/query",
                "analyze": "/api/v2/query/analyze",
                "ast": "/api/v2/query/ast",
            },
            "setup": "/api/v2/setup",
            "tasks": "/api/v2/tasks",
            "users": "/api/v2/users",
            "write": "/api/v2/write",
        }),
    )
}

/// InfluxDB 1's `/query` runs InfluxQL, which fluxi does not speak.
async fn v1_query() -> ApiError {
    ApiError::not_implemented(
        "InfluxQL (/query) is not supported by fluxi: send Flux to /api/v2/query",
    )
}

async fn ping() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn health() -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "name": "influxdb",
            "message": "ready for queries and writes",
            "status": "pass",
            "checks": [],
            "version": VERSION,
            "commit": "",
        }),
    )
}

async fn ready(State(app): State<Shared>) -> Response {
    let up = app.started_at.elapsed().as_secs();
    let started = app
        .started
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    json_response(
        StatusCode::OK,
        &serde_json::json!({
            "status": "ready",
            "started": rfc3339(started),
            "up": format!("{}h{}m{}s", up / 3600, up / 60 % 60, up % 60),
        }),
    )
}

/// A JSON answer.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

/// The request body, gunzipped when `Content-Encoding` says gzip, refused with 413 when
/// it (decompressed) is longer than `limit`, and with 408 when it pauses longer than
/// `idle`.
pub(crate) async fn read_body(
    request: Request,
    limit: usize,
    idle: std::time::Duration,
) -> Result<Vec<u8>, ApiError> {
    let gzip = request
        .headers()
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("gzip") || v.eq_ignore_ascii_case("x-gzip")
        });
    let too_large = || ApiError::too_large("unable to read data: points batch is too large");
    let mut raw = Vec::new();
    let mut stream = request.into_body().into_data_stream();
    loop {
        let next = tokio::time::timeout(idle, stream.next()).await;
        let Ok(next) = next else {
            return Err(ApiError::request_timeout(format!(
                "unable to read data: the request body paused for more than {} s",
                idle.as_secs_f64()
            )));
        };
        let Some(chunk) = next else { break };
        let chunk = chunk.map_err(|e| ApiError::invalid(format!("unable to read data: {e}")))?;
        if raw.len() + chunk.len() > limit {
            return Err(too_large());
        }
        raw.extend_from_slice(&chunk);
    }
    if !gzip {
        return Ok(raw);
    }
    use std::io::Read;
    let mut out = Vec::new();
    let decoder = flate2::read::MultiGzDecoder::new(raw.as_slice());
    // Read one byte past the limit at most: a small body that inflates hugely stops here.
    decoder
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| ApiError::invalid(format!("unable to read data: {e}")))?;
    if out.len() > limit {
        return Err(too_large());
    }
    Ok(out)
}

/// A body as a response stream.
pub(crate) fn empty(status: StatusCode) -> Response {
    (status, Body::empty()).into_response()
}

/// Now, in Unix nanoseconds.
pub(crate) fn now_nanos() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// Unix nanoseconds as RFC 3339 in UTC with trailing zeros of the fraction trimmed.
pub(crate) fn rfc3339(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let frac = nanos.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let mut s = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    if frac > 0 {
        let f = format!("{frac:09}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_with_trimmed_fractions() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_704_067_201_500_000_000), "2024-01-01T00:00:01.5Z");
        assert_eq!(rfc3339(951_782_400_000_000_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn basic_auth_decodes() {
        assert_eq!(
            base64_decode("dXNlcjp0b2tlbg==").as_deref(),
            Some(&b"user:token"[..])
        );
        assert_eq!(
            base64_decode("dXNlcjp0b2tlbg").as_deref(),
            Some(&b"user:token"[..])
        );
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[test]
    fn tokens_come_from_token_or_bearer() {
        let mut h = HeaderMap::new();
        h.insert("authorization", HeaderValue::from_static("Token abc"));
        assert_eq!(token_of(&h).as_deref(), Some("abc"));
        h.insert("authorization", HeaderValue::from_static("bearer xyz"));
        assert_eq!(token_of(&h).as_deref(), Some("xyz"));
        h.insert("authorization", HeaderValue::from_static("Basic abc"));
        assert_eq!(token_of(&h), None);
    }
}
