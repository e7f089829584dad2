//! Every error the proxy answers, in the Closient envelope, so the widget reads one shape.

use crate::observability::metrics;
use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use closient_checkout_core::{ApiError, ErrorCode, FieldError};
use closient_checkout_server_common::envelope;
use std::time::Duration;

/// Every way a request can fail at the proxy. Each variant's status, code and words are in
/// `IntoResponse`, the one place an answer is worded; call sites only say what happened.
/// Cloned when a cached balance error is answered again.
#[derive(Debug, Clone)]
pub enum AppError {
    /// A status some layer answered without an envelope, or a check known by its status alone.
    Status(StatusCode),
    BadRequest(BadRequest),
    /// 403 `FORBIDDEN_ORIGIN`: not one of the widget's own pages.
    ForbiddenOrigin,
    /// 401 `UNAUTHENTICATED`, with this `WWW-Authenticate` challenge.
    Unauthenticated {
        challenge: &'static str,
    },
    /// 403 `FORBIDDEN`: the request may not act for this organization here.
    Forbidden(Forbidden),
    /// 422 `VALIDATION_ERROR`, each field's problem.
    Invalid(Vec<FieldError>),
    /// 429 `RATE_LIMITED`, with `Retry-After` in whole seconds, rounded up.
    RateLimited {
        wait: Duration,
        limit: Limit,
    },
    /// 422 `IDEMPOTENCY_KEY_REUSED`: the key was used before with another body.
    IdempotencyKeyReused,
    /// 409 `IDEMPOTENCY_KEY_IN_USE`, with `Retry-After`: the first request with the key is
    /// still upstream, and may be for `wait` at most.
    IdempotencyKeyInUse {
        wait: Duration,
    },
    /// 502 `UPSTREAM_UNAVAILABLE`.
    Unavailable(Unavailable),
    /// 504 `UPSTREAM_TIMEOUT`: the upstream call reached its deadline.
    UpstreamTimeout,
    /// 504 `UPSTREAM_TIMEOUT`: the request reached the proxy's own, longer deadline.
    ProxyDeadline,
    /// An upstream error passed on, with the headers that go with it. Boxed to keep
    /// `Result<_, AppError>` small.
    Relayed(Box<(ApiError, HeaderMap)>),
}

/// 400 `BAD_REQUEST` (408 for a body that came too slowly): a request no check can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRequest {
    RepeatedHeader,
    BodyUnreadable,
    BodyTooSlow,
    NotJson,
    DuplicateKey,
    NotAnObject,
    /// 400 `INVALID_IDEMPOTENCY_KEY`.
    IdempotencyKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// Open access serves no balance.
    NoBoundOrganization,
    NotListed,
    OtherOrganization,
}

/// Which limit a request ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Checkouts,
    Balances,
    InFlight,
    /// The upstream answered 429 a moment ago; nobody calls it until its `Retry-After` passes.
    Upstream,
}

/// Why the upstream's answer could not be passed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    Unencodable,
    Unreachable,
    Unreadable,
    Redirect,
    /// The upstream or its forward proxy refused the proxy's own credentials.
    Refused,
    CheckoutUrlNotAllowed,
}

