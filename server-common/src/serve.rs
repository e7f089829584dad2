//! The accept loop of the proxy and the mock, with the limits `axum::serve` does not set: a
//! cap on open connections, a deadline for a request's headers (a client that sends them a
//! byte at a time holds a connection for that long at most), a say for the caller over each
//! connection (the proxy's per-client cap), and a deadline for draining at shutdown.
//!
//! Connections are HTTP/1.1, served by hyper's HTTP/1 builder with hyper-util's timer, I/O
//! adapter and graceful-shutdown watcher; hyper-util's `auto` builder would add an HTTP/2
//! server that nothing in front of either server needs. Served by hand rather than by
//! `axum::serve`, a response marked `CloseUnanswered` can also close its connection unanswered.

use axum::{Router, extract::ConnectInfo, response::Response};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use std::{fmt, net::SocketAddr, sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::Semaphore, task::JoinSet};
use tower::ServiceExt;

/// How connections are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open connections at most; more wait in the listen backlog until one closes.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (or, idle, its next request).
    pub header_read_timeout: Duration,
    /// After `stop`, how long requests in flight may take before their connections are dropped.
    pub shutdown_timeout: Duration,
}

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight was answered.
    Drained,
    /// The drain deadline passed with this many connections still open; they are dropped.
    DeadlinePassed { open: usize },
}

/// A response extension: the connection is closed without this response, or any, being
/// written (the mock's `drop` fault).
#[derive(Debug, Clone, Copy)]
pub struct CloseUnanswered;

/// The error a service returns to make hyper close the connection without writing anything.
#[derive(Debug)]
struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed unanswered on purpose")
    }
}

impl std::error::Error for Closed {}

/// Serves `app` on `listener` until `stop` completes, then stops accepting, lets requests in
/// flight finish for `limits.shutdown_timeout` at most, and returns. Each request carries its
/// peer as `ConnectInfo<SocketAddr>`.
///
/// `admit` is asked about each accepted connection: `None` closes it at once, and what it
/// returns otherwise is held as long as the connection is open. Connection tasks live in a
/// `JoinSet`, so dropping this future (aborting its task) closes every connection too.
pub async fn serve<Held: Send + 'static>(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut admit: impl FnMut(SocketAddr) -> Option<Held>,
    stop: impl Future<Output = ()>,
) -> Stopped {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = &mut stop => break,
        };
        let Ok(slot) = slot else {
            break;
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            // Reaps ended connections; the slot goes back and is taken again.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            () = &mut stop => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Such as too many open files: wait a little rather than spin.
                tracing::warn!("accept failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(held) = admit(peer) else {
            continue;
        };
        // Small answers, sent at once; a failure here only costs latency.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let response: Response = app
                    .oneshot(request)
                    .await
                    .unwrap_or_else(|never| match never {});
                // hyper answers a service error by closing the connection, writing nothing.
                if response.extensions().get::<CloseUnanswered>().is_some() {
                    Err(Closed)
                } else {
                    Ok(response)
                }
            }
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        connections.spawn(async move {
            if let Err(error) = connection.await {
                // A header timeout, a reset, bytes that are not HTTP: the client's business.
                tracing::debug!("connection ended: {error}");
            }
            drop((slot, held));
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => Stopped::Drained,
        () = tokio::time::sleep(limits.shutdown_timeout) => Stopped::DeadlinePassed {
            open: limits.max_connections - slots.available_permits(),
        },
    }
}
