//! Serves the router over TCP with server-common's loop, which closes a connection unanswered
//! when a response is marked `CloseUnanswered` (the `drop` fault).

use crate::config::MockConfig;
use crate::router::router;
use crate::state::MockState;
use closient_checkout_server_common::serve::{self, Limits};
use std::net::SocketAddr;
use std::time::Duration;
use std::{fmt, io};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Generous: the mock serves tests, the demo and benchmarks, never the open internet. The
/// drain is the few seconds `shutdown` allows.
const LIMITS: Limits = Limits {
    max_connections: 4096,
    header_read_timeout: Duration::from_secs(30),
    shutdown_timeout: Duration::from_secs(5),
};

/// A mock serving on a loopback port. Dropping it stops the server at once, closing every
/// connection; `shutdown` lets requests in flight finish first.
pub struct RunningMock {
    addr: SocketAddr,
    state: MockState,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<serve::Stopped>>,
}

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
    let server = tokio::spawn(serve::serve(
        listener,
        router(state.clone()),
        LIMITS,
        |_| Some(()),
        async {
            // A send or a dropped handle: either way, stop.
            let _ = stopped.await;
        },
    ));
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
