//! The fake Closient billing API: `POST /billing/checkout` and `GET /billing/balance/{id}`,
//! with the real service's key check, validation, status codes and error envelope.

use crate::faults::Effect;
use crate::rate_limit;
use crate::state::{MockState, Route};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use closient_checkout_core::api::field;
use closient_checkout_core::{
    AmountLimits, ApiError, Cents, CheckoutFields, CheckoutResponse, ErrorCode, Field, FieldError,
    Money, OrganizationId, Origin,
};
use closient_checkout_server_common::envelope;
use closient_checkout_server_common::rate_limit_headers::RETRY_AFTER;
use serde::Serialize;
use std::borrow::Cow;

/// The whole balance body the real API sends, not only the part the proxy passes on.
#[derive(Serialize)]
struct BalanceBody {
    balance: Money,
    currency: &'static str,
    total_spent: Money,
    active_campaigns: u32,
}

/// The routes below the base path; every answer carries the rate-limit headers, unless the
/// mock runs for a benchmark.
pub(crate) fn routes(state: MockState) -> Router {
    let guarded = |route: Route| middleware::from_fn_with_state((state.clone(), route), guard);
    let routes = Router::new()
        .route(
            "/billing/checkout",
            post(create_checkout).route_layer(guarded(Route::Checkout)),
        )
        .route(
            "/billing/balance/{organization_id}",
            get(read_balance).route_layer(guarded(Route::Balance)),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let routes = if state.bench() {
        routes
    } else {
        routes.layer(middleware::from_fn_with_state(
            state.clone(),
            enforce_rate_limit,
        ))
    };
    routes.with_state(state)
}

/// Runs around every API route: spends one request of the window, refuses it when the window
/// is used up, and stamps the rate-limit headers on whatever the route answered.
async fn enforce_rate_limit(
    State(state): State<MockState>,
    request: Request,
    next: Next,
) -> Response {
    let reading = state.take_quota();
    let mut response = if reading.exceeded {
        let mut response = envelope::error(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "Rate limit exceeded; retry after the window resets.",
        );
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(reading.reset_secs));
        response
    } else {
        next.run(request).await
    };
    rate_limit::stamp(response.headers_mut(), reading);
    response
}

/// Runs before each route's handler: counts the request, applies a queued fault, checks the key.
async fn guard(
    State((state, route)): State<(MockState, Route)>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(fault) = state.begin_request(route) {
        match fault.effect(state.origin()) {
            Effect::Answer(response) => return response,
            Effect::Delay(_) if state.bench() => {}
            Effect::Delay(delay) => tokio::time::sleep(delay).await,
        }
    }
    let key = request.headers().get("x-api-key").map(|v| v.as_bytes());
    if !state.key_matches(key) {
        return envelope::error(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "The API key is missing or invalid.",
        );
    }
    next.run(request).await
}

async fn create_checkout(State(state): State<MockState>, body: Bytes) -> Response {
    let Ok(fields) = serde_json::from_slice::<CheckoutFields<'_>>(&body) else {
        return envelope::error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "The body must be a JSON object.",
        );
    };
    let organization = string_field(&fields.organization_id).and_then(|text| {
        OrganizationId::try_from(text.to_owned()).map_err(|error| error.to_string())
    });
    let amount = match fields.amount_cents {
        Field::Missing => Err(REQUIRED.to_owned()),
        // Any whole number, so that the range check can answer 400 for the ones out of range.
        Field::Value(Cents::Whole(cents)) => Ok(cents),
        Field::Value(Cents::NotWhole) => Err("must be a whole number of cents".to_owned()),
        Field::WrongType => Err("must be an integer".to_owned()),
    };
    let success_url = url_field(&fields.success_url);
    let cancel_url = url_field(&fields.cancel_url);

    let details: Vec<FieldError> = [
        (field::ORGANIZATION_ID, organization.as_ref().err()),
        (field::AMOUNT_CENTS, amount.as_ref().err()),
        (field::SUCCESS_URL, success_url.as_ref().err()),
        (field::CANCEL_URL, cancel_url.as_ref().err()),
    ]
    .into_iter()
    // As the API answers: a message alone, no code.
    .filter_map(|(name, error)| error.map(|message| FieldError::new(name, message.clone())))
    .collect();
    let (Ok(organization), Ok(amount), Ok(success_url), Ok(cancel_url)) =
        (organization, amount, success_url, cancel_url)
    else {
        return envelope::response(ApiError::validation(details));
    };

    // A well-typed amount out of range is a 400, not a 422: the real service answers so.
    let limits = AmountLimits::default();
    let Some(amount) = u64::try_from(amount)
        .ok()
        .and_then(|cents| limits.check(cents).ok())
    else {
        return envelope::error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            format!(
                "amount_cents must be between {} and {}.",
                limits.min().cents(),
                limits.max().cents()
            ),
        );
    };
    let checkout_url = state.open_session(organization, amount, success_url, cancel_url);
    Json(CheckoutResponse { checkout_url }).into_response()
}

async fn read_balance(
    State(state): State<MockState>,
    Path(organization_id): Path<String>,
) -> Response {
    let organization = match OrganizationId::try_from(organization_id) {
        Ok(organization) => organization,
        Err(error) => {
            return envelope::response(ApiError::validation(vec![FieldError::new(
                field::ORGANIZATION_ID,
                error.to_string(),
            )]));
        }
    };
    Json(BalanceBody {
        balance: Money::from_cents(state.balance_cents(&organization)),
        currency: "USD",
        total_spent: Money::from_cents(0),
        active_campaigns: 0,
    })
    .into_response()
}

async fn not_found() -> Response {
    envelope::error(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No such endpoint.",
    )
}

async fn method_not_allowed() -> Response {
    envelope::error(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "This endpoint does not take that method.",
    )
}

const REQUIRED: &str = "is required";

fn string_field<'a>(field: &'a Field<Cow<'_, str>>) -> Result<&'a str, String> {
    match field {
        Field::Missing => Err(REQUIRED.to_owned()),
        Field::Value(text) => Ok(text),
        Field::WrongType => Err("must be a string".to_owned()),
    }
}

fn url_field(field: &Field<Cow<'_, str>>) -> Result<String, String> {
    let url = string_field(field)?;
    Origin::of_url(url)
        .map(|_| url.to_owned())
        .map_err(|error| error.to_string())
}
