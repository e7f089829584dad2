//! Serves the router over TCP. Connections are served with hyper directly rather than with
//! `axum::serve`, so that a response marked `DropConnection` closes its connection unanswered.

use crate::config::MockConfig;
use crate::faults::DropConnection;
use crate::router::router;
use crate::state::MockState;
use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::time::Duration;
use std::{fmt, io};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

/// How long `shutdown` lets requests in flight finish.
const GRACE: Duration = Duration::from_secs(5);

/// A mock serving on a loopback port. Dropping it stops the server at once, closing every
/// connection; `shutdown` lets requests in flight finish first.
pub struct RunningMock {
    addr: SocketAddr,
    state: MockState,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
}

/// The error a service returns to make hyper close the connection without writing anything.
#[derive(Debug)]
struct ConnectionDropped;

/// Binds `config.listen` (port 0 picks a free port) and serves on the current tokio runtime.
pub async fn start(config: MockConfig) -> io::Result<RunningMock> {
    if config.api_key.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the mock needs a non-empty API key",
        ));
    }
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let state = MockState::new(&MockConfig {
        listen: addr,
        ..config
    });
    let (stop, stopped) = oneshot::channel();
    let server = tokio::spawn(serve(listener, router(state.clone()), stopped));
    Ok(RunningMock {
        addr,
        state,
        stop: Some(stop),
        server: Some(server),
    })
}

impl RunningMock {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn origin(&self) -> &str {
        self.state.origin()
    }

    /// `http://127.0.0.1:PORT/billing/api/v1`
    pub fn base_url(&self) -> String {
        self.state.base_url()
    }

    pub fn state(&self) -> &MockState {
        &self.state
    }

    /// Stops accepting, lets requests in flight finish (for a few seconds at most), then stops.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            // An error means the server task is gone already.
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

impl fmt::Debug for RunningMock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningMock")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

/// The accept loop. Connection tasks live in a `JoinSet`, so aborting this task (by dropping
/// the handle's owner) aborts them too.
async fn serve(listener: TcpListener, app: Router, mut stop: oneshot::Receiver<()>) {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    // Small answers, sent at once; a failure here only costs latency.
                    let _ = stream.set_nodelay(true);
                    let connection = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service(app.clone()));
                    let connection = graceful.watch(connection);
                    connections.spawn(async move {
                        if let Err(error) = connection.await {
                            tracing::debug!("connection ended: {error}");
                        }
                    });
                }
                Err(error) => {
                    // Such as too many open files: wait a little rather than spin.
                    tracing::warn!("accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut stop => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => {}
    }
}

fn service(
    app: Router,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = axum::response::Response,
    Error = ConnectionDropped,
    Future: Send,
> {
    service_fn(move |request: Request<Incoming>| {
        let app = app.clone();
        async move {
            let response = app
                .oneshot(request)
                .await
                .unwrap_or_else(|never| match never {});
            // hyper answers a service error by closing the connection, writing nothing.
            if response.extensions().get::<DropConnection>().is_some() {
                Err(ConnectionDropped)
            } else {
                Ok(response)
            }
        }
    })
}
