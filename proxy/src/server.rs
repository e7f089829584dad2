//! Serving connections with server-common's loop, adding the cap on connections per client.

use crate::{client_ip::ClientKey, config::Serving, per_client::PerClient};
use axum::Router;
pub use closient_checkout_server_common::serve::Stopped;
use tokio::net::TcpListener;

/// Serves `app` on `listener` until `stop` completes, then stops accepting, lets requests in
/// flight finish for `serving.limits.shutdown_timeout` at most, and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    serving: Serving,
    stop: impl Future<Output = ()>,
) -> Stopped {
    let per_client = PerClient::new(serving.max_connections_per_client);
    let admit = |peer: std::net::SocketAddr| {
        // A trusted reverse proxy carries many clients' requests; anyone else is one client.
        if serving.trusted_proxies.trusts(peer.ip()) {
            return Some(None);
        }
        let held = per_client.try_hold(ClientKey::from(peer.ip()));
        if held.is_none() {
            tracing::debug!(
                client = %peer.ip(),
                "connection closed: the client has as many open as it may"
            );
        }
        held.map(Some)
    };
    closient_checkout_server_common::serve::serve(listener, app, serving.limits, admit, stop).await
}