impl AppError {
    /// The code and status of what will be answered, for a log line.
    pub fn error(&self) -> ApiError {
        match self {
            Self::Status(status) => for_status(*status),
            Self::BadRequest(reason) => {
                let (status, message) = match reason {
                    BadRequest::RepeatedHeader => (
                        StatusCode::BAD_REQUEST,
                        "The request gives Host, Origin or Sec-Fetch-Site more than once.",
                    ),
                    BadRequest::BodyUnreadable => (
                        StatusCode::BAD_REQUEST,
                        "The request body could not be read.",
                    ),
                    BadRequest::BodyTooSlow => (
                        StatusCode::REQUEST_TIMEOUT,
                        "The request body did not arrive in time.",
                    ),
                    BadRequest::NotJson => (StatusCode::BAD_REQUEST, "The body is not JSON."),
                    BadRequest::DuplicateKey => (
                        StatusCode::BAD_REQUEST,
                        "The body gives a field more than once.",
                    ),
                    BadRequest::NotAnObject => {
                        (StatusCode::BAD_REQUEST, "The body is not a JSON object.")
                    }
                    BadRequest::IdempotencyKey => {
                        return ApiError::new(
                            ErrorCode::InvalidIdempotencyKey,
                            400,
                            "The Idempotency-Key must be given once, as 1 to 255 visible ASCII \
                             characters.",
                        );
                    }
                };
                ApiError::new(ErrorCode::BadRequest, status.as_u16(), message)
            }
            Self::ForbiddenOrigin => ApiError::new(
                ErrorCode::ForbiddenOrigin,
                403,
                "This origin may not use this checkout.",
            ),
            Self::Unauthenticated { .. } => ApiError::new(
                ErrorCode::Unauthenticated,
                401,
                "This page's session has expired or is not valid; reload the page to continue.",
            ),
            Self::Forbidden(reason) => ApiError::new(
                ErrorCode::Forbidden,
                403,
                match reason {
                    Forbidden::NoBoundOrganization => {
                        "Balances are served only for organizations this checkout is bound to."
                    }
                    Forbidden::NotListed => "This organization may not be topped up here.",
                    Forbidden::OtherOrganization => {
                        "This page's session is for another organization."
                    }
                },
            ),
            Self::Invalid(details) => ApiError::validation(details.clone()),
            Self::RateLimited { limit, .. } => ApiError::new(
                ErrorCode::RateLimited,
                429,
                match limit {
                    Limit::Checkouts => "Too many checkout requests; wait a moment.",
                    Limit::Balances => "Too many balance requests; wait a moment.",
                    Limit::InFlight => "Too many requests at once from this client; wait a moment.",
                    Limit::Upstream => "The billing service asked for a pause; wait a moment.",
                },
            ),
            Self::IdempotencyKeyReused => ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                422,
                "This Idempotency-Key was used with another request body.",
            ),
            Self::IdempotencyKeyInUse { .. } => ApiError::new(
                ErrorCode::IdempotencyKeyInUse,
                409,
                "The first request with this Idempotency-Key is still being answered; wait a moment.",
            ),
            Self::Unavailable(reason) => ApiError::new(
                ErrorCode::UpstreamUnavailable,
                502,
                match reason {
                    Unavailable::Unencodable => "Could not encode the request.",
                    Unavailable::Unreachable => "The billing service could not be reached.",
                    Unavailable::Unreadable => {
                        "The billing service gave an answer that could not be read."
                    }
                    Unavailable::Redirect => "The billing service answered with a redirect.",
                    Unavailable::Refused => "The billing service is not available right now.",
                    Unavailable::CheckoutUrlNotAllowed => {
                        "The billing service returned a checkout link that is not allowed."
                    }
                },
            ),
            Self::UpstreamTimeout => for_status(StatusCode::GATEWAY_TIMEOUT),
            Self::ProxyDeadline => ApiError::new(
                ErrorCode::UpstreamTimeout,
                504,
                "The checkout service took too long with this request.",
            ),
            Self::Relayed(relayed) => relayed.0.clone(),
        }
    }
}

/// The envelope for a status that carries no words of its own.
pub fn for_status(status: StatusCode) -> ApiError {
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "This method is not allowed on this route.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            ErrorCode::PayloadTooLarge,
            "The request body is larger than 16 KiB.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            (ErrorCode::UnsupportedMediaType, "Send application/json.")
        }
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "There is nothing here."),
        StatusCode::SERVICE_UNAVAILABLE => (
            ErrorCode::ServiceUnavailable,
            "The server is busy; try again shortly.",
        ),
        StatusCode::GATEWAY_TIMEOUT => (
            ErrorCode::UpstreamTimeout,
            "The billing service did not answer in time.",
        ),
        s if s.is_server_error() => (
            ErrorCode::InternalError,
            "Something went wrong on the server.",
        ),
        _ => (ErrorCode::BadRequest, "The request could not be handled."),
    };
    ApiError::new(code, status.as_u16(), message)
}

impl Limit {
    /// Its name: the `limit` label of `checkout_proxy_rate_limited_total`, and its buckets' part
    /// of their Redis keys.
    pub fn label(self) -> &'static str {
        match self {
            Self::Checkouts => "checkout",
            Self::Balances => "balance",
            Self::InFlight => "in_flight",
            Self::Upstream => "upstream",
        }
    }
}

/// `Retry-After` in whole seconds, rounded up and at least one: a 0 would invite a retry at once.
fn retry_after(wait: Duration) -> HeaderMap {
    let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
    HeaderMap::from_iter([(header::RETRY_AFTER, HeaderValue::from(secs))])
}

impl IntoResponse for AppError {
    /// Every 429 the proxy answers becomes a response here, its own limits' and the upstream's
    /// relayed ones alike: the one place to count them.
    fn into_response(self) -> Response {
        let headers = match self {
            Self::RateLimited { wait, limit } => {
                metrics::rate_limited(limit.label());
                retry_after(wait)
            }
            Self::IdempotencyKeyInUse { wait } => retry_after(wait),
            Self::Unauthenticated { challenge } => HeaderMap::from_iter([(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            )]),
            Self::Relayed(relayed) => {
                let (error, headers) = *relayed;
                if error.status == StatusCode::TOO_MANY_REQUESTS.as_u16() {
                    metrics::rate_limited("upstream");
                }
                let mut response = envelope::response(error);
                response.headers_mut().extend(headers);
                return response;
            }
            _ => HeaderMap::new(),
        };
        let mut response = envelope::response(self.error());
        response.headers_mut().extend(headers);
        response
    }
}

/// Middleware: an error answered by axum or tower (405, 413, 503, a timeout) in plain text is
/// replaced by the envelope for its status, keeping its other headers (`Allow`, ...).
pub async fn envelope_plain_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/") || request.uri().path() == "/healthz";
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error())
        || is_json
        || (!api && status == StatusCode::NOT_FOUND)
    {
        return response;
    }
    let (parts, _) = response.into_parts();
    let mut replaced = AppError::Status(status).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replaced.headers_mut().insert(name.clone(), value.clone());
        }
    }
    replaced
}
