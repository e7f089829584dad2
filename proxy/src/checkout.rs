//! `POST /api/billing/checkout`: every check in the order the design gives, then one upstream
//! call, then the allowlist on the URL that comes back.

use crate::observability::metrics;
use crate::upstream::with_server_timing;
use crate::{
    AppState,
    client_ip::ClientKey,
    error::{AppError, Limit, Unavailable},
    json::CheckoutBody,
    shared::idempotency::{self, Answer, Begun, RecordKey},
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
    let key = idempotency::key_of(&headers)?;
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
    state.rate_limit(Limit::Checkouts, client).await?;
    let claim = match key {
        None => None,
        Some(key) => {
            let record = RecordKey::new(&grant.scope(&request.organization_id), &key, &request);
            match state.shared.begin(record).await {
                Begun::Claimed(claim) => Some(claim),
                // The one place an answer is given again.
                Begun::Replay(answer) => {
                    metrics::idempotent_replay();
                    return Ok(answer.replayed());
                }
                Begun::Refused(refusal) => return Err(refusal),
            }
        }
    };
    let called = Instant::now();
    let answer = state
        .call_upstream(ROUTE, state.upstream.create_checkout(&request))
        .await;
    let upstream = called.elapsed();
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
    if let Some(claim) = claim {
        let kept = Answer::of_final(answer.as_ref().map(|Json(response)| response));
        claim.complete(kept.as_ref()).await;
    }
    // Every answer that followed an upstream call says how long that call took.
    Ok(with_server_timing(answer, upstream))
}
