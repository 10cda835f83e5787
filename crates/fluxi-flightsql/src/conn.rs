//! The Flight SQL client: one connection (a gRPC channel) to the engine, with its own
//! Tokio runtime, since fluxi's [`Storage`](fluxi_storage::Storage) trait is synchronous
//! and any thread may call in: a query's blocking thread, or a handler of the server's
//! own runtime. The gRPC work always runs as tasks of the connection's runtime; the caller
//! waits for their answers (record batches through a small channel, so a slow reader
//! holds back the fetch) without entering that runtime, which works from any thread.
//!
//! [`WireStats`] counts the statements sent and the batches, rows and bytes of Arrow data
//! that came back, so `fluxi run --timing` and the benchmark can say what crossed the wire
//! (`explain` shows the statements themselves, from [`crate::sql`]).

use crate::url::FlightSqlUrl;
use arrow_array::RecordBatch;
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::error::FlightError;
use arrow_flight::sql::client::FlightSqlServiceClient;
use arrow_flight::sql::CommandGetTables;
use arrow_flight::{FlightData, FlightInfo, Ticket};
use fluxi_storage::StorageError;
use futures::{StreamExt, TryStreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::metadata::MetadataValue;
use tonic::transport::{Channel, ClientTlsConfig, Endpoint};

/// The largest message (one record batch of an answer) accepted from the engine; a larger
/// one fails the read ("message length too large").
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// What went over the wire since the connection opened.
#[derive(Debug, Default)]
pub struct WireStats {
    statements: AtomicU64,
    batches: AtomicU64,
    rows: AtomicU64,
    bytes: AtomicU64,
}

impl WireStats {
    /// SQL statements (and catalog requests) sent.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }
    /// Record batches received.
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }
    /// Rows received.
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }
    /// Bytes of Arrow IPC data received (message headers and bodies of every
    /// `FlightData`).
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
    fn record(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }
}

/// A connection to a Flight SQL engine.
pub struct Connection {
    /// `Some` until dropped (shut down in the background: dropping a runtime may not
    /// block where the caller is an async task).
    rt: Option<tokio::runtime::Runtime>,
    channel: Channel,
    url: FlightSqlUrl,
    /// The session's bearer token (from `token=` or the handshake).
    token: Mutex<Option<String>>,
    stats: Arc<WireStats>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn backend(url: &FlightSqlUrl, what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("{url}: {what}: {e}"))
}

/// A gRPC error in words: the status message without tonic's debug dump.
fn flight_error(e: FlightError) -> String {
    match e {
        FlightError::Tonic(status) => {
            format!("{} ({:?})", status.message(), status.code())
        }
        other => other.to_string(),
    }
}

