//! `POST /api/billing/checkout`: every check in the order the design gives, then one upstream
//! call, then the allowlist on the URL that comes back.

use crate::upstream::with_server_timing;
use crate::{AppState, client_ip::client_ip, error::AppError, origin_guard, tenant::Route};
use axum::response::Response;
use axum::{
    Json,
    body::Body,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode, header},
};
use closient_checkout_core::{CheckoutFields, ErrorCode, Field, validate_checkout};
use serde_json::Value;
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
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
        AppError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "The body is not JSON.",
        )
    })?;
    let Value::Object(object) = &value else {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "The body is not a JSON object.",
        ));
    };
    let text = |name: &str| match object.get(name) {
        None | Some(Value::Null) => Field::Missing,
        Some(Value::String(s)) => Field::Value(s.as_str()),
        Some(_) => Field::WrongType,
    };
    let fields = CheckoutFields {
        organization_id: text("organization_id"),
        amount_cents: match object.get("amount_cents") {
            None | Some(Value::Null) => Field::Missing,
            Some(number) => number.as_u64().map_or(Field::WrongType, Field::Value),
        },
        success_url: text("success_url"),
        cancel_url: text("cancel_url"),
    };
    // A token's `max_cents` is one more amount limit, reported with the other fields.
    let request = validate_checkout(fields, &grant.limits(), &state.config.public_origins)
        .map_err(AppError::validation)?;
    grant.authorize(&request.organization_id, Route::Checkout)?;
    let client = client_ip(peer, &headers, state.config.trust_forwarded_for);
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
