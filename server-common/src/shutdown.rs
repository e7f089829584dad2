//! When a server stops: at Ctrl-C, or at the SIGTERM a service manager or container sends.

/// Completes at the first Ctrl-C or SIGTERM. The handlers are installed by this call, not when
/// the future is first awaited: call it before saying the server is ready, so that a signal
/// sent right after is not taken with the default action (dying at once, nothing drained).
/// A signal whose handler cannot be installed is waited on forever rather than taken as a
/// request to stop. Needs a tokio runtime.
#[cfg(unix)]
pub fn signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{Signal, SignalKind, signal};
    let wait = |installed: std::io::Result<Signal>| async move {
        match installed {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let interrupt = wait(signal(SignalKind::interrupt()));
    let terminate = wait(signal(SignalKind::terminate()));
    async move {
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
}

#[cfg(not(unix))]
pub fn signal() -> impl Future<Output = ()> {
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