impl Connection {
    /// Connect (and authenticate: `token=` is sent as a bearer token; `username=` and
    /// `password=` go through the Flight handshake; `handshake` asks for a session of
    /// its own even without credentials, which Ballista gives: tables registered in it
    /// are this connection's).
    pub fn connect(url: &FlightSqlUrl, handshake: bool) -> Result<Connection, StorageError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fluxi-flightsql")
            .enable_all()
            .build()
            .map_err(|e| backend(url, "cannot start the client's runtime", e))?;
        let mut endpoint = Endpoint::from_shared(url.endpoint())
            .map_err(|e| backend(url, "invalid address", e))?
            .connect_timeout(Duration::from_secs(10))
            .tcp_keepalive(Some(Duration::from_secs(30)))
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(20))
            .tcp_nodelay(true)
            // Answers are large: HTTP/2's default 64 KiB windows would stall the stream
            // for a window update every batch.
            .initial_stream_window_size(Some(8 << 20))
            .initial_connection_window_size(Some(16 << 20));
        if let Some(t) = url.timeout {
            endpoint = endpoint.timeout(t);
        }
        if url.tls {
            endpoint = endpoint
                .tls_config(ClientTlsConfig::new().with_native_roots())
                .map_err(|e| backend(url, "TLS", e))?;
        }
        let channel = wait(&rt, async move { endpoint.connect().await })?
            .map_err(|e| backend(url, "cannot connect", source_chain(&e)))?;
        let conn = Connection {
            rt: Some(rt),
            channel,
            url: url.clone(),
            token: Mutex::new(url.token.clone()),
            stats: Arc::new(WireStats::default()),
        };
        if url.basic.is_some() || handshake {
            conn.handshake()?;
        }
        Ok(conn)
    }

    /// Run the Flight handshake again (a new session; Ballista forgets idle sessions).
    pub fn handshake(&self) -> Result<(), StorageError> {
        let (user, password) = self.url.basic.clone().unwrap_or_default();
        let mut client = self.client()?;
        let token = self
            .run(async move {
                client
                    .handshake(&user, &password)
                    .await
                    .map(|_| client.token().cloned())
            })?
            .map_err(|e| backend(&self.url, "handshake refused", flight_error(e)))?;
        if let Ok(mut t) = self.token.lock() {
            *t = token;
        }
        Ok(())
    }

    /// The address connected to.
    pub fn url(&self) -> &FlightSqlUrl {
        &self.url
    }

    /// What crossed the wire so far.
    pub fn stats(&self) -> &Arc<WireStats> {
        &self.stats
    }

    fn client(&self) -> Result<FlightSqlServiceClient<Channel>, StorageError> {
        let mut c = FlightSqlServiceClient::new(self.channel.clone());
        if let Some(t) = self.token.lock().ok().and_then(|t| t.clone()) {
            c.set_token(t);
        }
        if let Some(db) = &self.url.database {
            c.set_header("database", db.clone());
        }
        Ok(c)
    }

    /// Run a statement, handing each record batch of the answer to `sink` in order (the
    /// endpoints of the answer one after the other); stops early when `sink` returns
    /// `Ok(false)`.
    pub fn query(
        &self,
        sql: &str,
        sink: &mut dyn FnMut(RecordBatch) -> Result<bool, StorageError>,
    ) -> Result<(), StorageError> {
        self.stats.record();
        let mut client = self.client()?;
        let statement = sql.to_string();
        let info = self
            .run(async move { client.execute(statement, None).await })?
            .map_err(|e| {
                let text = flight_error(e);
                match self.url.timeout {
                    Some(t) if text.contains("Timeout expired") => backend(
                        &self.url,
                        "query failed",
                        format!(
                            "the engine did not answer within {} s (timeout= in the address sets the limit)",
                            t.as_secs()
                        ),
                    ),
                    _ => backend(&self.url, "query failed", text),
                }
            })?;
        self.fetch(info, sink)
    }

    /// Run a statement that returns no rows worth keeping (DDL).
    pub fn execute(&self, sql: &str) -> Result<(), StorageError> {
        self.query(sql, &mut |_| Ok(true))
    }

    /// Every table of the catalog with its Arrow schema (`GetTables`): catalog, schema,
    /// table, columns.
    pub fn tables(
        &self,
    ) -> Result<Vec<(String, String, String, arrow_schema::Schema)>, StorageError> {
        self.stats.record();
        let mut client = self.client()?;
        let info = self
            .run(async move {
                client
                    .get_tables(CommandGetTables {
                        catalog: None,
                        db_schema_filter_pattern: None,
                        table_name_filter_pattern: None,
                        table_types: vec![],
                        include_schema: true,
                    })
                    .await
            })?
            .map_err(|e| backend(&self.url, "listing tables failed", flight_error(e)))?;
        let mut out = Vec::new();
        self.fetch(info, &mut |batch| {
            let col = |name: &str| {
                batch
                    .column_by_name(name)
                    .ok_or_else(|| backend(&self.url, "GetTables", format!("no column {name}")))
            };
            let catalogs = arrow_cast::cast(col("catalog_name")?, &arrow_schema::DataType::Utf8)
                .map_err(|e| backend(&self.url, "GetTables", e))?;
            let schemas = arrow_cast::cast(col("db_schema_name")?, &arrow_schema::DataType::Utf8)
                .map_err(|e| backend(&self.url, "GetTables", e))?;
            let tables = arrow_cast::cast(col("table_name")?, &arrow_schema::DataType::Utf8)
                .map_err(|e| backend(&self.url, "GetTables", e))?;
            let ipc = col("table_schema")?;
            let (Some(catalogs), Some(schemas), Some(tables), Some(ipc)) = (
                catalogs.as_any().downcast_ref::<arrow_array::StringArray>(),
                schemas.as_any().downcast_ref::<arrow_array::StringArray>(),
                tables.as_any().downcast_ref::<arrow_array::StringArray>(),
                ipc.as_any().downcast_ref::<arrow_array::BinaryArray>(),
            ) else {
                return Err(backend(&self.url, "GetTables", "unexpected column types"));
            };
            for i in 0..batch.num_rows() {
                let schema = arrow_ipc::convert::try_schema_from_ipc_buffer(ipc.value(i))
                    .map_err(|e| backend(&self.url, "GetTables: table schema", e))?;
                out.push((
                    catalogs.value(i).to_string(),
                    schemas.value(i).to_string(),
                    tables.value(i).to_string(),
                    schema,
                ));
            }
            Ok(true)
        })?;
        Ok(out)
    }

    fn fetch(
        &self,
        info: FlightInfo,
        sink: &mut dyn FnMut(RecordBatch) -> Result<bool, StorageError>,
    ) -> Result<(), StorageError> {
        let token = self.token.lock().ok().and_then(|t| t.clone());
        for endpoint in info.endpoint {
            if endpoint
                .location
                .iter()
                .any(|l| !l.uri.is_empty() && !l.uri.starts_with("arrow-flight-reuse-connection:"))
            {
                return Err(backend(
                    &self.url,
                    "query failed",
                    "the engine answered from another address; fetching from other servers is not supported",
                ));
            }
            let Some(ticket) = endpoint.ticket else {
                continue;
            };
            let mut request = tonic::Request::new(Ticket {
                ticket: ticket.ticket,
            });
            if let Some(t) = &token {
                let v: MetadataValue<_> = format!("Bearer {t}")
                    .parse()
                    .map_err(|_| backend(&self.url, "token", "not a valid header value"))?;
                request.metadata_mut().insert("authorization", v);
            }
            if let Some(db) = &self.url.database {
                let v: MetadataValue<_> = db
                    .parse()
                    .map_err(|_| backend(&self.url, "database", "not a valid header value"))?;
                request.metadata_mut().insert("database", v);
            }
            // The fetch runs on the connection's runtime and hands batches over a channel
            // of two: it waits while the reader is behind, and stops when the reader
            // hangs up (the receiver dropped).
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<RecordBatch, String>>(2);
            let channel = self.channel.clone();
            let stats = Arc::clone(&self.stats);
            self.runtime()?.spawn(async move {
                // One message (one record batch) may be large, but not unbounded: a bigger
                // one fails the read with tonic's "message length too large".
                let mut client =
                    arrow_flight::flight_service_client::FlightServiceClient::new(channel)
                        .max_decoding_message_size(MAX_MESSAGE_BYTES);
                let stream = match client.do_get(request).await {
                    Ok(r) => r.into_inner(),
                    Err(s) => {
                        let _ = tx.send(Err(flight_error(s.into()))).await;
                        return;
                    }
                };
                let counted = stream
                    .inspect_ok(move |d: &FlightData| {
                        let n = d.data_header.len() + d.data_body.len() + d.app_metadata.len();
                        stats.bytes.fetch_add(n as u64, Ordering::Relaxed);
                    })
                    .map_err(FlightError::from);
                let mut batches = FlightRecordBatchStream::new_from_flight_data(counted);
                while let Some(batch) = batches.next().await {
                    let failed = batch.is_err();
                    if tx.send(batch.map_err(flight_error)).await.is_err() || failed {
                        return;
                    }
                }
            });
            let mut more = true;
            while let Some(batch) = futures::executor::block_on(rx.recv()) {
                let batch = batch.map_err(|e| backend(&self.url, "fetching results failed", e))?;
                self.stats.batches.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .rows
                    .fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                if !sink(batch)? {
                    more = false;
                    break;
                }
            }
            if !more {
                break;
            }
        }
        Ok(())
    }
}

impl Connection {
    fn runtime(&self) -> Result<&tokio::runtime::Runtime, StorageError> {
        self.rt
            .as_ref()
            .ok_or_else(|| backend(&self.url, "connection", "closed"))
    }

    /// Run `fut` on the connection's runtime and wait for its answer.
    fn run<T: Send + 'static>(
        &self,
        fut: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<T, StorageError> {
        wait(self.runtime()?, fut)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Run `fut` as a task of `rt` and wait for it from this thread, whatever thread it is
/// (blocking on a runtime from inside another runtime's task panics; waiting on a channel
/// does not).
fn wait<T: Send + 'static>(
    rt: &tokio::runtime::Runtime,
    fut: impl std::future::Future<Output = T> + Send + 'static,
) -> Result<T, StorageError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rt.spawn(async move {
        let _ = tx.send(fut.await);
    });
    futures::executor::block_on(rx)
        .map_err(|_| StorageError::Backend("flight sql: the client's task stopped".into()))
}

/// An error with its causes (tonic's transport errors say little on their own).
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}
