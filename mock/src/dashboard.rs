//! `GET /__dashboard/token?organization=ID`: the demo's stand-in for a dashboard's backend, which
//! mints a tenant token for the organization its signed-in user may bill. The real one checks
//! who is signed in; this one gives a token to anyone who asks, so it lives only in the mock.
//!
//! Query: `organization` (required), `audience` (the proxy's public origin; default: the
//! request's `Origin`, which a page's `fetch` sends), `ttl` (`15m` by default, at most `1h`),
//! `max_cents`. Answers `{"token": "..."}`, readable by a page of any origin.

use crate::state::MockState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use closient_checkout_core::{ErrorCode, OrganizationId};
use closient_checkout_server_common::duration::parse_positive_duration;
use closient_checkout_server_common::envelope;
use closient_checkout_server_common::tenant_token::{self, Claims};
use serde::Deserialize;
use std::time::Duration;

const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenQuery {
    organization: String,
    audience: Option<String>,
    ttl: Option<String>,
    max_cents: Option<u64>,
}

pub(crate) fn routes(state: MockState) -> Router {
    Router::new()
        .route("/__dashboard/token", get(token))
        .with_state(state)
}

async fn token(
    State(state): State<MockState>,
    headers: HeaderMap,
    query: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let mut response = mint(
        &state,
        &headers,
        query.map(|Query(q)| q).map_err(|e| e.body_text()),
    )
    .unwrap_or_else(|(status, message)| envelope::error(status, ErrorCode::BadRequest, message));
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn mint(
    state: &MockState,
    headers: &HeaderMap,
    query: Result<TokenQuery, String>,
) -> Result<Response, (StatusCode, String)> {
    let bad = |message: String| (StatusCode::BAD_REQUEST, message);
    let Some(secret) = state.tenant_secret() else {
        return Err((
            StatusCode::NOT_FOUND,
            format!(
                "no tenant secret: start the mock with {} to mint tokens",
                tenant_token::SECRET_VAR
            ),
        ));
    };
    let query = query.map_err(bad)?;
    let organization = OrganizationId::parse_exact(&query.organization)
        .map_err(|e| bad(format!("organization {e}")))?;
    let audience = match query.audience {
        Some(audience) => audience,
        None => headers
            .get(header::ORIGIN)
            .and_then(|origin| origin.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| bad("audience is required without an Origin header".to_owned()))?,
    };
    let ttl = query
        .ttl
        .as_deref()
        .map_or(Ok(DEFAULT_TTL), parse_positive_duration)
        .map_err(|e| bad(format!("ttl: {e}")))?;
    let claims =
        Claims::new(organization.as_str(), ttl, vec![audience], query.max_cents).map_err(bad)?;
    let token =
        tenant_token::mint(secret, &claims).map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok(Json(serde_json::json!({ "token": token })).into_response())
}
