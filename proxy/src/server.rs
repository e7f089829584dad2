//! Serving connections, with the limits `axum::serve` does not set: a deadline for a request's
//! headers (a client that sends them a byte at a time holds a connection for that long at
//! most), a cap on open connections and one per client, and a deadline for draining at
//! shutdown.
//!
//! Connections are HTTP/1.1, served by hyper's HTTP/1 builder with hyper-util's timer, I/O
//! adapter and graceful-shutdown watcher; hyper-util's `auto` builder would add an HTTP/2
//! server that nothing in front of the proxy needs.

use crate::{client_ip::ClientKey, config::Serving, per_client::PerClient};
use axum::{Router, extract::ConnectInfo};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use std::{sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt;

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight was answered.
    Drained,
    /// The drain deadline passed with this many connections still open; they are dropped.
    DeadlinePassed { open: usize },
}

/// Serves `app` on `listener` until `stop` completes, then stops accepting, lets requests in
/// flight finish for `serving.shutdown_timeout` at most, and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    serving: Serving,
    stop: impl Future<Output = ()>,
) -> Stopped {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(serving.header_read_timeout);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(serving.max_connections));
    let per_client = PerClient::new(serving.max_connections_per_client);
    tokio::pin!(stop);
    loop {
        // At the cap, new connections wait in the listen backlog until one closes.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut stop => break,
        };
        let Ok(slot) = slot else {
            break;
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
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
        // A trusted reverse proxy carries many clients' requests; anyone else is one client.
        let held = if serving.trusted_proxies.trusts(peer.ip()) {
            None
        } else {
            match per_client.try_hold(ClientKey::from(peer.ip())) {
                Some(held) => Some(held),
                None => {
                    tracing::debug!(
                        client = %peer.ip(),
                        "connection closed: the client has as many open as it may"
                    );
                    continue;
                }
            }
        };
        // Small answers, sent at once; a failure here only costs latency.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
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
        () = tokio::time::sleep(serving.shutdown_timeout) => Stopped::DeadlinePassed {
            open: serving.max_connections - slots.available_permits(),
        },
    }
}
