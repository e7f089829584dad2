//! What an operator can watch: a log line per request with its `X-Request-Id`, the log format,
//! and the metrics served on a listener of their own (`--metrics-listen`), never on the public
//! one.

pub mod logging;
pub mod metrics;
pub mod request_id;

use crate::AppState;
use axum::{
    Router,
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use closient_checkout_core::ErrorCode;
use closient_checkout_server_common::log_value::clipped;
use logging::LogFormat;
use std::{net::SocketAddr, time::Instant};

/// The flags of this module, flattened into the proxy's.
#[derive(Debug, Clone, clap::Args)]
pub struct ObservabilityArgs {
    /// Serve GET /metrics (Prometheus text format) on this address, apart from --listen, which
    /// never serves it. Default: no metrics.
    #[arg(long, env = "CHECKOUT_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Log lines as text, or as one JSON object per line.
    #[arg(long, env = "CHECKOUT_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

/// The metrics listener's service: `GET /metrics`, and 404 for anything else.
pub fn metrics_router() -> Router {
    Router::new().route(
        "/metrics",
        get(|| async {
            (
                [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
                metrics::render(),
            )
                .into_response()
        }),
    )
}

/// Middleware around every request: its id (returned on every answer and logged), its count by
/// route and status, and one line when it is answered: method, path (never the query or headers, both cut to a few hundred bytes),
/// status, the error's code when the answer is a refusal (`FORBIDDEN_ORIGIN`, `RATE_LIMITED`,
/// ...), and latency.
pub async fn observe(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let peer_trusted = state.config.trusted_proxies.trusts(peer.ip());
    let id = request_id::for_request(request.headers(), peer_trusted);
    // Visible ASCII, made or checked: always text.
    let request_id = id.to_str().unwrap_or_default().to_owned();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = clipped(request.method().as_str()).to_owned();
    let path = clipped(request.uri().path()).to_owned();
    // No span around the request: entering one on every poll cost 4% of a checkout's
    // instructions, for an id that the request's own line already carries.
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    metrics::request(
        route
            .as_ref()
            .map_or(metrics::FALLBACK_ROUTE, MatchedPath::as_str),
        status,
    );
    let latency_ms = started.elapsed().as_millis() as u64;
    match response.extensions().get::<ErrorCode>() {
        Some(code) => tracing::info!(
            %method,
            path,
            status,
            code = code.as_str(),
            latency_ms,
            request_id,
            "request"
        ),
        None => tracing::info!(%method, path, status, latency_ms, request_id, "request"),
    }
    response.headers_mut().insert(request_id::X_REQUEST_ID, id);
    response
}
