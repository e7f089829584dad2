//! `/__mock/*`: control over HTTP for tests that run the mock as a separate process. These
//! routes are the mock's own; the real API has nothing like them.
//!
//! - `POST /__mock/faults` `{"checkout": ["rate_limited:2", ...], "balance": [...]}`: append; 204
//! - `DELETE /__mock/faults`: clear both queues; 204
//! - `GET /__mock/stats`: `{"checkout_requests", "balance_requests", "sessions": [...]}`
//! - `POST /__mock/reset`: forget faults, counters, sessions and balances; 204

use crate::faults::Fault;
use crate::state::{MockState, Route};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use closient_checkout_core::ErrorCode;
use closient_checkout_server_common::envelope;
use serde::Deserialize;

/// `POST /__mock/faults` body: faults to append to each route's queue.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    #[serde(default)]
    checkout: Vec<Fault>,
    #[serde(default)]
    balance: Vec<Fault>,
}

pub(crate) fn routes(state: MockState) -> Router {
    Router::new()
        .route("/__mock/faults", post(add_faults).delete(clear_faults))
        .route("/__mock/stats", get(stats))
        .route("/__mock/reset", post(reset))
        .with_state(state)
}

async fn add_faults(State(state): State<MockState>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultRequest>(&body) {
        Ok(request) => {
            state.push_faults(Route::Checkout, request.checkout);
            state.push_faults(Route::Balance, request.balance);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => envelope::error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            error.to_string(),
        ),
    }
}

async fn clear_faults(State(state): State<MockState>) -> StatusCode {
    state.clear_faults();
    StatusCode::NO_CONTENT
}

async fn stats(State(state): State<MockState>) -> Response {
    Json(state.stats()).into_response()
}

async fn reset(State(state): State<MockState>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}
