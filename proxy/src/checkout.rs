//! `POST /api/billing/checkout`: every check in the order the design gives, then one upstream
//! call, then the allowlist on the URL that comes back.

use crate::upstream::with_server_timing;
use crate::{
    AppState,
    client_ip::ClientKey,
    error::AppError,
    json::{self, BodyError},
    origin_guard,
    tenant::Route,
};
use axum::response::Response;
use axum::{
    Json,
    body::Body,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
};
use closient_checkout_core::{CheckoutFields, ErrorCode, validate_checkout};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use std::{net::SocketAddr, time::Instant};

pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub async fn create_checkout(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    origin_guard::check(&headers, &state.config.public_origins)?;
    let grant = state.config.access.authenticate(&headers)?;
    if !is_json(&headers) {
        return Err(AppError::for_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let too_large = || AppError::for_status(StatusCode::PAYLOAD_TOO_LARGE);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    // Its own deadline, apart from the request's: a body sent a byte at a time is cut off
    // long before the proxy's timeout, which is there for the upstream call.
    let read = tokio::time::timeout(
        state.config.body_read_timeout,
        Limited::new(body, MAX_BODY_BYTES).collect(),
    )
    .await;
    let bytes = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(error)) if error.is::<LengthLimitError>() => return Err(too_large()),
        Ok(Err(_)) => {
            return Err(AppError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                "The request body could not be read.",
            ));
        }
        Err(_) => {
            return Err(AppError::new(
                StatusCode::REQUEST_TIMEOUT,
                ErrorCode::BadRequest,
                "The request body did not arrive in time.",
            ));
        }
    };
    // Only now does the checkout hold a slot of the API's capacity: a body that is slow to
    // come holds no more than its client's own cap (see `per_client`).
    let _slot = state
        .api_slots
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::for_status(StatusCode::SERVICE_UNAVAILABLE))?;
    let value = json::parse(&bytes).map_err(|error| {
        let message = match error {
            BodyError::NotJson => "The body is not JSON.",
            BodyError::DuplicateKey => "The body gives a field more than once.",
        };
        AppError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    })?;
    // Any object reads: a field of the wrong type is one of the fields' errors.
    let fields = CheckoutFields::deserialize(&value).map_err(|_| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "The body is not a JSON object.",
        )
    })?;
    // A token's `max_cents` is one more amount limit, reported with the other fields.
    let request = validate_checkout(&fields, &grant.limits(), &state.config.public_origins)
        .map_err(AppError::validation)?;
    grant.authorize(&request.organization_id, Route::Checkout)?;
    let client = ClientKey::from(state.config.trusted_proxies.client_ip(peer, &headers));
    state
        .limiter
        .check(client, Instant::now())
        .map_err(|wait| {
            AppError::rate_limited(wait, "Too many checkout requests; wait a moment.")
        })?;
    let called = Instant::now();
    let answer = state.upstream.create_checkout(&request).await;
    let upstream = called.elapsed();
    let answer = answer.and_then(|response| {
        match state
            .config
            .checkout_origins
            .check_url(&response.checkout_url)
        {
            Ok(()) => Ok(Json(response)),
            Err(problem) => {
                tracing::warn!(%problem, "upstream checkout_url refused by the allowlist");
                Err(AppError::upstream_unavailable(
                    "The billing service returned a checkout link that is not allowed.",
                ))
            }
        }
    });
    // Every answer that followed an upstream call says how long that call took.
    Ok(with_server_timing(answer, upstream))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}
