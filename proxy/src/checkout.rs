//! `POST /api/billing/checkout`: every check in the order the design gives, then one upstream
//! call, then the allowlist on the URL that comes back.

use crate::observability::metrics;
use crate::upstream::with_server_timing;
use crate::{
    AppState,
    client_ip::ClientKey,
    error::{AppError, Limit, Unavailable},
    json::CheckoutBody,
    tenant::{Caller, Route},
};
use axum::response::Response;
use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
};
use closient_checkout_core::validate_checkout;
use std::{net::SocketAddr, time::Instant};

/// The route's template, as routed and as the metrics label it.
pub const ROUTE: &str = "/api/billing/checkout";

/// The arguments are taken in the design's order: the caller's checks, then the body's.
pub async fn create_checkout(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Caller(grant): Caller,
    body: CheckoutBody,
) -> Result<Response, AppError> {
    // Only now does the checkout hold a slot of the API's capacity: a body that is slow to
    // come holds no more than its client's own cap (see `per_client`).
    let _slot = state
        .api_slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::Status(StatusCode::SERVICE_UNAVAILABLE))?;
    // A token's `max_cents` is one more amount limit, reported with the other fields.
    let request = validate_checkout(
        &body.fields(),
        &grant.limits(),
        &state.config.public_origins,
    )
    .map_err(AppError::Invalid)?;
    grant.authorize(&request.organization_id, Route::Checkout)?;
    let client = ClientKey::from(state.config.trusted_proxies.client_ip(peer, &headers));
    state
        .limiter
        .check(client, Instant::now())
        .map_err(|wait| AppError::RateLimited {
            wait,
            limit: Limit::Checkouts,
        })?;
    let called = Instant::now();
    let answer = state.upstream.create_checkout(&request).await;
    let upstream = called.elapsed();
    metrics::upstream_duration(ROUTE, upstream);
    let answer = answer.and_then(|response| {
        match state
            .upstream
            .checkout_origins
            .check_url(&response.checkout_url)
        {
            Ok(()) => Ok(Json(response)),
            Err(problem) => {
                tracing::warn!(%problem, "upstream checkout_url refused by the allowlist");
                Err(AppError::Unavailable(Unavailable::CheckoutUrlNotAllowed))
            }
        }
    });
    // Every answer that followed an upstream call says how long that call took.
    Ok(with_server_timing(answer, upstream))
}
