//! Connections: the accept loop, HTTP/1.1 on each connection with a time limit for the
//! request head (a client that opens a connection and trickles or withholds its headers
//! is closed after [`Timeouts::header`]), and a stop that lets requests in flight finish
//! for at most [`Timeouts::shutdown_grace`] before closing what is left.

use crate::monitor::Peer;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::task::JoinSet;

/// The time limits of connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a client has to send a request's head (line and headers); default 30 s.
    pub header: Duration,
    /// How long a request body may pause between two pieces (then 408); default 60 s.
    pub body_idle: Duration,
    /// How long a stop waits for requests in flight before closing their connections;
    /// default 30 s.
    pub shutdown_grace: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: Duration::from_secs(30),
            body_idle: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Serve `router` on `listener` until `shutdown` completes, then stop gracefully.
pub(crate) async fn serve<L>(
    mut listener: L,
    router: Router,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) where
    L: Listener<Addr = SocketAddr>,
{
    let (close_tx, close_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            (io, peer) = listener.accept() => {
                let router = router.clone();
                let close = close_rx.clone();
                connections.spawn(connection(io, peer, router, timeouts.header, close));
            }
            // Reap finished connections so the set holds only live ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Stop accepting; tell every connection to finish its request and close.
    drop(listener);
    let _ = close_tx.send(true);
    let drained = tokio::time::timeout(timeouts.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        eprintln!(
            "fluxi serve: {} connection(s) still busy after {} s were closed",
            connections.len(),
            timeouts.shutdown_grace.as_secs()
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

async fn connection<I>(
    io: I,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    mut close: tokio::sync::watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(Peer(peer)));
        let mut router = router.clone();
        async move {
            // A Router is always ready and never fails (errors are responses).
            tower_service::Service::call(&mut router, request.map(Body::new)).await
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = async { let _ = close.wait_for(|closing| *closing).await; } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
